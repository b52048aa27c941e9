package tls_test

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
	eaptls "wifid/eapol/eap/tls"
)

// logBuffer collects a test's log lines.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

// run plays one conversation and returns the peer's end.
func run(t *testing.T, m eap.Method, methods ...eaptest.Method) (*eap.Peer, *eaptest.Server, error) {
	t.Helper()
	log, _ := logBuffer()
	p, err := eap.NewPeer(eap.Config{Identity: "anonymous@example.org", Method: m, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s := &eaptest.Server{Methods: methods}
	err = eaptest.Run(context.Background(), p, s)
	return p, s, err
}

// noLeak fails when goroutines outlive the test (a handshake goroutine
// left behind).
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for range 100 {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	})
}

func TestEAPTLS(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, v := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		for _, mtu := range []int{0, 90} {
			t.Run(fmt.Sprintf("%s/mtu%d", stdtls.VersionName(v), mtu), func(t *testing.T) {
				noLeak(t)
				m, err := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client, MTU: mtu, MaxVersion: v})
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(v, v, true), MTU: mtu}
				defer srv.Close()
				p, s, err := run(t, m, srv)
				if err != nil {
					t.Fatalf("conversation: %v (server: %v)", err, s.Err)
				}
				res, err := p.Result()
				if err != nil {
					t.Fatal(err)
				}
				msk, emsk := srv.Keys()
				if len(res.MSK) != 64 || len(res.EMSK) != 64 || !bytes.Equal(res.MSK, msk) || !bytes.Equal(res.EMSK, emsk) {
					t.Errorf("peer MSK %x EMSK %x, server %x %x", res.MSK, res.EMSK, msk, emsk)
				}
				if got := srv.ConnectionState().PeerCertificates; len(got) == 0 || got[0].Subject.CommonName != "user@example.org" {
					t.Errorf("server saw client certificates %v", got)
				}
				if mtu != 0 && s.Sent < 10 {
					t.Errorf("%d Requests with a %d-octet MTU: no fragmentation?", s.Sent, mtu)
				}
				// Closed, the conversation leaves no key behind.
				mmsk, memsk := m.Keys()
				p.Close()
				for _, k := range [][]byte{res.MSK, res.EMSK, mmsk, memsk} {
					if len(k) != 64 || !bytes.Equal(k, make([]byte, 64)) {
						t.Errorf("after Close: a key of %d octets not wiped", len(k))
					}
				}
			})
		}
	}
}

// TestEAPTLS13CloseNotify: close_notify ends a TLS 1.3 handshake as the
// Commitment Message does.
func TestEAPTLS13CloseNotify(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client})
	defer m.Close()
	srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(stdtls.VersionTLS13, stdtls.VersionTLS13, true), CloseNotify: true}
	defer srv.Close()
	p, s, err := run(t, m, srv)
	if err != nil {
		t.Fatalf("%v (server %v)", err, s.Err)
	}
	res, _ := p.Result()
	if msk, _ := srv.Keys(); !bytes.Equal(res.MSK, msk) {
		t.Errorf("MSK %x, server's %x", res.MSK, msk)
	}
}

func TestEAPTLSUntrustedServer(t *testing.T) {
	pki := eaptest.NewPKI(t)
	other := eaptest.NewPKI(t) // a CA that did not sign the server
	for _, v := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		t.Run(stdtls.VersionName(v), func(t *testing.T) {
			noLeak(t)
			m, _ := eaptls.New(eaptls.Config{RootCAs: other.Pool, Certificate: &pki.Client})
			defer m.Close()
			srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(v, v, true)}
			defer srv.Close()
			p, _, err := run(t, m, srv)
			if err == nil || !strings.Contains(err.Error(), "not trusted") {
				t.Fatalf("conversation ended %v, want a refused server", err)
			}
			if _, err := p.Result(); err == nil {
				t.Error("keys from a refused server")
			}
			if srv.ConnectionState().HandshakeComplete {
				t.Error("the server finished the handshake")
			}
		})
	}
}

func TestEAPTLSVerifyServer(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	var seen string
	m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client,
		VerifyServer: func(chain []*x509.Certificate) error {
			seen = chain[0].DNSNames[0]
			return errors.New("not the network's server")
		}})
	defer m.Close()
	srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(0, 0, true)}
	defer srv.Close()
	_, _, err := run(t, m, srv)
	if err == nil || !strings.Contains(err.Error(), "not the network's server") {
		t.Fatalf("conversation ended %v", err)
	}
	if seen != eaptest.ServerName {
		t.Errorf("VerifyServer saw %q", seen)
	}
	if _, err := eaptls.New(eaptls.Config{VerifyServer: func([]*x509.Certificate) error { return nil }}); err == nil {
		t.Error("a name check without CA certificates was taken")
	}
}

func TestEAPTLSNoCAWarns(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	log, buf := logBuffer()
	m, _ := eaptls.New(eaptls.Config{Certificate: &pki.Client, Logger: log})
	defer m.Close()
	srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(0, 0, true)}
	defer srv.Close()
	if _, _, err := run(t, m, srv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "not checked") {
		t.Errorf("no warning for an unchecked server:\n%s", buf)
	}
}

func TestEAPTLSNoClientCertificate(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	for _, v := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, MaxVersion: v})
		srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(v, v, true)}
		_, _, err := run(t, m, srv)
		if err == nil {
			t.Errorf("%s: success without a client certificate", stdtls.VersionName(v))
		}
		m.Close()
		srv.Close()
	}
}

// TestEAPTLSHostile: servers that end early or send what cannot be
// reassembled get no keys, and the conversation ends with a reason.
func TestEAPTLSHostile(t *testing.T) {
	pki := eaptest.NewPKI(t)
	cases := []struct {
		name string
		v    uint16
		srv  func(*eaptest.TLS)
		knob func(*eaptest.Server)
		want error
		text string
	}{
		{name: "success for the start", v: stdtls.VersionTLS12, knob: func(s *eaptest.Server) { s.SuccessAt = 2 }, want: eap.ErrEarlySuccess},
		{name: "success mid-handshake", v: stdtls.VersionTLS13, knob: func(s *eaptest.Server) { s.SuccessAt = 3 }, want: eap.ErrEarlySuccess},
		{name: "no commitment", v: stdtls.VersionTLS13, srv: func(s *eaptest.TLS) { s.NoCommitment = true }, want: eap.ErrEarlySuccess},
		{name: "huge length", v: stdtls.VersionTLS12, srv: func(s *eaptest.TLS) { s.MTU = 200; s.HugeLength = 1 << 20 }, text: "outside"},
		{name: "length below data", v: stdtls.VersionTLS12, srv: func(s *eaptest.TLS) { s.MTU = 200; s.HugeLength = 10 }, text: "below"},
		{name: "length beyond fragments", v: stdtls.VersionTLS12, srv: func(s *eaptest.TLS) { s.MTU = 200; s.HugeLength = 5000 }, text: "announced"},
		{name: "endless fragments", v: stdtls.VersionTLS12, srv: func(s *eaptest.TLS) { s.EndlessFragments = true }, text: "more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeak(t)
			m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client, MaxVersion: c.v})
			defer m.Close()
			srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(c.v, c.v, true)}
			defer srv.Close()
			if c.srv != nil {
				c.srv(srv)
			}
			log, _ := logBuffer()
			p, _ := eap.NewPeer(eap.Config{Identity: "anonymous", Method: m, Logger: log})
			s := &eaptest.Server{Methods: []eaptest.Method{srv}}
			if c.knob != nil {
				c.knob(s)
			}
			err := eaptest.Run(context.Background(), p, s)
			if err == nil {
				t.Fatal("the conversation succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("ended with %v, want %v", err, c.want)
			}
			if c.text != "" && !strings.Contains(err.Error(), c.text) {
				t.Errorf("ended with %v, want %q", err, c.text)
			}
			if msk, _ := m.Keys(); msk != nil && p.State() != eap.Success {
				t.Logf("method keys left after failure (not used by the Peer)")
			}
			if _, err := p.Result(); err == nil {
				t.Error("keys came out")
			}
		})
	}
}

// TestEAPTLSAbandoned: a conversation left in the middle of the handshake
// leaves no goroutine once the method is closed.
func TestEAPTLSAbandoned(t *testing.T) {
	noLeak(t)
	m, _ := eaptls.New(eaptls.Config{})
	resp, err := m.Process(context.Background(), 1, []byte{eaptls.FlagStart})
	if err != nil || len(resp) < 10 {
		t.Fatalf("Start answered %d octets, %v", len(resp), err)
	}
	if m.State() != eap.Continue || m.Decision() != eap.DecisionFail {
		t.Errorf("after the ClientHello: %v %v", m.State(), m.Decision())
	}
	m.Close()
	m.Close()
}

// FuzzEAPTLSProcess gives EAP-TLS arbitrary Requests after its Start
// (separated by 0xff 0xff): errors, never a panic or a stuck goroutine.
func FuzzEAPTLSProcess(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 0, 10, 0x16, 3, 3, 0, 5, 2, 0, 0, 1, 0})
	f.Add([]byte{0xc0, 0, 0, 1, 0, 0x16, 0xff, 0xff, 0x00})
	f.Add([]byte{0x00, 0x15, 3, 3, 0, 2, 2, 40})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := eaptls.New(eaptls.Config{MTU: 64, Logger: slog.New(slog.DiscardHandler)})
		defer m.Close()
		ctx := context.Background()
		if _, err := m.Process(ctx, 1, []byte{eaptls.FlagStart}); err != nil {
			t.Fatal(err)
		}
		for i, pkt := range bytes.Split(b, []byte{0xff, 0xff}) {
			if m.State() == eap.Done {
				break
			}
			m.Process(ctx, uint8(i+2), pkt)
		}
		if m.State() == eap.Done && m.Decision() != eap.DecisionFail {
			t.Fatal("a handshake completed from fuzz input")
		}
	})
}

// TestEAPTLSReservedBits: EAP-TLS ignores the low flag bits (reserved in
// RFC 5216) where PEAP and TTLS carry their version.
func TestEAPTLSReservedBits(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client})
	defer m.Close()
	srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(0, 0, true)}
	defer srv.Close()
	p, _ := eap.NewPeer(eap.Config{Identity: "anonymous", Method: m, Logger: slog.New(slog.DiscardHandler)})
	s := &eaptest.Server{Methods: []eaptest.Method{srv}, Tamper: func(pkt []byte) []byte {
		if len(pkt) > 5 && pkt[0] == byte(eap.CodeRequest) && pkt[4] == byte(eap.TypeTLS) {
			pkt[5] |= 5
		}
		return pkt
	}}
	if err := eaptest.Run(context.Background(), p, s); err != nil {
		t.Fatalf("%v (server %v)", err, s.Err)
	}
}

// TestEAPTLSResumption: with a SessionCache the second conversation
// resumes the first's session (iwd's FastReauthentication), in TLS 1.2
// and 1.3, and the keys still agree; a failed conversation forgets the
// session.
func TestEAPTLSResumption(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, v := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		t.Run(stdtls.VersionName(v), func(t *testing.T) {
			noLeak(t)
			cache := stdtls.NewLRUClientSessionCache(4)
			srvCfg := pki.ServerConfig(v, v, true)
			srvCfg.SessionTicketsDisabled = false
			for i, wantResumed := range []bool{false, true} {
				m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client, SessionCache: cache})
				srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: srvCfg}
				p, s, err := run(t, m, srv)
				if err != nil {
					t.Fatalf("conversation %d: %v (server %v)", i, err, s.Err)
				}
				if got := srv.ConnectionState().DidResume; got != wantResumed || m.Tunnel().Resumed() != wantResumed {
					t.Errorf("conversation %d resumed %v, want %v", i, got, wantResumed)
				}
				res, _ := p.Result()
				if msk, _ := srv.Keys(); !bytes.Equal(res.MSK, msk) {
					t.Errorf("conversation %d: MSK %x, server's %x", i, res.MSK, msk)
				}
				m.Close()
				srv.Close()
			}
			// A conversation that fails (here: the server refuses the
			// client certificate) forgets the session.
			m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, SessionCache: cache})
			srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: pki.ServerConfig(v, v, true), NoCommitment: true}
			if _, _, err := run(t, m, srv); err == nil {
				t.Fatal("success without a client certificate")
			}
			m.Close()
			srv.Close()
			if cs, _ := cache.Get("eap"); cs != nil {
				t.Error("the session outlived a failed conversation")
			}
		})
	}
}

// TestEAPTLSCancelled: a context cancelled while the handshake runs ends
// it and its goroutine.
func TestEAPTLSCancelled(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	m, _ := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client})
	defer m.Close()
	if _, err := m.Process(context.Background(), 1, []byte{eaptls.FlagStart}); err != nil {
		t.Fatal(err)
	}
	for id := uint8(10); m.Tunnel().Sending(); id++ {
		// Acknowledge the ClientHello's fragments (with a post-quantum
		// key share it is above 1400 octets).
		if _, err := m.Process(context.Background(), id, []byte{0}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A fragment of a ServerHello: the handshake goroutine waits for
	// more, and the cancelled context ends it.
	_, err := m.Process(ctx, 2, []byte{0x00, 0x16, 3, 3, 0, 40, 2, 0, 0, 36, 3, 3})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Process with a cancelled context: %v", err)
	}
	if m.State() != eap.Done || m.Decision() != eap.DecisionFail {
		t.Errorf("after cancellation: %v %v", m.State(), m.Decision())
	}
}
