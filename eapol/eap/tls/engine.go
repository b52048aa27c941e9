package tls

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Engine drives one crypto/tls connection, client or server, by whole TLS
// messages: records in, records and plaintext out, with no network.
//
// crypto/tls runs a handshake as one blocking call that reads and writes a
// net.Conn, and cannot be stepped. So the handshake runs in a goroutine of
// its own over an in-memory conn, in lockstep with the caller: Feed hands
// it the server's records and waits until it either asks for more (its
// Read finds nothing) or has finished, then returns what it wrote. Exactly
// one of the two runs at a time. The goroutine ends when the handshake
// does, when Close is called, or after IdleTimeout without a Feed (a
// conversation abandoned without Close), so none is left behind. After
// the handshake no goroutine is needed: Read and Write of a tls.Conn are
// driven directly, the conn's Read answering "would block" (a temporary
// net.Error, which crypto/tls does not keep as the connection's error)
// once the records fed are used up.
type Engine struct {
	conn *stdtls.Conn
	mem  *memConn

	started  bool
	hsDone   chan struct{} // closed when the handshake goroutine ends
	hsErr    error         // the handshake's end, valid after hsDone
	timer    *time.Timer
	closed   bool
	finished bool // the handshake ended well and the goroutine is gone
}

// IdleTimeout ends a handshake goroutine no Feed has reached for this
// long: no EAP server waits that long between two packets.
const IdleTimeout = 2 * time.Minute

// NewEngine wraps a connection made by newConn (stdtls.Client or
// stdtls.Server with its config) around the Engine's in-memory conn.
func NewEngine(newConn func(net.Conn) *stdtls.Conn) *Engine {
	m := newMemConn()
	return &Engine{conn: newConn(m), mem: m, hsDone: make(chan struct{})}
}

// Conn is the TLS connection, for its ConnectionState and keying material
// once the handshake has finished.
func (e *Engine) Conn() *stdtls.Conn { return e.conn }

// Randoms are the ClientHello's and ServerHello's random, once both went
// through (ok false before).
func (e *Engine) Randoms() (client, server [32]byte, ok bool) {
	e.mem.mu.Lock()
	defer e.mem.mu.Unlock()
	return e.mem.randoms[0], e.mem.randoms[1], e.mem.seen[0] && e.mem.seen[1]
}

// HandshakeComplete tells whether the handshake has finished well.
func (e *Engine) HandshakeComplete() bool { return e.finished }

// Feed gives the engine the peer's records (nil to start a client's
// handshake) and returns the records it wrote in answer and, once the
// handshake is complete, the application data the records carried (at
// most MaxMessage octets). eof is set when the peer closed the connection
// with close_notify. An error ends the connection.
func (e *Engine) Feed(ctx context.Context, in []byte) (out, plain []byte, eof bool, err error) {
	if e.closed {
		return nil, nil, false, errors.New("tls: connection closed")
	}
	if err := ctx.Err(); err != nil {
		e.Close()
		return nil, nil, false, fmt.Errorf("tls: %w", err)
	}
	if !e.finished {
		if err := e.handshakeStep(ctx, in); err != nil {
			return e.mem.takeOut(), nil, false, err
		}
		if !e.finished {
			return e.mem.takeOut(), nil, false, nil
		}
		in = nil // the rest of the input is in the conn already
	}
	e.mem.feedDirect(in)
	plain, eof, err = e.drain()
	return e.mem.takeOut(), plain, eof, err
}

func (e *Engine) handshakeStep(ctx context.Context, in []byte) error {
	if !e.started {
		e.started = true
		e.mem.feedDirect(in)
		e.timer = time.AfterFunc(IdleTimeout, e.mem.close)
		go func() {
			e.hsErr = e.conn.HandshakeContext(context.Background())
			close(e.hsDone)
		}()
	} else {
		e.timer.Reset(IdleTimeout)
		select {
		case e.mem.feed <- in:
		case <-e.hsDone:
		}
	}
	select {
	case <-e.mem.want:
		return nil
	case <-e.hsDone:
	case <-ctx.Done():
		e.Close()
		<-e.hsDone
		return fmt.Errorf("tls: handshake: %w", ctx.Err())
	}
	e.timer.Stop()
	if e.hsErr != nil {
		e.closed = true
		e.mem.close()
		return fmt.Errorf("tls: handshake: %w", e.hsErr)
	}
	e.finished = true
	e.mem.setDirect()
	return nil
}

// drain reads the application data the records fed so far carry.
func (e *Engine) drain() ([]byte, bool, error) {
	var plain []byte
	buf := make([]byte, 16384)
	for {
		n, err := e.conn.Read(buf)
		plain = append(plain, buf[:n]...)
		if len(plain) > MaxMessage {
			e.Close()
			return nil, false, fmt.Errorf("tls: more than %d octets of application data in one message", MaxMessage)
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, errWouldBlock):
			return plain, false, nil
		case errors.Is(err, io.EOF):
			return plain, true, nil
		}
		e.Close()
		return plain, false, fmt.Errorf("tls: reading: %w", err)
	}
}

// Write encrypts plaintext into records (after the handshake), returned
// by the next Feed or by Output.
func (e *Engine) Write(plain []byte) error {
	if !e.finished || e.closed {
		return errors.New("tls: no connection to write to")
	}
	if _, err := e.conn.Write(plain); err != nil {
		return fmt.Errorf("tls: writing: %w", err)
	}
	return nil
}

// Output returns and forgets the records written since the last Feed or
// Output.
func (e *Engine) Output() []byte { return e.mem.takeOut() }

// CloseNotify writes a close_notify alert (after the handshake).
func (e *Engine) CloseNotify() error {
	if !e.finished || e.closed {
		return nil
	}
	return e.conn.CloseWrite()
}

// Close ends the connection and its goroutine, if any; it waits for the
// goroutine to end. Safe to call more than once.
func (e *Engine) Close() {
	if e.closed {
		return
	}
	e.closed = true
	e.mem.close()
	if e.started && !e.finished {
		e.timer.Stop()
		<-e.hsDone
	}
}

// errWouldBlock is the memConn's Read when the records fed are used up
// after the handshake: temporary, so crypto/tls does not keep it.
var errWouldBlock = &wouldBlock{}

type wouldBlock struct{}

func (*wouldBlock) Error() string   { return "no more records fed" }
func (*wouldBlock) Timeout() bool   { return true }
func (*wouldBlock) Temporary() bool { return true }

// memConn is the net.Conn under the Engine's tls.Conn. During the
// handshake its Read blocks for the next Feed, telling the Engine it
// wants one; after it, Read returns errWouldBlock when empty.
type memConn struct {
	mu     sync.Mutex
	in     []byte
	out    bytes.Buffer
	direct bool
	// randoms are the ClientHello's and ServerHello's random, read from
	// the records going through (crypto/tls does not give them, and
	// TLS 1.2's Session-Id is made of them, RFC 5216 2.3); zero until seen.
	randoms [2][32]byte
	seen    [2]bool

	feed      chan []byte   // the Engine's next records
	want      chan struct{} // Read found nothing and waits for feed
	done      chan struct{} // closed by close
	closeOnce sync.Once
}

func newMemConn() *memConn {
	return &memConn{feed: make(chan []byte), want: make(chan struct{}), done: make(chan struct{})}
}

func (m *memConn) feedDirect(b []byte) {
	m.mu.Lock()
	m.noteHello(b)
	m.in = append(m.in, b...)
	m.mu.Unlock()
}

// noteHello keeps the random of a ClientHello or ServerHello that starts a
// handshake record in b (the first of each only; m.mu held).
func (m *memConn) noteHello(b []byte) {
	// Record: type 22, version, length; handshake: type, length (3),
	// version (2), random (32).
	for len(b) >= 5 {
		n := int(b[3])<<8 | int(b[4])
		rec := b[5:min(len(b), 5+n)]
		if b[0] == 22 && len(rec) >= 4+2+32 && (rec[0] == 1 || rec[0] == 2) {
			i := rec[0] - 1
			if !m.seen[i] {
				copy(m.randoms[i][:], rec[6:38])
				m.seen[i] = true
			}
		}
		if len(b) < 5+n {
			return
		}
		b = b[5+n:]
	}
}

func (m *memConn) setDirect() {
	m.mu.Lock()
	m.direct = true
	m.mu.Unlock()
}

func (m *memConn) takeOut() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.out.Len() == 0 {
		return nil
	}
	b := bytes.Clone(m.out.Bytes())
	m.out.Reset()
	return b
}

func (m *memConn) close() { m.closeOnce.Do(func() { close(m.done) }) }

func (m *memConn) Read(p []byte) (int, error) {
	m.mu.Lock()
	for len(m.in) == 0 {
		direct := m.direct
		m.mu.Unlock()
		if direct {
			return 0, errWouldBlock
		}
		select {
		case m.want <- struct{}{}:
		case <-m.done:
			return 0, net.ErrClosed
		}
		select {
		case b := <-m.feed:
			m.mu.Lock()
			m.noteHello(b)
			m.in = append(m.in, b...)
			continue
		case <-m.done:
			return 0, net.ErrClosed
		}
	}
	n := copy(p, m.in)
	m.in = m.in[n:]
	m.mu.Unlock()
	return n, nil
}

func (m *memConn) Write(p []byte) (int, error) {
	select {
	case <-m.done:
		return 0, net.ErrClosed
	default:
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.out.Len()+len(p) > 4*MaxMessage {
		return 0, errors.New("tls: output beyond any EAP message")
	}
	m.noteHello(p)
	m.out.Write(p)
	return len(p), nil
}

func (m *memConn) Close() error                       { m.close(); return nil }
func (m *memConn) LocalAddr() net.Addr                { return memAddr{} }
func (m *memConn) RemoteAddr() net.Addr               { return memAddr{} }
func (m *memConn) SetDeadline(t time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(t time.Time) error { return nil }

type memAddr struct{}

// memAddrName is both ends' address.
const memAddrName = "eap"

func (memAddr) Network() string { return memAddrName }
func (memAddr) String() string  { return memAddrName }
