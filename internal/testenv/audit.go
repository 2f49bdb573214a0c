package testenv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// auditPolicy logs every request at metadata level: who, what, with which user agent.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

// AuditEvent is what a test reads of one audit log line.
type AuditEvent struct {
	Verb       string    `json:"verb"`
	RequestURI string    `json:"requestURI"`
	UserAgent  string    `json:"userAgent"`
	User       AuditUser `json:"user"`
	// ImpersonatedUser is whom the request ran as when User impersonated someone.
	ImpersonatedUser *AuditUser `json:"impersonatedUser,omitempty"`
	ResponseStatus   struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// AuditUser is an identity in an audit event.
type AuditUser struct {
	Username string              `json:"username"`
	Groups   []string            `json:"groups"`
	Extra    map[string][]string `json:"extra"`
}

// ReadAudit reads the cluster's audit log (Options.Audit).
func (c *Cluster) ReadAudit() ([]AuditEvent, error) {
	if c.AuditLog == "" {
		return nil, fmt.Errorf("cluster %s was started without Options.Audit", c.Name)
	}
	f, err := os.Open(c.AuditLog)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var events []AuditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("audit log %s: %w", c.AuditLog, err)
		}
		events = append(events, e)
	}
	return events, sc.Err()
}
