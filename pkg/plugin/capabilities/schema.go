package capabilities

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Schema is the JSON schema (draft 2020-12) of the capability values, as annotations carry
// them once decoded: JSON for the two objects, booleans and MIN-MAX for the scalars. It is
// what pkg/validate accepts, and names every capability it knows.
func Schema() map[string]any {
	boolean := func(desc string) map[string]any { return map[string]any{"type": "boolean", "description": desc} }
	nullableBool := func(desc string) map[string]any {
		return map[string]any{"type": []string{"boolean", "null"}, "description": desc}
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  "https://kimport.dev/schemas/capabilities.json",
		"title":                "ImportedCluster capabilities",
		"description":          "Values of the annotations capabilities/<name> (or capabilities.cattle.io/<name>) on an ImportedCluster.",
		"type":                 "object",
		"additionalProperties": false,
		"properties": map[string]any{
			"ingressCapabilities": map[string]any{
				"description": "The cluster's ingress controllers; [] for none.",
				"type":        "array",
				"items": map[string]any{
					"type": "object", "additionalProperties": false, "required": []string{"ingressProvider"},
					"properties": map[string]any{
						"ingressProvider":      map[string]any{"type": "string", "minLength": 1, "examples": []string{"Nginx", "Traefik"}},
						"customDefaultBackend": nullableBool("Whether a custom default backend is configured; null when unknown."),
					},
				},
			},
			"loadBalancerCapabilities": map[string]any{
				"description": "The cluster's Service type LoadBalancer support.", "type": "object", "additionalProperties": false,
				"properties": map[string]any{
					"enabled":              nullableBool("Whether Services of type LoadBalancer get an address; null when unknown."),
					"provider":             map[string]any{"type": "string", "examples": []string{"ELB", "GCLB", "Azure L4 LB", "ServiceLB"}},
					"protocolsSupported":   map[string]any{"type": "array", "uniqueItems": true, "items": map[string]any{"enum": []string{"TCP", "UDP", "SCTP"}}},
					"healthCheckSupported": boolean("Whether the load balancer checks the health of its targets."),
				},
			},
			"nodePoolScalingSupported": boolean("Whether the hub can scale the cluster's node pools."),
			"nodePortRange": map[string]any{
				"description": "The NodePort range MIN-MAX with 1 ≤ MIN < MAX ≤ 65535.", "type": "string",
				"pattern": "^[1-9][0-9]{0,4}-[1-9][0-9]{0,4}$", "default": "30000-32767",
			},
			"pspEnabled":   boolean("Whether PodSecurityPolicy is enforced (always false from Kubernetes 1.25)."),
			"taintSupport": nullableBool("Whether the hub may manage node taints; an empty annotation value clears it."),
		},
	}
}

// SchemaOptions of `capabilities schema`.
type SchemaOptions struct {
	genericiooptions.IOStreams
}

// Complete has nothing to take: schema has no argument.
func (o *SchemaOptions) Complete([]string) error { return nil }

// Validate has nothing to check.
func (o *SchemaOptions) Validate() error { return nil }

// Run prints the schema.
func (o *SchemaOptions) Run(context.Context) error { return PrintSchema(o.Out) }

// PrintSchema writes Schema as indented JSON.
func PrintSchema(w io.Writer) error {
	b, err := json.MarshalIndent(Schema(), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
