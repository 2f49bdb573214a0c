// Package common is what every plugin verb shares, one concern per file: the flags, the
// output, the choice of the hub and where clients come from (the layers and what sits below
// the plugin: docs/architecture.md).
//
//   - where clients come from: factory.go (Factory, as kubectl's cmdutil.Factory);
//   - the verb contract: verb.go (Complete, Validate, Run, and the RunE that calls them);
//   - the hub: hub.go (choosing it: --hub-kubeconfig/--hub-context, $KUBECTL_IMPORT_HUB_CONTEXT,
//     the hub `init` recorded), complete.go (shell completion of NAME);
//   - the options verbs share: record.go (a verb on one record of the hub, and one that also
//     reads its downstream), targets.go (the two clusters of an import);
//   - flags: agentflags.go (--mode and the agent's), member.go (KIND:NAME=ROLE values, checked
//     with the hub's subject rule), dryrun.go (--dry-run), args.go (the NAME argument);
//   - output: print.go and document.go (-o), escape.go (text from a downstream), view.go (how
//     fields show), terminal.go (what a terminal shows).
//
// The flows the verbs run are below: pkg/importer (and its preflight and join), pkg/record
// (a record and its downstream).
package common
