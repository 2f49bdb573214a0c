package agent_test

import (
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
)

func TestValidateHubServer(t *testing.T) {
	for server, want := range map[string]string{
		"https://hub.example:6443":       "",
		"https://10.0.0.1:6443/prefix":   "",
		"http://hub.example:6443":        `"http://hub.example:6443" is not an https:// URL of the hub`,
		"hub.example:6443":               "is not an https:// URL",
		"https://":                       "is not an https:// URL",
		"":                               `"" is not an https:// URL`,
		"https://hub.example:6443/?x=1":  "is not an https:// URL",
		"https://u:secret@hub.example:1": "carries user information",
	} {
		err := agent.ValidateHubServer(server)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateHubServer(%q) = %v, want %q", server, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret@") {
			t.Errorf("the error repeats a password: %v", err)
		}
	}
}
