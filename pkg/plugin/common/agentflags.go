package common

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// AgentFlags are the connection-mode flags of `cluster` and `join`.
type AgentFlags struct {
	ModeFlag    string
	Image       string
	EnvFlags    []string
	SecretEnv   []string
	Tolerations []string

	// Set by Complete.
	Mode  v1alpha1.Mode
	Agent importer.AgentOptions
}

// Mode flag values.
const (
	ModeAgent  = "agent"
	ModeDirect = "direct"
)

// NewAgentFlags defaults to agent mode.
func NewAgentFlags() AgentFlags { return AgentFlags{ModeFlag: ModeAgent} }

// AddFlags binds the flags.
func (f *AgentFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.ModeFlag, "mode", f.ModeFlag, "agent: kimport-agent runs in the downstream and dials out to the hub (works behind NAT and firewalls; the hub keeps no downstream credential); "+
		"direct: the hub reaches the downstream's API server with a short-lived token it renews")
	fs.StringVar(&f.Image, "agent-image", "", "agent mode: the kimport-agent image (default: the hub component's image at the plugin's version)")
	fs.StringArrayVar(&f.EnvFlags, "agent-env", nil, "agent mode: NAME=VALUE set in the agent's environment, e.g. HTTPS_PROXY=http://proxy:3128 or NO_PROXY=10.0.0.0/8 (repeatable); "+
		"stored in plain text, so secrets are refused: pass them with --agent-env-from-secret")
	fs.StringArrayVar(&f.SecretEnv, "agent-env-from-secret", nil, "agent mode: NAME=SECRET:KEY sets NAME in the agent's environment from key KEY of Secret SECRET in "+v1alpha1.AgentNamespace+
		" of the downstream, which you create (repeatable), e.g. HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY for a proxy URL with a password; the value is never read nor printed")
	fs.StringArrayVar(&f.Tolerations, "agent-tolerations", nil, "agent mode: KEY[=VALUE]:EFFECT the agent tolerates, replacing the default control-plane tolerations (repeatable)")
}

// Complete parses the flags; every error names its flag.
func (f *AgentFlags) Complete() error {
	switch strings.ToLower(f.ModeFlag) {
	case ModeAgent:
		f.Mode = v1alpha1.ModeAgent
	case ModeDirect:
		f.Mode = v1alpha1.ModeDirect
	default:
		return fmt.Errorf("invalid --mode %q: use agent (the agent dials out to the hub) or direct (the hub dials the downstream)", f.ModeFlag)
	}
	if f.Mode == v1alpha1.ModeDirect && (f.Image != "" || len(f.EnvFlags) > 0 || len(f.SecretEnv) > 0 || len(f.Tolerations) > 0) {
		return fmt.Errorf("--agent-image, --agent-env, --agent-env-from-secret and --agent-tolerations shape the agent of --mode agent; with --mode direct no agent runs: drop them or use --mode agent")
	}
	env, err := agent.ParseEnv(f.EnvFlags, f.SecretEnv)
	if err != nil {
		return err
	}
	tolerations, err := agent.ParseTolerations(f.Tolerations)
	if err != nil {
		return err
	}
	f.Agent = importer.AgentOptions{Image: f.Image, Env: env, Tolerations: tolerations}
	if f.Agent.Image == "" {
		f.Agent.Image = agent.DefaultImage(version.Version)
	}
	return nil
}
