package create

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
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

// printJoin hands the join command over: the token into --token-file or printed once.
func (o *Options) printJoin(r *run, log io.Writer) error {
	join := JoinCommand{Cluster: o.Name, Hub: r.hubURL, Token: r.token, CAChecksum: hubca.Checksum(r.ca), ExpiresAt: r.reg.ExpiresAt.UTC()}
	tokenFile := o.TokenFile
	if tokenFile != "" {
		if err := writeTokenFile(tokenFile, r.token); err != nil {
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
func (o *Options) printDryRun(reg joinflow.Registration, hubURL string, ca *x509.Certificate) error {
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
