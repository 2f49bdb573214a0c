package v1alpha1

// Condition types of status.conditions, set by the reconciler and read by the plugin.
const (
	ConditionConnected        = "Connected"
	ConditionProjectsAssigned = "ProjectsAssigned"
	ConditionMembersApplied   = "MembersApplied"
	ConditionUpgraded         = "Upgraded"
	// ConditionHeartbeat (agent mode) is the hub's own judgement of whether the agent is alive:
	// by its tunnel to the hub gateway, else by its heartbeat Lease (pkg/liveness). Only the hub
	// component writes it, never the agent.
	ConditionHeartbeat = "Heartbeat"
	// ConditionAgentVersion (agent mode) is False while the agent's version lags the hub's.
	ConditionAgentVersion = "AgentVersion"
)

// HubOwnedConditions are the conditions only the hub component writes in agent mode: its own
// judgement of the agent (heartbeat age, version lag). The agent writes status without them
// and the webhook refuses an agent's write that sets, changes or removes one.
var HubOwnedConditions = []string{ConditionHeartbeat, ConditionAgentVersion}

// ConditionDownstreamRemoved records, on a deleted cluster, that the downstream cleanup is
// over (Removed) or was given up (Abandoned), so a retry never touches the downstream again.
const ConditionDownstreamRemoved = "DownstreamRemoved"

// Condition reasons, the machine-readable why of a condition.
const (
	ReasonReached            = "Reached"
	ReasonCredentialsMissing = "CredentialsMissing"
	ReasonCredentialsInvalid = "CredentialsInvalid"
	ReasonProbeFailed        = "ProbeFailed"
	// ReasonAnsweredTooMuch: the downstream answered a probe with more than the hub reads
	// (internal/bodylimit), or in an encoding it did not ask for.
	ReasonAnsweredTooMuch  = "AnsweredTooMuch"
	ReasonIdentityMismatch = "IdentityMismatch"
	ReasonNotConnected     = "NotConnected"
	ReasonAssigned         = "Assigned"
	ReasonApplied          = "Applied"
	ReasonFailed           = "Failed"
	ReasonRemoved          = "Removed"
	ReasonRetrying         = "Retrying"
	ReasonAbandoned        = "Abandoned"
	// ReasonAwaitingJoin: registered by `kubectl import create`, waiting for `join`.
	ReasonAwaitingJoin = "AwaitingJoin"
	// ReasonJoinTokenExpired: as AwaitingJoin, but the join token expired and was revoked.
	ReasonJoinTokenExpired = "JoinTokenExpired"
	// ReasonIdentityClaimed: another record of the same cluster (same clusterID) holds its
	// identity claim; this one never touches the downstream.
	ReasonIdentityClaimed = "IdentityClaimed"
	// ReasonAwaitingAgent: agent mode, the agent has not renewed its heartbeat yet.
	ReasonAwaitingAgent = "AwaitingAgent"
	// ReasonRenewed: the agent renewed its heartbeat within the grace period.
	ReasonRenewed = "Renewed"
	// ReasonAttached: the agent holds its tunnel to the hub gateway (and renews no Lease).
	ReasonAttached = "Attached"
	// ReasonLate: the agent holds no tunnel and its heartbeat is older than the grace period.
	ReasonLate = "Late"
	// ReasonCurrent / ReasonBehind: the agent runs the hub's version, or an older one.
	ReasonCurrent = "Current"
	ReasonBehind  = "Behind"
)

// Reasons of the Upgraded condition (K3s upgrades through the system-upgrade-controller).
const (
	ReasonUpgradeControllerMissing = "UpgradeControllerMissing"
	ReasonUpgrading                = "Upgrading"
	ReasonUpgradeJobFailed         = "UpgradeJobFailed"
	ReasonUpgraded                 = "Upgraded"
)
