package gatewayapi

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want Request
		err  string
	}{
		{path: ProxyPath("prod"), want: Request{Cluster: "prod", Subresource: "proxy", Rest: "/"}},
		{path: ProxyPath("prod") + "/", want: Request{Cluster: "prod", Subresource: "proxy", Rest: "/"}},
		{path: ProxyPath("prod") + "/api/v1/namespaces", want: Request{Cluster: "prod", Subresource: "proxy", Rest: "/api/v1/namespaces"}},
		{path: ProxyPath("a.b-c") + "/api/v1/namespaces/x%2Fy", want: Request{Cluster: "a.b-c", Subresource: "proxy", Rest: "/api/v1/namespaces/x%2Fy"}},
		{path: AttachPath("prod"), want: Request{Cluster: "prod", Subresource: "attach"}},
		{path: AttachPath("prod") + "/x", err: "attach takes no path after it"},
		{path: ProjectsPath("prod"), want: Request{Cluster: "prod", Subresource: "projects"}},
		{path: ProjectPath("prod", "team-a"), want: Request{Cluster: "prod", Subresource: "projects", Project: "team-a"}},
		{path: ProjectPath("prod", "System"), want: Request{Cluster: "prod", Subresource: "projects", Project: "System"}},
		{path: ProjectsPath("prod") + "/", err: `projects takes a project name after it (Default, System or a DNS label), not ""`},
		{path: ProjectPath("prod", "Team-A"), err: `not "Team-A"`},
		{path: ProjectPath("prod", "team-a") + "/x", err: `not "team-a/x"`},
		{path: ProjectPath("prod", "a%2Fb"), err: `not "a%2Fb"`},
		{path: PathPrefix + "/clusters/prod", err: "cluster prod: name a subresource, proxy, attach or projects"},
		{path: PathPrefix + "/clusters/prod/tunnel", err: `cluster prod has no subresource "tunnel": use proxy or projects`},
		{path: PathPrefix + "/clusters/Prod/proxy", err: `"Prod" is no cluster name`},
		{path: PathPrefix + "/clusters/../proxy", err: `".." is no cluster name`},
		{path: PathPrefix + "/clusters//proxy", err: `"" is no cluster name`},
		{path: PathPrefix + "/clusters/a%2Fb/proxy", err: `"a%2Fb" is no cluster name`},
		{path: "/apis/other.dev/v1/clusters/prod/proxy", err: "not under"},
		{path: PathPrefix, err: "not under"},
	} {
		got, err := ParsePath(tc.path)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParsePath(%q): %v", tc.path, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParsePath(%q) = %+v, %v; want an error containing %q", tc.path, got, err, tc.err)
		case tc.err == "" && got != tc.want:
			t.Errorf("ParsePath(%q) = %+v, want %+v", tc.path, got, tc.want)
		}
		if IsClusterPath(tc.path) != strings.HasPrefix(tc.path, PathPrefix+"/clusters/") {
			t.Errorf("IsClusterPath(%q) = %v", tc.path, IsClusterPath(tc.path))
		}
	}
}

func TestProxyURL(t *testing.T) {
	for hub, want := range map[string]string{
		"https://hub:6443":         "https://hub:6443/apis/gateway.kimport.dev/v1alpha1/clusters/edge/proxy",
		"https://hub:6443/":        "https://hub:6443/apis/gateway.kimport.dev/v1alpha1/clusters/edge/proxy",
		"https://lb.example/k8s/a": "https://lb.example/k8s/a/apis/gateway.kimport.dev/v1alpha1/clusters/edge/proxy",
	} {
		if got := ProxyURL(hub, "edge"); got != want {
			t.Errorf("ProxyURL(%q) = %q, want %q", hub, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	if APIServiceName != "v1alpha1.gateway.kimport.dev" || GroupVersion.String() != "gateway.kimport.dev/v1alpha1" {
		t.Errorf("APIService %q, group version %q", APIServiceName, GroupVersion)
	}
	if !strings.HasPrefix(GroupMemberUser, "system:") {
		t.Errorf("GroupMemberUser %q must be under system:, which the Members rule refuses", GroupMemberUser)
	}
	if !strings.HasPrefix(HubServiceAccountPrefix, ReservedUserPrefix) {
		t.Errorf("HubServiceAccountPrefix %q must be reserved (%q)", HubServiceAccountPrefix, ReservedUserPrefix)
	}
}

// FuzzParsePath: any path parses or not without panicking; a parsed cluster is a valid name
// and rebuilding the path gives back what was parsed.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{ProxyPath("prod") + "/api/v1/pods", AttachPath("x"), ProjectsPath("x"), ProjectPath("x", "team-a"), PathPrefix + "/clusters/a/b/c", "/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, err := ParsePath(path)
		if err != nil {
			return
		}
		if errs := validation.IsDNS1123Subdomain(r.Cluster); len(errs) > 0 {
			t.Fatalf("ParsePath(%q) accepted cluster %q: %v", path, r.Cluster, errs)
		}
		switch r.Subresource {
		case ProxySubresource:
			if !strings.HasPrefix(r.Rest, "/") || strings.TrimSuffix(ProxyPath(r.Cluster)+r.Rest, "/") != strings.TrimSuffix(path, "/") {
				t.Fatalf("ParsePath(%q) = %+v does not rebuild the path", path, r)
			}
		case AttachSubresource:
			if path != AttachPath(r.Cluster) || r.Rest != "" {
				t.Fatalf("ParsePath(%q) = %+v", path, r)
			}
		case ProjectsSubresource:
			rebuilt := ProjectsPath(r.Cluster)
			if r.Project != "" {
				rebuilt = ProjectPath(r.Cluster, r.Project)
			}
			if path != rebuilt || r.Rest != "" || (r.Project != "" && !projectName(r.Project)) {
				t.Fatalf("ParsePath(%q) = %+v", path, r)
			}
		default:
			t.Fatalf("ParsePath(%q) = %+v: unknown subresource", path, r)
		}
	})
}
