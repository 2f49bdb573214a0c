package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// HubRBACForbidden says whether err is the hub's RBAC refusing the caller (403 without a
// cause of the hub's rules): a caller who may not read or update the ImportedCluster, such as
// a project-owner with no hub rights, whose project changes go through the gateway instead.
// A refusal of the hub's webhook (403 with its rule's causes) is none.
func HubRBACForbidden(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsForbidden(err) || !errors.As(err, &status) {
		return false
	}
	if d := status.Status().Details; d != nil {
		for _, c := range d.Causes {
			if _, ok := validate.RuleOfCause(c); ok {
				return false
			}
		}
	}
	return true
}

// GatewayProjects reads, through the hub's gateway as the caller of hub, the projects of
// cluster the caller may see (all for a member of the cluster, else those it is a member of):
// an ImportedCluster holding its name, resourceVersion and those projects alone.
func GatewayProjects(ctx context.Context, hub *rest.Config, cluster string) (*v1alpha1.ImportedCluster, error) {
	c, err := gatewayREST(hub)
	if err != nil {
		return nil, err
	}
	raw, err := answer(c.Get().AbsPath(gatewayapi.ProjectsPath(cluster)).Do(ctx))
	if err != nil {
		return nil, gatewayError(ctx, hub, err)
	}
	ic, _, err := decodeProjects(raw)
	return ic, err
}

// ChangeProject sends change of project to cluster's gateway as the caller of hub: the gateway
// writes it if the caller is a project-owner of project, with the hub's webhook judging it
// (dryRun: judged, not stored). It returns the project as written and whether it changed; a
// refusal is the hub's Status (importer.ExplainAdmission names the rule and fields).
func ChangeProject(ctx context.Context, hub *rest.Config, cluster, project string, change gatewayapi.ProjectChange, dryRun bool) (*v1alpha1.ImportedCluster, bool, error) {
	c, err := gatewayREST(hub)
	if err != nil {
		return nil, false, err
	}
	change.TypeMeta = metav1.TypeMeta{APIVersion: gatewayapi.GroupVersion.String(), Kind: gatewayapi.ProjectChangeKind}
	body, err := json.Marshal(change)
	if err != nil {
		return nil, false, err
	}
	req := c.Post().AbsPath(gatewayapi.ProjectPath(cluster, project)).SetHeader("Content-Type", "application/json").Body(body)
	if dryRun {
		req = req.Param("dryRun", metav1.DryRunAll)
	}
	raw, err := answer(req.Do(ctx))
	if err != nil {
		return nil, false, gatewayError(ctx, hub, err)
	}
	return decodeProjects(raw)
}

// answer is the body of a 2xx answer, else the gateway's Status as an error (its message,
// reason and causes: the webhook's refusal names the rule and the fields).
func answer(res rest.Result) ([]byte, error) {
	raw, err := res.Raw()
	if err == nil {
		return raw, nil
	}
	var st metav1.Status
	if json.Unmarshal(raw, &st) == nil && st.Kind == "Status" && st.Message != "" {
		return nil, &apierrors.StatusError{ErrStatus: st}
	}
	return nil, err
}

func gatewayREST(hub *rest.Config) (rest.Interface, error) {
	cs, err := kubernetes.NewForConfig(hub)
	if err != nil {
		return nil, err
	}
	return cs.Discovery().RESTClient(), nil
}

// gatewayError names the fix when the hub serves no gateway (CheckGateway); else it is err.
func gatewayError(ctx context.Context, hub *rest.Config, err error) error {
	if apierrors.IsNotFound(err) || apierrors.IsServiceUnavailable(err) {
		if gw := CheckGateway(ctx, hub); gw != nil {
			return gw
		}
	}
	return err
}

func decodeProjects(raw []byte) (*v1alpha1.ImportedCluster, bool, error) {
	var p gatewayapi.Projects
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, false, fmt.Errorf("the hub's gateway answered no %s: %w", gatewayapi.ProjectsKind, err)
	}
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: p.Cluster, ResourceVersion: p.ResourceVersion}}
	ic.Spec.Projects, ic.Status.Projects = p.Spec, p.Status
	return ic, p.Changed, nil
}
