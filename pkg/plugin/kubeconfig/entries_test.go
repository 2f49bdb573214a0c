package kubeconfig

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const proxy = "https://hub.example:6443/apis/gateway.kimport.dev/v1alpha1/clusters/edge/proxy"

// hubKubeconfig is a kubeconfig with the hub's context (admin, a token) and an unrelated one.
func hubKubeconfig() *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["hub"] = &clientcmdapi.Cluster{Server: "https://hub.example:6443", CertificateAuthorityData: []byte("HUB-CA"), TLSServerName: "hub.internal"}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: "hub-token"}
	cfg.Contexts["hub"] = &clientcmdapi.Context{Cluster: "hub", AuthInfo: "admin", Namespace: "kimport-system"}
	cfg.Clusters["other"] = &clientcmdapi.Cluster{Server: "https://other:6443"}
	cfg.AuthInfos["other"] = &clientcmdapi.AuthInfo{Token: "other-token"}
	cfg.Contexts["other"] = &clientcmdapi.Context{Cluster: "other", AuthInfo: "other"}
	cfg.CurrentContext = "hub"
	return cfg
}

// load writes cfg to a file and loads it back as kubectl config does.
func load(t *testing.T, cfg *clientcmdapi.Config) (*clientcmdapi.Config, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return startingConfig(t, path), path
}

func startingConfig(t *testing.T, path string) *clientcmdapi.Config {
	t.Helper()
	access := clientcmd.NewDefaultPathOptions()
	access.LoadingRules.ExplicitPath = path
	start, err := access.GetStartingConfig()
	if err != nil {
		t.Fatal(err)
	}
	return start
}

func TestHubOf(t *testing.T) {
	raw := hubKubeconfig()
	h, err := HubOf(*raw, "hub")
	if err != nil || h.ClusterName != "hub" || h.UserName != "admin" || h.User.Token != "hub-token" {
		t.Fatalf("HubOf = %+v, %v", h, err)
	}
	if DefaultEntryName("edge", h) != "edge@hub" {
		t.Errorf("entry name %q", DefaultEntryName("edge", h))
	}
	insecure := hubKubeconfig()
	insecure.Clusters["hub"].InsecureSkipTLSVerify = true
	noUser := hubKubeconfig()
	delete(noUser.AuthInfos, "admin")
	for name, tc := range map[string]struct {
		raw     *clientcmdapi.Config
		context string
		err     string
	}{
		"no current context": {raw, "", "no current context: pass --hub-context"},
		"unknown context":    {raw, "nope", `no context "nope"`},
		"insecure hub":       {insecure, "hub", "skips TLS verification"},
		"no user":            {noUser, "hub", "anonymously"},
	} {
		if _, err := HubOf(*tc.raw, tc.context); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", name, err, tc.err)
		}
	}
}

// The printed kubeconfig: the gateway's server for the cluster with the hub's CA and TLS
// settings, the hub's user entry as it is, one current context; it loads and resolves.
func TestStandalone(t *testing.T) {
	h, _ := HubOf(*hubKubeconfig(), "hub")
	cfg := Standalone(h, "edge", "edge@hub")
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := clientcmd.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := clientcmd.NewDefaultClientConfig(*loaded, nil).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if rest.Host != proxy || string(rest.CAData) != "HUB-CA" || rest.ServerName != "hub.internal" || rest.BearerToken != "hub-token" {
		t.Errorf("config reaches %s (CA %q, server name %q, token %q)", rest.Host, rest.CAData, rest.ServerName, rest.BearerToken)
	}
	if len(loaded.Contexts) != 1 || len(loaded.Clusters) != 1 || len(loaded.AuthInfos) != 1 || loaded.CurrentContext != "edge@hub" {
		t.Errorf("kubeconfig holds more than the one context:\n%s", data)
	}
	if m, ok := markerOf(loaded.Clusters["edge@hub"].Extensions); !ok || m != (Marker{Cluster: "edge", Hub: "https://hub.example:6443"}) {
		t.Errorf("marker %+v, %v", m, ok)
	}
	// The hub's own entries are not changed by building.
	if h.Cluster.Server != "https://hub.example:6443" || len(h.Cluster.Extensions) != 0 {
		t.Errorf("the hub's cluster entry changed: %+v", h.Cluster)
	}
}

// TestMergeRoundTrip: merged into the kubeconfig that holds the hub's user, the context uses
// that very entry (nothing copied); written and read back as kubectl does, a second merge
// changes nothing; a changed hub (its CA) updates what this verb wrote, in place.
func TestMergeRoundTrip(t *testing.T) {
	start, path := load(t, hubKubeconfig())
	h, err := HubOf(*start, "hub")
	if err != nil {
		t.Fatal(err)
	}
	// The hub as RawConfig loads it: paths resolved, its origin the same file.
	h.User.LocationOfOrigin = path
	next, changes, err := Merge(start, h, "edge", "edge@hub")
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{Kind: "user", Name: "admin", Verb: "unchanged", Note: "the hub's own user entry"},
		{Kind: "cluster", Name: "edge@hub", Verb: "created"}, {Kind: "context", Name: "edge@hub", Verb: "created"}}
	if !slices.Equal(changes, want) {
		t.Errorf("changes %+v, want %+v", changes, want)
	}
	access := clientcmd.NewDefaultPathOptions()
	access.LoadingRules.ExplicitPath = path
	if err := clientcmd.ModifyConfig(access, *next, true); err != nil {
		t.Fatal(err)
	}
	again := startingConfig(t, path)
	if again.Contexts["edge@hub"].AuthInfo != "admin" || len(again.AuthInfos) != 2 || again.CurrentContext != "hub" {
		t.Errorf("after the merge: contexts %v, users %v, current %q", again.Contexts, again.AuthInfos, again.CurrentContext)
	}
	if _, changes, err = Merge(again, h, "edge", "edge@hub"); err != nil || !allUnchanged(changes) {
		t.Errorf("second merge: %+v, %v", changes, err)
	}
	h.Cluster.CertificateAuthorityData = []byte("ROTATED-CA")
	_, changes, err = Merge(again, h, "edge", "edge@hub")
	if err != nil || changes[1] != (Change{Kind: "cluster", Name: "edge@hub", Verb: "configured"}) || changes[2].Verb != "unchanged" {
		t.Errorf("merge after the hub's CA changed: %+v, %v", changes, err)
	}
}

// Merged into another kubeconfig than the hub's, the user is copied under the entry's name and
// marked; the hub's file is not touched.
func TestMergeCopiesTheUserElsewhere(t *testing.T) {
	hubFile := filepath.Join(t.TempDir(), "hub")
	if err := clientcmd.WriteToFile(*hubKubeconfig(), hubFile); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(hubFile)
	raw, err := clientcmd.LoadFromFile(hubFile)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := HubOf(*raw, "hub")
	target := clientcmdapi.NewConfig()
	target.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: "someone-elses-admin"}
	start, path := load(t, target)
	next, changes, err := Merge(start, h, "edge", "edge@hub")
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{Kind: "cluster", Name: "edge@hub", Verb: "created"}, {Kind: "user", Name: "edge@hub", Verb: "created"}, {Kind: "context", Name: "edge@hub", Verb: "created"}}
	if !slices.Equal(changes, want) {
		t.Errorf("changes %+v, want %+v", changes, want)
	}
	access := clientcmd.NewDefaultPathOptions()
	access.LoadingRules.ExplicitPath = path
	if err := clientcmd.ModifyConfig(access, *next, true); err != nil {
		t.Fatal(err)
	}
	got := startingConfig(t, path)
	if got.AuthInfos["edge@hub"].Token != "hub-token" || got.AuthInfos["admin"].Token != "someone-elses-admin" || got.Contexts["edge@hub"].AuthInfo != "edge@hub" {
		t.Errorf("users %+v, context %+v", got.AuthInfos, got.Contexts["edge@hub"])
	}
	if after, _ := os.ReadFile(hubFile); string(after) != string(before) {
		t.Error("the hub's kubeconfig was written")
	}
	if _, changes, err := Merge(got, h, "edge", "edge@hub"); err != nil || !allUnchanged(changes) {
		t.Errorf("second merge: %+v, %v", changes, err)
	}
}

// An entry of the chosen name that this verb did not write, or wrote for another cluster or
// hub, is refused: nothing is changed and the error names the way out.
func TestMergeRefusesAnotherEntry(t *testing.T) {
	h, _ := HubOf(*hubKubeconfig(), "hub")
	for name, tc := range map[string]struct {
		prepare func(*clientcmdapi.Config)
		err     string
	}{
		"someone's context": {func(c *clientcmdapi.Config) {
			c.Contexts["edge@hub"] = &clientcmdapi.Context{Cluster: "other", AuthInfo: "other"}
		}, `context "edge@hub" already exists in your kubeconfig and it was not written by kubectl import kubeconfig`},
		"someone's cluster": {func(c *clientcmdapi.Config) {
			c.Clusters["edge@hub"] = &clientcmdapi.Cluster{Server: "https://edge:6443"}
		}, `cluster "edge@hub" already exists`},
		"another cluster's gateway entry": {func(c *clientcmdapi.Config) {
			prod := Standalone(h, "prod", "edge@hub")
			c.Clusters["edge@hub"] = prod.Clusters["edge@hub"]
		}, "it reaches cluster prod through the hub at https://hub.example:6443"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := hubKubeconfig()
			tc.prepare(cfg)
			start, _ := load(t, cfg)
			next, _, err := Merge(start, h, "edge", "edge@hub")
			var taken *TakenError
			if !errors.As(err, &taken) || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "--context-name") || next != nil {
				t.Errorf("Merge: %v, want a refusal containing %q", err, tc.err)
			}
		})
	}
}

func allUnchanged(changes []Change) bool {
	for _, c := range changes {
		if c.Verb != "unchanged" {
			return false
		}
	}
	return len(changes) > 0
}
