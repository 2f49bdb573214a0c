package upgrader

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// clientset reaches NAME's downstream as the caller (through the hub's gateway, or o's own
// kubeconfig) and makes its clientset.
func clientset(ctx context.Context, o *common.DownstreamOptions) (kubernetes.Interface, *rest.Config, error) {
	_, cfg, err := o.Reach(ctx)
	if err != nil {
		return nil, nil, err
	}
	cs, err := o.Factory.Clientset(cfg)
	return cs, cfg, err
}

// noController adds the install remedy to k3sops.ErrNoController.
func noController(err error, name string) error {
	if errors.Is(err, k3sops.ErrNoController) {
		return fmt.Errorf("%w: install it with 'kubectl import upgrader install %s --kubeconfig <downstream kubeconfig>'", err, name)
	}
	return err
}

// kubectlError words an API error as kubectl prints it: "Error from server (Reason): message".
func kubectlError(err error) error {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		//lint:ignore ST1005 kubectl's own words, capital E included, so users recognise the message
		return fmt.Errorf("Error from server (%s): %s", s.Reason, s.Message)
	}
	return err
}
