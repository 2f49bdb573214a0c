// Package tunnel carries HTTP between the hub gateway and a cluster's agent over one
// long-lived connection the agent opens: a WebSocket (through the hub API server, so through
// HTTPS_PROXY and the hub's own authentication) whose binary messages carry a byte stream
// multiplexed by hashicorp/yamux. The agent is yamux's server side and serves HTTP on the
// session; the gateway opens one stream per connection of an http.Transport. yamux gives
// every stream its own flow-control window, so a stream whose reader is slow stops its
// sender only, never the others, and its keepalive pings find a silent peer.
package tunnel
