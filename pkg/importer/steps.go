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

// RunSteps runs steps in order, announcing each as "[i/n] title" on out. failAfter names a
// step after which it stops with an error: tests inject faults with it to prove that a
// re-run converges ("" in normal use).
func RunSteps(ctx context.Context, out io.Writer, steps []Step, failAfter string) error {
	for i, s := range steps {
		fmt.Fprintf(out, "[%d/%d] %s\n", i+1, len(steps), s.Title)
		if err := s.Run(ctx); err != nil {
			return err
		}
		if failAfter == s.Name {
			return fmt.Errorf("fault injected after step %s", s.Name)
		}
	}
	return nil
}
