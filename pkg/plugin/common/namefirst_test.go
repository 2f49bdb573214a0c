package common

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func TestNameFirst(t *testing.T) {
	root := &cobra.Command{Use: "kubectl-import"}
	projects := &cobra.Command{Use: "projects NAME", Annotations: map[string]string{NameFirstAnnotation: "true"}, Run: func(*cobra.Command, []string) {}}
	var hub HubOptions
	hub.AddFlags(projects.Flags())
	projects.Flags().StringP("output", "o", "", "")
	create := &cobra.Command{Use: "create NAME PROJECT", Run: func(*cobra.Command, []string) {}}
	create.Flags().StringArray("namespace", nil, "")
	create.Flags().String("dry-run", "none", "")
	create.Flags().Lookup("dry-run").NoOptDefVal = "client"
	projects.AddCommand(create, &cobra.Command{Use: "delete NAME PROJECT", Run: func(*cobra.Command, []string) {}})
	members := &cobra.Command{Use: "members NAME"} // not name-first
	members.AddCommand(&cobra.Command{Use: "show", Run: func(*cobra.Command, []string) {}})
	root.AddCommand(projects, members)
	for _, tc := range []struct{ args, want []string }{
		{[]string{"projects", "prod", "create", "team-a"}, []string{"projects", "create", "prod", "team-a"}},
		{[]string{"projects", "create", "prod", "team-a"}, []string{"projects", "create", "prod", "team-a"}},
		{[]string{"projects", "--hub-context", "create", "prod", "delete", "team-a", "--dry-run", "-o", "yaml"},
			[]string{"projects", "--hub-context", "create", "delete", "prod", "team-a", "--dry-run", "-o", "yaml"}},
		{[]string{"projects", "-o", "json", "prod"}, []string{"projects", "-o", "json", "prod"}},
		{[]string{"projects", "prod", "--dry-run", "create", "team-a", "--namespace", "a"}, []string{"projects", "create", "prod", "--dry-run", "team-a", "--namespace", "a"}},
		{[]string{"projects", "prod", "team-a"}, []string{"projects", "prod", "team-a"}},
		{[]string{"projects", "delete", "delete", "team-a"}, []string{"projects", "delete", "delete", "team-a"}},
		{[]string{"members", "prod", "show"}, []string{"members", "prod", "show"}},
		{[]string{"projects", "--", "prod", "create"}, []string{"projects", "--", "prod", "create"}},
		{[]string{cobra.ShellCompRequestCmd, "projects", "prod", "create", ""}, []string{cobra.ShellCompRequestCmd, "projects", "create", "prod", ""}},
		{nil, nil},
	} {
		if got := NameFirst(root, tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("NameFirst(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
	// A command that is the root itself, as tests run a verb.
	if got := NameFirst(projects, []string{"prod", "create", "team-a"}); !slices.Equal(got, []string{"create", "prod", "team-a"}) {
		t.Errorf("NameFirst(projects, ...) = %q", got)
	}
}
