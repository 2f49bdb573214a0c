package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain runs main itself when the test binary is re-executed by runMain.
func TestMain(m *testing.M) {
	if args := os.Getenv("KIMPORT_RUN_MAIN"); args != "" {
		os.Args = append([]string{"kubectl-import"}, strings.Split(args, "\x1f")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIMPORT_RUN_MAIN="+strings.Join(args, "\x1f"), "XDG_CONFIG_HOME="+t.TempDir())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// TestBadOutputExits: an -o value a verb does not accept fails as kubectl fails: the message,
// naming the accepted formats, on stderr, nothing on stdout, exit code 1.
func TestBadOutputExits(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"list": {[]string{"list", "-o", "table"}, `error: unsupported --output (-o) value "table": use one of json, yaml, name, go-template, go-template-file, template, templatefile, ` +
			`jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide, or omit it for human-readable output` + "\n"},
		"version": {[]string{"version", "-o", "name"}, `error: unsupported --output (-o) value "name": use one of json, yaml, go-template, go-template-file, template, templatefile, ` +
			`jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, or omit it for human-readable output` + "\n"},
		"bad template": {[]string{"list", "-o", "go-template={{"}, "error: --output (-o) \"go-template={{\": error parsing template {{, template: output:1: unclosed action\n"},
	}
	for name, c := range cases {
		out, errOut, code := runMain(t, c.args...)
		if code != 1 || out != "" || errOut != c.want {
			t.Errorf("%s: exit %d, stdout %q, stderr\n%q\nwant exit 1 and\n%q", name, code, out, errOut, c.want)
		}
	}
	if out, errOut, code := runMain(t, "version", "-o", "jsonpath={.platform}"); code != 0 || errOut != "" || !strings.Contains(out, "/") {
		t.Errorf("version -o jsonpath: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestSubcommandAfterName: `projects NAME create PROJECT` runs `projects create NAME PROJECT`
// (its check of PROJECT answers before any hub is needed).
func TestSubcommandAfterName(t *testing.T) {
	for _, args := range [][]string{{"projects", "prod", "create", "Team_C"}, {"projects", "create", "prod", "Team_C"}} {
		out, errOut, code := runMain(t, args...)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, `error: invalid PROJECT "Team_C": a project name is Default, System or a DNS label`) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
