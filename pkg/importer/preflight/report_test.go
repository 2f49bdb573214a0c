package preflight

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestReportWritePlainAndFancy(t *testing.T) {
	r := &Report{}
	r.pass(CheckReachable, "https://x:6443, Kubernetes v1.37.2+k3s1 (K3s)")
	r.fail(CheckClusterAdmin, `alice may not do everything`, "  "+ClusterRoleBindingCommand("alice"))
	r.skip(CheckNotMarked, "the hub is not usable")

	var plain, fancy bytes.Buffer
	r.Write(&plain, false)
	r.Write(&fancy, true)
	wantPlain := "OK   downstream answers: https://x:6443, Kubernetes v1.37.2+k3s1 (K3s)\n" +
		"FAIL cluster-admin in the downstream: alice may not do everything\n" +
		"        kubectl create clusterrolebinding cluster-admin-binding --clusterrole cluster-admin --user alice\n" +
		"SKIP not imported by another hub: not checked: the hub is not usable\n"
	if plain.String() != wantPlain {
		t.Errorf("plain report:\n%s\nwant:\n%s", plain.String(), wantPlain)
	}
	if !strings.HasPrefix(fancy.String(), "✓ downstream answers") || !strings.Contains(fancy.String(), "✗ cluster-admin") {
		t.Errorf("terminal report lacks ✓/✗:\n%s", fancy.String())
	}
	err := r.Err()
	if err == nil || !strings.Contains(err.Error(), "1 of 3 checks") || !strings.Contains(err.Error(), CheckClusterAdmin) {
		t.Errorf("Err() = %v, want it to name the failed check", err)
	}
}

func TestReportErrNilWhenAllPass(t *testing.T) {
	r := &Report{}
	r.pass(CheckNodes, "3 nodes")
	if err := r.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

func TestUnreadableKubeconfigGivesK3sRemedy(t *testing.T) {
	err := fmt.Errorf("open /etc/rancher/k3s/k3s.yaml: %w", fs.ErrPermission)
	r := UnreadableKubeconfig("/etc/rancher/k3s/k3s.yaml", err)
	var out bytes.Buffer
	r.Write(&out, false)
	for _, want := range []string{"permission denied", "--write-kubeconfig-mode 644", `K3S_KUBECONFIG_MODE="644"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	other := UnreadableKubeconfig("/x", errors.New("is a directory"))
	if strings.Contains(fmt.Sprint(other.Checks), "write-kubeconfig-mode") {
		t.Errorf("the K3s remedy is only for permission errors: %v", other.Checks)
	}
}
