package gatewayapi

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// PathPrefix is the root of the API: /apis/gateway.kimport.dev/v1alpha1.
const PathPrefix = "/apis/" + Group + "/" + Version

// clustersPrefix precedes a cluster's name in every cluster path.
const clustersPrefix = PathPrefix + "/" + Resource + "/"

// ProxyPath is the path through which requests reach cluster: a client sets its server to
// the hub's URL followed by this path.
func ProxyPath(cluster string) string { return clustersPrefix + cluster + "/" + ProxySubresource }

// ProxyURL is the server a client sets to reach cluster through the hub whose API server it
// reaches at hubServer: hubServer (no trailing slash) followed by ProxyPath.
func ProxyURL(hubServer, cluster string) string {
	return strings.TrimSuffix(hubServer, "/") + ProxyPath(cluster)
}

// AttachPath is the path where cluster's agent opens its tunnel.
func AttachPath(cluster string) string { return clustersPrefix + cluster + "/" + AttachSubresource }

// ProjectsPath is the path of cluster's projects (GET: those the caller may see).
func ProjectsPath(cluster string) string { return clustersPrefix + cluster + "/" + ProjectsSubresource }

// ProjectPath is the path of one project of cluster (POST a ProjectChange: a project-owner's
// change).
func ProjectPath(cluster, project string) string { return ProjectsPath(cluster) + "/" + project }

// Request is what a cluster path asks for.
type Request struct {
	// Cluster is the ImportedCluster's name.
	Cluster string
	// Subresource is ProxySubresource, AttachSubresource or ProjectsSubresource.
	Subresource string
	// Project is, for ProjectsSubresource, the project the path names after it; empty for
	// all of them.
	Project string
	// Rest is, for a proxy request, the escaped path to send to the cluster's API server,
	// starting with "/"; empty for attach.
	Rest string
}

// errNotClusterPath is ParsePath's error for a path outside .../clusters/.
var errNotClusterPath = fmt.Errorf("not under %s", clustersPrefix)

// IsClusterPath says whether an escaped path is under .../clusters/, where ParsePath applies.
func IsClusterPath(escapedPath string) bool { return strings.HasPrefix(escapedPath, clustersPrefix) }

// ParsePath parses the escaped path of a request to .../clusters/NAME/proxy[/REST] or
// .../clusters/NAME/attach or .../clusters/NAME/projects[/PROJECT]; the error says what is
// wrong, for a 404.
func ParsePath(escapedPath string) (Request, error) {
	rest, ok := strings.CutPrefix(escapedPath, clustersPrefix)
	if !ok {
		return Request{}, errNotClusterPath
	}
	name, sub, _ := strings.Cut(rest, "/")
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return Request{}, fmt.Errorf("%q is no cluster name: %s", name, errs[0])
	}
	sub, tail, hasTail := strings.Cut(sub, "/")
	switch sub {
	case ProxySubresource:
		return Request{Cluster: name, Subresource: sub, Rest: "/" + tail}, nil
	case AttachSubresource:
		if hasTail {
			return Request{}, fmt.Errorf("%s takes no path after it", AttachSubresource)
		}
		return Request{Cluster: name, Subresource: sub}, nil
	case ProjectsSubresource:
		if strings.Contains(tail, "/") || (hasTail && !projectName(tail)) {
			return Request{}, fmt.Errorf("%s takes a project name after it (Default, System or a DNS label), not %q", ProjectsSubresource, tail)
		}
		return Request{Cluster: name, Subresource: sub, Project: tail}, nil
	case "":
		return Request{}, fmt.Errorf("cluster %s: name a subresource, %s, %s or %s", name, ProxySubresource, AttachSubresource, ProjectsSubresource)
	}
	return Request{}, fmt.Errorf("cluster %s has no subresource %q: use %s or %s", name, sub, ProxySubresource, ProjectsSubresource)
}

// projectName says whether s has a project name's form: Default, System or a DNS label (the
// CRD's pattern).
func projectName(s string) bool {
	return s == "Default" || s == "System" || len(validation.IsDNS1123Label(s)) == 0
}
