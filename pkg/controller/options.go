package controller

import (
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
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
	// HeartbeatGrace (agent mode) is how old an agent's last heartbeat may be before the
	// cluster is Unavailable.
	HeartbeatGrace time.Duration
}

// Defaults of Options.
const (
	DefaultProbeInterval  = 30 * time.Second
	DefaultProbeTimeout   = 5 * time.Second
	DefaultCleanupTimeout = 60 * time.Second
	// DefaultHeartbeatGrace is three of the agent's default heartbeat intervals (20 s).
	DefaultHeartbeatGrace = 60 * time.Second
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
	if o.HeartbeatGrace <= 0 {
		o.HeartbeatGrace = DefaultHeartbeatGrace
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = agent.TokenLifetime
	}
	if o.TokenRenewBefore <= 0 {
		o.TokenRenewBefore = o.TokenLifetime / 2
	}
	return o
}

// lastProbeRefresh is how stale status.lastProbeTime may get before a probe that changed
// nothing else still writes it: a write per probe per cluster would be churn on the hub.
func (o Options) lastProbeRefresh() time.Duration { return 10 * o.ProbeInterval }
