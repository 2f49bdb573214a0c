package dsclient

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Every reader gets its user agent, request bound and answer limits; the base stays as it was.
func TestConfig(t *testing.T) {
	base := &rest.Config{Host: "https://edge:6443", UserAgent: "kubectl/v1.37", Timeout: time.Minute}
	for _, tt := range []struct {
		name      string
		r         Reader
		userAgent string
		timeout   time.Duration
		json      bool
	}{
		{"agent", Agent, v1alpha1.AgentComponent, time.Minute, true},
		{"plugin", Plugin, v1alpha1.UserAgent, PluginTimeout, true},
		{"import", Import, "kubectl/v1.37", time.Minute, true},
		{"reconciler", Reconciler(5 * time.Second), v1alpha1.ReconcilerName, 5 * time.Second, true},
		{"gateway", Gateway("kimport-gateway"), "kimport-gateway", time.Minute, false},
	} {
		cfg := Config(base, tt.r)
		if cfg.UserAgent != tt.userAgent || cfg.Timeout != tt.timeout {
			t.Errorf("%s: user agent %q, timeout %s; want %q, %s", tt.name, cfg.UserAgent, cfg.Timeout, tt.userAgent, tt.timeout)
		}
		// bodylimit asks for JSON only (it counts JSON), except for the streamed proxy.
		if got := cfg.AcceptContentTypes == runtime.ContentTypeJSON && cfg.WrapTransport != nil; got != tt.json {
			t.Errorf("%s: bounded JSON reads %v, want %v", tt.name, got, tt.json)
		}
	}
	if base.UserAgent != "kubectl/v1.37" || base.Timeout != time.Minute || base.WrapTransport != nil {
		t.Errorf("Config changed its base: %+v", base)
	}
}

// Stored credentials reach their server only, with their CA pinned and no insecure mode.
func TestFromCredentials(t *testing.T) {
	creds := hubcreds.Credentials{Server: "https://edge:6443", CAData: []byte("ca"), Token: "t"}
	cfg := FromCredentials(creds, Reconciler(time.Second))
	if cfg.Host != creds.Server || string(cfg.CAData) != "ca" || cfg.BearerToken != "t" || cfg.Insecure || cfg.Timeout != time.Second {
		t.Errorf("config %+v", cfg)
	}
}
