// Package versioncmd is `kubectl import version`.
package versioncmd

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// Info is what `version -o json|yaml` prints.
type Info struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Options of `kubectl import version`.
type Options struct {
	Output *common.OutputFlags
	genericiooptions.IOStreams
}

// NewCmd prints the plugin's version; it needs no cluster, so it takes no factory.
func NewCmd(_ common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Output: common.NewOutputFlags(common.OutputJSON, common.OutputYAML), IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Long: templates.LongDesc(`
			Print the version of the plugin, the Go version it was built with and its platform.`),
		Example: templates.Examples(`
			# Print the plugin's version
			kubectl import version

			# Print the version only
			kubectl import version -o jsonpath='{.version}'`),
		Args: cobra.NoArgs,
		RunE: common.RunE(o),
	}
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete has nothing to take: version has no argument.
func (o *Options) Complete([]string) error { return nil }

// Validate checks -o.
func (o *Options) Validate() error { return o.Output.Validate() }

// Run prints the version.
func (o *Options) Run(context.Context) error {
	info := Info{Version: version.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if printed, err := o.Output.PrintDocument(info, o.Out); printed || err != nil {
		return err
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-import %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
	return err
}
