package admission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// maxReview bounds a review's body: two objects of at most the API server's 3 MiB request
// limit, and the rest of the review.
const maxReview = 7 << 20

// review is an AdmissionReview as the API server sends it, with the ImportedClusters typed:
// decoded in one pass, where a generic handler decodes the review and then each object again
// (sniffing their kinds first), which was most of the webhook's CPU per admission. The
// decoder is encoding/json/v2's (go-json-experiment/json): names match exactly, a name given
// twice is refused, and it decodes in about half the time and a third of the allocations of
// encoding/json.
type review struct {
	metav1.TypeMeta `json:",inline"`
	Request         *reviewRequest `json:"request"`
}

type reviewRequest struct {
	UID         types.UID                 `json:"uid"`
	Kind        metav1.GroupVersionKind   `json:"kind"`
	Operation   admissionv1.Operation     `json:"operation"`
	SubResource string                    `json:"subResource"`
	UserInfo    authenticationv1.UserInfo `json:"userInfo"`
	Object      *v1alpha1.ImportedCluster `json:"object"`
	OldObject   *v1alpha1.ImportedCluster `json:"oldObject"`
}

// answer is the AdmissionReview sent back.
type answer struct {
	metav1.TypeMeta `json:",inline"`
	Response        *admissionv1.AdmissionResponse `json:"response"`
}

// handler serves the validator at Path.
type handler struct {
	v   *ImportedClusterValidator
	log logr.Logger
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rev, code, err := decodeReview(r)
	out := answer{TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"}}
	if err != nil {
		h.log.Error(err, "unreadable admission review")
		out.Response = &admissionv1.AdmissionResponse{Result: &metav1.Status{Code: code, Message: err.Error()}}
		if rev != nil && rev.Request != nil {
			out.Response.UID = rev.Request.UID
		}
	} else {
		req := rev.Request
		warnings, err := h.v.Admit(r.Context(), Request{Operation: req.Operation, SubResource: req.SubResource, UserInfo: req.UserInfo}, req.Object, req.OldObject)
		out.Response = response(req.UID, warnings, err)
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		h.log.Error(err, "writing the admission answer")
	}
}

// decodeReview reads an ImportedCluster review, with the objects its operation needs; else
// the HTTP status code that describes what is wrong with it.
func decodeReview(r *http.Request) (*review, int32, error) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return nil, http.StatusBadRequest, fmt.Errorf("content type %q, want application/json", ct)
	}
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= maxReview {
		buf.Grow(int(n) + bytes.MinRead) // one read, no regrowth
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, maxReview+1)); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading the review: %w", err)
	}
	body := buf.Bytes()
	if len(body) > maxReview {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the review is larger than %d bytes", maxReview)
	}
	var rev review
	if err := jsonv2.Unmarshal(body, &rev); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("decoding the review: %w", err)
	}
	req := rev.Request
	switch {
	case req == nil:
		return &rev, http.StatusBadRequest, errors.New("the review has no request")
	case req.Kind.Group != v1alpha1.GroupVersion.Group || req.Kind.Kind != "ImportedCluster":
		return &rev, http.StatusBadRequest, fmt.Errorf("this webhook reviews ImportedClusters (%s), not %s", v1alpha1.GroupVersion.Group, req.Kind)
	case req.Operation == admissionv1.Create && req.Object == nil,
		req.Operation == admissionv1.Update && (req.Object == nil || req.OldObject == nil),
		req.Operation == admissionv1.Delete && req.OldObject == nil:
		return &rev, http.StatusBadRequest, fmt.Errorf("a %s review without the objects it needs", req.Operation)
	case req.Operation != admissionv1.Create && req.Operation != admissionv1.Update && req.Operation != admissionv1.Delete:
		return &rev, http.StatusBadRequest, fmt.Errorf("unknown operation %q", req.Operation)
	}
	return &rev, 0, nil
}

// response answers request uid: allowed with warnings, or refused with the Status of err (the
// typed causes of a rule's refusal), as controller-runtime's validators answer.
func response(uid types.UID, warnings []string, err error) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{UID: uid, Allowed: err == nil, Warnings: warnings}
	var status apierrors.APIStatus
	switch {
	case err == nil:
	case errors.As(err, &status):
		s := status.Status()
		resp.Result = &s
	default:
		resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: err.Error()}
	}
	return resp
}
