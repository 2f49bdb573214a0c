package plugin

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// TestHelp walks every command of the plugin: each has a Long description and examples,
// written as kubectl writes them (templates.LongDesc, templates.Examples: every example
// introduced by a "# ..." line and indented by two spaces).
func TestHelp(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	var walk func(cmd *cobra.Command)
	count := 0
	walk = func(cmd *cobra.Command) {
		count++
		path := cmd.CommandPath()
		if strings.TrimSpace(cmd.Short) == "" {
			t.Errorf("%s: no Short", path)
		}
		if long := strings.TrimSpace(cmd.Long); long == "" {
			t.Errorf("%s: no Long", path)
		} else if long != cmd.Long {
			t.Errorf("%s: Long is not trimmed as templates.LongDesc trims it: %q", path, cmd.Long)
		}
		if strings.TrimSpace(cmd.Example) == "" {
			t.Errorf("%s: no Example", path)
		} else {
			lines := strings.Split(cmd.Example, "\n")
			if !strings.HasPrefix(lines[0], "  # ") {
				t.Errorf("%s: Example does not start with a '  # ...' comment: %q", path, lines[0])
			}
			commands := 0
			for _, l := range lines {
				if !strings.HasPrefix(l, "  ") {
					t.Errorf("%s: Example line %q is not indented by two spaces (templates.Examples)", path, l)
				}
				if strings.HasPrefix(l, "  kubectl import") {
					commands++
				}
			}
			if commands == 0 && cmd.Name() != "completion" {
				t.Errorf("%s: Example runs no 'kubectl import' command:\n%s", path, cmd.Example)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(NewCmdImport(common.NewFactory(), streams))
	// root, 19 verbs, capabilities set/unset/schema, upgrade status, upgrader's 5 subcommands,
	// agent upgrade, projects create/add-namespace/remove-namespace/members/delete.
	if count != 35 {
		t.Errorf("walked %d commands, want 35", count)
	}
}
