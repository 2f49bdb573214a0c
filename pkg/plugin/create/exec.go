package create

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/hubdiscovery"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// JoinCommand is what create hands over, and what -o json|yaml prints.
type JoinCommand struct {
	Cluster    string    `json:"cluster"`
	Hub        string    `json:"hub"`
	Token      string    `json:"token"`
	CAChecksum string    `json:"caChecksum"`
	ExpiresAt  time.Time `json:"expiresAt"`
	Command    string    `json:"command"`
}

// Run registers the cluster (or converges a waiting registration), issues the join token and
// prints the join command.
func (o *Options) Run(ctx context.Context) error {
	if err := o.connect(); err != nil {
		return err
	}
	ca, err := hubdiscovery.FromConfig(o.hubConfig)
	if err != nil {
		return err
	}
	hubURL := o.HubURL
	if hubURL == "" {
		hubURL = o.hubConfig.Host
	}
	hubURL = strings.TrimSuffix(hubURL, "/")
	hubID, err := importer.CheckHub(ctx, o.hub)
	if err != nil {
		return err
	}
	existing, err := o.existing(ctx)
	if err != nil {
		return err
	}
	registration := func() importer.Registration {
		return importer.Registration{Name: o.Name, DisplayName: o.DisplayName, Members: o.Members, HubID: hubID,
			ExpiresAt: time.Now().Add(o.TTL).Truncate(time.Second)}
	}
	if o.DryRun.Client() {
		return o.printDryRun(registration(), hubURL, ca)
	}
	// With -o json|yaml the document owns stdout; what is applied is reported on stderr.
	log := o.Out
	if !o.Output.Human() {
		log = o.ErrOut
	}
	if o.RotateToken {
		if err := o.revoke(ctx, log); err != nil {
			return err
		}
	}
	reg := registration() // the new token's life starts now, after the revocation
	uid, err := o.register(ctx, reg, existing, log)
	if err != nil {
		return err
	}
	for _, obj := range reg.JoinObjects(uid) {
		if _, err := importer.Apply(ctx, o.hub.Client, obj, log); err != nil {
			return err
		}
	}
	if err := o.prepareAgent(ctx, log); err != nil {
		return err
	}
	token, tokenExpiry, err := importer.IssueJoinToken(ctx, o.clientset, o.Name, o.TTL)
	if err != nil {
		return err
	}
	if tokenExpiry.Before(reg.ExpiresAt) {
		reg.ExpiresAt = tokenExpiry // the API server capped the lifetime
		if err := o.setExpiry(ctx, reg.ExpiresAt); err != nil {
			return err
		}
	}
	if err := hubdiscovery.Publish(ctx, o.hub.Client, hubURL, ca, log, o.ErrOut); err != nil {
		return err
	}
	join := JoinCommand{Cluster: o.Name, Hub: hubURL, Token: token, CAChecksum: hubca.Checksum(ca), ExpiresAt: reg.ExpiresAt.UTC()}
	tokenFile := o.TokenFile
	if tokenFile != "" {
		if err := writeTokenFile(tokenFile, token); err != nil {
			return err
		}
		join.Token = "" // in the file only
		fmt.Fprintf(log, "join token written to %s (mode 0600)\n", tokenFile)
	} else {
		tokenFile = o.Name + ".join-token"
	}
	// The token goes in a file or on stdin, never on a command line (ps, shell history).
	join.Command = fmt.Sprintf("kubectl import join --hub %s --ca-checksum %s --token-file %s", join.Hub, join.CAChecksum, tokenFile)
	if printed, err := o.Output.PrintDocument(join, o.Out); printed || err != nil {
		return err
	}
	writeInstructions(o.Out, join, tokenFile, o.TokenFile != "")
	return nil
}

// writeTokenFile writes the join token into path, readable by its owner only.
func writeTokenFile(path, token string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("invalid --token-file: %w", err)
	}
	// An existing file keeps its mode on open: make sure nobody else can read the token.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("invalid --token-file: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("writing --token-file: %w", err)
	}
	return f.Close()
}

// existing is the registration of that name, refusing what create cannot converge: a cluster
// that has already joined, a rotation of nothing, or a second token without --rotate-token.
func (o *Options) existing(ctx context.Context) (*v1alpha1.ImportedCluster, error) {
	var ic v1alpha1.ImportedCluster
	err := o.hub.Client.Get(ctx, client.ObjectKey{Name: o.Name}, &ic)
	switch {
	case apierrors.IsNotFound(err):
		if o.RotateToken {
			return nil, fmt.Errorf("--rotate-token: importedcluster %s does not exist; create it without --rotate-token", o.Name)
		}
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading importedcluster %s: %w", o.Name, err)
	case ic.DeletionTimestamp != nil:
		return nil, fmt.Errorf("importedcluster %s is being deleted: wait until 'kubectl import delete %s' has finished, then create it again", o.Name, o.Name)
	case !importer.AwaitingJoin(&ic) && ic.Status.Phase != "" && ic.Status.Phase != v1alpha1.PhasePending:
		return nil, fmt.Errorf("importedcluster %s has already joined (cluster ID %s, phase %s): it needs no join command; to import another cluster, choose another NAME",
			o.Name, ic.Spec.ClusterID, importer.PhaseOf(&ic))
	}
	handedOver, err := importer.CredentialsHandedOver(ctx, o.hub.Client, o.Name)
	if err != nil {
		return nil, err
	}
	if handedOver {
		return nil, fmt.Errorf("importedcluster %s needs no join token: join already handed its credentials over (secret %s/%s holds them), and a join token may never read or change them. "+
			"'kubectl import describe %s' says why it is not Active yet; to import the cluster afresh, 'kubectl import delete %s', then 'kubectl import create %s'",
			o.Name, v1alpha1.HubNamespace, v1alpha1.CredentialsSecretName(o.Name), o.Name, o.Name, o.Name)
	}
	// A join interrupted after it set the cluster's identity still needs a token to finish:
	// the fresh one completes the same cluster (the identity is immutable).
	if o.RotateToken {
		return &ic, nil
	}
	issued, err := importer.JoinIdentityExists(ctx, o.hub.Client, o.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the join identity of %s: %w", o.Name, err)
	}
	if issued {
		return nil, fmt.Errorf("importedcluster %s is waiting for join and its join token is outstanding (expires %s): print a fresh command with 'kubectl import create %s --rotate-token', which revokes the earlier one",
			o.Name, ic.Annotations[v1alpha1.JoinExpiresAnnotation], o.Name)
	}
	return &ic, nil
}

// revoke (--rotate-token) ends the earlier join token and everything it minted: the agent's
// hub identity, whose tokens the old join token could request, is revoked too and made afresh
// (prepareAgent), once the API server has stopped accepting the revoked tokens, so that none
// of them can act as the new identities of the same names.
func (o *Options) revoke(ctx context.Context, log io.Writer) error {
	if err := importer.RevokeJoinIdentity(ctx, o.hub.Client, o.Name, log); err != nil {
		return err
	}
	if err := importer.RevokeAgentIdentity(ctx, o.hub.Client, o.Name, log); err != nil {
		return err
	}
	return importer.WaitOutTokenCache(ctx, log)
}

// register applies the ImportedCluster, or for --rotate-token (revoke has run) moves only the
// expiry, and returns the record's UID.
func (o *Options) register(ctx context.Context, reg importer.Registration, existing *v1alpha1.ImportedCluster, log io.Writer) (types.UID, error) {
	if o.RotateToken {
		if err := o.setExpiry(ctx, reg.ExpiresAt); err != nil {
			return "", err
		}
		return existing.UID, nil
	}
	applied, err := importer.Apply(ctx, o.hub.Client, reg.ImportedCluster(), log)
	if err != nil {
		return "", err
	}
	return applied.GetUID(), nil
}

// setExpiry moves only the join-expiry annotation (a merge patch, so the members and every
// other field stay as they are).
func (o *Options) setExpiry(ctx context.Context, at time.Time) error {
	ic := &v1alpha1.ImportedCluster{}
	ic.Name = o.Name
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.JoinExpiresAnnotation, at.UTC().Format(time.RFC3339))
	if err := o.hub.Client.Patch(ctx, ic, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("recording the join token's expiry on importedcluster %s: %w", o.Name, importer.ExplainAdmission(err))
	}
	return nil
}

func writeInstructions(w io.Writer, join JoinCommand, tokenFile string, inFile bool) {
	fmt.Fprintf(w, "\n%s is registered and waits for its downstream cluster to join.\n", v1alpha1.Ref(join.Cluster))
	if !inFile {
		fmt.Fprintf(w, `
The join token, shown once (a secret: hand it over privately):
  %s
Whoever runs the downstream saves it in a file only they can read, e.g.
  (umask 077; cat > %s)     # paste, then Ctrl-D
`, join.Token, tokenFile)
	}
	fmt.Fprintf(w, `
and runs this there (kubectl pointing at the downstream), as a cluster-admin of it (a cluster
admin can grant that with: kubectl create clusterrolebinding cluster-admin-binding --clusterrole cluster-admin --user <user>):

  %[2]s

('--token-file -' reads the token from stdin instead.) The token may only complete
%[5]s and stops working at %[3]s (in %[4]s) or as soon as join has handed
the credentials over. A fresh command: kubectl import create %[1]s --rotate-token
`, join.Cluster, join.Command, join.ExpiresAt.Format(time.RFC3339), time.Until(join.ExpiresAt).Round(time.Second), v1alpha1.Ref(join.Cluster))
}

// printDryRun prints, as one List, what create would apply; no token is issued.
func (o *Options) printDryRun(reg importer.Registration, hubURL string, ca *x509.Certificate) error {
	objs := append([]client.Object{reg.ImportedCluster()}, reg.JoinObjects(types.UID(importer.UIDPlaceholder))...)
	public, err := hubca.ClusterInfoObjects(hubURL, ca)
	if err != nil {
		return err
	}
	for _, obj := range public {
		objs = append(objs, obj)
	}
	var items []*unstructured.Unstructured
	for _, obj := range objs {
		u, err := importer.ToUnstructured(obj)
		if err != nil {
			return err
		}
		items = append(items, u)
	}
	return o.Output.PrintResult(common.List(items), "created (dry run)", o.Out)
}

// prepareAgent creates the agent's hub identity (for `join --mode agent`, the default) and
// records its bootstrap Secret's UID on the registration, for join to bind the agent's
// bootstrap token to.
func (o *Options) prepareAgent(ctx context.Context, log io.Writer) error {
	var ic v1alpha1.ImportedCluster
	if err := o.hub.Client.Get(ctx, client.ObjectKey{Name: o.Name}, &ic); err != nil {
		return err
	}
	uid, err := importer.ApplyAgentIdentity(ctx, o.hub.Client, &ic, log)
	if err != nil {
		return err
	}
	if ic.Annotations[v1alpha1.AgentBootstrapAnnotation] == string(uid) {
		return nil
	}
	patch := client.MergeFrom(ic.DeepCopy())
	if ic.Annotations == nil {
		ic.Annotations = map[string]string{}
	}
	ic.Annotations[v1alpha1.AgentBootstrapAnnotation] = string(uid)
	if err := o.hub.Client.Patch(ctx, &ic, patch, client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("recording the agent's bootstrap Secret on importedcluster %s: %w", o.Name, importer.ExplainAdmission(err))
	}
	return nil
}
