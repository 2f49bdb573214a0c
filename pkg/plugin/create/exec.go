package create

import (
	"context"
	"crypto/x509"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubdiscovery"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
	"github.com/kubectl-import/kubectl-import/pkg/importer/preflight"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Step names, in order.
const (
	// With --rotate-token only.
	StepRevokeToken   = "revoke-token"
	StepRegister      = "register"
	StepJoinIdentity  = "join-identity"
	StepAgentIdentity = "agent-identity"
	StepIssueToken    = "issue-token"
	StepPublishCA     = "publish-ca"
)

// run is one create: the hub, what it is, and what each step passes to the next.
type run struct {
	*Options
	hub       *importer.Cluster
	clientset kubernetes.Interface
	hubID     string
	hubURL    string
	ca        *x509.Certificate
	existing  *v1alpha1.ImportedCluster

	reg   joinflow.Registration
	uid   types.UID
	token string // the join token: printed once or written to --token-file, never logged
}

// Run registers the cluster (or converges a waiting registration), issues the join token and
// prints the join command.
func (o *Options) Run(ctx context.Context) error {
	r, err := o.connect(ctx)
	if err != nil {
		return err
	}
	if o.DryRun.Client() {
		return o.printDryRun(r.registration(), r.hubURL, r.ca)
	}
	// With -o json|yaml the document owns stdout; what is applied is reported on stderr.
	log := o.Out
	if !o.Output.Human() {
		log = o.ErrOut
	}
	if err := o.Factory.RunSteps(ctx, log, r.steps(log)); err != nil {
		return err
	}
	return o.printJoin(r, log)
}

// connect reaches the hub, checks that it is installed and that create can converge the
// registration of that name.
func (o *Options) connect(ctx context.Context) (*run, error) {
	hub, err := common.ConnectHub(o.Factory, &o.Hub)
	if err != nil {
		return nil, err
	}
	r := &run{Options: o, hub: hub}
	if r.clientset, err = o.Factory.Clientset(hub.Config); err != nil {
		return nil, err
	}
	if r.ca, err = hubdiscovery.FromConfig(hub.Config); err != nil {
		return nil, err
	}
	r.hubURL = o.HubURL
	if r.hubURL == "" {
		r.hubURL = hub.Config.Host
	}
	r.hubURL = strings.TrimSuffix(r.hubURL, "/")
	if r.hubID, err = preflight.Hub(ctx, hub); err != nil {
		return nil, err
	}
	r.existing, err = o.existingRegistration(ctx, hub.Client)
	return r, err
}

// registration is the record, its join token living --ttl from now.
func (r *run) registration() joinflow.Registration {
	return joinflow.Registration{Name: r.Name, DisplayName: r.DisplayName, Members: r.Members, HubID: r.hubID,
		ExpiresAt: r.Factory.Now().Add(r.TTL).Truncate(time.Second)}
}

func (r *run) steps(log io.Writer) []importer.Step {
	steps := []importer.Step{
		{Name: StepRegister, Title: "register the cluster in the hub", Run: func(ctx context.Context) error {
			r.reg = r.registration() // the new token's life starts now, after any revocation
			return r.register(ctx, log)
		}},
		{Name: StepJoinIdentity, Title: "create the join identity that may complete only this registration", Run: func(ctx context.Context) error {
			for _, obj := range r.reg.JoinObjects(r.uid) {
				if _, err := importer.Apply(ctx, r.hub.Client, obj, log); err != nil {
					return err
				}
			}
			return nil
		}},
		{Name: StepAgentIdentity, Title: "create the agent's own identity in the hub", Run: func(ctx context.Context) error {
			return r.prepareAgent(ctx, log)
		}},
		{Name: StepIssueToken, Title: "issue the join token", Run: r.issueToken},
		{Name: StepPublishCA, Title: "publish the hub's CA for join to pin", Run: func(ctx context.Context) error {
			return hubdiscovery.Publish(ctx, r.hub.Client, r.hubURL, r.ca, log, r.ErrOut)
		}},
	}
	if !r.RotateToken {
		return steps
	}
	revoke := importer.Step{Name: StepRevokeToken, Title: "revoke the earlier join token and the agent's hub identity", Run: func(ctx context.Context) error {
		return r.revoke(ctx, log)
	}}
	return append([]importer.Step{revoke}, steps...)
}

// issueToken issues the join token; when the API server capped its lifetime, the record's
// expiry follows.
func (r *run) issueToken(ctx context.Context) error {
	token, expiry, err := joinflow.IssueToken(ctx, r.clientset, r.Name, r.TTL)
	if err != nil {
		return err
	}
	r.token = token
	if expiry.Before(r.reg.ExpiresAt) {
		r.reg.ExpiresAt = expiry
		return r.setExpiry(ctx, r.hub.Client, expiry)
	}
	return nil
}
