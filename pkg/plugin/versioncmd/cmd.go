// Package versioncmd is `kubectl import version`.
package versioncmd

import (
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

// NewCmd prints the plugin's version.
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	output := common.NewOutputFlags(common.OutputJSON, common.OutputYAML)
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.Validate(); err != nil {
				return err
			}
			info := Info{Version: version.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
			if printed, err := output.PrintDocument(info, streams.Out); printed || err != nil {
				return err
			}
			_, err := fmt.Fprintf(streams.Out, "kubectl-import %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
			return err
		},
	}
	output.AddFlags(cmd)
	return cmd
}
