package common

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// HubContextEnv names the hub's kubeconfig context when no flag does.
const HubContextEnv = "KUBECTL_IMPORT_HUB_CONTEXT"

// HubOptions choose the hub for every verb that acts on it: --hub-kubeconfig/--hub-context,
// else $KUBECTL_IMPORT_HUB_CONTEXT, else the hub that `init` recorded, else an error.
type HubOptions struct {
	Kubeconfig string
	Context    string
	// ClientGoDefault makes a verb that no flag, variable or record pointed at a hub take the
	// configuration client-go finds itself ($KUBECONFIG, ~/.kube/config, else the pod's
	// ServiceAccount) instead of refusing: for a verb that a program runs, such as an exec
	// credential plugin in a controller's pod, where nothing was ever recorded.
	ClientGoDefault bool
}

// AddFlags adds --hub-kubeconfig and --hub-context.
func (h *HubOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&h.Kubeconfig, "hub-kubeconfig", "", "kubeconfig of the hub (default: the hub recorded by 'kubectl import init')")
	fs.StringVar(&h.Context, "hub-context", "", "kubeconfig context of the hub (default: $"+HubContextEnv+", else the recorded hub)")
}

// RecordedHub is the hub that `init` remembers.
type RecordedHub struct {
	Kubeconfig string `json:"kubeconfig,omitempty"`
	Context    string `json:"context,omitempty"`
}

// ErrNoHub says how to choose a hub.
var ErrNoHub = errors.New("no hub chosen: pass --hub-context (or --hub-kubeconfig), set $" + HubContextEnv +
	", or run 'kubectl import init' against the hub once to record it")

// Resolve returns the kubeconfig path and context to use for the hub.
func (h *HubOptions) Resolve() (RecordedHub, error) {
	if h.Kubeconfig != "" || h.Context != "" {
		return RecordedHub{Kubeconfig: h.Kubeconfig, Context: h.Context}, nil
	}
	if ctx := os.Getenv(HubContextEnv); ctx != "" {
		return RecordedHub{Context: ctx}, nil
	}
	rec, err := LoadRecordedHub()
	if err != nil {
		return RecordedHub{}, err
	}
	switch {
	case rec != nil:
		return *rec, nil
	case h.ClientGoDefault:
		return RecordedHub{}, nil
	}
	return RecordedHub{}, ErrNoHub
}

// RESTConfig is the hub's client configuration.
func (h *HubOptions) RESTConfig() (*rest.Config, error) {
	hub, err := h.Resolve()
	if err != nil {
		return nil, err
	}
	return hub.RESTConfig()
}

// RawConfig is the kubeconfig the hub is chosen from and the name of the hub's context in it
// (RecordedHub.RawConfig).
func (h *HubOptions) RawConfig() (clientcmdapi.Config, string, error) {
	hub, err := h.Resolve()
	if err != nil {
		return clientcmdapi.Config{}, "", err
	}
	return hub.RawConfig()
}

// RESTConfig loads the kubeconfig (the default loading rules when Kubeconfig is empty, and
// then, when no kubeconfig exists at all, the pod's ServiceAccount, as client-go does).
func (r RecordedHub) RESTConfig() (*rest.Config, error) {
	cfg, err := r.loader().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("hub (context %q): %w", r.Context, err)
	}
	cfg.UserAgent = v1alpha1.UserAgent
	return cfg, nil
}

// RawConfig is the kubeconfig the hub is chosen from, as loaded (relative paths made
// absolute), and the name of the hub's context in it.
func (r RecordedHub) RawConfig() (clientcmdapi.Config, string, error) {
	raw, err := r.loader().RawConfig()
	if err != nil {
		return clientcmdapi.Config{}, "", fmt.Errorf("hub kubeconfig: %w", err)
	}
	name := r.Context
	if name == "" {
		name = raw.CurrentContext
	}
	return raw, name, nil
}

func (r RecordedHub) loader() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if r.Kubeconfig != "" {
		rules.ExplicitPath = r.Kubeconfig
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: r.Context})
}

// ConfigDir is $XDG_CONFIG_HOME/kubectl-import (default ~/.config/kubectl-import).
func ConfigDir() (string, error) {
	base := os.Getenv("XDG_CONFIG_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the config directory: set $XDG_CONFIG_HOME: %w", err)
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "kubectl-import"), nil
}

func hubFile() (string, error) {
	dir, err := ConfigDir()
	return filepath.Join(dir, "hub.yaml"), err
}

// LoadRecordedHub returns nil, nil when no hub was recorded.
func LoadRecordedHub() (*RecordedHub, error) {
	path, err := hubFile()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var rec RecordedHub
	if err := yaml.UnmarshalStrict(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w (fix or remove it, then run 'kubectl import init' again)", path, err)
	}
	return &rec, nil
}

// SaveRecordedHub records the hub for later verbs; the kubeconfig path is stored absolute.
func SaveRecordedHub(rec RecordedHub) error {
	path, err := hubFile()
	if err != nil {
		return err
	}
	if rec.Kubeconfig != "" {
		if abs, err := filepath.Abs(rec.Kubeconfig); err == nil {
			rec.Kubeconfig = abs
		}
	}
	data, err := yaml.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
