// Package scheme is the runtime.Scheme every part shares: the built-in kinds and
// kimport.dev/v1alpha1. It sits with the API types so that every layer above takes it from
// below.
package scheme

import (
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
