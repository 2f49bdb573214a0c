// Package v1alpha1 holds the kimport.dev/v1alpha1 API: ImportedCluster.
// +kubebuilder:object:generate=true
// +groupName=kimport.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of ImportedCluster.
	GroupVersion = schema.GroupVersion{Group: "kimport.dev", Version: "v1alpha1"}
	// SchemeBuilder registers the types of this package.
	//lint:ignore SA1019 controller-gen's kubebuilder layout; moving to runtime.SchemeBuilder is a follow-up of the controller-runtime 0.25 upgrade
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}
	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func init() {
	SchemeBuilder.Register(&ImportedCluster{}, &ImportedClusterList{})
}
