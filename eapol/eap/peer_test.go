package eap_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newPeer(t *testing.T, m eap.Method) *eap.Peer {
	t.Helper()
	p, err := eap.NewPeer(eap.Config{Identity: "alice@example.org", Method: m, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func md5Peer(t *testing.T, password string) *eap.Peer {
	return newPeer(t, eap.NewMD5(eap.Credentials{User: "alice@example.org", Password: password}))
}

func TestMD5Conversation(t *testing.T) {
	peer := md5Peer(t, "hunter2")
	s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.MD5{Password: "hunter2"}}}
	if err := eaptest.Run(context.Background(), peer, s); err != nil {
		t.Fatal(err)
	}
	if s.Identity != "alice@example.org" {
		t.Errorf("server saw identity %q", s.Identity)
	}
	r, err := peer.Result()
	if err != nil || r.Method != eap.TypeMD5 || r.MSK != nil {
		t.Fatalf("result %+v, %v", r, err)
	}
	if _, err := r.PMK(32); err == nil {
		t.Error("PMK from a method without keys")
	}
}

func TestWrongPasswordIsFailure(t *testing.T) {
	peer := md5Peer(t, "hunter3")
	s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.MD5{Password: "hunter2"}}}
	err := eaptest.Run(context.Background(), peer, s)
	if !errors.Is(err, eap.ErrServerFailure) || peer.State() != eap.Failure {
		t.Fatalf("err %v, state %v", err, peer.State())
	}
	if _, err := peer.Result(); err == nil {
		t.Error("result after failure")
	}
}

func TestGTCConversation(t *testing.T) {
	peer := newPeer(t, eap.NewGTC(eap.Credentials{User: "bob", Password: "token 1234"}))
	s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.GTC{Password: "token 1234", Message: "Password:"}}}
	if err := eaptest.Run(context.Background(), peer, s); err != nil {
		t.Fatal(err)
	}
}

func TestNakToConfiguredMethod(t *testing.T) {
	peer := md5Peer(t, "pw")
	s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.GTC{Password: "pw"}, &eaptest.MD5{Password: "pw"}}}
	if err := eaptest.Run(context.Background(), peer, s); err != nil {
		t.Fatal(err)
	}
	if len(s.Naks) != 1 || s.Naks[0] != eap.TypeMD5 {
		t.Fatalf("Naks %v, want [MD5-Challenge]", s.Naks)
	}
}

func TestExpandedNak(t *testing.T) {
	peer := md5Peer(t, "pw")
	resp, err := peer.Receive(context.Background(), []byte{1, 5, 0, 13, 254, 0, 0x9f, 0x40, 0, 0, 0, 1, 0xaa})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{2, 5, 0, 20, 254, 0, 0, 0, 0, 0, 0, 3, 254, 0, 0, 0, 0, 0, 0, 4}
	if !bytes.Equal(resp, want) {
		t.Fatalf("response % x, want % x", resp, want)
	}
}

// counting wraps a method and counts its Process calls.
type counting struct {
	eap.Method
	n int
}

func (c *counting) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	c.n++
	return c.Method.Process(ctx, id, data)
}

func TestRetransmission(t *testing.T) {
	m := &counting{Method: eap.NewMD5(eap.Credentials{User: "a", Password: "pw"})}
	peer := newPeer(t, m)
	ctx := context.Background()
	ident := []byte{1, 1, 0, 5, 1}
	r1, err := peer.Receive(ctx, ident)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := peer.Receive(ctx, append(ident, 0, 0)) // padding is not content
	if err != nil || !bytes.Equal(r1, r2) {
		t.Fatalf("retransmitted Identity answered % x, %v; first % x", r2, err, r1)
	}
	chal := []byte{1, 2, 0, 10, 4, 4, 1, 2, 3, 4}
	c1, err := peer.Receive(ctx, chal)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := peer.Receive(ctx, chal)
	if err != nil || !bytes.Equal(c1, c2) || m.n != 1 {
		t.Fatalf("retransmitted challenge: % x, %v, method called %d times", c2, err, m.n)
	}
	// A new challenge (new Identifier) after the method is done is dropped.
	if _, err := peer.Receive(ctx, []byte{1, 3, 0, 10, 4, 4, 1, 2, 3, 4}); !errors.Is(err, eap.ErrDropped) {
		t.Fatalf("request after done: %v", err)
	}
	if _, err := peer.Receive(ctx, []byte{3, 2, 0, 4}); err != nil || peer.State() != eap.Success {
		t.Fatalf("success: %v, %v", err, peer.State())
	}
}

func TestSameIDNewContentIsNew(t *testing.T) {
	m := &counting{Method: eap.NewMD5(eap.Credentials{User: "a", Password: "pw"})}
	peer := newPeer(t, m)
	ctx := context.Background()
	peer.Receive(ctx, []byte{1, 1, 0, 5, 1})
	if _, err := peer.Receive(ctx, []byte{1, 1, 0, 10, 4, 4, 1, 2, 3, 4}); err != nil || m.n != 1 {
		t.Fatalf("challenge reusing the identity's id: %v, %d calls", err, m.n)
	}
}

func TestNotification(t *testing.T) {
	peer := md5Peer(t, "pw")
	resp, err := peer.Receive(context.Background(), []byte{1, 9, 0, 10, 2, 'h', 'e', 'l', 'l', 'o'})
	if err != nil || !bytes.Equal(resp, []byte{2, 9, 0, 5, 2}) || peer.State() != eap.Idle {
		t.Fatalf("notification answered % x, %v, state %v", resp, err, peer.State())
	}
}

func TestDropped(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"truncated", []byte{1, 1, 0}},
		{"length beyond", []byte{1, 1, 0, 40, 1}},
		{"length below header", []byte{1, 1, 0, 2, 1}},
		{"request without type", []byte{1, 1, 0, 4}},
		{"response", []byte{2, 1, 0, 5, 1}},
		{"unknown code", []byte{5, 1, 0, 4}},
		{"nak request", []byte{1, 1, 0, 6, 3, 4}},
		{"md5 value-size beyond", []byte{1, 1, 0, 8, 4, 9, 1, 2}},
		{"md5 empty", []byte{1, 1, 0, 5, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := md5Peer(t, "pw")
			resp, err := peer.Receive(ctx, tc.in)
			if resp != nil || !errors.Is(err, eap.ErrDropped) || peer.State() == eap.Failure {
				t.Fatalf("% x: response % x, %v, state %v", tc.in, resp, err, peer.State())
			}
		})
	}
}

func TestEndedPeerDropsEverything(t *testing.T) {
	peer := md5Peer(t, "pw")
	ctx := context.Background()
	peer.Receive(ctx, []byte{4, 0, 0, 4})
	if peer.State() != eap.Failure {
		t.Fatalf("state %v", peer.State())
	}
	if _, err := peer.Receive(ctx, []byte{1, 1, 0, 5, 1}); !errors.Is(err, eap.ErrDropped) {
		t.Fatalf("request after failure: %v", err)
	}
}

// secrets answers from fields, counting questions.
type secrets struct {
	user, password string
	err            error
	asked          int
}

func (s *secrets) UserNameAndPassword(ctx context.Context) (string, string, error) {
	s.asked++
	return s.user, s.password, s.err
}

func (s *secrets) UserPassword(ctx context.Context, user string) (string, error) {
	s.asked++
	return s.password, s.err
}

func (s *secrets) PrivateKeyPassphrase(ctx context.Context) (string, error) {
	return "", errors.New("not asked")
}

func TestPasswordAskedOnce(t *testing.T) {
	sec := &secrets{password: "from agent"}
	peer := newPeer(t, eap.NewMD5(eap.Credentials{User: "alice", Secrets: sec}))
	s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.MD5{Password: "from agent"}}}
	if err := eaptest.Run(context.Background(), peer, s); err != nil {
		t.Fatal(err)
	}
	if sec.asked != 1 {
		t.Fatalf("asked %d times", sec.asked)
	}
}

func TestSecretRefusedEndsConversation(t *testing.T) {
	sec := &secrets{err: errors.New("agent: canceled")}
	peer := newPeer(t, eap.NewGTC(eap.Credentials{Secrets: sec}))
	s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.GTC{Password: "x"}}}
	err := eaptest.Run(context.Background(), peer, s)
	if err == nil || peer.State() != eap.Failure || errors.Is(err, eap.ErrDropped) {
		t.Fatalf("err %v, state %v", err, peer.State())
	}
	if _, _, err := (&eap.Credentials{User: "u"}).Resolve(context.Background()); !errors.Is(err, eap.ErrNoSecret) {
		t.Fatalf("no password, no agent: %v", err)
	}
}

func TestNewPeerRefusesNonMethods(t *testing.T) {
	if _, err := eap.NewPeer(eap.Config{}); err == nil {
		t.Error("peer without a method")
	}
	if _, err := eap.NewPeer(eap.Config{Method: fixedType(eap.TypeIdentity)}); err == nil {
		t.Error("Identity as the method")
	}
}

type fixedType eap.Type

func (f fixedType) Type() eap.Type                                         { return eap.Type(f) }
func (f fixedType) Process(context.Context, uint8, []byte) ([]byte, error) { return nil, nil }
func (f fixedType) State() eap.MethodState                                 { return eap.Continue }
func (f fixedType) Decision() eap.Decision                                 { return eap.DecisionFail }
func (f fixedType) Keys() ([]byte, []byte)                                 { return nil, nil }
