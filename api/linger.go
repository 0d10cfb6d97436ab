package api

import (
	"io"
	"net"
	"time"
)

// lingerListener gives every connection a "lingering close", as nginx and Apache do. When
// the server refuses a request before reading its body (413 for a body over the limit), it
// closes the connection with the client's body still arriving; closing a socket with unread
// data makes the kernel send a reset, and the reset can destroy the 413 before the client
// reads it (the client then sees "connection reset" instead of problem+json). Closing only
// our sending side first and discarding what still arrives, for a bounded time and amount,
// lets the answer reach the client.
type lingerListener struct{ net.Listener }

const (
	lingerTimeout = 2 * time.Second
	lingerMax     = 64 << 20
)

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		return &lingerConn{TCPConn: tc}, nil
	}
	return c, nil
}

type lingerConn struct{ *net.TCPConn }

func (c *lingerConn) Close() error {
	if err := c.TCPConn.CloseWrite(); err != nil {
		return c.TCPConn.Close()
	}
	go func() {
		_ = c.TCPConn.SetReadDeadline(time.Now().Add(lingerTimeout))
		_, _ = io.CopyN(io.Discard, c.TCPConn, lingerMax)
		_ = c.TCPConn.Close()
	}()
	return nil
}
