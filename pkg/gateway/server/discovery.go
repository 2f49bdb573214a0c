package server

import (
	"encoding/json"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

var groupVersion = metav1.GroupVersionForDiscovery{GroupVersion: gatewayapi.GroupVersion.String(), Version: gatewayapi.Version}

var apiGroup = metav1.APIGroup{
	TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
	Name:     gatewayapi.Group, Versions: []metav1.GroupVersionForDiscovery{groupVersion}, PreferredVersion: groupVersion,
}

// discovery answers the discovery paths of the API (legacy discovery, which the hub's
// aggregator reads when a server offers no aggregated discovery), false for other paths.
func discovery(w http.ResponseWriter, path string) bool {
	var body any
	switch path {
	case "/apis", "/apis/":
		body = metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{apiGroup}}
	case "/apis/" + gatewayapi.Group, "/apis/" + gatewayapi.Group + "/":
		body = apiGroup
	case gatewayapi.PathPrefix, gatewayapi.PathPrefix + "/":
		body = metav1.APIResourceList{
			TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: gatewayapi.GroupVersion.String(),
			APIResources: []metav1.APIResource{
				{Name: gatewayapi.Resource + "/" + gatewayapi.ProxySubresource, Kind: "ClusterProxy",
					Verbs: metav1.Verbs{"create", "delete", "get", "patch", "update"}},
				{Name: gatewayapi.Resource + "/" + gatewayapi.AttachSubresource, Kind: "ClusterAttach", Verbs: metav1.Verbs{"get"}},
				{Name: gatewayapi.Resource + "/" + gatewayapi.ProjectsSubresource, Kind: gatewayapi.ProjectsKind, Verbs: metav1.Verbs{"create", "get"}},
			},
		}
	default:
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
	return true
}
