package common

import (
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestAgentFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   AgentFlags
		mode    v1alpha1.Mode
		wantErr string
	}{
		{"agent is the default", NewAgentFlags(), v1alpha1.ModeAgent, ""},
		{"direct", AgentFlags{ModeFlag: "direct"}, v1alpha1.ModeDirect, ""},
		{"case does not matter", AgentFlags{ModeFlag: "Agent"}, v1alpha1.ModeAgent, ""},
		{"unknown mode", AgentFlags{ModeFlag: "pull"}, "", `invalid --mode "pull": use agent`},
		{"agent flags with direct mode", AgentFlags{ModeFlag: "direct", EnvFlags: []string{"HTTPS_PROXY=http://p:3128"}}, "",
			"with --mode direct no agent runs"},
		{"a bad --agent-env", AgentFlags{ModeFlag: "agent", EnvFlags: []string{"NOEQUALS"}}, "", "invalid --agent-env"},
		{"a bad --agent-tolerations", AgentFlags{ModeFlag: "agent", Tolerations: []string{"key:Sometimes"}}, "", "--agent-tolerations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.flags
			err := f.Complete()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || f.Mode != tc.mode {
				t.Fatalf("mode %q, error %v; want %q", f.Mode, err, tc.mode)
			}
			if f.Mode == v1alpha1.ModeAgent && f.Agent.Image == "" {
				t.Error("agent mode without an image: the default must be filled in")
			}
		})
	}
}
