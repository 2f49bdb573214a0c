// Package access holds the gateway's rules as pure functions: who may reach a cluster
// (membership), whom the downstream is asked to act as (impersonation), and which request
// headers never cross the gateway (hygiene). The hub side decides and applies them; the agent
// checks them again before it adds its own credential.
package access
