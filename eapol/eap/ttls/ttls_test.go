package ttls_test

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
	eaptls "wifid/eapol/eap/tls"
	"wifid/eapol/eap/ttls"
)

const (
	user     = "alice"
	password = "correct horse"
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

type setup struct {
	peer   *eap.Peer
	method *ttls.Method
	tls    *eaptest.TLS
	phase2 *eaptest.TTLS
	outer  *eaptest.Server
}

// newSetup is a TTLS conversation with phase 2 p2; for InnerEAP the inner
// method is MSCHAPv2 unless in names another (GTC, MD5).
func newSetup(t *testing.T, pki *eaptest.PKI, p2 ttls.Tunneled, in string, mtu int) *setup {
	t.Helper()
	cred := eap.Credentials{User: user, Password: password}
	cfg := ttls.Config{TLS: eaptls.Config{RootCAs: pki.Pool, MTU: mtu}, Phase2: p2, Credentials: cred, Identity: user, Logger: quiet}
	ph2 := &eaptest.TTLS{Phase2: p2, User: user, Password: password}
	if p2 == ttls.InnerEAP {
		var sm eaptest.Method
		switch in {
		case "GTC":
			cfg.EAP, sm = eap.NewGTC(cred), &eaptest.GTC{Password: password}
		case "MD5":
			cfg.EAP, sm = eap.NewMD5(cred), &eaptest.MD5{Password: password}
		default:
			cfg.EAP, _ = eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: cred})
			sm = &eaptest.MSCHAPv2{User: user, Password: password}
		}
		ph2.Inner = &eaptest.Server{Methods: []eaptest.Method{sm}}
	}
	m, err := ttls.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &eaptest.TLS{MethodType: eap.TypeTTLS, Config: pki.ServerConfig(0, 0, false), MTU: mtu, Inner: ph2}
	p, err := eap.NewPeer(eap.Config{Identity: "anonymous@example.org", Method: m, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); srv.Close() })
	return &setup{peer: p, method: m, tls: srv, phase2: ph2, outer: &eaptest.Server{Methods: []eaptest.Method{srv}}}
}

func (s *setup) run() error { return eaptest.Run(context.Background(), s.peer, s.outer) }

func TestTTLS(t *testing.T) {
	pki := eaptest.NewPKI(t)
	cases := []struct {
		p2 ttls.Tunneled
		in string
	}{{ttls.PAP, ""}, {ttls.CHAP, ""}, {ttls.MSCHAP, ""}, {ttls.MSCHAPv2, ""},
		{ttls.InnerEAP, "MSCHAPv2"}, {ttls.InnerEAP, "GTC"}, {ttls.InnerEAP, "MD5"}}
	for _, c := range cases {
		for _, mtu := range []int{0, 100} {
			t.Run(fmt.Sprintf("%v%s/mtu%d", c.p2, c.in, mtu), func(t *testing.T) {
				noLeak(t)
				s := newSetup(t, pki, c.p2, c.in, mtu)
				if err := s.run(); err != nil {
					t.Fatalf("conversation: %v (server: %v)", err, s.outer.Err)
				}
				res, _ := s.peer.Result()
				msk, emsk := s.tls.Keys()
				if len(res.MSK) != 64 || !bytes.Equal(res.MSK, msk) || !bytes.Equal(res.EMSK, emsk) {
					t.Errorf("MSK %x EMSK %x, server's %x %x", res.MSK, res.EMSK, msk, emsk)
				}
				if c.p2 != ttls.InnerEAP && s.phase2.UserName != user {
					t.Errorf("user %q", s.phase2.UserName)
				}
				if c.p2 == ttls.InnerEAP && s.phase2.Inner.Identity != user {
					t.Errorf("inner identity %q", s.phase2.Inner.Identity)
				}
				// Closed, the conversation leaves no key behind.
				mmsk, memsk := s.method.Keys()
				s.peer.Close()
				for _, k := range [][]byte{res.MSK, res.EMSK, mmsk, memsk} {
					if len(k) != 64 || !bytes.Equal(k, make([]byte, 64)) {
						t.Errorf("after Close: a key of %d octets not wiped", len(k))
					}
				}
			})
		}
	}
}

// TestTTLSUntrustedServer: no user name or password leaves for a server
// whose certificate fails, even when they must be asked for.
func TestTTLSUntrustedServer(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, p2 := range []ttls.Tunneled{ttls.PAP, ttls.MSCHAPv2, ttls.InnerEAP} {
		noLeak(t)
		s := newSetup(t, pki, p2, "", 0)
		s.tls.Config.Certificates[0] = eaptest.SelfSigned(t, eaptest.ServerName)
		err := s.run()
		if err == nil || !strings.Contains(err.Error(), "not trusted") {
			t.Fatalf("%v: ended %v", p2, err)
		}
		if s.phase2.UserName != "" || (s.phase2.Inner != nil && s.phase2.Inner.Identity != "") {
			t.Errorf("%v: credentials reached the server", p2)
		}
	}
}

func TestTTLSHostile(t *testing.T) {
	pki := eaptest.NewPKI(t)
	cases := []struct {
		name string
		p2   ttls.Tunneled
		knob func(*setup)
		want error
		text string
	}{
		{name: "success before phase 2", p2: ttls.PAP, knob: func(s *setup) { s.outer.SuccessAt = 3 }, want: eap.ErrEarlySuccess},
		{name: "MS-CHAPv2 success without MS-CHAP2-Success", p2: ttls.MSCHAPv2, knob: func(s *setup) { s.phase2.NoSuccessAVP = true }, want: eap.ErrEarlySuccess},
		{name: "MS-CHAPv2 wrong authenticator", p2: ttls.MSCHAPv2, knob: func(s *setup) { s.phase2.WrongAuthenticator = true }, text: "does not know the password"},
		{name: "inner EAP skipped", p2: ttls.InnerEAP, knob: func(s *setup) { s.phase2.Inner.SuccessAfterIdentity = true }, want: eap.ErrEarlySuccess},
		{name: "inner server unproven", p2: ttls.InnerEAP, knob: func(s *setup) {
			s.phase2.Inner.Methods = []eaptest.Method{&eaptest.MSCHAPv2{User: user, Password: password, WrongAuthenticator: true}}
		}, text: "inner"},
		{name: "truncated AVP", p2: ttls.MSCHAPv2, knob: func(s *setup) { s.phase2.AVPs = []byte{0, 0, 0, 26, 0xc0, 0, 0, 60, 0, 0} }, want: ttls.ErrAVP},
		{name: "unknown mandatory AVP", p2: ttls.MSCHAPv2, knob: func(s *setup) {
			s.phase2.AVPs = ttls.AppendAVP(nil, ttls.AVP{Code: 4242, Flags: ttls.FlagMandatory})
		}, want: ttls.ErrAVP},
		{name: "short MS-CHAP2-Success", p2: ttls.MSCHAPv2, knob: func(s *setup) {
			s.phase2.AVPs = ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeMSCHAP2Success, Vendor: ttls.VendorMicrosoft, Data: []byte{1}})
		}, want: ttls.ErrAVP},
		{name: "MS-CHAP error", p2: ttls.MSCHAPv2, knob: func(s *setup) {
			s.phase2.AVPs = ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeMSCHAPError, Vendor: ttls.VendorMicrosoft, Data: []byte("\x01E=691 R=0")})
		}, text: "refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeak(t)
			s := newSetup(t, pki, c.p2, "", 0)
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
			t.Logf("%v", err)
		})
	}
}

// FuzzTTLSPhase2 has a real server answer phase 2 with arbitrary AVPs.
func FuzzTTLSPhase2(f *testing.F) {
	pki := eaptest.NewPKI(f)
	f.Add(uint8(4), ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeMSCHAP2Success, Vendor: ttls.VendorMicrosoft, Data: make([]byte, 43)}))
	f.Add(uint8(0), ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeEAPMessage, Flags: ttls.FlagMandatory, Data: []byte{1, 1, 0, 5, 1}}))
	f.Add(uint8(0), ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeEAPMessage, Data: []byte{3, 1, 0, 4}}))
	f.Fuzz(func(t *testing.T, p2 uint8, plain []byte) {
		if len(plain) == 0 || len(plain) > 2000 {
			return
		}
		cred := eap.Credentials{User: user, Password: password}
		inner, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: cred})
		phase2 := ttls.Tunneled(p2 % 5)
		if phase2 != ttls.InnerEAP && phase2 != ttls.MSCHAPv2 {
			phase2 = ttls.MSCHAPv2
		}
		m, _ := ttls.New(ttls.Config{TLS: eaptls.Config{RootCAs: pki.Pool}, Phase2: phase2, Credentials: cred, EAP: inner, Identity: user, Logger: quiet})
		defer m.Close()
		srv := &eaptest.TLS{MethodType: eap.TypeTTLS, Config: pki.ServerConfig(0, 0, false), Inner: &eaptest.Scripted{Plain: plain}}
		defer srv.Close()
		p, _ := eap.NewPeer(eap.Config{Identity: "anon", Method: m, Logger: quiet})
		eaptest.Run(context.Background(), p, &eaptest.Server{Methods: []eaptest.Method{srv}})
		if p.State() == eap.Success {
			t.Fatal("success from a scripted server")
		}
	})
}

// TestTTLSWrongPassword: every phase 2 with a wrong password ends in the
// server's Failure, with no keys.
func TestTTLSWrongPassword(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, c := range []struct {
		p2 ttls.Tunneled
		in string
	}{{ttls.PAP, ""}, {ttls.CHAP, ""}, {ttls.MSCHAP, ""}, {ttls.MSCHAPv2, ""}, {ttls.InnerEAP, "MSCHAPv2"}, {ttls.InnerEAP, "GTC"}} {
		t.Run(fmt.Sprintf("%v%s", c.p2, c.in), func(t *testing.T) {
			noLeak(t)
			s := newSetup(t, pki, c.p2, c.in, 0)
			s.phase2.Password = "other"
			if s.phase2.Inner != nil {
				if c.in == "GTC" {
					s.phase2.Inner.Methods = []eaptest.Method{&eaptest.GTC{Password: "other"}}
				} else {
					s.phase2.Inner.Methods = []eaptest.Method{&eaptest.MSCHAPv2{User: user, Password: "other"}}
				}
			}
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

// TestTTLSResumption: a resumed session may end without phase 2's proof
// (here MS-CHAPv2 without MS-CHAP2-Success): the server authenticated in
// the full handshake that made the session.
func TestTTLSResumption(t *testing.T) {
	noLeak(t)
	pki := eaptest.NewPKI(t)
	cache := stdtls.NewLRUClientSessionCache(4)
	srvCfg := pki.ServerConfig(0, 0, false)
	srvCfg.SessionTicketsDisabled = false
	for i, resumed := range []bool{false, true} {
		s := newSetup(t, pki, ttls.MSCHAPv2, "", 0)
		s.tls.Config = srvCfg
		m, _ := ttls.New(ttls.Config{TLS: eaptls.Config{RootCAs: pki.Pool, SessionCache: cache}, Phase2: ttls.MSCHAPv2,
			Credentials: eap.Credentials{User: user, Password: password}, Logger: quiet})
		defer m.Close()
		s.peer, _ = eap.NewPeer(eap.Config{Identity: "anon", Method: m, Logger: quiet})
		s.phase2.NoSuccessAVP = resumed
		if err := s.run(); err != nil {
			t.Fatalf("conversation %d: %v", i, err)
		}
		if got := s.tls.ConnectionState().DidResume; got != resumed {
			t.Errorf("conversation %d resumed %v", i, got)
		}
		res, _ := s.peer.Result()
		if msk, _ := s.tls.Keys(); !bytes.Equal(res.MSK, msk) {
			t.Errorf("conversation %d: MSK differs", i)
		}
	}
}
