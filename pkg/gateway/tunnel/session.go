package tunnel

import (
	"fmt"
	"io"
	"time"

	"github.com/go-logr/logr"
	"github.com/hashicorp/yamux"
)

// Config tunes a tunnel's session; the zero value takes the defaults.
type Config struct {
	// KeepAlive is how often each side pings the other (20 s by default): an HTTPS proxy
	// that cuts idle connections sees traffic, and a silent peer is found.
	KeepAlive time.Duration
	// Timeout is how long a ping or a write may wait before the session is judged dead
	// (10 s by default). A silent peer is found within KeepAlive + Timeout.
	Timeout time.Duration
	// Log receives yamux's own messages (at V(1)); discarded when unset.
	Log logr.Logger
}

// Defaults of Config.
const (
	DefaultKeepAlive = 20 * time.Second
	DefaultTimeout   = 10 * time.Second
)

func (c Config) yamux() *yamux.Config {
	y := yamux.DefaultConfig()
	y.KeepAliveInterval, y.ConnectionWriteTimeout = DefaultKeepAlive, DefaultTimeout
	if c.KeepAlive > 0 {
		y.KeepAliveInterval = c.KeepAlive
	}
	if c.Timeout > 0 {
		y.ConnectionWriteTimeout = c.Timeout
	}
	y.EnableKeepAlive = true
	// A stream waits for its peer's ack as long as a ping may; then the session is dead.
	y.StreamOpenTimeout = y.KeepAliveInterval + y.ConnectionWriteTimeout
	y.LogOutput = nil
	y.Logger = yamuxLogger{c.Log}
	return y
}

// Server is the agent's side of a tunnel over conn: it accepts the streams the gateway opens.
func Server(conn io.ReadWriteCloser, c Config) (*yamux.Session, error) {
	return yamux.Server(conn, c.yamux())
}

// Client is the gateway's side of a tunnel over conn: it opens a stream per connection.
func Client(conn io.ReadWriteCloser, c Config) (*yamux.Session, error) {
	return yamux.Client(conn, c.yamux())
}

// yamuxLogger sends yamux's log lines to a logr.Logger (a zero one discards them).
type yamuxLogger struct{ log logr.Logger }

func (l yamuxLogger) Print(v ...any) { l.log.V(1).Info("yamux", "message", fmt.Sprint(v...)) }
func (l yamuxLogger) Printf(format string, v ...any) {
	l.log.V(1).Info("yamux", "message", fmt.Sprintf(format, v...))
}
func (l yamuxLogger) Println(v ...any) { l.Print(v...) }
