// Package scheme is the runtime.Scheme every part shares: the built-in kinds and
// kimport.dev/v1alpha1. It sits with the API types so that every layer above takes it from
// below.
package scheme

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Scheme knows the built-in kinds and ImportedCluster.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(v1alpha1.AddToScheme(Scheme))
}

// Object is any object of the Scheme (what controller-runtime calls client.Object), declared
// here so that pure packages can build objects without importing a client.
type Object interface {
	metav1.Object
	runtime.Object
}
