// Package common is what every plugin verb shares, one concern per file (the layers and what
// sits below the plugin: docs/architecture.md):
//
//   - the hub: hub.go (choosing it: --hub-kubeconfig/--hub-context, $KUBECTL_IMPORT_HUB_CONTEXT,
//     the hub `init` recorded; its client), get.go (reading one ImportedCluster),
//     complete.go (shell completion of NAME);
//   - the two clusters of an import: targets.go (the downstream by the kubectl flags, and the hub);
//   - a downstream reached through what the hub stores: downstream.go;
//   - members: member.go (KIND:NAME=ROLE flag values, checked with the hub's subject rule);
//   - flags: dryrun.go (--dry-run), args.go (the NAME argument);
//   - output: print.go and document.go (-o), terminal.go and waiting.go (what a terminal shows);
//   - scheme.go: pkg/apis/scheme's Scheme, for the printers.
//
// Explaining a refusal by the hub's admission webhook is pkg/importer's ExplainAdmission, as
// the import steps need it too.
package common
