package validate

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

func FuzzImportedCluster(f *testing.F) {
	f.Add(false, uint8(2), "uid-1", "uid-1", false, "capabilities/nodePortRange", "30000-32767", "v1.31.0+k3s1", "v1.30.4+k3s1",
		int32(1), int32(1), uint8(3), uint8(3), uint8(5), uint8(0), "v1.30.4+k3s1", "k3s", uint8(30), uint8(0))
	f.Add(true, uint8(2), "uid-1", "uid-2", true, "capabilities.cattle.io/taintSupport", "T", "v1.29.0+k3s1", "v1.30.4+k3s1",
		int32(2), int32(0), uint8(3), uint8(3), uint8(5), uint8(7), "v1.30.4+k3s1", "k3s", uint8(25), uint8(3))
	f.Add(false, uint8(1), "uid-1", "uid-1", false, "capabilities/ingressCapabilities", `[{"ingressProvider":"Nginx"}] x`, "1.31", "",
		int32(1), int32(9), uint8(1), uint8(1), uint8(0), uint8(0), "v1.32.0", "rke2", uint8(32), uint8(1))
	f.Fuzz(func(t *testing.T, update bool, phase uint8, clusterID, oldClusterID string, repoint bool, annKey, annValue, version, oldVersion string,
		server, worker int32, servers, etcd, workers, notReady uint8, running, distribution string, kubeMinor, other uint8) {
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
		}
		var others []v1alpha1.ImportedCluster
		for i := range int(other % 4) {
			o := cluster(string(rune('a'+i)), clusterID, fuzzPhases[(int(phase)+i)%len(fuzzPhases)])
			if i == 2 {
				o.DeletionTimestamp = &metav1.Time{}
			}
			others = append(others, o)
		}
		notReadyNames := make([]string, min(int(notReady), v1alpha1.MaxNotReadyNames))
		for i := range notReadyNames {
			notReadyNames[i] = string(rune('a'+i%26)) + "-node"
		}
		c := Context{Others: others, KubeMinor: int(kubeMinor), Pools: PoolState{
			Servers: int(servers), EtcdServers: int(etcd), Workers: int(workers),
			NotReadyWorkers: notReadyNames, NotReadyWorkerCount: int(notReady), NotReadyServers: notReadyNames[:min(len(notReadyNames), int(servers))],
			RunningVersion: running, Distribution: v1alpha1.Distribution(distribution),
		}}

		r := ImportedCluster(&newObj, oldObj, c)
		checkMessages(t, r, annKey)
		if again := ImportedCluster(&newObj, oldObj, c); !reflect.DeepEqual(r, again) {
			t.Fatal("not deterministic")
		}
		// A stored object can always be written back unchanged (finalizer removal, status).
		if noop := ImportedCluster(&newObj, newObj.DeepCopy(), c); len(noop.Errors) > 0 {
			t.Fatalf("no-op update refused: %v", noop.Err())
		}
		if oldObj != nil {
			if noop := ImportedCluster(oldObj, oldObj.DeepCopy(), c); len(noop.Errors) > 0 {
				t.Fatalf("no-op update of the old object refused: %v", noop.Err())
			}
		}
		// Each rule's errors are part of the combined result.
		parts := len(Identity(&newObj, oldObj, others).Errors) + len(Capabilities(&newObj, oldObj, c.KubeMinor).Errors) + len(Upgrade(&newObj, oldObj, c.Pools).Errors)
		if parts != len(r.Errors) {
			t.Fatalf("combined %d errors, rules %d", len(r.Errors), parts)
		}
		if r.Err() != nil && !strings.Contains(r.Err().Error(), r.Errors[0].Error()) {
			t.Fatalf("Err() lacks the first error")
		}
	})
}
