package common

import "github.com/kubectl-import/kubectl-import/pkg/apis/scheme"

// Scheme is pkg/apis/scheme's, named here for the printers (print.go).
var Scheme = scheme.Scheme
