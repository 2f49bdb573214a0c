package importer

import (
	"context"
	"fmt"
	"io"
)

// Step is one idempotent part of an import: re-running it after an interruption converges.
type Step struct {
	Name  string
	Title string
	Run   func(ctx context.Context) error
}

// RunSteps runs steps in order, announcing each as "[i/n] title" on out, and stops at the
// first that fails.
func RunSteps(ctx context.Context, out io.Writer, steps []Step) error {
	for i, s := range steps {
		fmt.Fprintf(out, "[%d/%d] %s\n", i+1, len(steps), s.Title)
		if err := s.Run(ctx); err != nil {
			return err
		}
	}
	return nil
}
