package validate

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Credentials applies the credentials rule: spec.credentialsSecretRef.name is
// v1alpha1.CredentialsSecretName(metadata.name). The hub reads the cluster's agent token from
// that Secret and deletes it with the cluster, so a record naming any other Secret of
// kimport-system (the webhook's serving certificate, another cluster's credentials) would
// read it and, once deleted, take it along. The CRD holds the same rule (CEL) for when the
// webhook is down. oldObj is nil on CREATE; on UPDATE a stored name left as it was is only
// warned about, so such a record can still be edited and deleted.
func Credentials(newObj, oldObj *v1alpha1.ImportedCluster) Result {
	return credentialsRule(newObj, oldObj).by(RuleCredentials)
}

func credentialsRule(newObj, oldObj *v1alpha1.ImportedCluster) Result {
	want, got := v1alpha1.CredentialsSecretName(newObj.Name), newObj.Spec.CredentialsSecretRef.Name
	if got == want {
		return Result{}
	}
	r := Result{Errors: field.ErrorList{field.Invalid(credentialsPath, shown(got), fmt.Sprintf(
		"must be %q, the ImportedCluster's name followed by -credentials: the hub deletes this Secret with the cluster, "+
			"so it may name no other Secret; set it to %q", shown(want), shown(want)))}}
	if oldObj != nil && oldObj.Spec.CredentialsSecretRef.Name == got {
		return demoted(r)
	}
	return r
}
