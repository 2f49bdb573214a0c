// Package forward sends a request on to a Kubernetes API server, as both ends of the
// gateway do: the hub to an agent (or a direct-mode cluster), the agent to its downstream.
// It streams (watches, chunked lists, logs), carries protocol upgrades (WebSocket, SPDY)
// over HTTP/1.1, and answers its own failures as the API server answers: with a Status.
package forward
