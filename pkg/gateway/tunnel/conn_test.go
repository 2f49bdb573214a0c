package tunnel

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func frameHeader(typ byte, length uint32) []byte {
	h := make([]byte, yamuxHeaderSize)
	h[1] = typ
	binary.BigEndian.PutUint32(h[8:], length)
	return h
}

func TestBodyFollows(t *testing.T) {
	for _, tc := range []struct {
		p    []byte
		want bool
	}{
		{frameHeader(yamuxTypeData, 5), true},
		{frameHeader(yamuxTypeData, 0), false}, // SYN/FIN without data
		{frameHeader(1, 262144), false},        // window update: the length is the increment
		{frameHeader(2, 7), false},             // ping
		{append(frameHeader(yamuxTypeData, 5), 'x'), false},
	} {
		if got := bodyFollows(tc.p); got != tc.want {
			t.Errorf("bodyFollows(%v) = %v", tc.p, got)
		}
	}
}

// A data frame's header and body go as one message; everything else as written; the
// reader gets the stream back byte for byte whatever the message boundaries.
func TestConnMessages(t *testing.T) {
	messages := make(chan []byte, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			_, m, err := ws.ReadMessage()
			if err != nil {
				close(messages)
				return
			}
			messages <- m
		}
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(ws)
	writes := [][]byte{frameHeader(1, 100), frameHeader(yamuxTypeData, 3), []byte("abc"), frameHeader(2, 1)}
	for _, w := range writes {
		if n, err := c.Write(w); err != nil || n != len(w) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	c.Close()
	var got [][]byte
	for m := range messages {
		got = append(got, m)
	}
	want := [][]byte{writes[0], append(append([]byte{}, writes[1]...), writes[2]...), writes[3]}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("message %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestConnReadsAcrossMessages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		for _, m := range []string{"hel", "", "lo ", "world"} {
			_ = ws.WriteMessage(websocket.BinaryMessage, []byte(m))
		}
		_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		ws.Close()
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(NewConn(ws))
	if err != nil || string(got) != "hello world" {
		t.Errorf("read %q, %v", got, err)
	}
}
