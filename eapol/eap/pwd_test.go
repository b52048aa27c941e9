package eap_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
)

func pwdPair(t *testing.T, password string, s *eaptest.PWD) (*eap.Peer, *eap.PWD, *eaptest.Server) {
	t.Helper()
	m := eap.NewPWD(eap.PWDConfig{Credentials: eap.Credentials{User: "alice@pwd", Password: password}})
	if s.ServerID == "" {
		s.ServerID = "server.example.org"
	}
	s.Token = [4]byte{0xde, 0xad, 0xbe, 0xef}
	return newPeer(t, m), m, &eaptest.Server{Methods: []eaptest.Method{s}}
}

func TestPWDConversation(t *testing.T) {
	for _, frag := range []int{0, 7, 40} {
		s := &eaptest.PWD{Password: "correct horse", Fragment: frag}
		peer, _, srv := pwdPair(t, "correct horse", s)
		if err := eaptest.Run(context.Background(), peer, srv); err != nil {
			t.Fatalf("fragments of %d: %v", frag, err)
		}
		r, _ := peer.Result()
		msk, emsk := s.Keys()
		if len(r.MSK) != 64 || len(r.EMSK) != 64 || !bytes.Equal(r.MSK, msk) || !bytes.Equal(r.EMSK, emsk) {
			t.Fatalf("MSK %x EMSK %x, server's %x %x", r.MSK, r.EMSK, msk, emsk)
		}
		if len(r.SessionID) != 33 || !bytes.Equal(r.SessionID, s.SessionID) {
			t.Fatalf("Session-Id %x, server's %x", r.SessionID, s.SessionID)
		}
		if s.PeerID != "alice@pwd" || (frag != 0) != (s.Fragments > 0) {
			t.Fatalf("peer ID %q, %d fragments", s.PeerID, s.Fragments)
		}
	}
}

func TestPWDRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, password string
		s              *eaptest.PWD
		want           string
	}{
		{"wrong password", "wrong", &eaptest.PWD{Password: "right"}, "Confirm is wrong"},
		{"wrong confirm", "pw", &eaptest.PWD{Password: "pw", WrongConfirm: true}, "Confirm is wrong"},
		{"bad element", "pw", &eaptest.PWD{Password: "pw", BadElement: true}, "not a point"},
		{"group 20", "pw", &eaptest.PWD{Password: "pw", Group: 20}, "only group 19"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer, m, srv := pwdPair(t, tc.password, tc.s)
			err := eaptest.Run(context.Background(), peer, srv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || peer.State() != eap.Failure {
				t.Fatalf("err %v, state %v", err, peer.State())
			}
			if msk, emsk := m.Keys(); msk != nil || emsk != nil {
				t.Fatal("keys after a refusal")
			}
		})
	}
}

func TestPWDEarlySuccess(t *testing.T) {
	for _, at := range []int{2, 3} {
		peer, _, srv := pwdPair(t, "pw", &eaptest.PWD{Password: "pw"})
		srv.SuccessAt = at
		if err := eaptest.Run(context.Background(), peer, srv); !errors.Is(err, eap.ErrEarlySuccess) {
			t.Fatalf("Success in place of request %d: %v", at, err)
		}
	}
}

// pwdBase is a PWD method that has answered an ID Request.
func pwdBase(t testing.TB) *eap.PWD {
	m := eap.NewPWD(eap.PWDConfig{Credentials: eap.Credentials{User: "u", Password: "p"}})
	id := append([]byte{1, 0, 19, 1, 1, 1, 2, 3, 4, 0}, "srv"...)
	if _, err := m.Process(context.Background(), 1, id); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPWDMalformed(t *testing.T) {
	ctx := context.Background()
	base := pwdBase(t)
	for _, data := range [][]byte{
		{},
		{2},                          // empty commit
		{2, 1, 2},                    // short commit
		{3, 0},                       // confirm before commit
		{1, 0, 19, 1, 1, 1, 2, 3, 4}, // a second ID
		{0x82, 0},                    // L without Total-Length
		{0x42, 1, 2},                 // M without L on a first fragment
		{0x82, 0, 5, 1, 2},           // Total-Length disagrees
	} {
		m := *base
		if _, err := m.Process(ctx, 2, data); err == nil || m.Decision() != eap.DecisionFail {
			t.Errorf("% x: %v, decision %v", data, err, m.Decision())
		}
	}
	// Fragments past their Total-Length end the method.
	m := *base
	if _, err := m.Process(ctx, 2, []byte{0xc2, 0, 4, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Process(ctx, 3, []byte{0x02, 3, 4, 5}); err == nil || m.State() != eap.Done {
		t.Fatalf("overlong fragments: %v, %v", err, m.State())
	}
	// A Total-Length above the bound is refused.
	m = *base
	if _, err := m.Process(ctx, 2, []byte{0xc2, 0xff, 0xff, 1}); err == nil {
		t.Fatal("65535-octet message announced and taken")
	}
}

// FuzzPWD gives a PWD method waiting for the server's Commit arbitrary
// requests: nothing panics and no keys come out (no input can carry the
// server's proof).
func FuzzPWD(f *testing.F) {
	base := pwdBase(f)
	f.Add([]byte{2}, []byte{3})
	f.Add(append([]byte{2}, bytes.Repeat([]byte{1}, 96)...), append([]byte{3}, make([]byte, 32)...))
	f.Add([]byte{0xc2, 0, 96, 1, 2}, []byte{0x02, 3})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		m := *base
		ctx := context.Background()
		m.Process(ctx, 2, a)
		m.Process(ctx, 3, b)
		if msk, _ := m.Keys(); msk != nil || m.Decision() != eap.DecisionFail {
			t.Fatalf("keys or decision %v from % x, % x", m.Decision(), a, b)
		}
	})
}
