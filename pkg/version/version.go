// Package version carries the build's version, stamped by the Makefile through ldflags.
package version

// Version is set with -ldflags "-X .../pkg/version.Version=...".
var Version = "v0.0.0-dev"
