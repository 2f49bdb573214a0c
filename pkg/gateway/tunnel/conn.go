package tunnel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// closeWait bounds how long Close waits to send the close message.
const closeWait = time.Second

// Conn is a WebSocket connection as a byte stream: each Write is one binary message, and
// Read reads messages back to back. yamux does the framing.
type Conn struct {
	ws *websocket.Conn

	rmu sync.Mutex
	r   io.Reader // the message being read

	wmu     sync.Mutex
	header  [yamuxHeaderSize]byte
	pending bool // header holds a frame header waiting for its body
}

// NewConn wraps ws.
func NewConn(ws *websocket.Conn) *Conn { return &Conn{ws: ws} }

// Read reads the stream; it returns io.EOF when the peer closed the WebSocket.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		if c.r == nil {
			typ, r, err := c.ws.NextReader()
			if err != nil {
				if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
					return 0, io.EOF
				}
				return 0, err
			}
			if typ != websocket.BinaryMessage {
				return 0, fmt.Errorf("tunnel: unexpected WebSocket message type %d", typ)
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

// Write sends p as one binary message, but for the header of a yamux data frame with a
// body: yamux writes a frame's header and body with two calls, and sending them as one
// message halves the messages (and TLS records, at every hop) of a request.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.pending && bodyFollows(p) {
		copy(c.header[:], p)
		c.pending = true
		return len(p), nil
	}
	if !c.pending {
		if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	c.pending = false
	w, err := c.ws.NextWriter(websocket.BinaryMessage)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(c.header[:]); err != nil {
		return 0, err
	}
	if _, err := w.Write(p); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// The yamux (v0.1) frame header: version, type, flags (2), stream (4), length (4); for a
// data frame the length is that of the body that follows.
const (
	yamuxHeaderSize = 12
	yamuxTypeData   = 0
)

// bodyFollows says whether p is the header of a data frame whose body is written next.
func bodyFollows(p []byte) bool {
	return len(p) == yamuxHeaderSize && p[1] == yamuxTypeData && binary.BigEndian.Uint32(p[8:]) > 0
}

// Close says goodbye (briefly: a silent peer must not hold it) and closes the connection.
func (c *Conn) Close() error {
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeWait))
	return c.ws.Close()
}
