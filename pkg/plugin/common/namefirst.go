package common

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// NameFirstAnnotation marks a command whose subcommands may also be written after its NAME
// argument: `projects NAME create PROJECT` runs `projects create NAME PROJECT`. The verb
// reads as what it acts on first, as the projects of NAME; cobra finds subcommands only
// before the arguments, so NameFirst puts them there.
const NameFirstAnnotation = "kimport.dev/name-first"

// NameFirst returns args, as given to root, with the subcommand of a NameFirstAnnotation
// command moved before its NAME when it was written after it; other args are returned as
// they are. Flags are skipped with their values (as the commands define them), and cobra's
// completion requests are reordered the same way, so that completion sees what a run sees.
func NameFirst(root *cobra.Command, args []string) []string {
	out := slices.Clone(args)
	i := 0
	if len(out) > 0 && strings.HasPrefix(out[0], cobra.ShellCompRequestCmd) {
		i = 1
	}
	cmd := root
	name := -1 // where NAME is, once cmd is a name-first command
	for ; i < len(out); i++ {
		a := out[i]
		switch {
		case a == "--":
			return out
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if takesValue(cmd, a) {
				i++
			}
			continue
		}
		sub := subcommand(cmd, a)
		switch {
		case name < 0 && sub != nil:
			cmd = sub
		case name < 0 && cmd.Annotations[NameFirstAnnotation] == "true":
			name = i
		case name >= 0 && sub != nil:
			// NAME SUB → SUB NAME
			copy(out[name+1:i+1], out[name:i])
			out[name] = a
			return out
		default:
			return out
		}
	}
	return out
}

// subcommand is cmd's subcommand called (or aliased) name, or nil.
func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

// takesValue says whether the flag token a (e.g. --hub-context, -o) consumes the next token,
// as cmd or one of its subcommands defines it.
func takesValue(cmd *cobra.Command, a string) bool {
	if strings.Contains(a, "=") {
		return false
	}
	var f *pflag.Flag
	if long, ok := strings.CutPrefix(a, "--"); ok {
		f = lookup(cmd, func(fs *pflag.FlagSet) *pflag.Flag { return fs.Lookup(long) })
	} else if short := a[1:]; len(short) == 1 {
		f = lookup(cmd, func(fs *pflag.FlagSet) *pflag.Flag { return fs.ShorthandLookup(short) })
	}
	return f != nil && f.NoOptDefVal == ""
}

func lookup(cmd *cobra.Command, find func(*pflag.FlagSet) *pflag.Flag) *pflag.Flag {
	for _, c := range append([]*cobra.Command{cmd}, cmd.Commands()...) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.InheritedFlags()} {
			if f := find(fs); f != nil {
				return f
			}
		}
	}
	return nil
}
