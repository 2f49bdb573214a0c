package v1alpha1

// Condition types of status.conditions, set by the reconciler and read by the plugin.
const (
	ConditionConnected        = "Connected"
	ConditionProjectsAssigned = "ProjectsAssigned"
	ConditionMembersApplied   = "MembersApplied"
	ConditionUpgraded         = "Upgraded"
)

// ConditionDownstreamRemoved records, on a deleted cluster, that the downstream cleanup is
// over (Removed) or was given up (Abandoned), so a retry never touches the downstream again.
const ConditionDownstreamRemoved = "DownstreamRemoved"

// Condition reasons, the machine-readable why of a condition.
const (
	ReasonReached            = "Reached"
	ReasonCredentialsMissing = "CredentialsMissing"
	ReasonCredentialsInvalid = "CredentialsInvalid"
	ReasonProbeFailed        = "ProbeFailed"
	ReasonIdentityMismatch   = "IdentityMismatch"
	ReasonNotConnected       = "NotConnected"
	ReasonAssigned           = "Assigned"
	ReasonApplied            = "Applied"
	ReasonFailed             = "Failed"
	ReasonRemoved            = "Removed"
	ReasonRetrying           = "Retrying"
	ReasonAbandoned          = "Abandoned"
	// ReasonAwaitingJoin: registered by `kubectl import create`, waiting for `join`.
	ReasonAwaitingJoin = "AwaitingJoin"
	// ReasonJoinTokenExpired: as AwaitingJoin, but the join token expired and was revoked.
	ReasonJoinTokenExpired = "JoinTokenExpired"
	// ReasonIdentityClaimed: another registration joined by the same cluster holds its
	// identity claim; this one never touches the downstream.
	ReasonIdentityClaimed = "IdentityClaimed"
)
