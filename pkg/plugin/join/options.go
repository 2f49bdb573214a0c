package join

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// TokenEnv may hold the join token instead of --token.
const TokenEnv = "KUBECTL_IMPORT_JOIN_TOKEN"

// DefaultTimeout bounds the wait until Active.
const DefaultTimeout = 5 * time.Minute

// Options of `kubectl import join`.
type Options struct {
	Factory common.Factory
	// ConfigFlags choose the downstream, as for every kubectl command.
	ConfigFlags *genericclioptions.ConfigFlags

	HubURL           string
	Token            string
	TokenFile        string
	CAChecksum       string
	AdvertiseAddress string
	AgentApplied     bool
	Agent            common.AgentFlags
	Wait             bool
	Timeout          time.Duration
	DryRun           common.DryRunFlags
	Output           *common.OutputFlags

	genericiooptions.IOStreams

	// ds is the downstream, connected by Run.
	ds *importer.Cluster
	// pin is CAChecksum, checked and in lower case.
	pin string
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	flags := genericclioptions.NewConfigFlags(true)
	// --token is the hub join token here; the downstream's own credentials come from the kubeconfig.
	flags.BearerToken = nil
	return &Options{
		Factory:     f,
		ConfigFlags: flags,
		Wait:        true,
		Timeout:     DefaultTimeout,
		Agent:       common.NewAgentFlags(),
		Output:      common.NewOutputFlags(common.OutputJSON, common.OutputYAML),
		IOStreams:   streams,
	}
}

// Complete reads the token from its source and the connection mode; it contacts nothing.
// join takes no argument.
func (o *Options) Complete([]string) error {
	if err := o.Agent.Complete(); err != nil {
		return err
	}
	if o.AgentApplied && o.Agent.Mode == v1alpha1.ModeAgent {
		return fmt.Errorf("--agent-applied finishes a direct-mode join whose manifest was applied by other means: add --mode direct")
	}
	return o.readToken()
}

// connect builds the downstream client, without contacting it yet.
func (o *Options) connect() error {
	cfg, err := o.Factory.KubeConfig(o.ConfigFlags)
	if err == nil {
		cfg, err = importer.DownstreamConfig(cfg)
	}
	if err != nil {
		return err
	}
	o.ds, err = common.Connect(o.Factory, cfg)
	return err
}

func (o *Options) readToken() error {
	sources := 0
	for _, set := range []bool{o.Token != "", o.TokenFile != "", os.Getenv(TokenEnv) != ""} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return fmt.Errorf("the join token is given more than once: use one of --token, --token-file or $%s", TokenEnv)
	}
	switch {
	case o.TokenFile == "-":
		data, err := io.ReadAll(io.LimitReader(o.In, 64<<10))
		if err != nil {
			return fmt.Errorf("reading the join token from stdin: %w", err)
		}
		o.Token = string(data)
	case o.TokenFile != "":
		data, err := os.ReadFile(o.TokenFile)
		if err != nil {
			return fmt.Errorf("invalid --token-file: %w", err)
		}
		o.Token = string(data)
	case o.Token == "":
		o.Token = os.Getenv(TokenEnv)
	}
	o.Token = strings.TrimSpace(o.Token)
	return nil
}

// Validate checks every flag before anything is contacted, naming the flag and the fix.
func (o *Options) Validate() error {
	if o.HubURL == "" {
		return errors.New("--hub is required: the hub URL printed by 'kubectl import create'")
	}
	if err := importer.ValidateAPIServer(o.HubURL); err != nil {
		return fmt.Errorf("invalid --hub: %w", err)
	}
	if o.Token == "" {
		return fmt.Errorf("the join token is required: pass --token, --token-file or $%s, as printed by 'kubectl import create'", TokenEnv)
	}
	if strings.ContainsAny(o.Token, " \t\r\n") {
		return errors.New("invalid join token: it contains white space; copy it again from the output of 'kubectl import create'")
	}
	if o.CAChecksum == "" {
		return errors.New("--ca-checksum is required: the sha256:HASH printed by 'kubectl import create' (there is no insecure mode)")
	}
	if _, err := hubca.ParseChecksum(o.CAChecksum); err != nil {
		return err
	}
	if o.AdvertiseAddress != "" {
		if err := importer.ValidateAPIServer(o.AdvertiseAddress); err != nil {
			return fmt.Errorf("invalid --advertise-address: %w", err)
		}
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("invalid --timeout %s: must be positive, e.g. 5m", o.Timeout)
	}
	if o.DryRun.Client() && o.AgentApplied {
		return errors.New("--agent-applied finishes a registration and cannot be a dry run: drop one of them")
	}
	return o.DryRun.ValidateClientOnly("join", o.Output)
}
