package initcmd

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// inventoryRBAC names the Role and RoleBinding of deploy/base/rbac.yaml that let the inventory
// controller write ClusterProfiles: they live in the profiles' namespace.
const inventoryRBAC = "kimport-controller-inventory"

// validateProfileNamespace checks --cluster-profile-namespace.
func validateProfileNamespace(ns string) error {
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Errorf("invalid --cluster-profile-namespace %q: %s", ns, errs[0])
	}
	return nil
}

// placeInventory puts the inventory controller's Role and RoleBinding into the profile
// namespace and tells the in-cluster component about it; it returns the namespace object to
// apply before them when it is not kimport-system (nil otherwise, and for other objects).
func (o *Options) placeInventory(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ns := o.ProfileNamespace
	if ns == "" || ns == v1alpha1.ClusterProfileNamespace {
		return nil, nil
	}
	switch {
	case (u.GetKind() == "Role" || u.GetKind() == "RoleBinding") && u.GetName() == inventoryRBAC:
		u.SetNamespace(ns)
		if u.GetKind() != "Role" {
			return nil, nil
		}
		namespace := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace"}}
		namespace.SetName(ns)
		return namespace, nil
	case u.GetKind() == "Deployment" && u.GetName() == controllerName: // it runs the inventory controller
		return nil, addArg(u, "--cluster-profile-namespace="+ns)
	}
	return nil, nil
}

// addArg appends arg to the args of the controller Deployment's container.
func addArg(u *unstructured.Unstructured, arg string) error {
	list, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return fmt.Errorf("deployment %s: %w", controllerName, err)
	}
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["name"] == containers[controllerName] {
			args, _ := m["args"].([]any)
			m["args"] = append(args, arg)
			return unstructured.SetNestedSlice(u.Object, list, "spec", "template", "spec", "containers")
		}
	}
	return fmt.Errorf("deployment %s has no container %q to pass %s to", controllerName, containers[controllerName], arg)
}
