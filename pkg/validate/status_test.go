package validate

import "testing"

func TestStatusWrite(t *testing.T) {
	hub := "system:serviceaccount:kimport-system:kimport-webhook"
	cases := []struct {
		name, user string
		writers    []string
		errs       []string
	}{
		{"the hub component", hub, []string{hub}, nil},
		{"one of several hub identities", "reconciler", []string{hub, "reconciler"}, nil},
		{"a tenant with RBAC on importedclusters/status", "alice", []string{hub},
			[]string{`=status: Forbidden: only the hub component (` + hub + `) writes the status of an ImportedCluster, not "alice": status is what the hub observed in the downstream and the admission rules rely on it; change spec instead and the hub reports the result`}},
		{"a join token", "system:serviceaccount:kimport-system:kimport-join-edge", []string{hub}, []string{`not "system:serviceaccount:kimport-system:kimport-join-edge"`}},
		{"no writers known: fails closed", hub, nil, []string{`only the hub component writes`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectResult(t, StatusWrite(tc.user, tc.writers), tc.errs, nil)
		})
	}
}
