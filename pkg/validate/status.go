package validate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var statusPath = field.NewPath("status")

// StatusWrite applies the status-writer rule to a write of the status subresource: only the
// hub component's own identities (writers) may write it. Status is what the hub observed in
// the downstream (etcd members, NotReady nodes, the running version) and the upgrade rule
// trusts it, so a tenant who could write it could talk the webhook into a quorum-breaking
// upgrade. An empty writers list admits nobody: the webhook fails closed.
func StatusWrite(username string, writers []string) Result {
	return statusWriteRule(username, writers).by(RuleStatusWrite)
}

func statusWriteRule(username string, writers []string) Result {
	var r Result
	if slices.Contains(writers, username) {
		return r
	}
	who := "the hub component"
	if len(writers) > 0 {
		who += " (" + strings.Join(writers, ", ") + ")"
	}
	r.refuse(field.Forbidden(statusPath, fmt.Sprintf(
		"only %s writes the status of an ImportedCluster, not %q: status is what the hub observed in the downstream and the admission rules rely on it; change spec instead and the hub reports the result",
		who, shown(username))))
	return r
}
