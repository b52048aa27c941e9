package peap_test

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
	"wifid/eapol/eap/peap"
	eaptls "wifid/eapol/eap/tls"
)

const (
	user     = "alice"
	password = "correct horse"
	identity = "alice@example.org"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for range 100 {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Errorf("%d goroutines, %d before", runtime.NumGoroutine(), before)
	})
}

type inner struct {
	name   string
	peer   func() eap.Method
	server func() eaptest.Method
}

func inners() []inner {
	cred := eap.Credentials{User: user, Password: password}
	return []inner{
		{"MSCHAPv2", func() eap.Method {
			m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: cred})
			return m
		}, func() eaptest.Method { return &eaptest.MSCHAPv2{User: user, Password: password} }},
		{"GTC", func() eap.Method { return eap.NewGTC(cred) }, func() eaptest.Method { return &eaptest.GTC{Password: password} }},
		{"MD5", func() eap.Method { return eap.NewMD5(cred) }, func() eaptest.Method { return &eaptest.MD5{Password: password} }},
	}
}

type setup struct {
	peer   *eap.Peer
	method *peap.Method
	tls    *eaptest.TLS
	phase2 *eaptest.PEAP
	outer  *eaptest.Server
}

func newSetup(t *testing.T, pki *eaptest.PKI, version uint8, in inner, mtu int) *setup {
	t.Helper()
	m, err := peap.New(peap.Config{TLS: eaptls.Config{RootCAs: pki.Pool, MTU: mtu}, Identity: identity, Inner: in.peer(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ph2 := &eaptest.PEAP{Inner: &eaptest.Server{Methods: []eaptest.Method{in.server()}}}
	srv := &eaptest.TLS{MethodType: eap.TypePEAP, Version: version, Config: pki.ServerConfig(0, 0, false), MTU: mtu, Inner: ph2}
	p, err := eap.NewPeer(eap.Config{Identity: "anonymous@example.org", Method: m, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); srv.Close() })
	return &setup{peer: p, method: m, tls: srv, phase2: ph2, outer: &eaptest.Server{Methods: []eaptest.Method{srv}}}
}

func (s *setup) run() error { return eaptest.Run(context.Background(), s.peer, s.outer) }

func TestPEAP(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, version := range []uint8{0, 1} {
		for _, in := range inners() {
			for _, cb := range []bool{false, true} {
				if cb && version == 1 {
					continue
				}
				for _, mtu := range []int{0, 100} {
					t.Run(fmt.Sprintf("v%d/%s/cb=%v/mtu%d", version, in.name, cb, mtu), func(t *testing.T) {
						noLeak(t)
						s := newSetup(t, pki, version, in, mtu)
						s.phase2.CryptoBinding = cb
						if err := s.run(); err != nil {
							t.Fatalf("conversation: %v (server: %v, inner server: %v)", err, s.outer.Err, s.phase2.Inner.Err)
						}
						if s.method.Version() != int(version) {
							t.Errorf("version %d", s.method.Version())
						}
						res, _ := s.peer.Result()
						msk, _ := s.tls.Keys()
						if len(res.MSK) != 64 || !bytes.Equal(res.MSK, msk) {
							t.Errorf("MSK %x, server's %x", res.MSK, msk)
						}
						if s.phase2.Inner.Identity != identity {
							t.Errorf("inner identity %q", s.phase2.Inner.Identity)
						}
						if s.outer.Identity == identity {
							t.Error("the inner identity went out in the clear")
						}
						// Closed, the conversation leaves no key behind.
						mmsk, _ := s.method.Keys()
						s.peer.Close()
						for _, k := range [][]byte{res.MSK, mmsk} {
							if len(k) != 64 || !bytes.Equal(k, make([]byte, 64)) {
								t.Errorf("after Close: a key of %d octets not wiped", len(k))
							}
						}
					})
				}
			}
		}
	}
}

// TestPEAPOnlyV0 answers a v1 offer with v0.
func TestPEAPOnlyV0(t *testing.T) {
	pki := eaptest.NewPKI(t)
	in := inners()[0]
	m, _ := peap.New(peap.Config{TLS: eaptls.Config{RootCAs: pki.Pool}, Identity: identity, Inner: in.peer(), OnlyV0: true, Logger: quiet})
	defer m.Close()
	ph2 := &eaptest.PEAP{Inner: &eaptest.Server{Methods: []eaptest.Method{in.server()}}, CryptoBinding: true}
	srv := &eaptest.TLS{MethodType: eap.TypePEAP, Version: 1, Config: pki.ServerConfig(0, 0, false), Inner: ph2}
	defer srv.Close()
	p, _ := eap.NewPeer(eap.Config{Identity: "anon", Method: m, Logger: quiet})
	if err := eaptest.Run(context.Background(), p, &eaptest.Server{Methods: []eaptest.Method{srv}}); err != nil {
		t.Fatal(err)
	}
	if m.Version() != 0 || srv.Negotiated() != 0 {
		t.Errorf("versions %d %d", m.Version(), srv.Negotiated())
	}
}

// TestPEAPUntrustedServer: nothing of phase 2 leaves for a server whose
// certificate fails.
func TestPEAPUntrustedServer(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, version := range []uint8{0, 1} {
		noLeak(t)
		s := newSetup(t, pki, version, inners()[0], 0)
		s.tls.Config.Certificates[0] = eaptest.SelfSigned(t, eaptest.ServerName)
		err := s.run()
		if err == nil || !strings.Contains(err.Error(), "not trusted") {
			t.Fatalf("v%d: ended %v", version, err)
		}
		if s.phase2.Inner.Identity != "" || s.phase2.Inner.Method != nil {
			t.Errorf("v%d: the inner identity %q reached the server", version, s.phase2.Inner.Identity)
		}
	}
}

func TestPEAPHostile(t *testing.T) {
	pki := eaptest.NewPKI(t)
	cases := []struct {
		name    string
		version uint8
		in      int
		knob    func(*setup)
		want    error
		text    string
	}{
		{name: "success before phase 2", knob: func(s *setup) { s.outer.SuccessAt = 4 }, want: eap.ErrEarlySuccess},
		{name: "success instead of the handshake", knob: func(s *setup) { s.outer.SuccessAt = 3 }, want: eap.ErrEarlySuccess},
		{name: "phase 2 skipped", knob: func(s *setup) { s.phase2.SkipPhase2 = true }, want: eap.ErrServerFailure},
		{name: "phase 2 skipped, success anyway", knob: func(s *setup) { s.phase2.SkipPhase2 = true; s.phase2.IgnoreResult = true }, want: eap.ErrEarlySuccess},
		{name: "inner failed, result lies", knob: func(s *setup) {
			s.phase2.Inner.Methods = []eaptest.Method{&eaptest.MSCHAPv2{User: user, Password: "other"}}
			s.phase2.LieSuccess, s.phase2.IgnoreResult = true, true
		}, want: eap.ErrEarlySuccess},
		{name: "inner server unproven", knob: func(s *setup) {
			s.phase2.Inner.Methods = []eaptest.Method{&eaptest.MSCHAPv2{User: user, Password: password, WrongAuthenticator: true}}
		}, text: "inner"},
		{name: "bad compound MAC", knob: func(s *setup) { s.phase2.CryptoBinding, s.phase2.BadMAC = true, true }, text: "Compound MAC"},
		{name: "truncated TLV", knob: func(s *setup) { s.phase2.Extensions = []byte{0x80, 3, 0, 2, 0} }, want: peap.ErrTLV},
		{name: "unknown mandatory TLV", knob: func(s *setup) {
			s.phase2.Extensions = peap.AppendTLV(peap.AppendTLV(nil, peap.TLVResult, true, []byte{0, 1}), 99, true, nil)
		}, want: peap.ErrTLV},
		{name: "no result TLV", knob: func(s *setup) { s.phase2.Extensions = peap.AppendTLV(nil, 99, false, []byte{1}) }, want: peap.ErrTLV},
		{name: "two result TLVs", knob: func(s *setup) {
			r := peap.AppendTLV(nil, peap.TLVResult, true, []byte{0, 1})
			s.phase2.Extensions = append(r, r...)
		}, want: peap.ErrTLV},
		{name: "short crypto-binding", knob: func(s *setup) {
			s.phase2.Extensions = peap.AppendTLV(peap.AppendTLV(nil, peap.TLVResult, true, []byte{0, 1}), peap.TLVCryptoBinding, false, make([]byte, 20))
		}, want: peap.ErrTLV},
		{name: "v1 inner success at once", version: 1, knob: func(s *setup) { s.phase2.InnerSuccessV1 = true }, want: eap.ErrEarlySuccess},
		{name: "v1 success before phase 2", version: 1, knob: func(s *setup) { s.outer.SuccessAt = 4 }, want: eap.ErrEarlySuccess},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeak(t)
			s := newSetup(t, pki, c.version, inners()[c.in], 0)
			c.knob(s)
			err := s.run()
			if err == nil {
				t.Fatal("the conversation succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("ended with %v, want %v", err, c.want)
			}
			if c.text != "" && !strings.Contains(err.Error(), c.text) {
				t.Errorf("ended with %v, want %q", err, c.text)
			}
			if _, err := s.peer.Result(); err == nil {
				t.Error("keys came out")
			}
			t.Logf("%v (method: %v)", err, s.method.Err())
		})
	}
}

// FuzzPEAPPhase2 has a real server send arbitrary plaintext in the tunnel
// after the handshake: the peer refuses or drops it, never succeeds,
// never panics.
func FuzzPEAPPhase2(f *testing.F) {
	pki := eaptest.NewPKI(f)
	f.Add(uint8(0), []byte{1})
	f.Add(uint8(0), []byte{1, 7, 0, 11, 33, 0x80, 3, 0, 2, 0, 1})
	f.Add(uint8(1), []byte{3, 1, 0, 4})
	f.Add(uint8(0), append([]byte{1, 7, 0, 69, 33}, peap.AppendTLV(nil, peap.TLVCryptoBinding, false, make([]byte, 56))...))
	f.Fuzz(func(t *testing.T, version uint8, plain []byte) {
		if len(plain) == 0 || len(plain) > 2000 {
			return
		}
		m, _ := peap.New(peap.Config{TLS: eaptls.Config{RootCAs: pki.Pool}, Identity: identity, Inner: inners()[0].peer(), Logger: quiet})
		defer m.Close()
		srv := &eaptest.TLS{MethodType: eap.TypePEAP, Version: version % 2, Config: pki.ServerConfig(0, 0, false), Inner: &eaptest.Scripted{Plain: plain}}
		defer srv.Close()
		p, _ := eap.NewPeer(eap.Config{Identity: "anon", Method: m, Logger: quiet})
		s := &eaptest.Server{Methods: []eaptest.Method{srv}}
		eaptest.Run(context.Background(), p, s)
		if p.State() == eap.Success {
			t.Fatal("success from a scripted server")
		}
	})
}

// TestPEAPWrongPassword: each inner method with a wrong password ends in
// the server's Failure, in both versions, with no keys.
func TestPEAPWrongPassword(t *testing.T) {
	pki := eaptest.NewPKI(t)
	wrong := map[string]eaptest.Method{
		"MSCHAPv2": &eaptest.MSCHAPv2{User: user, Password: "other"},
		"GTC":      &eaptest.GTC{Password: "other"},
		"MD5":      &eaptest.MD5{Password: "other"},
	}
	for _, version := range []uint8{0, 1} {
		for _, in := range inners() {
			t.Run(fmt.Sprintf("v%d/%s", version, in.name), func(t *testing.T) {
				noLeak(t)
				s := newSetup(t, pki, version, in, 0)
				s.phase2.Inner.Methods = []eaptest.Method{wrong[in.name]}
				err := s.run()
				if err == nil {
					t.Fatal("success with a wrong password")
				}
				if _, rerr := s.peer.Result(); rerr == nil {
					t.Error("keys came out")
				}
				t.Log(err)
			})
		}
	}
}

// TestPEAPResumption: a resumed session may skip phase 2 (the server
// sends the success Result at once, as iwd takes it); a resumed
// conversation that then fails forgets the session.
func TestPEAPResumption(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	cache := stdtls.NewLRUClientSessionCache(4)
	srvCfg := pki.ServerConfig(0, 0, false)
	srvCfg.SessionTicketsDisabled = false
	in := inners()[0]
	conversation := func(skip bool, wrong bool) (*eaptest.TLS, error) {
		m, _ := peap.New(peap.Config{TLS: eaptls.Config{RootCAs: pki.Pool, SessionCache: cache}, Identity: identity, Inner: in.peer(), Logger: quiet})
		defer m.Close()
		sm := in.server()
		if wrong {
			sm = &eaptest.MSCHAPv2{User: user, Password: "other"}
		}
		ph2 := &eaptest.PEAP{Inner: &eaptest.Server{Methods: []eaptest.Method{sm}}, CryptoBinding: true, SkipPhase2: skip}
		srv := &eaptest.TLS{MethodType: eap.TypePEAP, Config: srvCfg, Inner: ph2}
		defer srv.Close()
		p, _ := eap.NewPeer(eap.Config{Identity: "anon", Method: m, Logger: quiet})
		return srv, eaptest.Run(context.Background(), p, &eaptest.Server{Methods: []eaptest.Method{srv}})
	}
	if srv, err := conversation(false, false); err != nil || srv.ConnectionState().DidResume {
		t.Fatalf("full conversation: %v, resumed %v", err, srv.ConnectionState().DidResume)
	}
	if srv, err := conversation(true, false); err != nil || !srv.ConnectionState().DidResume {
		t.Fatalf("resumed conversation without phase 2: %v, resumed %v", err, srv.ConnectionState().DidResume)
	}
	if srv, err := conversation(false, true); err == nil || !srv.ConnectionState().DidResume {
		t.Fatalf("resumed conversation with a wrong password: %v, resumed %v", err, srv.ConnectionState().DidResume)
	}
	if cs, _ := cache.Get("eap"); cs != nil {
		t.Error("the session outlived a failed conversation")
	}
	// Without a cached session, skipping phase 2 is refused again.
	if _, err := conversation(true, false); err == nil {
		t.Error("phase 2 skipped without resumption was taken")
	}
}
