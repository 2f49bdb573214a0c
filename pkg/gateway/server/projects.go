package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
	"github.com/kubectl-import/kubectl-import/pkg/projectedit"
)

// ProjectsFieldManager is the field manager of the gateway's writes of a project-owner's
// change.
const ProjectsFieldManager = "kimport-gateway-projects"

// maxProjectChange bounds the body of a ProjectChange (the spec's own bounds are far below).
const maxProjectChange = 256 << 10

// projects serves .../clusters/NAME/projects[/PROJECT]: GET lists the projects the caller may
// see (access.VisibleProjects); POST to a project applies a project-owner's ProjectChange.
func (g *Gateway) projects(w http.ResponseWriter, r *http.Request, req gatewayapi.Request, caller access.Caller) {
	switch {
	case r.Method == http.MethodGet:
		ic, err := g.cluster(r.Context(), req.Cluster)
		if err != nil {
			g.refuse(w, err)
			return
		}
		visible, err := access.VisibleProjects(req.Cluster, ic, caller)
		if err == nil && req.Project != "" && !slices.Contains(visible, req.Project) {
			err = &access.Refusal{Message: fmt.Sprintf("User %s sees no project %s in cluster %s: it is not a member of it", caller.Name, req.Project, req.Cluster)}
		}
		if err != nil {
			g.refuse(w, err)
			return
		}
		if req.Project != "" {
			visible = []string{req.Project}
		}
		writeJSON(w, http.StatusOK, projectsView(ic, visible, false))
	case r.Method == http.MethodPost && req.Project != "":
		g.changeProject(w, r, req, caller)
	default:
		forward.WriteStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
			fmt.Sprintf("%s serves GET %s and POST %s (a ProjectChange)", gatewayapi.ProjectsSubresource, gatewayapi.ProjectsPath(req.Cluster), gatewayapi.ProjectPath(req.Cluster, "PROJECT")))
	}
}

// changeProject applies a project-owner's change to its project with the hub component's
// identity: it reads the latest record, checks the caller owns the project there
// (access.ProjectOwner) and the change (access.CheckProjectChange, projectedit.Apply), and
// writes it with the record's resourceVersion (again on a conflict), the field manager
// ProjectsFieldManager and the annotation v1alpha1.ProjectChangeAnnotation naming the caller.
// The hub's webhook judges the write with every rule; its refusal reaches the caller as the API
// server answered it (code, reason, causes).
func (g *Gateway) changeProject(w http.ResponseWriter, r *http.Request, req gatewayapi.Request, caller access.Caller) {
	ctx := r.Context()
	if g.o.Records == nil {
		forward.WriteStatus(w, http.StatusNotImplemented, metav1.StatusReasonMethodNotAllowed, "this gateway does not change projects")
		return
	}
	change, err := decodeChange(w, r)
	if err != nil {
		forward.WriteStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	dryRun := r.URL.Query()["dryRun"]
	if len(dryRun) > 0 && !slices.Equal(dryRun, []string{metav1.DryRunAll}) {
		forward.WriteStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "dryRun takes All alone")
		return
	}
	var ic *v1alpha1.ImportedCluster
	changed := false
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if ic, err = g.latest(ctx, req.Cluster); err != nil {
			return err
		}
		if err := access.ProjectOwner(req.Cluster, req.Project, ic, caller); err != nil {
			return err
		}
		if err := access.CheckProjectChange(ic, req.Project, change); err != nil {
			return invalidChange{err}
		}
		if changed, err = projectedit.Apply(req.Project, change)(ic); err != nil {
			return invalidChange{err}
		}
		if !changed {
			return nil
		}
		if ic.Annotations == nil {
			ic.Annotations = map[string]string{}
		}
		ic.Annotations[v1alpha1.ProjectChangeAnnotation] = changeRecord(caller.Name, req.Project, change, time.Now())
		opts := []client.UpdateOption{client.FieldOwner(ProjectsFieldManager)}
		if len(dryRun) > 0 {
			opts = append(opts, client.DryRunAll)
		}
		return g.o.Records.Update(ctx, ic, opts...)
	})
	var status apierrors.APIStatus
	var invalid invalidChange
	switch {
	case errors.As(err, &invalid):
		forward.WriteStatus(w, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, fmt.Sprintf("project %s of cluster %s: %v", req.Project, req.Cluster, invalid.err))
		return
	case errors.As(err, &status) && status.Status().Code >= 400 && status.Status().Code < 500:
		// The hub's answer (the webhook's refusal with its causes), as it gave it.
		s := status.Status()
		s.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
		writeJSON(w, int(s.Code), s)
		return
	case err != nil:
		g.refuse(w, err)
		return
	}
	if changed {
		g.o.Log.Info("project changed for its owner", "cluster", req.Cluster, "project", req.Project, "user", caller.Name, "dryRun", len(dryRun) > 0)
	}
	writeJSON(w, http.StatusOK, projectsView(ic, []string{req.Project}, changed))
}

// latest reads the record from the hub (not the cache: the write needs its latest version);
// a record that does not exist is the non-owner's refusal's business, as nil.
func (g *Gateway) latest(ctx context.Context, name string) (*v1alpha1.ImportedCluster, error) {
	var ic v1alpha1.ImportedCluster
	if err := g.o.Records.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &ic, nil
}

// invalidChange is a change the record refuses before any write (422).
type invalidChange struct{ err error }

func (e invalidChange) Error() string { return e.err.Error() }

// decodeChange reads a ProjectChange strictly: a body with a field it does not have (the
// cluster's members, another spec field) is refused whole, naming that field.
func decodeChange(w http.ResponseWriter, r *http.Request) (gatewayapi.ProjectChange, error) {
	var c gatewayapi.ProjectChange
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxProjectChange))
	if err != nil {
		return c, fmt.Errorf("reading the ProjectChange: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("the body is no %s (%s) of addNamespaces, removeNamespaces, addMembers and removeMembers alone: %v; a project-owner changes nothing else through the hub",
			gatewayapi.ProjectChangeKind, gatewayapi.GroupVersion, err)
	}
	if dec.More() {
		return c, errors.New("the body holds more than one ProjectChange")
	}
	if (c.Kind != "" && c.Kind != gatewayapi.ProjectChangeKind) || (c.APIVersion != "" && c.APIVersion != gatewayapi.GroupVersion.String()) {
		return c, fmt.Errorf("the body is a %s %s, not a %s %s", c.APIVersion, c.Kind, gatewayapi.GroupVersion, gatewayapi.ProjectChangeKind)
	}
	return c, nil
}

// changeRecord is the annotation's value: who changed which project how, and when.
func changeRecord(user, project string, c gatewayapi.ProjectChange, at time.Time) string {
	var parts []string
	add := func(what string, n int) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", what, n))
		}
	}
	add("added namespaces", len(c.AddNamespaces))
	add("removed namespaces", len(c.RemoveNamespaces))
	add("added members", len(c.AddMembers))
	add("removed members", len(c.RemoveMembers))
	b, _ := json.Marshal(map[string]string{"user": user, "project": project, "change": strings.Join(parts, ", "), "time": at.UTC().Format(time.RFC3339)})
	return string(b)
}

// projectsView is the answer: the named projects of ic, spec and status.
func projectsView(ic *v1alpha1.ImportedCluster, names []string, changed bool) gatewayapi.Projects {
	out := gatewayapi.Projects{TypeMeta: metav1.TypeMeta{APIVersion: gatewayapi.GroupVersion.String(), Kind: gatewayapi.ProjectsKind},
		Cluster: ic.Name, ResourceVersion: ic.ResourceVersion, Changed: changed, Spec: []v1alpha1.ProjectSpec{}}
	for _, p := range ic.Spec.Projects {
		if slices.Contains(names, p.Name) {
			out.Spec = append(out.Spec, p)
		}
	}
	for _, p := range ic.Status.Projects {
		if slices.Contains(names, p.Name) {
			out.Status = append(out.Status, p)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
