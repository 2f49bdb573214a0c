package common

import (
	"fmt"

	"github.com/spf13/cobra"
)

// Dry-run strategies, as kubectl names them.
const (
	DryRunNone   = "none"
	DryRunClient = "client"
	DryRunServer = "server"
)

// DryRunFlags is kubectl's --dry-run flag: client prints what would be sent, server also has
// the hub validate and admit it (webhook included) without persisting.
type DryRunFlags struct {
	Strategy string
}

// AddFlags adds --dry-run; a bare --dry-run means client.
func (d *DryRunFlags) AddFlags(cmd *cobra.Command) {
	if d.Strategy == "" {
		d.Strategy = DryRunNone
	}
	cmd.Flags().StringVar(&d.Strategy, "dry-run", d.Strategy,
		`Must be "none", "server", or "client". With client, only print the object that would be sent. With server, submit it to the hub without persisting it.`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = DryRunClient
}

// Validate refuses an unknown strategy, naming the flag and the accepted values.
func (d *DryRunFlags) Validate() error {
	switch d.Strategy {
	case "", DryRunNone, DryRunClient, DryRunServer:
		return nil
	}
	return fmt.Errorf("invalid --dry-run value %q: use one of none, client, server", d.Strategy)
}

// Client says whether nothing may be sent to the hub.
func (d *DryRunFlags) Client() bool { return d.Strategy == DryRunClient }

// Server says whether writes go to the hub with dryRun=All.
func (d *DryRunFlags) Server() bool { return d.Strategy == DryRunServer }

// Suffix is what kubectl appends to an operation under dry-run: " (dry run)" or " (server dry run)".
func (d *DryRunFlags) Suffix() string {
	switch d.Strategy {
	case DryRunClient:
		return " (dry run)"
	case DryRunServer:
		return " (server dry run)"
	}
	return ""
}

// ValidateClientOnly checks --dry-run and -o for a verb that changes two clusters: there is no
// server dry run across two API servers, and -o prints only what a client dry run would apply.
func (d *DryRunFlags) ValidateClientOnly(verb string, output *OutputFlags) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.Server() {
		return fmt.Errorf("--dry-run=server is not supported by '%s' (it changes two clusters): use --dry-run=client -o yaml", verb)
	}
	if err := output.Validate(); err != nil {
		return err
	}
	if output.Format != "" && !d.Client() {
		return fmt.Errorf("--output %q is used only with --dry-run=client", output.Format)
	}
	return nil
}
