package describe

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestDescribeAgainstHub(t *testing.T) {
	hub := hubtest.Start(t)
	changed := time.Now().Add(-time.Hour).Truncate(time.Second)
	alpha := hubtest.Create(t, hub.Client, hubtest.Alpha(changed))
	beta := hubtest.Create(t, hub.Client, hubtest.Beta())
	now := changed.Add(10 * 24 * time.Hour)
	hubtest.Record(t, hub.Client, alpha, "Warning", "NodesNotReady", "1 of 3 control-plane nodes NotReady: alpha-server-2", changed.Add(2*time.Minute), 3)
	hubtest.Record(t, hub.Client, alpha, "Normal", "Active", "the cluster is Active", changed.Add(time.Minute), 1)
	// An event about an earlier object of the same name must not show.
	stale := alpha.DeepCopy()
	stale.UID = types.UID("00000000-0000-0000-0000-000000000000")
	hubtest.Record(t, hub.Client, stale, "Normal", "Stale", "from a deleted incarnation", changed, 1)
	hubtest.Record(t, hub.Client, beta, "Normal", "Registered", "about beta", changed, 1)

	f := plugintest.Clock(func() time.Time { return now })

	t.Run("active cluster", func(t *testing.T) {
		want := `Name:                alpha
Display Name:        Alpha Prod
Cluster ID:          3f1c2a9e-0000-4000-8000-00000000a1fa
API Server:          https://10.0.0.1:6443
Mode:                Direct
Credentials:         Secret kimport-system/alpha-credentials
Cluster Profile:     none: the hub has no ClusterProfile CRD (kubectl import init --install-inventory-crds)
Created:             ` + alpha.CreationTimestamp.Format(time.RFC1123Z) + `
Phase:               Active
Distribution:        k3s
Kubernetes Version:  v1.37.2+k3s1
Last Probe:          10d ago
Nodes:
  Total:          8
  Ready:          7
  Control Plane:  2/3 ready
    NotReady:     alpha-server-2
  Etcd Members:   3
  Workers:        5/5 ready
Projects:
  Default:  default
  System:   cattle-system, kube-public, kube-system
Members:
  Kind   Name               Role            Downstream Role
  ----   ----               ----            ---------------
  User   alice@example.com  cluster-owner   cluster-admin
  Group  sre                cluster-member  view
Capabilities:
  Name           Value        Source
  ----           -----        ------
  nodePortRange  30000-32000  capabilities/nodePortRange
  pspEnabled     false        default
  taintSupport   false        capabilities.cattle.io/taintSupport (not yet applied)
Conditions:
  Type            Status  Reason     Age  Message
  ----            ------  ------     ---  -------
  Connected       True    Reachable  10d  the hub reached the API server
  MembersApplied  True    Applied    10d  
Events:
  Type     Reason         Age              From                Message
  ----     ------         ---              ----                -------
  Normal   Active         9d               kimport-reconciler  the cluster is Active
  Warning  NodesNotReady  9d (x3 over 9d)  kimport-reconciler  1 of 3 control-plane nodes NotReady: alpha-server-2
`
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "alpha").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("pending cluster", func(t *testing.T) {
		want := `Name:                beta
Display Name:        beta
Cluster ID:          7d2e4b10-0000-4000-8000-0000000000be
API Server:          https://beta.example.com:6443
Mode:                Direct
Credentials:         Secret kimport-system/beta-credentials
Cluster Profile:     none: the hub has no ClusterProfile CRD (kubectl import init --install-inventory-crds)
Created:             ` + beta.CreationTimestamp.Format(time.RFC1123Z) + `
Phase:               Pending
Distribution:        <none>
Kubernetes Version:  <none>
Last Probe:          <none>
Nodes:               <none>
Projects:            <none>
Members:             <none>
Capabilities:        <none>
Conditions:          <none>
Events:
  Type    Reason      Age  From                Message
  ----    ------      ---  ----                -------
  Normal  Registered  10d  kimport-reconciler  about beta
`
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "beta").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("registration waiting for join", func(t *testing.T) {
		expires := now.Add(23 * time.Hour)
		stored := hubtest.Create(t, hub.Client, hubtest.Waiting(expires))
		want := `Name:                waiting
Display Name:        waiting
Cluster ID:          <waiting for join>
API Server:          <waiting for join>
Mode:                Direct
Credentials:         Secret kimport-system/waiting-credentials
Cluster Profile:     none: the hub has no ClusterProfile CRD (kubectl import init --install-inventory-crds)
Join Token Expires:  ` + expires.Local().Format(time.RFC1123Z) + ` (in 23h)
Created:             ` + stored.CreationTimestamp.Format(time.RFC1123Z) + `
Phase:               Pending
`
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "waiting").Stdout(t); !strings.HasPrefix(got, want) {
			t.Errorf("got\n%s\nwant it to start with\n%s", got, want)
		}
	})

	t.Run("agent mode", func(t *testing.T) {
		edge := hubtest.Create(t, hub.Client, hubtest.Edge(changed))
		want := `Name:                edge
Display Name:        edge
Cluster ID:          5a0b9c3d-0000-4000-8000-0000000ed9e1
API Server:          https://10.0.9.1:6443
Mode:                Agent
Credentials:         none in the hub (the agent dials out with its own hub identity kimport-system/kimport-agent-edge)
Cluster Profile:     none: the hub has no ClusterProfile CRD (kubectl import init --install-inventory-crds)
Created:             ` + edge.CreationTimestamp.Format(time.RFC1123Z) + `
Phase:               Active
Distribution:        k3s
Kubernetes Version:  v1.37.2+k3s1
Last Probe:          10d ago
Agent:
  Version:    v0.1.0
  Warning:    the agent runs v0.1.0, the hub v0.2.0: kubectl import agent upgrade edge
  Heartbeat:  the agent renews Lease kimport-system/cluster-edge (grace period 2m0s)
Nodes:               <none>
`
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "edge").Stdout(t); !strings.HasPrefix(got, want) {
			t.Errorf("got\n%s\nwant it to start with\n%s", got, want)
		}
	})

	t.Run("projects with namespaces and members", func(t *testing.T) {
		teams := hubtest.Alpha(changed)
		teams.Name, teams.Spec.CredentialsSecretRef.Name = "teams", v1alpha1.CredentialsSecretName("teams")
		teams.Spec.ClusterID = "3f1c2a9e-0000-4000-8000-0000000000f1"
		teams.Spec.Projects = []v1alpha1.ProjectSpec{
			{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a-prod", "a-later"}, Members: []v1alpha1.ProjectMember{
				{Kind: v1alpha1.MemberGroup, Name: "team-a", Role: v1alpha1.RoleProjectMember}, {Kind: v1alpha1.MemberUser, Name: "lead", Role: v1alpha1.RoleProjectOwner}}},
			{Name: "System", Members: []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberGroup, Name: "auditors", Role: v1alpha1.RoleReadOnly}}},
		}
		teams.Status.Projects = append(teams.Status.Projects, v1alpha1.Project{Name: "team-a", Namespaces: []string{"a-prod"}})
		hubtest.Create(t, hub.Client, teams)
		want := `Projects:
  Default:    default
  System:     cattle-system, kube-public, kube-system
    Members:  Group:auditors=read-only (view)
  team-a:     a-prod, a-later (pending)
    Members:  Group:team-a=project-member (edit), User:lead=project-owner (admin)
Members:
`
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "teams").Stdout(t); !strings.Contains(got, want) {
			t.Errorf("got\n%s\nwant it to contain\n%s", got, want)
		}
	})

	t.Run("json yaml name", func(t *testing.T) {
		for _, format := range []string{"json", "yaml"} {
			var got v1alpha1.ImportedCluster
			out := plugintest.ExecuteWith(f, hub, NewCmd, "alpha", "-o", format).Stdout(t)
			if err := yaml.UnmarshalStrict([]byte(out), &got); err != nil {
				t.Fatalf("%s: %v\n%s", format, err, out)
			}
			if got.APIVersion != "kimport.dev/v1alpha1" || got.Kind != "ImportedCluster" || got.UID != alpha.UID ||
				got.Spec.Members[0].Name != "alice@example.com" || got.Status.Projects[1].Name != "System" {
				t.Errorf("%s: got %+v", format, got)
			}
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "beta", "-o", "name").Stdout(t); got != "importedcluster.kimport.dev/beta\n" {
			t.Errorf("-o name: %q", got)
		}
	})

	t.Run("errors", func(t *testing.T) {
		plugintest.ExecuteWith(f, hub, NewCmd, "gamma").Failed(t, `importedcluster "gamma" not found (list them with 'kubectl import list')`)
		plugintest.ExecuteWith(f, hub, NewCmd).Failed(t, `NAME is required: usage: describe NAME [flags]`)
		plugintest.ExecuteWith(f, hub, NewCmd, "alpha", "beta").Failed(t, `exactly one NAME is accepted, got 2 ([alpha beta]): usage: describe NAME [flags]`)
		plugintest.ExecuteWith(f, hub, NewCmd, "alpha", "-o", "wide").Failed(t,
			`unsupported --output (-o) value "wide": use one of json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, or omit it for human-readable output`)
	})
}

func TestDescribeUpgradeAndTruncatedNotReady(t *testing.T) {
	ic := hubtest.Beta()
	ic.Status.Nodes = &v1alpha1.NodeSummary{Total: 30, Ready: 5, Etcd: 0,
		ControlPlane: v1alpha1.PoolSummary{Total: 1, Ready: 1},
		Workers:      v1alpha1.PoolSummary{Total: 29, Ready: 4, NotReady: []string{"w-1", "w-2"}}}
	ic.Status.Upgrade = &v1alpha1.UpgradeStatus{
		TargetVersion: "v1.33.1+k3s1",
		Servers:       v1alpha1.PoolUpgrade{Plan: "k3s-master-plan", Applying: 0, Done: 1, Total: 1},
		Workers:       v1alpha1.PoolUpgrade{Plan: "k3s-worker-plan", Applying: 2, Done: 3, Total: 29},
		FailedJobs:    []v1alpha1.FailedJob{{Job: "apply-k3s-worker-plan-on-w-9", Node: "w-9", Message: "BackoffLimitExceeded"}},
	}
	var out bytes.Buffer
	if err := Describe(&out, ic, "kimport-system/beta (ControlPlaneHealthy=True)", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := `Name:                beta
Display Name:        beta
Cluster ID:          7d2e4b10-0000-4000-8000-0000000000be
API Server:          https://beta.example.com:6443
Mode:                Direct
Credentials:         Secret kimport-system/beta-credentials
Cluster Profile:     kimport-system/beta (ControlPlaneHealthy=True)
Created:             <none>
Phase:               Pending
Distribution:        <none>
Kubernetes Version:  <none>
Last Probe:          <none>
Nodes:
  Total:          30
  Ready:          5
  Control Plane:  1/1 ready
  Etcd Members:   0
  Workers:        4/29 ready
    NotReady:     w-1, w-2 and 23 more
Projects:            <none>
Members:             <none>
Capabilities:        <none>
Conditions:          <none>
Upgrade:
  Target Version:  v1.33.1+k3s1
  Servers:         1/1 done, 0 applying (plan k3s-master-plan)
  Workers:         3/29 done, 2 applying (plan k3s-worker-plan)
  Failed Jobs:
    Job                           Node  Message
    ---                           ----  -------
    apply-k3s-worker-plan-on-w-9  w-9   BackoffLimitExceeded
Events:              <none>
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestJoinExpiry(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	local := func(s string) string {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at.Local().Format(time.RFC1123Z)
	}
	cases := []struct{ value, want string }{
		{"2030-01-02T11:00:00Z", local("2030-01-02T11:00:00Z") + " (in 23h)"},
		{"2030-01-01T12:00:30+01:00", local("2030-01-01T12:00:30+01:00") + " (expired 59m ago)"},
		{"2030-01-01T12:00:00Z", local("2030-01-01T12:00:00Z") + " (expired 0s ago)"},
		{"tomorrow", `"tomorrow" (annotation kimport.dev/join-expires-at is not an RFC 3339 time)`},
	}
	for _, tc := range cases {
		if got := joinExpiry(tc.value, now); got != tc.want {
			t.Errorf("joinExpiry(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}

func TestCapabilities(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{}
	ic.Annotations = map[string]string{
		"capabilities/pspEnabled":              "false",
		"capabilities.cattle.io/pspEnabled":    "false",
		"capabilities/taintSupport":            "false",
		"capabilities.cattle.io/nodePortRange": "30000-31000",
		"capabilities/":                        "ignored: no name",
		"other":                                "ignored",
	}
	ic.Status.Capabilities = []v1alpha1.CapabilityStatus{
		{Name: "pspEnabled", Value: "false", Source: "capabilities.cattle.io/pspEnabled"},
		{Name: "taintSupport", Value: "false", Source: "detected"},
		{Name: "loadBalancerCapabilities", Value: `{"enabled":false}`, Source: "default"},
	}
	want := []v1alpha1.CapabilityStatus{
		{Name: "loadBalancerCapabilities", Value: `{"enabled":false}`, Source: "default"},
		{Name: "nodePortRange", Value: "30000-31000", Source: "capabilities.cattle.io/nodePortRange (not yet applied)"},
		{Name: "pspEnabled", Value: "false", Source: "capabilities.cattle.io/pspEnabled"},
		{Name: "taintSupport", Value: "false", Source: "capabilities/taintSupport"},
	}
	got := Capabilities(ic)
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestDescribeAgent: the Agent section before the agent reports, and once it is current.
func TestDescribeAgent(t *testing.T) {
	ic := hubtest.Edge(time.Now())
	for _, tc := range []struct {
		name   string
		change func(*v1alpha1.ImportedCluster)
		want   string
	}{
		{"waiting for the agent", func(ic *v1alpha1.ImportedCluster) {
			ic.Status.Agent = nil
			ic.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonAwaitingAgent}}
		}, "Agent:\n  Version:    <none>\n  Heartbeat:  AwaitingAgent\n"},
		{"current", func(ic *v1alpha1.ImportedCluster) {
			meta.SetStatusCondition(&ic.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionAgentVersion, Status: metav1.ConditionTrue,
				Reason: v1alpha1.ReasonCurrent, Message: "the agent runs v0.2.0, the hub v0.2.0"})
			ic.Status.Agent.Version = "v0.2.0"
		}, "Agent:\n  Version:    v0.2.0\n  Heartbeat:  the agent renews Lease kimport-system/cluster-edge (grace period 2m0s)\n"},
		{"no conditions yet", func(ic *v1alpha1.ImportedCluster) { ic.Status.Conditions = nil },
			"Agent:\n  Version:    v0.1.0\n  Heartbeat:  <none>\n"},
	} {
		c := ic.DeepCopy()
		tc.change(c)
		var out bytes.Buffer
		if err := Describe(&out, c, "", nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Mode:                Agent\n") || !strings.Contains(out.String(), "\n"+tc.want+"Nodes:") {
			t.Errorf("%s: got\n%s\nwant the section\n%s", tc.name, out.String(), tc.want)
		}
	}
	// Direct mode, also when spec.mode is empty: no Agent section.
	for _, m := range []v1alpha1.Mode{v1alpha1.ModeDirect, ""} {
		c := ic.DeepCopy()
		c.Spec.Mode = m
		var out bytes.Buffer
		if err := Describe(&out, c, "", nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Mode:                Direct\n") || strings.Contains(out.String(), "Agent:") {
			t.Errorf("spec.mode %q: got\n%s", m, out.String())
		}
	}
}
