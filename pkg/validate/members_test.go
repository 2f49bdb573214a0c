package validate

import (
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func user(name string, role v1alpha1.MemberRole) v1alpha1.Member {
	return v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: name, Role: role}
}

func group(name string, role v1alpha1.MemberRole) v1alpha1.Member {
	return v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: name, Role: role}
}

func withMembers(members ...v1alpha1.Member) *v1alpha1.ImportedCluster {
	c := cluster("prod", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)
	c.Spec.Members = members
	return &c
}

func TestSubjectAccepts(t *testing.T) {
	for _, m := range []v1alpha1.Member{
		user("alice@example.com", v1alpha1.RoleOwner),
		user("Jane Doe", v1alpha1.RoleMember),
		user("system:serviceaccount:ci:deployer", v1alpha1.RoleOwner),
		user("system:serviceaccount:kube-system:a.b-c", v1alpha1.RoleMember),
		user("oidc:system:admin", v1alpha1.RoleOwner), // only a leading system: is reserved
		user("System:anonymous", v1alpha1.RoleOwner),  // names are case-sensitive: not the anonymous user
		user("ünïcødé", v1alpha1.RoleMember),
		group("sre", v1alpha1.RoleOwner),
		group("oidc:system:authenticated", v1alpha1.RoleMember),
	} {
		if err := Subject(m); err != nil {
			t.Errorf("Subject(%+v) = %v", m, err)
		}
	}
}

func TestSubjectRefuses(t *testing.T) {
	const (
		others  = "; name the users or groups that need access"
		person  = "; name a person, or one ServiceAccount as User system:serviceaccount:NAMESPACE:NAME"
		dnsHint = "; write system:serviceaccount:NAMESPACE:NAME, NAMESPACE a DNS-1123 label and NAME a DNS-1123 subdomain"
	)
	cases := []struct {
		m    v1alpha1.Member
		want string // "=" for the whole message, else a part of it
	}{
		{group("system:authenticated", v1alpha1.RoleOwner),
			"=Group system:authenticated stands for every authenticated identity of the downstream: giving it cluster-owner makes everyone cluster-admin" + others},
		{group("system:authenticated", v1alpha1.RoleMember),
			"=Group system:authenticated stands for every authenticated identity of the downstream: giving it cluster-member makes everyone a viewer of every namespace (view)" + others},
		{group("system:unauthenticated", v1alpha1.RoleMember),
			"=Group system:unauthenticated stands for every request to the downstream without credentials: giving it cluster-member makes anyone, even without credentials, a viewer of every namespace (view)" + others},
		{group("system:serviceaccounts", v1alpha1.RoleOwner),
			"=Group system:serviceaccounts stands for every ServiceAccount of the downstream: giving it cluster-owner makes every workload cluster-admin; name the ServiceAccount that needs access as User system:serviceaccount:NAMESPACE:NAME"},
		{group("system:serviceaccounts:ci", v1alpha1.RoleOwner),
			"=Group system:serviceaccounts:ci stands for every ServiceAccount in namespace ci: giving it cluster-owner makes every workload in ci cluster-admin; name the ServiceAccount that needs access as User system:serviceaccount:ci:NAME"},
		{group("system:masters", v1alpha1.RoleOwner),
			"=Group system:masters is the downstream's superuser group, whose members bypass authorization: a role for it grants nothing, and whoever can join it owns the cluster already" + others},
		{group("system:nodes", v1alpha1.RoleOwner), "Group system:nodes stands for every node (kubelet) of the downstream: giving it cluster-owner makes every node, and whoever compromises one, cluster-admin"},
		{group("system:bootstrappers", v1alpha1.RoleOwner), "Group system:bootstrappers stands for the bootstrap tokens that join nodes"},
		{group("system:bootstrappers:kubeadm:default-node-token", v1alpha1.RoleMember), "stands for the bootstrap tokens that join nodes"},
		{group("system:monitoring", v1alpha1.RoleMember), "Group system:monitoring stands for the identities allowed to scrape the downstream's metrics"},
		{group("system:anything-else", v1alpha1.RoleOwner),
			"=Group system:anything-else is reserved by Kubernetes (the system: prefix): it stands for whoever Kubernetes puts in it, not whom you choose: giving it cluster-owner makes all of them cluster-admin" + others},
		{group("system:serviceaccount:ci:deployer", v1alpha1.RoleOwner),
			"=Group system:serviceaccount:ci:deployer is no group: a ServiceAccount is a User; use User:system:serviceaccount:ci:deployer"},
		{group("system:", v1alpha1.RoleOwner), "Group system: is reserved by Kubernetes"},
		{user("system:anonymous", v1alpha1.RoleOwner),
			"=User system:anonymous is the identity of every request to the downstream without credentials: giving it cluster-owner makes anyone, even without credentials, cluster-admin" + person},
		{user("system:kube-controller-manager", v1alpha1.RoleOwner), "=User system:kube-controller-manager is a control-plane component of the downstream: giving it cluster-owner makes that component, and whoever steals its credentials, cluster-admin" + person},
		{user("system:kube-proxy", v1alpha1.RoleMember), "User system:kube-proxy is a control-plane component"},
		{user("system:node:worker-1", v1alpha1.RoleOwner), "=User system:node:worker-1 is the kubelet of node worker-1: giving it cluster-owner makes that node, and whoever compromises it, cluster-admin" + person},
		{user("system:apiserver", v1alpha1.RoleOwner), "User system:apiserver is the downstream's API server itself"},
		{user("system:serviceaccount:cattle-system:kimport-agent", v1alpha1.RoleOwner), "=User system:serviceaccount:cattle-system:kimport-agent is the import agent, " +
			"whom the hub acts as in the downstream: giving it cluster-owner makes the hub's token for this cluster cluster-admin" + person},
		{user("system:admin", v1alpha1.RoleOwner), "=User system:admin is reserved by Kubernetes (the system: prefix) for its own components, not people: giving it cluster-owner makes whoever Kubernetes gives that name cluster-admin" + person},
		{user("system:serviceaccounts:ci", v1alpha1.RoleOwner), "User system:serviceaccounts:ci is reserved by Kubernetes"},
		{user("system:serviceaccount:ci", v1alpha1.RoleOwner), `=User system:serviceaccount:ci is no ServiceAccount's name (name "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')), so it matches no ServiceAccount` + dnsHint},
		{user("system:serviceaccount::deployer", v1alpha1.RoleOwner), `(namespace "": a lowercase RFC 1123 label must consist of`},
		{user("system:serviceaccount:CI:deployer", v1alpha1.RoleOwner), `(namespace "CI": a lowercase RFC 1123 label`},
		{user("system:serviceaccount:a.b:deployer", v1alpha1.RoleOwner), `(namespace "a.b":`},
		{user("system:serviceaccount:ci:deployer:x", v1alpha1.RoleOwner), `(name "deployer:x":`},
		{user("system:serviceaccount:ci:Deployer", v1alpha1.RoleOwner), `(name "Deployer":`},
		{user("kimport:hub:system:serviceaccount:ci:deployer", v1alpha1.RoleOwner), "=User kimport:hub:system:serviceaccount:ci:deployer starts with kimport:, " +
			"which is reserved for the identities the hub gateway acts as in a downstream: a role for it would reach whoever the gateway acts as under that name, not whom you mean; name the user or group itself"},
		{group("kimport:anything", v1alpha1.RoleMember), "Group kimport:anything starts with kimport:"},
		{user("", v1alpha1.RoleOwner), "=the name is empty: name the user or group, e.g. alice@example.com or sre"},
		{user(" alice", v1alpha1.RoleOwner), "=the name starts or ends with whitespace: names are compared exactly, so it matches no identity; remove the whitespace"},
		{group("sre\n", v1alpha1.RoleOwner), "starts or ends with whitespace"},
		{group(" system:authenticated", v1alpha1.RoleOwner), "starts or ends with whitespace"},
		{user("ali\x07ce", v1alpha1.RoleOwner), "=the name holds the non-printable character U+0007 at byte 3: names are compared exactly, so it looks like one subject and is another; remove it"},
		{user("alice\u200b", v1alpha1.RoleOwner), "non-printable character U+200B at byte 5"},
		{user("ali\u00a0ce", v1alpha1.RoleOwner), "non-printable character U+00A0 at byte 3"},
		{user("alice\u202e", v1alpha1.RoleOwner), "non-printable character U+202E"},
		{user("al\xffice", v1alpha1.RoleOwner), "=the name is not valid UTF-8, so it matches no identity: retype it"},
		{user("system:node:"+strings.Repeat("n", 300), v1alpha1.RoleOwner), "… is the kubelet of node " + strings.Repeat("n", maxShownValue) + "…: giving"},
	}
	for _, tc := range cases {
		err := Subject(tc.m)
		if err == nil {
			t.Errorf("Subject(%s:%q=%s) accepted", tc.m.Kind, tc.m.Name, tc.m.Role)
			continue
		}
		expectMessages(t, string(tc.m.Kind)+":"+tc.m.Name, []string{err.Error()}, []string{tc.want})
	}
}

func TestMembers(t *testing.T) {
	alice, sre := user("alice", v1alpha1.RoleOwner), group("sre", v1alpha1.RoleMember)
	everyone := group("system:authenticated", v1alpha1.RoleOwner)
	const stored = " (already stored before this update, so allowed; please fix it)"
	cases := []struct {
		desc           string
		newObj, oldObj *v1alpha1.ImportedCluster
		errs, warnings []string
	}{
		{"CREATE with good members", withMembers(alice, sre, user("system:serviceaccount:ci:deployer", v1alpha1.RoleOwner)), nil, nil, nil},
		{"CREATE without members", withMembers(), nil, nil, nil},
		{"CREATE with everyone", withMembers(alice, everyone), nil,
			[]string{`=spec.members[1].name: Invalid value: "system:authenticated": Group system:authenticated stands for every authenticated identity of the downstream: giving it cluster-owner makes everyone cluster-admin; name the users or groups that need access`}, nil},
		{"CREATE with one subject under two roles names both entries", withMembers(alice, sre, user("alice", v1alpha1.RoleMember)), nil,
			[]string{`=spec.members[2]: Duplicate value: "User:alice=cluster-member": User alice is spec.members[0] already, with role cluster-owner: a subject has one role; remove the entry you do not mean`}, nil},
		{"CREATE with one member twice", withMembers(sre, sre), nil,
			[]string{`=spec.members[1]: Duplicate value: "Group:sre=cluster-member": Group sre is spec.members[0] already; remove one of the two entries`}, nil},
		{"a user and a group of one name are two subjects", withMembers(alice, group("alice", v1alpha1.RoleOwner)), nil, nil, nil},
		{"every problem of every member, in order", withMembers(group("system:masters", v1alpha1.RoleOwner), user(" bob", v1alpha1.RoleMember), group("system:masters", v1alpha1.RoleMember)), nil,
			[]string{`spec.members[0].name: Invalid value: "system:masters"`, `spec.members[1].name: Invalid value: " bob"`,
				`spec.members[2].name: Invalid value: "system:masters"`, `spec.members[2]: Duplicate value: "Group:system:masters=cluster-member"`}, nil},

		{"UPDATE adding everyone", withMembers(alice, group("system:masters", v1alpha1.RoleOwner)), withMembers(alice),
			[]string{`spec.members[1].name: Invalid value: "system:masters": Group system:masters is the downstream's superuser group`}, nil},
		{"UPDATE leaving a stored bad member only warns", withMembers(everyone, alice), withMembers(alice, everyone), nil,
			[]string{`=spec.members[0].name: Invalid value: "system:authenticated": Group system:authenticated stands for every authenticated identity of the downstream: giving it cluster-owner makes everyone cluster-admin; name the users or groups that need access` + stored}},
		{"UPDATE changing the role of a stored bad member refuses", withMembers(group("system:authenticated", v1alpha1.RoleMember)), withMembers(everyone),
			[]string{`spec.members[0].name: Invalid value: "system:authenticated": Group system:authenticated stands for every authenticated identity of the downstream: giving it cluster-member`}, nil},
		{"UPDATE removing a stored bad member", withMembers(alice), withMembers(alice, everyone), nil, nil},
		{"UPDATE leaving a stored duplicate only warns", withMembers(alice, user("alice", v1alpha1.RoleMember), sre), withMembers(alice, user("alice", v1alpha1.RoleMember)), nil,
			[]string{`=spec.members[1]: Duplicate value: "User:alice=cluster-member": User alice is spec.members[0] already, with role cluster-owner: a subject has one role; remove the entry you do not mean` + stored}},
		{"UPDATE adding a second role refuses", withMembers(user("alice", v1alpha1.RoleMember), alice), withMembers(alice),
			[]string{`=spec.members[1]: Duplicate value: "User:alice=cluster-owner": User alice is spec.members[0] already, with role cluster-member: a subject has one role; remove the entry you do not mean`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			expectResult(t, Members(tc.newObj, tc.oldObj), tc.errs, tc.warnings)
		})
	}
}

func TestCredentials(t *testing.T) {
	webhookTLS := func(c *v1alpha1.ImportedCluster) *v1alpha1.ImportedCluster {
		c = c.DeepCopy()
		c.Spec.CredentialsSecretRef.Name = "kimport-webhook-tls"
		return c
	}
	good := withMembers()
	const refused = `=spec.credentialsSecretRef.name: Invalid value: "kimport-webhook-tls": must be "prod-credentials", the ImportedCluster's name followed by -credentials: ` +
		`the hub deletes this Secret with the cluster, so it may name no other Secret; set it to "prod-credentials"`
	expectResult(t, Credentials(good, nil), nil, nil)
	expectResult(t, Credentials(webhookTLS(good), nil), []string{refused}, nil)
	expectResult(t, Credentials(webhookTLS(good), good), []string{refused}, nil)
	expectResult(t, Credentials(good, webhookTLS(good)), nil, nil)
	stored := webhookTLS(good)
	edited := stored.DeepCopy()
	edited.Spec.DisplayName = "edited"
	expectResult(t, Credentials(edited, stored), nil, []string{refused[1:] + " (already stored before this update, so allowed; please fix it)"})
	other := webhookTLS(good)
	other.Spec.CredentialsSecretRef.Name = "beta-credentials"
	expectResult(t, Credentials(other, stored), []string{`Invalid value: "beta-credentials": must be "prod-credentials"`}, nil)
}
