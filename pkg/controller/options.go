package controller

import (
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
)

// Options tune the reconciler.
type Options struct {
	// ProbeInterval is how often each downstream is probed.
	ProbeInterval time.Duration
	// ProbeTimeout bounds one probe (and each downstream write).
	ProbeTimeout time.Duration
	// CleanupTimeout bounds the downstream cleanup of a deleted cluster, counted from its
	// deletionTimestamp; past it the reconciler gives up on the downstream.
	CleanupTimeout time.Duration
	// TokenLifetime is how long each agent token the reconciler requests lives.
	TokenLifetime time.Duration
	// TokenRenewBefore: the stored agent token is renewed once less than this of its life
	// is left.
	TokenRenewBefore time.Duration
	// HeartbeatGrace (agent mode) is how long an agent's renewal of its heartbeat Lease
	// counts: the hub publishes it in each heartbeat Lease (leaseDurationSeconds, whole
	// seconds, at least heartbeat.MinLease), agents renew every third of it, and a cluster
	// whose agent has not renewed for that long is Unavailable (pkg/heartbeat).
	HeartbeatGrace time.Duration
	// Tunnels is what this hub replica knows of the agents' tunnels to the hub gateway: an
	// agent holding one is alive without renewing its Lease (pkg/liveness). Nil without the
	// gateway: the Lease alone.
	Tunnels *liveness.Tunnels
}

// Defaults of Options.
const (
	DefaultProbeInterval  = 30 * time.Second
	DefaultProbeTimeout   = 5 * time.Second
	DefaultCleanupTimeout = 60 * time.Second
	// DefaultHeartbeatGrace is the default published lease: agents renew every 20 s.
	DefaultHeartbeatGrace = heartbeat.DefaultLease
)

func (o Options) withDefaults() Options {
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = DefaultProbeTimeout
	}
	if o.CleanupTimeout <= 0 {
		o.CleanupTimeout = DefaultCleanupTimeout
	}
	o.HeartbeatGrace = heartbeat.Of(o.HeartbeatGrace).Lease
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = agent.TokenLifetime
	}
	if o.TokenRenewBefore <= 0 {
		o.TokenRenewBefore = o.TokenLifetime / 2
	}
	return o
}

// cadence is the heartbeat cadence the hub publishes.
func (o Options) cadence() heartbeat.Cadence { return heartbeat.Of(o.HeartbeatGrace) }

// lastProbeRefresh is how stale status.lastProbeTime may get before a probe that changed
// nothing else still writes it: a write per probe per cluster would be churn on the hub.
func (o Options) lastProbeRefresh() time.Duration { return 10 * o.ProbeInterval }
