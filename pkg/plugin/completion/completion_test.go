package completion_test

import (
	"bytes"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/completion"
)

// run executes `kubectl import args...` in-process and returns its standard output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := plugin.NewCmdImport(common.NewFactory(), genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash":       "__start_kubectl-import",
		"zsh":        "#compdef kubectl-import",
		"fish":       "complete -c kubectl-import",
		"powershell": "Register-ArgumentCompleter",
	} {
		out, err := run(t, "completion", shell)
		if err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out, marker) {
			t.Errorf("completion %s: script lacks %q", shell, marker)
		}
	}
	if _, err := run(t, "completion", "tcsh"); err == nil || !strings.Contains(err.Error(), "bash, zsh, fish, powershell") {
		t.Errorf("completion tcsh: error %v, want one naming the supported shells", err)
	}
	if _, err := run(t, "completion"); err == nil || !strings.Contains(err.Error(), "SHELL is required") {
		t.Errorf("completion without a shell: error %v, want one asking for SHELL", err)
	}
	if len(completion.Shells) != 4 {
		t.Errorf("Shells = %v", completion.Shells)
	}
}

// completions runs cobra's hidden __complete, as kubectl_complete-import does, and returns the
// candidates (without descriptions) and the directive line.
func completions(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	out, err := run(t, append([]string{"__complete"}, args...)...)
	if err != nil {
		t.Fatalf("__complete %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var names []string
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		names = append(names, name)
	}
	return names, lines[len(lines)-1]
}

func TestCompleteVerbsAndFlags(t *testing.T) {
	verbs, _ := completions(t, "")
	for _, want := range []string{"completion", "describe", "list", "version"} {
		if !contains(verbs, want) {
			t.Errorf("verbs %v lack %s", verbs, want)
		}
	}
	flags, _ := completions(t, "describe", "--hub-")
	if !contains(flags, "--hub-context") || !contains(flags, "--hub-kubeconfig") {
		t.Errorf("flags of describe %v lack --hub-context/--hub-kubeconfig", flags)
	}
	shells, _ := completions(t, "completion", "")
	if strings.Join(shells, ",") != "bash,zsh,fish,powershell" {
		t.Errorf("completion's shells %v", shells)
	}
}

// TestCompleteClusterNamesFromAHub lists the ImportedClusters of a real hub.
func TestCompleteClusterNamesFromAHub(t *testing.T) {
	hub := hubtest.Start(t)
	hubtest.Create(t, hub.Client, hubtest.Alpha(metav1.Now().Time))
	hubtest.Create(t, hub.Client, hubtest.Beta())
	alpine := hubtest.Beta()
	alpine.Name, alpine.Spec.ClusterID = "alpine", "7d2e4b10-0000-4000-8000-0000000a1b1e"
	alpine.Spec.CredentialsSecretRef.Name = v1alpha1.CredentialsSecretName("alpine")
	hubtest.Create(t, hub.Client, alpine)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no recorded hub from the machine running the test
	hubFlags := []string{"--hub-kubeconfig", hub.Kubeconfig, "--hub-context", hub.Name}

	for _, verb := range []string{"describe", "projects", "members", "delete"} {
		t.Run(verb, func(t *testing.T) {
			names, directive := completions(t, append([]string{verb}, append(hubFlags, "")...)...)
			if strings.Join(names, ",") != "alpha,alpine,beta" {
				t.Errorf("%s <TAB>: %v, want alpha,alpine,beta", verb, names)
			}
			if directive != ":4" { // ShellCompDirectiveNoFileComp
				t.Errorf("%s <TAB>: directive %s, want :4 (no file completion)", verb, directive)
			}
		})
	}
	t.Run("prefix and description", func(t *testing.T) {
		out, err := run(t, append([]string{"__complete", "describe"}, append(hubFlags, "alp")...)...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out, "alpha\tActive\nalpine\tPending\n:4\n") {
			t.Errorf("describe alp<TAB>:\n%s\nwant alpha (Active) and alpine (Pending) only", out)
		}
	})
	t.Run("hub from the environment", func(t *testing.T) {
		t.Setenv("KUBECONFIG", hub.Kubeconfig)
		t.Setenv(common.HubContextEnv, hub.Name)
		if names, _ := completions(t, "describe", "b"); strings.Join(names, ",") != "beta" {
			t.Errorf("describe b<TAB>: %v, want beta", names)
		}
	})
	t.Run("a NAME is already given", func(t *testing.T) {
		if names, _ := completions(t, append([]string{"describe"}, append(hubFlags, "alpha", "")...)...); len(names) != 0 {
			t.Errorf("describe alpha <TAB>: %v, want nothing", names)
		}
	})
	t.Run("no hub", func(t *testing.T) {
		t.Setenv(common.HubContextEnv, "")
		names, directive := completions(t, "describe", "")
		if len(names) != 0 || directive != ":1" { // ShellCompDirectiveError
			t.Errorf("describe <TAB> without a hub: %v %s, want nothing and :1 (error)", names, directive)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
