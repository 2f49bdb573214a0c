package oneshot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/deletecmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/describe"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// profileList is `kubectl get clusterprofiles -A -o json` read with nothing but KEP-4322's
// documented schema, as any inventory consumer reads it.
type profileList struct {
	Items []struct {
		Metadata struct {
			Namespace string            `json:"namespace"`
			Name      string            `json:"name"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			DisplayName    string `json:"displayName"`
			ClusterManager struct {
				Name string `json:"name"`
			} `json:"clusterManager"`
		} `json:"spec"`
		Status struct {
			Version struct {
				Kubernetes string `json:"kubernetes"`
			} `json:"version"`
			Conditions []metav1.Condition `json:"conditions"`
			Properties []struct {
				Name             string `json:"name"`
				Value            string `json:"value"`
				LastObservedTime string `json:"lastObservedTime"`
			} `json:"properties"`
			AccessProviders []struct {
				Name    string `json:"name"`
				Cluster struct {
					Server                   string `json:"server"`
					CertificateAuthorityData []byte `json:"certificate-authority-data"`
					Extensions               []struct {
						Name      string          `json:"name"`
						Extension json.RawMessage `json:"extension"`
					} `json:"extensions"`
				} `json:"cluster"`
			} `json:"accessProviders"`
		} `json:"status"`
	} `json:"items"`
}

func getProfiles(t *testing.T, hub *testenv.Cluster) profileList {
	t.Helper()
	out, err := exec.Command("kubectl", "--kubeconfig", hub.Kubeconfig, "get", "clusterprofiles", "-A", "-o", "json").Output()
	if err != nil {
		t.Fatalf("kubectl get clusterprofiles -A -o json: %v", err)
	}
	var l profileList
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func profileCondition(l profileList, name, typ string) metav1.ConditionStatus {
	for _, p := range l.Items {
		for _, c := range p.Status.Conditions {
			if p.Metadata.Name == name && c.Type == typ {
				return c.Status
			}
		}
	}
	return ""
}

// TestInventory publishes two imported clusters, one per mode, through the inventory APIs of
// SIG-Multicluster against real control planes: the hub component (running with exactly its
// RBAC) keeps a ClusterProfile per cluster with version, ControlPlaneHealthy and properties;
// each downstream gets its About API ClusterProperties (written by the agent under its fence,
// and by the hub in direct mode); every profile's access provider is the hub's gateway for its
// cluster (consumers using it: test/e2e/access); a stopped agent turns its profile's
// ControlPlaneHealthy False, and deleting a cluster deletes its profile.
func TestInventory(t *testing.T) {
	agentBin := hubenv.BuildAgent(t)
	testLog = func(s string) { t.Log(s) }
	t.Cleanup(func() { testLog = func(string) {} })
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	start := time.Now()
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub"}, testenv.Options{Name: "edge", K3s: true}, testenv.Options{Name: "lab"})
	hub, edge, lab := clusters[0], clusters[1], clusters[2]
	ctx := context.Background()
	if err := testenv.CreateK3sNodes(ctx, edge.Client, 1, 1, edge.Version); err != nil {
		t.Fatal(err)
	}
	hubServer := hubenv.New(t, hub)
	hubServer.Options.Reconciler.HeartbeatGrace = 4 * time.Second
	hubServer.Options.Reconciler.CleanupTimeout = 5 * time.Second
	out, _, err := run(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", hubServer.URL, "--install-inventory-crds")
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	mustContain(t, "init output", out, "customresourcedefinition.apiextensions.k8s.io/clusterprofiles.multicluster.x-k8s.io serverside-applied")
	hubServer.Start(t)
	t.Logf("control planes and hub up after %s", time.Since(start).Round(time.Millisecond))

	// edge-1 in agent mode, its agent a real process; lab-1 in direct mode.
	out, _, err = runCluster("", "edge-1", "--kubeconfig", edge.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig, "--mode", "agent",
		"--wait=false", "--install-inventory-crds", "--display-name", "Edge one")
	if err != nil {
		t.Fatalf("cluster edge-1: %v\n%s", err, out)
	}
	mustContain(t, "cluster output", out, "customresourcedefinition.apiextensions.k8s.io/clusterproperties.about.k8s.io serverside-applied")
	agentKubeconfig, err := edge.ServiceAccountKubeconfig(ctx, v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	if err != nil {
		t.Fatal(err)
	}
	edgeAgent := hubenv.StartAgent(t, agentBin(t), "--kubeconfig", agentKubeconfig, "--sync-interval", "2s",
		"--health-probe-bind-address", "0")
	if out, _, err := runCluster("", "lab-1", "--kubeconfig", lab.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig, "--install-inventory-crds"); err != nil {
		t.Fatalf("cluster lab-1: %v\n%s", err, out)
	}
	waitPhase(t, hub, "edge-1", v1alpha1.PhaseActive, 30*time.Second, edgeAgent)

	ids := map[string]string{}
	for name, c := range map[string]*testenv.Cluster{"edge-1": edge, "lab-1": lab, "hub": hub} {
		if ids[name], err = importer.KubeSystemUID(ctx, c.Client); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("kubectl get clusterprofiles -A shows both, with version, condition and properties", func(t *testing.T) {
		var l profileList
		eventually(t, 20*time.Second, func() (bool, string) {
			l = getProfiles(t, hub)
			return len(l.Items) == 2 && profileCondition(l, "edge-1", "ControlPlaneHealthy") == metav1.ConditionTrue &&
					profileCondition(l, "lab-1", "ControlPlaneHealthy") == metav1.ConditionTrue,
				fmt.Sprintf("%d profiles: %+v", len(l.Items), l.Items)
		})
		want := map[string]struct {
			version, display, nodes, mode string
			providers                     int
		}{
			"edge-1": {edge.Version, "Edge one", "2", "Agent", 1},
			"lab-1":  {lab.Version, "lab-1", "0", "Direct", 1},
		}
		for _, p := range l.Items {
			w := want[p.Metadata.Name]
			props := map[string]string{}
			for _, prop := range p.Status.Properties {
				props[prop.Name] = prop.Value
				if _, err := time.Parse(time.RFC3339, prop.LastObservedTime); err != nil {
					t.Errorf("%s: property %s lastObservedTime %q", p.Metadata.Name, prop.Name, prop.LastObservedTime)
				}
			}
			if p.Metadata.Namespace != v1alpha1.HubNamespace || p.Metadata.Labels["x-k8s.io/cluster-manager"] != "kubectl-import" ||
				p.Spec.ClusterManager.Name != "kubectl-import" || p.Spec.DisplayName != w.display || p.Status.Version.Kubernetes != w.version {
				t.Errorf("profile %s/%s: %+v %+v", p.Metadata.Namespace, p.Metadata.Name, p.Metadata, p.Spec)
			}
			if props["cluster.clusterset.k8s.io"] != ids[p.Metadata.Name] || props["kimport.dev/nodes.total"] != w.nodes ||
				props["kimport.dev/mode"] != w.mode || props["kimport.dev/projects"] == "" || props["kimport.dev/access"] == "" {
				t.Errorf("profile %s properties %v", p.Metadata.Name, props)
			}
			if len(p.Status.AccessProviders) != w.providers {
				t.Fatalf("profile %s access providers %+v, want %d", p.Metadata.Name, p.Status.AccessProviders, w.providers)
			}
			// Either mode: the hub's gateway for the cluster, with the hub's CA (the hub as its
			// component reaches it); the consumer brings its own credential (test/e2e/access).
			ap := p.Status.AccessProviders[0]
			var ext struct {
				ClusterName string `json:"clusterName"`
			}
			if ap.Name != "kubectl-import" || ap.Cluster.Server != gatewayapi.ProxyURL(hubServer.Config.Host, p.Metadata.Name) ||
				!bytes.Equal(ap.Cluster.CertificateAuthorityData, hubServer.Config.CAData) || len(ap.Cluster.Extensions) != 1 ||
				json.Unmarshal(ap.Cluster.Extensions[0].Extension, &ext) != nil || ext.ClusterName != p.Metadata.Name {
				t.Errorf("profile %s access provider %s %s %s", p.Metadata.Name, ap.Name, ap.Cluster.Server, ap.Cluster.Extensions)
			}
		}
		out, _, err := run(describe.NewCmd, "lab-1")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "describe", out, "Cluster Profile:     kimport-system/lab-1 (ControlPlaneHealthy=True)")
	})

	t.Run("each downstream publishes its ID and cluster set (About API)", func(t *testing.T) {
		for name, c := range map[string]*testenv.Cluster{"edge-1": edge, "lab-1": lab} {
			props := dynamic.NewForConfigOrDie(c.Config).Resource(v1alpha1.ClusterPropertyGVR)
			eventually(t, 20*time.Second, func() (bool, string) {
				got := map[string]string{}
				for _, n := range v1alpha1.ClusterPropertyNames {
					if u, err := props.Get(ctx, n, metav1.GetOptions{}); err == nil {
						got[n], _, _ = unstructured.NestedString(u.Object, "spec", "value")
					}
				}
				return got["cluster.clusterset.k8s.io"] == ids[name] && got["clusterset.k8s.io"] == ids["hub"],
					fmt.Sprintf("%s: clusterproperties %v", name, got)
			})
		}
	})

	t.Run("a stopped agent turns ControlPlaneHealthy False; deleting the cluster deletes its profile", func(t *testing.T) {
		if err := edgeAgent.Stop(); err != nil {
			t.Logf("agent exit: %v", err) // SIGTERM may end it with a status, as in TestAgentMode
		}
		eventually(t, 15*time.Second, func() (bool, string) {
			l := getProfiles(t, hub)
			return profileCondition(l, "edge-1", "ControlPlaneHealthy") == metav1.ConditionFalse, fmt.Sprintf("profiles %+v", l.Items)
		})
		if out, errOut, err := run(deletecmd.NewCmd, "edge-1", "--timeout", "5s", "--force"); err != nil {
			t.Fatalf("delete --force edge-1: %v\n%s%s", err, out, errOut)
		}
		if out, errOut, err := run(deletecmd.NewCmd, "lab-1"); err != nil {
			t.Fatalf("delete lab-1: %v\n%s%s", err, out, errOut)
		}
		eventually(t, 15*time.Second, func() (bool, string) {
			l := getProfiles(t, hub)
			return len(l.Items) == 0, fmt.Sprintf("%d profiles left", len(l.Items))
		})
		// Direct mode: the hub's cleanup removed lab's ClusterProperties.
		list, err := dynamic.NewForConfigOrDie(lab.Config).Resource(v1alpha1.ClusterPropertyGVR).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) != 0 {
			t.Errorf("lab's clusterproperties after the delete: %d, %v", len(list.Items), err)
		}
	})
	t.Logf("TestInventory took %s", time.Since(start).Round(time.Millisecond))
}
