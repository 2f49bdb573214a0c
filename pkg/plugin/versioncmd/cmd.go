// Package versioncmd is `kubectl import version`.
package versioncmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

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
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := Info{Version: version.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
			switch output {
			case "":
				_, err := fmt.Fprintf(streams.Out, "kubectl-import %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
				return err
			case "json", "yaml":
				data, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				if output == "json" {
					if data, err = yaml.YAMLToJSON(data); err != nil {
						return err
					}
					data = append(data, '\n')
				}
				_, err = streams.Out.Write(data)
				return err
			default:
				return fmt.Errorf("--output %q is not supported: use json or yaml", output)
			}
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}
