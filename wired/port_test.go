package wired

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"wifid/eapol"
	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
)

var authAddr = net.HardwareAddr{0x02, 0, 0, 0, 0, 0xaa}

// memAuth is an in-memory PAE whose far side is an authenticator: an
// EAPOL-Start starts a conversation with a fresh eaptest.Server, EAP
// responses go to it. It records what the port sent.
type memAuth struct {
	t        *testing.T
	password string // the server's MD5 password
	silent   bool   // answer nothing
	rx       chan []byte
	mu       sync.Mutex
	srv      *eaptest.Server
	sent     []eapol.PacketType // by the port
	verdicts []eaptest.Verdict
}

func newMemAuth(t *testing.T, password string) *memAuth {
	return &memAuth{t: t, password: password, rx: make(chan []byte, 16)}
}

func (m *memAuth) Send(frame []byte) error {
	h, body, err := eapol.ParseHeader(frame)
	if err != nil {
		m.t.Errorf("port sent a bad frame: %v", err)
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, h.Type)
	if m.silent {
		return nil
	}
	switch h.Type {
	case eapol.PacketStart:
		m.restartLocked()
	case eapol.PacketEAP:
		if m.srv == nil {
			return nil
		}
		out, err := m.srv.Handle(body)
		if err != nil {
			m.t.Errorf("server: %v", err)
			return nil
		}
		if m.srv.Verdict != eaptest.Continue {
			m.verdicts = append(m.verdicts, m.srv.Verdict)
			m.srv = nil
		}
		m.deliver(out)
	}
	return nil
}

// restartLocked starts a conversation: an Identity Request.
func (m *memAuth) restartLocked() {
	m.srv = &eaptest.Server{Methods: []eaptest.Method{&eaptest.MD5{Password: m.password}}}
	first, err := m.srv.First()
	if err != nil {
		m.t.Errorf("server: %v", err)
		return
	}
	m.deliver(first)
}

// reauth is the authenticator starting a conversation on its own.
func (m *memAuth) reauth() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.restartLocked()
}

func (m *memAuth) deliver(eapPkt []byte) {
	if eapPkt == nil {
		return
	}
	f, err := eapol.EAPFrame(eapol.Version2004, eapPkt)
	if err != nil {
		m.t.Errorf("authenticator: %v", err)
		return
	}
	m.rx <- f
}

func (m *memAuth) Receive(ctx context.Context) ([]byte, net.HardwareAddr, error) {
	select {
	case b := <-m.rx:
		return b, authAddr, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func (m *memAuth) Close() error { return nil }

func (m *memAuth) count(t eapol.PacketType) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.sent {
		if s == t {
			n++
		}
	}
	return n
}

type harness struct {
	states  chan State
	carrier chan bool
	done    chan error
	cancel  context.CancelFunc
}

func startPort(t *testing.T, pae PAE, password string, tweak func(*Config)) *harness {
	h := &harness{states: make(chan State, 64), carrier: make(chan bool, 4), done: make(chan error, 1)}
	cfg := Config{
		Ifname: "test0",
		NewEAP: func() (eap.Config, error) {
			return eap.Config{Identity: "alice", Method: eap.NewMD5(eap.Credentials{User: "alice", Password: password})}, nil
		},
		StartPeriod: 50 * time.Millisecond,
		HeldPeriod:  300 * time.Millisecond,
		AuthPeriod:  time.Second,
		OnState:     func(s State) { h.states <- s },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	p := NewPort(cfg)
	go func() { h.done <- p.Run(ctx, pae, h.carrier) }()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

func (h *harness) want(t *testing.T, s State) {
	t.Helper()
	timeout := time.After(3 * time.Second)
	for {
		select {
		case got := <-h.states:
			if got == s {
				return
			}
		case <-timeout:
			t.Fatalf("port never reached %v", s)
		}
	}
}

func TestPortAuthenticates(t *testing.T) {
	a := newMemAuth(t, "secret")
	h := startPort(t, a, "secret", nil)
	h.carrier <- true
	h.want(t, Connecting)
	h.want(t, Authenticating)
	h.want(t, Authenticated)
	if n := a.count(eapol.PacketStart); n != 1 {
		t.Errorf("%d EAPOL-Starts, want 1", n)
	}

	// The authenticator re-authenticates on its own.
	a.reauth()
	h.want(t, Authenticating)
	h.want(t, Authenticated)

	// Link down and up: a fresh start.
	h.carrier <- false
	h.want(t, Down)
	h.carrier <- true
	h.want(t, Authenticated)
	if n := a.count(eapol.PacketStart); n != 2 {
		t.Errorf("%d EAPOL-Starts after a link bounce, want 2", n)
	}

	// Stopping an authenticated port logs off.
	h.cancel()
	<-h.done
	h.done <- nil // for the cleanup
	if n := a.count(eapol.PacketLogoff); n != 1 {
		t.Errorf("%d EAPOL-Logoffs on stop, want 1", n)
	}
}

func TestPortWrongPasswordHeld(t *testing.T) {
	a := newMemAuth(t, "secret")
	h := startPort(t, a, "wrong", nil)
	start := time.Now()
	h.carrier <- true
	h.want(t, Held)
	// One attempt per held period, not a loop.
	h.want(t, Connecting)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("retried after %v, before the held period", d)
	}
	h.want(t, Held)
	time.Sleep(100 * time.Millisecond)
	if n := a.count(eapol.PacketStart); n != 2 {
		t.Errorf("%d EAPOL-Starts in two held periods, want 2", n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range a.verdicts {
		if v != eaptest.Reject {
			t.Errorf("server verdict %v, want reject", v)
		}
	}
}

func TestPortNoAuthenticator(t *testing.T) {
	a := newMemAuth(t, "secret")
	a.silent = true
	h := startPort(t, a, "secret", func(c *Config) { c.MaxStart = 3 })
	h.carrier <- true
	h.want(t, NoAuthenticator)
	if n := a.count(eapol.PacketStart); n != 3 {
		t.Errorf("%d EAPOL-Starts, want MaxStart (3)", n)
	}
	// An authenticator that wakes up later is still answered.
	a.mu.Lock()
	a.silent = false
	a.mu.Unlock()
	a.reauth()
	h.want(t, Authenticated)
}

func TestPortNoSettingsHeld(t *testing.T) {
	a := newMemAuth(t, "secret")
	h := startPort(t, a, "secret", func(c *Config) {
		c.NewEAP = func() (eap.Config, error) { return eap.Config{}, net.InvalidAddrError("no file") }
	})
	h.carrier <- true
	h.want(t, Held)
}
