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
		{"--agent-env-from-secret with direct mode", AgentFlags{ModeFlag: "direct", SecretEnv: []string{"HTTPS_PROXY=s:k"}}, "",
			"--agent-env-from-secret and --agent-tolerations shape the agent of --mode agent"},
		{"a secret as a plain --agent-env", AgentFlags{ModeFlag: "agent", EnvFlags: []string{"HTTPS_PROXY=http://u:p@proxy:3128"}}, "",
			"pass --agent-env-from-secret HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY instead"},
		{"a bad --agent-env-from-secret", AgentFlags{ModeFlag: "agent", SecretEnv: []string{"HTTPS_PROXY=s"}}, "", "want NAME=SECRET:KEY"},
		{"--agent-env-from-secret", AgentFlags{ModeFlag: "agent", SecretEnv: []string{"HTTPS_PROXY=s:k"}}, v1alpha1.ModeAgent, ""},
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
