// Command kubectl-import is the `kubectl import` plugin.
package main

import (
	"fmt"
	"os"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/plugin"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	// Admission warnings from the hub's webhook are printed as kubectl prints them.
	rest.SetDefaultWarningHandler(rest.NewWarningWriter(os.Stderr, rest.WarningWriterOptions{Deduplicate: true}))
	// As kubectl exits: the message on stderr ("error: ...", or "Error from server (Reason): ..."
	// for an API error the verb did not explain), exit code 1. Errors may quote a downstream's
	// or an agent's words (condition messages, API errors): escaped, line by line.
	cmdutil.BehaviorOnFatal(func(msg string, code int) {
		if len(msg) > 0 {
			fmt.Fprintln(os.Stderr, common.EscapeLines(strings.TrimSuffix(msg, "\n")))
		}
		os.Exit(code)
	})
	// A downstream's answer refused for its size is said as such, without client-go's
	// "unexpected error when reading response body. Please retry", which would not help.
	root := plugin.NewCmdImport(common.NewFactory(), streams)
	root.SetArgs(common.NameFirst(root, os.Args[1:]))
	cmdutil.CheckErr(bodylimit.Cause(root.Execute()))
}
