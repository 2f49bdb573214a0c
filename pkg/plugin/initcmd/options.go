package initcmd

import (
	"fmt"
	"net/url"
	"strings"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// ImageRepository is where the webhook image is published; the tag is the plugin's version.
const ImageRepository = v1alpha1.ImageRepository

// DefaultImage is the webhook image matching this plugin.
func DefaultImage() string { return ImageRepository + ":" + version.Version }

// Options of `kubectl import init`.
type Options struct {
	Factory common.Factory
	// ConfigFlags choose the hub (--kubeconfig, --context, ...).
	ConfigFlags *genericclioptions.ConfigFlags
	// WebhookURL is set when the webhook runs outside the cluster (development):
	// the in-cluster Deployment and Service are then not installed.
	WebhookURL string
	// GatewayURL is where the gateway of a hub component running outside the cluster listens
	// (with WebhookURL): the hub's aggregator reaches it through an ExternalName Service.
	GatewayURL string
	Image      string
	// InstallInventoryCRDs installs the ClusterProfile CRD (multicluster.x-k8s.io) unless the
	// hub has one.
	InstallInventoryCRDs bool
	// ProfileNamespace holds the ClusterProfiles (the hub component's
	// --cluster-profile-namespace): the inventory controller's Role is put there.
	ProfileNamespace string
	DryRun           common.DryRunFlags
	Output           *common.OutputFlags

	genericiooptions.IOStreams

	hub *importer.Cluster
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{
		Factory:          f,
		ConfigFlags:      genericclioptions.NewConfigFlags(true),
		Image:            DefaultImage(),
		ProfileNamespace: v1alpha1.ClusterProfileNamespace,
		Output:           common.NewOutputFlags(common.OutputJSON, common.OutputYAML, common.OutputName),
		IOStreams:        streams,
	}
}

// Validate checks the flags before anything is contacted.
func (o *Options) Validate() error {
	if o.WebhookURL != "" {
		u, err := url.Parse(o.WebhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("invalid --webhook-url %q: the API server calls webhooks over https only, e.g. https://192.168.1.10:9443", o.WebhookURL)
		}
	}
	if err := o.validateGatewayURL(); err != nil {
		return err
	}
	if err := validateProfileNamespace(o.ProfileNamespace); err != nil {
		return err
	}
	if o.Image == "" || strings.ContainsAny(o.Image, " \t\n") {
		return fmt.Errorf("invalid --image %q: want an image reference such as %s", o.Image, DefaultImage())
	}
	if err := o.DryRun.Validate(); err != nil {
		return err
	}
	if o.DryRun.Server() {
		return fmt.Errorf("--dry-run=server is not supported by 'init': use --dry-run=client -o yaml")
	}
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if o.Output.Format != "" && !o.DryRun.Client() {
		return fmt.Errorf("--output %q is used only with --dry-run=client", o.Output.Format)
	}
	return nil
}

// Complete has nothing to take: init has no arguments and its flags are used as given.
func (o *Options) Complete([]string) error { return nil }

// connect builds the hub client (without contacting the hub yet); a client dry run needs no
// hub.
func (o *Options) connect() error {
	if o.DryRun.Client() {
		return nil
	}
	cfg, err := o.Factory.KubeConfig(o.ConfigFlags)
	if err != nil {
		return err
	}
	o.hub, err = common.Connect(o.Factory, cfg)
	return err
}
