// Package gatewayapi names the hub gateway's aggregated API, gateway.kimport.dev/v1alpha1:
// its group, version, resource and subresources, the paths users and agents call, and the
// identities the gateway gives callers in a downstream. Every part (hub, agent, plugin,
// deploy) takes them from here.
package gatewayapi

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The aggregated API.
const (
	Group   = "gateway.kimport.dev"
	Version = "v1alpha1"
	// Resource is the one resource; only its subresources are served.
	Resource = "clusters"
	// ProxySubresource forwards any Kubernetes API request to the cluster, as the caller.
	ProxySubresource = "proxy"
	// AttachSubresource is where a cluster's agent opens its tunnel (an HTTP upgrade). The
	// hub API server treats requests to the attach, exec, log, portforward and proxy
	// subresources as long-running: with any other name (such as "tunnel") it would cut the
	// tunnel after --request-timeout and hold an inflight/priority-and-fairness seat for the
	// tunnel's whole life.
	AttachSubresource = "attach"
	// ProjectsSubresource lists the projects of the cluster the caller is a member of (GET
	// .../projects) and lets a project-owner change the namespaces and members of its
	// project (POST .../projects/PROJECT with a ProjectChange): the gateway writes the change
	// with the hub component's identity once it checked that the caller owns PROJECT.
	ProjectsSubresource = "projects"
	// APIServiceName is the name of the APIService that serves Group/Version.
	APIServiceName = Version + "." + Group
	// TunnelProtocol is the WebSocket subprotocol of the tunnel: yamux over binary messages.
	TunnelProtocol = "yamux.v1." + Group
)

// GroupVersion is Group/Version.
var GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

// The identities the gateway gives callers in a downstream (see pkg/gateway/access).
const (
	// GroupMemberUser is the user a caller who is a member only through groups is
	// impersonated as, with those groups: Kubernetes requires a user to impersonate groups,
	// and the caller's own name is not one the impersonator may impersonate. Under system:,
	// the Members rule refuses it as a member, so it holds no binding of its own.
	GroupMemberUser = "system:kimport:group-member"
	// HubServiceAccountPrefix precedes the user name of a hub ServiceAccount member
	// (system:serviceaccount:NS:NAME) in a downstream: impersonating the name itself would
	// make the caller the downstream's ServiceAccount NS/NAME, with its groups and rights.
	HubServiceAccountPrefix = "kimport:hub:"
	// ReservedUserPrefix starts every user name the gateway derives but GroupMemberUser; a hub
	// caller whose own name is reserved (Reserved) is refused, so no one can pose as a
	// derived identity.
	ReservedUserPrefix = "kimport:"
	// HubUserExtra is the user extra (Impersonate-Extra-) that carries the caller's hub user
	// name, so that the downstream's audit log names the person behind every request.
	HubUserExtra = Group + "/hub-user"
)

// Reserved says whether a user name is one the gateway derives (ReservedUserPrefix, or
// GroupMemberUser's system:kimport:), which no hub caller may bear.
func Reserved(user string) bool {
	return strings.HasPrefix(user, ReservedUserPrefix) || strings.HasPrefix(user, "system:"+ReservedUserPrefix)
}

// serviceAccountUserPrefix starts the user name of every ServiceAccount.
const serviceAccountUserPrefix = "system:serviceaccount:"

// DownstreamUser is the user name a User member called user acts as in a downstream: itself,
// or for a hub ServiceAccount (system:serviceaccount:NS:NAME) HubServiceAccountPrefix+user.
// The gateway impersonates it and the impersonator may impersonate it (pkg/agent); member
// bindings name it too.
func DownstreamUser(user string) string {
	if strings.HasPrefix(user, serviceAccountUserPrefix) {
		return HubServiceAccountPrefix + user
	}
	return user
}
