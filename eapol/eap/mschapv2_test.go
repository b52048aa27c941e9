package eap_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
	"wifid/eapol/eap/mschap"
	"wifid/unit"
)

func mschapPeer(t *testing.T, cfg eap.MSCHAPv2Config) (*eap.Peer, *eap.MSCHAPv2) {
	t.Helper()
	m, err := eap.NewMSCHAPv2(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newPeer(t, m), m
}

func mschapServer(m *eaptest.MSCHAPv2) *eaptest.Server {
	return &eaptest.Server{Methods: []eaptest.Method{m}}
}

func TestMSCHAPv2Conversation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  eap.MSCHAPv2Config
		user string
	}{
		{"password", eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "pässwörd"}}, "alice"},
		{"nt hash", eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice"}, PasswordHash: ntHash("pässwörd")}, "alice"},
		{"domain", eap.MSCHAPv2Config{Credentials: eap.Credentials{User: `CORP\alice`, Password: "pässwörd"}}, `CORP\alice`},
		{"asked", eap.MSCHAPv2Config{Credentials: eap.Credentials{Secrets: &secrets{user: "alice", password: "pässwörd"}}}, "alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer, _ := mschapPeer(t, tc.cfg)
			sm := &eaptest.MSCHAPv2{User: tc.user, Password: "pässwörd", Name: "radius"}
			if err := eaptest.Run(context.Background(), peer, mschapServer(sm)); err != nil {
				t.Fatal(err)
			}
			r, _ := peer.Result()
			want, _ := sm.Keys()
			if len(r.MSK) != 32 || !bytes.Equal(r.MSK, want) || r.EMSK != nil {
				t.Fatalf("MSK %x, server's %x", r.MSK, want)
			}
			if pmk, err := r.PMK(32); err != nil || !bytes.Equal(pmk, want) {
				t.Fatalf("PMK %x, %v", pmk, err)
			}
		})
	}
}

func ntHash(p string) []byte {
	h := mschap.NTPasswordHash(p)
	return h[:]
}

// The RFC 2759 9.2 exchange on the wire: the peer challenge and the
// server's from the RFC give its NT-Response, and its authenticator
// response is taken.
func TestMSCHAPv2RFC2759OnTheWire(t *testing.T) {
	v := unit.MSCHAPv2Vector(t)
	peer, m := mschapPeer(t, eap.MSCHAPv2Config{Credentials: eap.Credentials{User: v.User, Password: v.Password},
		Rand: bytes.NewReader(v.PeerChallenge)})
	ctx := context.Background()
	peer.Receive(ctx, []byte{1, 1, 0, 5, 1})
	chal := append([]byte{1, 2, 0, 29, 26, 1, 7, 0, 24, 16}, v.AuthChallenge...)
	chal = append(chal, "srv"...)
	resp, err := peer.Receive(ctx, chal)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp) != 5+54+4 || !bytes.Equal(resp[5:10], []byte{2, 7, 0, 58, 49}) || !bytes.Equal(resp[34:58], v.NTResponse) ||
		string(resp[59:]) != v.User {
		t.Fatalf("Response % x", resp)
	}
	succ := append([]byte{1, 3, 0, 0, 26, 3, 7, 0, 0}, v.AuthResponse+" M=OK"...)
	succ[3], succ[8] = byte(len(succ)), byte(len(succ)-5)
	resp, err = peer.Receive(ctx, succ)
	if err != nil || !bytes.Equal(resp, []byte{2, 3, 0, 6, 26, 3}) || m.Decision() != eap.DecisionUncondSucc {
		t.Fatalf("Success Request answered % x, %v, decision %v", resp, err, m.Decision())
	}
	peer.Receive(ctx, []byte{3, 3, 0, 4})
	r, err := peer.Result()
	want := mschap.MSK(mschap.HashNTPasswordHash([16]byte(v.PasswordHash)), [24]byte(v.NTResponse))
	if err != nil || !bytes.Equal(r.MSK, want) {
		t.Fatalf("MSK %x, %v", r.MSK, err)
	}
}

func TestMSCHAPv2WrongPassword(t *testing.T) {
	peer, _ := mschapPeer(t, eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "wrong"}})
	err := eaptest.Run(context.Background(), peer, mschapServer(&eaptest.MSCHAPv2{User: "alice", Password: "right"}))
	if !errors.Is(err, eap.ErrServerFailure) || !strings.Contains(err.Error(), "691") {
		t.Fatalf("err %v", err)
	}
}

// A server that does not know the password cannot make the authenticator
// response: the peer ends at once, without a Response and without keys.
func TestMSCHAPv2ServerMustProveItself(t *testing.T) {
	peer, m := mschapPeer(t, eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "pw"}})
	s := mschapServer(&eaptest.MSCHAPv2{User: "alice", Password: "pw", WrongAuthenticator: true})
	err := eaptest.Run(context.Background(), peer, s)
	if err == nil || errors.Is(err, eap.ErrServerFailure) || !strings.Contains(err.Error(), "authenticator response") {
		t.Fatalf("err %v", err)
	}
	if msk, _ := m.Keys(); msk != nil || s.Verdict != eaptest.Continue {
		t.Fatalf("MSK %x, server verdict %v", msk, s.Verdict)
	}
}

// Success straight after the peer's Response, before the server proved
// itself: refused.
func TestMSCHAPv2EarlySuccess(t *testing.T) {
	peer, _ := mschapPeer(t, eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "pw"}})
	s := mschapServer(&eaptest.MSCHAPv2{User: "alice", Password: "pw"})
	s.SuccessAt = 2
	if err := eaptest.Run(context.Background(), peer, s); !errors.Is(err, eap.ErrEarlySuccess) {
		t.Fatalf("err %v", err)
	}
}

func TestMSCHAPv2Lenient(t *testing.T) {
	peer, _ := mschapPeer(t, eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "pw"}})
	s := mschapServer(&eaptest.MSCHAPv2{User: "alice", Password: "pw", Name: "radius", ShortMSLength: true})
	if err := eaptest.Run(context.Background(), peer, s); err != nil {
		t.Fatalf("MS-Length below the packet: %v", err)
	}
}

func TestMSCHAPv2Refuses(t *testing.T) {
	if _, err := eap.NewMSCHAPv2(eap.MSCHAPv2Config{PasswordHash: make([]byte, 15)}); err == nil {
		t.Error("15-octet hash taken")
	}
	// A hash without a user ends the method.
	peer, _ := mschapPeer(t, eap.MSCHAPv2Config{PasswordHash: make([]byte, 16)})
	err := eaptest.Run(context.Background(), peer, mschapServer(&eaptest.MSCHAPv2{}))
	if !errors.Is(err, eap.ErrNoSecret) {
		t.Fatalf("err %v", err)
	}
	ctx := context.Background()
	for _, data := range [][]byte{
		{}, {9, 1, 0, 4}, {1, 1, 0}, {1, 1, 0, 9, 16, 1}, {1, 1, 0, 3}, {1, 1, 0, 5, 15},
		{3, 1, 0, 4}, // Success before a Challenge
	} {
		m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "a", Password: "b"}})
		if _, err := m.Process(ctx, 1, data); err == nil || m.State() == eap.Done {
			t.Errorf("% x: %v, state %v", data, err, m.State())
		}
	}
}

// FuzzMSCHAPv2 gives a method that has answered a Challenge an arbitrary
// request: nothing panics, and it succeeds only on the right
// authenticator response.
func FuzzMSCHAPv2(f *testing.F) {
	auth := bytes.Repeat([]byte{0x5a}, 16)
	chal := append([]byte{1, 1, 0, 21, 16}, auth...)
	f.Add([]byte("S=0000000000000000000000000000000000000000 M=x"), byte(3))
	f.Add([]byte("E=691 R=0 C=00 V=3 M=no"), byte(4))
	f.Add(auth, byte(1))
	f.Fuzz(func(t *testing.T, body []byte, op byte) {
		ctx := context.Background()
		m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "u", Password: "p"},
			Rand: bytes.NewReader(make([]byte, 16))})
		if _, err := m.Process(ctx, 1, chal); err != nil {
			t.Fatal(err)
		}
		n := 4 + len(body)
		if n > 0xffff {
			return
		}
		req := append([]byte{op, 1, byte(n >> 8), byte(n)}, body...)
		m.Process(ctx, 2, req)
		m.Process(ctx, 3, body)
		if m.Decision() != eap.DecisionFail {
			nt := mschap.GenerateNTResponse([16]byte(auth), [16]byte{}, "u", mschap.NTPasswordHash("p"))
			if !bytes.HasPrefix(body, []byte(mschap.AuthenticatorResponse(mschap.NTPasswordHash("p"), nt, [16]byte{}, [16]byte(auth), "u"))) &&
				!bytes.HasPrefix(bytes.ToUpper(body), []byte(mschap.AuthenticatorResponse(mschap.NTPasswordHash("p"), nt, [16]byte{}, [16]byte(auth), "u"))) {
				t.Fatalf("decision %v on % x", m.Decision(), body)
			}
		}
	})
}
