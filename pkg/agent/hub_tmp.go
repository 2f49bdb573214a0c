package agent

import "time"

// TEMPORARY until the agentid branch lands (it defines these in hub.go).
const (
	HubSecretName     = "kimport-agent-hub"
	HubKeyServer      = "server"
	HubKeyCA          = "ca.crt"
	HubKeyToken       = "token"
	HubKeyCluster     = "cluster"
	HubKeyCAChecksum  = "caChecksum"
	DeploymentName    = "kimport-agent"
	LeaderElectionID  = "kimport-agent-leader"
	HubTokenLifetime  = time.Hour
	BootstrapLifetime = time.Hour
)
