package validate

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// maxMessage bounds a message, beyond the annotation keys it names (at most twice).
const maxMessage = 1024

// checkMessages asserts that every message is bounded and, when keys are valid UTF-8, is too.
func checkMessages(t *testing.T, r Result, keys ...string) {
	t.Helper()
	limit, utf8Keys := maxMessage, true
	for _, k := range keys {
		limit += 2 * len(k)
		utf8Keys = utf8Keys && utf8.ValidString(k)
	}
	msgs := append([]string(nil), r.Warnings...)
	for _, e := range r.Errors {
		msgs = append(msgs, e.Error())
	}
	for _, m := range msgs {
		if len(m) > limit {
			t.Errorf("message of %d bytes (limit %d): %.200s…", len(m), limit, m)
		}
		if utf8Keys && !utf8.ValidString(m) {
			t.Errorf("message is not valid UTF-8: %q", m)
		}
	}
	if (r.Err() == nil) != (len(r.Errors) == 0) {
		t.Errorf("Err() = %v with %d errors", r.Err(), len(r.Errors))
	}
}

func FuzzParseCapabilities(f *testing.F) {
	f.Add(false, "nodePortRange", "30000-32767", "", 0)
	f.Add(true, "taintSupport", "T", "true", 30)
	f.Add(false, "ingressCapabilities", `[{"ingressProvider":"Nginx","customDefaultBackend":null}]`, "", 0)
	f.Add(true, "loadBalancerCapabilities", `{"enabled":true,"provider":"ELB","protocolsSupported":["TCP"],"healthCheckSupported":false}`, `{"provider":"ELB","enabled":true}`, 0)
	f.Add(false, "pspEnabled", "1", "", 25)
	f.Add(false, "taintSuport", "", "", 0)
	f.Fuzz(func(t *testing.T, cattle bool, name, value, other string, kubeMinor int) {
		prefix, otherPrefix := v1alpha1.CapabilityPrefix, v1alpha1.CapabilityPrefixCattle
		if cattle {
			prefix, otherPrefix = otherPrefix, prefix
		}
		key, otherKey := prefix+name, otherPrefix+name
		annotations := map[string]string{key: value}
		if other != "" {
			annotations[otherKey] = other
		}
		caps, r := ParseCapabilities(annotations, kubeMinor)
		checkMessages(t, r, key, otherKey)

		again, r2 := ParseCapabilities(annotations, kubeMinor)
		if !reflect.DeepEqual(caps, again) || !reflect.DeepEqual(r, r2) {
			t.Fatalf("not deterministic")
		}
		c, ok := caps[name]
		if len(r.Errors) > 0 {
			if len(caps) != 0 {
				t.Fatalf("refused, yet returned %+v", caps)
			}
			return
		}
		if !ok || len(caps) != 1 {
			t.Fatalf("accepted %q=%q, yet returned %+v", key, value, caps)
		}
		// The canonical text is accepted under either prefix, without warnings, as the same value.
		for _, p := range bothPrefixes {
			round, r := ParseCapabilities(map[string]string{p + name: c.Text()}, 0)
			if len(r.Errors)+len(r.Warnings) > 0 || !reflect.DeepEqual(round[name].Value, c.Value) {
				t.Fatalf("Text() %q of %q re-parsed to %#v, %v %v; want %#v", c.Text(), value, round[name].Value, r.Errors, r.Warnings, c.Value)
			}
		}
	})
}

var fuzzPhases = []v1alpha1.Phase{"", v1alpha1.PhasePending, v1alpha1.PhaseActive, v1alpha1.PhaseUnavailable, v1alpha1.PhaseUpgrading, v1alpha1.PhaseDisconnecting}

// fuzzUser is the requester chosen by sel: none, the hub admin, the join token of the
// ImportedCluster name, the join token of another cluster, the agent of the cluster name or
// of another cluster. writesNothing: every write of the ImportedCluster by user is refused.
func fuzzUser(sel uint8, name string) (user string, writesNothing bool) {
	switch sel % 6 {
	case 1:
		return "kubernetes-admin", false
	case 2:
		return v1alpha1.JoinUsername(name), false
	case 3:
		return v1alpha1.JoinUsername("other"), true
	case 4:
		return v1alpha1.AgentUsername(name), true
	case 5:
		return v1alpha1.AgentUsername("other"), true
	}
	return "", false
}

// fuzzHubWriter is the hub component's identity in FuzzImportedCluster.
const fuzzHubWriter = "system:serviceaccount:kimport-system:kimport-controller"

func FuzzImportedCluster(f *testing.F) {
	f.Add(false, uint8(2), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001", false, "capabilities/nodePortRange", "30000-32767", "v1.31.0+k3s1", "v1.30.4+k3s1",
		int32(1), int32(1), uint8(3), uint8(3), uint8(5), uint8(0), "v1.30.4+k3s1", "k3s", uint8(30), uint8(0), uint8(0))
	f.Add(true, uint8(2), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", true, "capabilities.cattle.io/taintSupport", "T", "v1.29.0+k3s1", "v1.30.4+k3s1",
		int32(2), int32(0), uint8(3), uint8(3), uint8(5), uint8(7), "v1.30.4+k3s1", "k3s", uint8(25), uint8(3), uint8(1))
	f.Add(false, uint8(1), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001", false, "capabilities/ingressCapabilities", `[{"ingressProvider":"Nginx"}] x`, "1.31", "",
		int32(1), int32(9), uint8(1), uint8(1), uint8(0), uint8(0), "v1.32.0", "rke2", uint8(32), uint8(1), uint8(3))
	// `join` of a registration (no clusterID yet) to a clusterID other clusters hold.
	f.Add(true, uint8(1), "00000000-0000-4000-8000-000000000001", "", false, "capabilities/taintSupport", "true", "", "",
		int32(0), int32(0), uint8(1), uint8(1), uint8(0), uint8(0), "", "", uint8(30), uint8(3), uint8(2))
	// An agent writing its own cluster, and another's.
	f.Add(true, uint8(2), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001", false, "capabilities/nodePortRange", "30000-32767", "", "",
		int32(0), int32(0), uint8(1), uint8(1), uint8(0), uint8(0), "v1.37.2", "k3s", uint8(37), uint8(0), uint8(4))
	f.Add(false, uint8(0), "00000000-0000-4000-8000-000000000001", "", false, "capabilities/taintSupport", "true", "", "",
		int32(0), int32(0), uint8(1), uint8(1), uint8(0), uint8(0), "", "", uint8(0), uint8(1), uint8(5))
	// A team member rewriting what the hub acts on: a hub annotation, the cleanup finalizer.
	f.Add(true, uint8(2), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001", false, v1alpha1.JoinExpiresAnnotation, "2031-01-01T00:00:00Z", "", "",
		int32(0), int32(0), uint8(1), uint8(1), uint8(0), uint8(0), "v1.37.2", "k3s", uint8(37), uint8(1), uint8(0))
	f.Add(true, uint8(4), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001", false, v1alpha1.HubIDAnnotation, "evil", "", "",
		int32(0), int32(0), uint8(1), uint8(1), uint8(0), uint8(0), "v1.37.2", "k3s", uint8(37), uint8(5), uint8(0))
	f.Fuzz(func(t *testing.T, update bool, phase uint8, clusterID, oldClusterID string, repoint bool, annKey, annValue, version, oldVersion string,
		server, worker int32, servers, etcd, workers, notReady uint8, running, distribution string, kubeMinor, other, userSel uint8) {
		newObj := cluster("new", clusterID, "")
		newObj.Annotations = map[string]string{annKey: annValue}
		if version != "" || server != 0 || worker != 0 {
			newObj.Spec.K3s = &v1alpha1.K3sSpec{Version: version, UpgradeStrategy: v1alpha1.UpgradeStrategy{
				ServerConcurrency: server, WorkerConcurrency: worker, DrainServerNodes: servers%2 == 0}}
		}
		var oldObj *v1alpha1.ImportedCluster
		if update {
			oldObj = newObj.DeepCopy()
			oldObj.Spec.ClusterID = oldClusterID
			oldObj.Status.Phase = fuzzPhases[int(phase)%len(fuzzPhases)]
			if oldObj.Spec.K3s != nil {
				oldObj.Spec.K3s.Version = oldVersion
			}
			if repoint {
				oldObj.Spec.APIServer = "https://old.example:6443"
			}
			if other%3 == 0 {
				oldObj.Annotations = nil
			}
			if other%2 == 1 { // the hub's finalizer, which newObj lacks: a removal
				oldObj.Finalizers = []string{v1alpha1.Finalizer}
			}
			if oldObj.Status.Phase == v1alpha1.PhaseDisconnecting {
				oldObj.DeletionTimestamp = &metav1.Time{}
			}
		}
		var others []v1alpha1.ImportedCluster
		for i := range int(other % 4) {
			o := cluster(string(rune('a'+i)), clusterID, fuzzPhases[(int(phase)+i)%len(fuzzPhases)])
			if i == 2 {
				o.DeletionTimestamp = &metav1.Time{}
			}
			others = append(others, o)
		}
		user, writesNothing := fuzzUser(userSel, newObj.Name)
		notReadyNames := make([]string, min(int(notReady), v1alpha1.MaxNotReadyNames))
		for i := range notReadyNames {
			notReadyNames[i] = string(rune('a'+i%26)) + "-node"
		}
		c := Context{Others: others, KubeMinor: int(kubeMinor), Pools: PoolState{
			Servers: int(servers), EtcdServers: int(etcd), Workers: int(workers),
			NotReadyWorkers: notReadyNames, NotReadyWorkerCount: int(notReady), NotReadyServers: notReadyNames[:min(len(notReadyNames), int(servers))],
			RunningVersion: running, Distribution: v1alpha1.Distribution(distribution), NodesObserved: servers%4 != 0,
		}, Username: user, Writers: []string{fuzzHubWriter}}

		r := ImportedCluster(&newObj, oldObj, c)
		checkMessages(t, r, annKey)
		if again := ImportedCluster(&newObj, oldObj, c); !reflect.DeepEqual(r, again) {
			t.Fatal("not deterministic")
		}
		// A stored object can always be written back unchanged (finalizer removal, status),
		// except by the join token of another cluster and by an agent, which write nothing.
		if noop := ImportedCluster(&newObj, newObj.DeepCopy(), c); (len(noop.Errors) > 0) != writesNothing {
			t.Fatalf("no-op update by %q: %v", user, noop.Err())
		}
		if oldObj != nil {
			if noop := ImportedCluster(oldObj, oldObj.DeepCopy(), c); (len(noop.Errors) > 0) != writesNothing {
				t.Fatalf("no-op update of the old object by %q: %v", user, noop.Err())
			}
		}
		// A registration waiting for join (others are too, then) conflicts with no other one.
		if newObj.Spec.ClusterID == "" {
			if create := Identity(&newObj, nil, others); len(create.Errors) > 0 {
				t.Fatalf("a registration without clusterID refused: %v", create.Err())
			}
		}
		// Each rule's errors are part of the combined result.
		parts := len(Join(&newObj, oldObj, user).Errors) + len(Agent(&newObj, oldObj, user).Errors) + len(Identity(&newObj, oldObj, others).Errors) +
			len(Credentials(&newObj, oldObj).Errors) + len(Members(&newObj, oldObj).Errors) +
			len(Capabilities(&newObj, oldObj, c.KubeMinor).Errors) + len(Upgrade(&newObj, oldObj, c.Pools).Errors) +
			len(HubMetadata(&newObj, oldObj, user, c.Writers, c.MayForce).Errors)
		if parts != len(r.Errors) {
			t.Fatalf("combined %d errors, rules %d", len(r.Errors), parts)
		}
		if r.Err() != nil && !strings.Contains(r.Err().Error(), r.Errors[0].Error()) {
			t.Fatalf("Err() lacks the first error")
		}
	})
}

// Changes FuzzJoin makes besides the identity fields, one bit each.
const (
	joinMembers = 1 << iota
	joinDisplayName
	joinCredentials
	joinK3s
	joinFinalizers
	joinAnnotation
	joinLabel
	joinBookkeeping // resourceVersion, generation, managedFields: not a change
)

func FuzzJoin(f *testing.F) {
	f.Add(uint8(2), uint8(1), "", "00000000-0000-4000-8000-000000000001", "", "https://10.0.0.2:6443", uint8(0), uint8(1), uint8(joinBookkeeping), "env", "dev")
	f.Add(uint8(2), uint8(1), "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001", "https://10.0.0.2:6443", "https://10.0.0.2:6443", uint8(1), uint8(1), uint8(joinBookkeeping), "", "")
	f.Add(uint8(2), uint8(1), "", "00000000-0000-4000-8000-000000000001", "", "https://10.0.0.2:6443", uint8(0), uint8(3), uint8(joinMembers|joinAnnotation), v1alpha1.JoinExpiresAnnotation, "")
	f.Add(uint8(3), uint8(1), "", "", "", "", uint8(0), uint8(0), uint8(0), "", "")
	f.Add(uint8(2), uint8(0), "", "00000000-0000-4000-8000-000000000001", "", "", uint8(0), uint8(0), uint8(0), "", "")
	f.Add(uint8(4), uint8(1), "", "00000000-0000-4000-8000-000000000001", "", "https://10.0.0.2:6443", uint8(0), uint8(1), uint8(0), "", "") // an agent: not Join's business
	f.Fuzz(func(t *testing.T, userSel, op uint8, oldCID, newCID, oldAPI, newAPI string, oldLabel, newLabel, changes uint8, key, value string) {
		user, foreignJoin := fuzzUser(userSel, "prod")
		label := func(sel uint8) (string, bool) {
			switch sel % 4 {
			case 1:
				return newCID, true
			case 2:
				return oldCID, true
			case 3:
				return "x", true
			}
			return "", false
		}
		oldObj := registration()
		oldObj.Spec.ClusterID, oldObj.Spec.APIServer = oldCID, oldAPI
		if v, ok := label(oldLabel); ok {
			oldObj.Labels[v1alpha1.ClusterIDLabel] = v
		}
		newObj := oldObj.DeepCopy()
		newObj.Spec.ClusterID, newObj.Spec.APIServer = newCID, newAPI
		delete(newObj.Labels, v1alpha1.ClusterIDLabel)
		if v, ok := label(newLabel); ok {
			newObj.Labels[v1alpha1.ClusterIDLabel] = v
		}
		var want []string // the fields an update by the own token must be refused for
		if changes&joinMembers != 0 {
			newObj.Spec.Members = nil
			want = append(want, "spec.members")
		}
		if changes&joinDisplayName != 0 && value != "" {
			newObj.Spec.DisplayName = value
			want = append(want, "spec.displayName")
		}
		if changes&joinCredentials != 0 {
			newObj.Spec.CredentialsSecretRef.Name += "-x"
			want = append(want, "spec.credentialsSecretRef")
		}
		if changes&joinK3s != 0 {
			newObj.Spec.K3s = &v1alpha1.K3sSpec{Version: value}
			want = append(want, "spec.k3s")
		}
		if changes&joinFinalizers != 0 {
			newObj.Finalizers = append(newObj.Finalizers, "x/y")
			want = append(want, "metadata.finalizers")
		}
		if was, ok := oldObj.Annotations[key]; changes&joinAnnotation != 0 && (!ok || was != value) {
			newObj.Annotations[key] = value
			want = append(want, "metadata.annotations["+shown(key)+"]")
		}
		if was, ok := oldObj.Labels[key]; changes&joinLabel != 0 && key != v1alpha1.ClusterIDLabel && (!ok || was != value) {
			newObj.Labels[key] = value
			want = append(want, "metadata.labels["+shown(key)+"]")
		}
		if changes&joinBookkeeping != 0 {
			newObj.ResourceVersion, newObj.Generation = "99", 7
			newObj.ManagedFields = append(newObj.ManagedFields, metav1.ManagedFieldsEntry{Manager: v1alpha1.JoinFieldManager})
		}
		waiting := oldCID == ""
		if newCID != oldCID && !waiting {
			want = append(want, "spec.clusterID")
		}
		if newAPI != oldAPI && (oldAPI != "" || !waiting) {
			want = append(want, "spec.apiServer")
		}
		l, hasL := newObj.Labels[v1alpha1.ClusterIDLabel]
		if w, hadL := oldObj.Labels[v1alpha1.ClusterIDLabel]; (l != w || hasL != hadL) && (!waiting || !hasL || l != newCID || l == "") {
			want = append(want, "metadata.labels["+v1alpha1.ClusterIDLabel+"]")
		}

		n, o := newObj, oldObj
		switch op % 3 {
		case 0:
			o = nil // CREATE
		case 2:
			n = nil // DELETE
		}
		r := Join(n, o, user)
		checkMessages(t, r, key)
		if again := Join(n, o, user); !reflect.DeepEqual(r, again) {
			t.Fatal("not deterministic")
		}
		var got []string
		for _, e := range r.Errors {
			got = append(got, e.Field)
			if !strings.Contains(e.Detail, "the join token of ") || !strings.Contains(e.Detail, "ask the hub admin") {
				t.Errorf("message names no token or remedy: %s", e.Error())
			}
		}
		switch {
		case user == "" || v1alpha1.JoinCluster(user) == "":
			want = nil
		case foreignJoin || o == nil || n == nil:
			want = []string{"metadata.name"}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("refused fields %q, want %q (%v)", got, want, r.Err())
		}
		// Independently of the rule's own comparison: what it lets the own token change is
		// the identity fields, the label and the API server's bookkeeping, nothing else.
		if len(r.Errors) == 0 && n != nil && o != nil && v1alpha1.JoinCluster(user) != "" {
			if a, b := withoutJoinFields(t, n), withoutJoinFields(t, o); !reflect.DeepEqual(a, b) {
				t.Fatalf("allowed a change beyond join's fields:\n new %v\n old %v", a, b)
			}
		}
	})
}

// withoutJoinFields is c as JSON, less what join may set and what the API server maintains.
func withoutJoinFields(t *testing.T, c *v1alpha1.ImportedCluster) map[string]any {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	meta, spec := m["metadata"].(map[string]any), m["spec"].(map[string]any)
	for _, k := range []string{"resourceVersion", "generation", "managedFields"} {
		delete(meta, k)
	}
	if labels, ok := meta["labels"].(map[string]any); ok {
		delete(labels, v1alpha1.ClusterIDLabel)
		if len(labels) == 0 {
			delete(meta, "labels")
		}
	}
	delete(spec, "clusterID")
	delete(spec, "apiServer")
	return m
}

func FuzzMembers(f *testing.F) {
	f.Add(true, "system:authenticated", false, "alice", uint8(0), "ci", "deployer")
	f.Add(true, "system:serviceaccounts:ci", true, "system:masters", uint8(1), "kube-system", "a.b")
	f.Add(false, "system:serviceaccount:ci:deployer", false, "system:serviceaccount:ci:deployer", uint8(2), "Ci", "-x-")
	f.Add(false, "ali\u200bce", true, " bob", uint8(3), "", "")
	f.Add(false, "system:node:n1", false, "\xff", uint8(4), "a", "b:c")
	f.Add(false, "system:serviceaccount:cattle-system:kimport-agent", true, "bob", uint8(5), "cattle-system", "kimport-agent")
	f.Fuzz(func(t *testing.T, isGroup bool, name string, owner bool, otherName string, op uint8, ns, sa string) {
		kind, role := v1alpha1.MemberUser, v1alpha1.RoleMember
		if isGroup {
			kind = v1alpha1.MemberGroup
		}
		if owner {
			role = v1alpha1.RoleOwner
		}
		m := v1alpha1.Member{Kind: kind, Name: name, Role: role}
		other := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: otherName, Role: v1alpha1.RoleOwner}
		subjectErr := Subject(m)
		if isGroup && strings.HasPrefix(name, "system:") && subjectErr == nil {
			t.Fatalf("Group %q accepted", name)
		}
		if subjectErr != nil && len(subjectErr.Error()) > maxMessage {
			t.Fatalf("message of %d bytes: %.200s…", len(subjectErr.Error()), subjectErr)
		}

		// One ServiceAccount, its namespace and name made valid from the fuzzed strings, is
		// accepted as a User, and not as a Group.
		saUser := "system:serviceaccount:" + dnsName(ns, validation.DNS1123LabelMaxLength) + ":" + dnsName(sa, validation.DNS1123SubdomainMaxLength)
		if err := Subject(v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: saUser, Role: role}); (err != nil) != (saUser == v1alpha1.AgentUser) {
			t.Fatalf("User %q: %v", saUser, err)
		}
		if Subject(v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: saUser, Role: role}) == nil {
			t.Fatalf("Group %q accepted", saUser)
		}

		// The request: op chooses CREATE or UPDATE, which members are stored, where m goes.
		members := []v1alpha1.Member{other, m}
		if op&1 != 0 {
			members = []v1alpha1.Member{m, other}
		}
		newObj := withMembers(members...)
		var oldObj *v1alpha1.ImportedCluster
		switch op / 2 % 3 {
		case 1: // m stored already
			oldObj = withMembers(members...)
		case 2: // m added
			oldObj = withMembers(other)
		}
		r := Members(newObj, oldObj)
		checkMessages(t, r)
		if again := Members(newObj, oldObj); !reflect.DeepEqual(r, again) {
			t.Fatal("not deterministic")
		}
		for _, e := range r.Errors {
			if !strings.HasPrefix(e.Field, "spec.members[") || !strings.HasPrefix(e.Error(), e.Field+": ") || e.Detail == "" {
				t.Fatalf("refusal names no member, or no reason: %s", e.Error())
			}
		}
		mAt := 1 - int(op&1)
		refusedM := false
		for _, e := range r.Errors {
			refusedM = refusedM || e.Field == membersPath.Index(mAt).Child("name").String()
		}
		if stored := oldObj != nil && slices.Contains(oldObj.Spec.Members, m); refusedM != (subjectErr != nil && !stored) {
			t.Fatalf("member %+v (stored %v, Subject %v) refused: %v", m, stored, subjectErr, r.Err())
		}
		// A stored object can always be written back unchanged.
		if noop := Members(newObj, newObj.DeepCopy()); len(noop.Errors) > 0 {
			t.Fatalf("no-op update refused: %v", noop.Err())
		}
	})
}

// dnsName makes s a valid DNS-1123 label (and so subdomain) of at most max bytes.
func dnsName(s string, max int) string {
	b := []byte(strings.ToLower(s))
	out := b[:0]
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			out = append(out, c)
		}
	}
	name := strings.Trim(string(out[:min(len(out), max)]), "-")
	if name == "" {
		return "x"
	}
	return name
}
