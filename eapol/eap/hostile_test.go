package eap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
)

// rounds is a peer method of n Request/Response rounds (it echoes the
// round number) that ends with decision and 64-octet keys.
type rounds struct {
	n, done  int
	decision eap.Decision
}

func (r *rounds) Type() eap.Type { return 250 }
func (r *rounds) Process(_ context.Context, id uint8, data []byte) ([]byte, error) {
	if len(data) != 1 || int(data[0]) != r.done+1 {
		return nil, fmt.Errorf("round %x, want %d", data, r.done+1)
	}
	r.done++
	return []byte{byte(r.done)}, nil
}

func (r *rounds) State() eap.MethodState {
	if r.done >= r.n {
		return eap.Done
	}
	return eap.Continue
}

func (r *rounds) Decision() eap.Decision {
	if r.done >= r.n {
		return r.decision
	}
	return eap.DecisionFail
}

func (r *rounds) Keys() ([]byte, []byte) {
	if r.done < r.n {
		return nil, nil
	}
	return bytes.Repeat([]byte{0xa1}, 64), bytes.Repeat([]byte{0xe1}, 64)
}

// serverRounds is rounds' server side.
type serverRounds struct{ n, sent int }

func (s *serverRounds) Type() eap.Type { return 250 }
func (s *serverRounds) Start(uint8, string) ([]byte, error) {
	s.sent = 1
	return []byte{1}, nil
}

func (s *serverRounds) Process(_ uint8, data []byte) ([]byte, eaptest.Verdict, error) {
	if len(data) != 1 || int(data[0]) != s.sent {
		return nil, eaptest.Reject, fmt.Errorf("response %x to round %d", data, s.sent)
	}
	if s.sent == s.n {
		return nil, eaptest.Accept, nil
	}
	s.sent++
	return []byte{byte(s.sent)}, eaptest.Continue, nil
}

func (s *serverRounds) Keys() ([]byte, []byte) { return nil, nil }

func roundsPair(t *testing.T, n int, d eap.Decision) (*eap.Peer, *eaptest.Server) {
	return newPeer(t, &rounds{n: n, decision: d}), &eaptest.Server{Methods: []eaptest.Method{&serverRounds{n: n}}}
}

func TestRoundsConversationKeys(t *testing.T) {
	peer, s := roundsPair(t, 3, eap.DecisionCondSucc)
	if err := eaptest.Run(context.Background(), peer, s); err != nil {
		t.Fatal(err)
	}
	r, _ := peer.Result()
	for _, n := range []int{32, 48} {
		pmk, err := r.PMK(n)
		if err != nil || !bytes.Equal(pmk, bytes.Repeat([]byte{0xa1}, n)) {
			t.Errorf("PMK(%d) = %x, %v", n, pmk, err)
		}
	}
	if len(r.EMSK) != 64 {
		t.Errorf("EMSK %x", r.EMSK)
	}
}

// The CVE-2023-52160 class: a server that says Success before the method
// has finished, or without any method, gets no keys and a clear error.
func TestEarlySuccessRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(s *eaptest.Server)
	}{
		{"after identity", func(s *eaptest.Server) { s.SuccessAfterIdentity = true }},
		{"in place of the first method request", func(s *eaptest.Server) { s.SuccessAt = 1 }},
		{"mid-method", func(s *eaptest.Server) { s.SuccessAt = 2 }},
		{"before the last round", func(s *eaptest.Server) { s.SuccessAt = 3 }},
		{"without identity or method", func(s *eaptest.Server) { s.NoIdentity, s.SuccessAt = true, 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer, s := roundsPair(t, 3, eap.DecisionCondSucc)
			tc.setup(s)
			err := eaptest.Run(context.Background(), peer, s)
			if !errors.Is(err, eap.ErrEarlySuccess) || peer.State() != eap.Failure {
				t.Fatalf("err %v, state %v", err, peer.State())
			}
			if r, err := peer.Result(); err == nil {
				t.Fatalf("result %+v", r)
			}
		})
	}
}

// A method that ended refusing the server (decision Fail) turns a
// Success into a failure.
func TestSuccessAgainstFailDecision(t *testing.T) {
	peer, s := roundsPair(t, 2, eap.DecisionFail)
	err := eaptest.Run(context.Background(), peer, s)
	if !errors.Is(err, eap.ErrEarlySuccess) {
		t.Fatalf("err %v", err)
	}
}

func TestSuccessIdentifier(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		id uint8
		ok bool
	}{{7, true}, {8, true}, {6, false}, {9, false}} {
		peer := newPeer(t, &rounds{n: 1, decision: eap.DecisionCondSucc})
		if _, err := peer.Receive(ctx, []byte{1, 7, 0, 6, 250, 1}); err != nil {
			t.Fatal(err)
		}
		_, err := peer.Receive(ctx, []byte{3, tc.id, 0, 4})
		if tc.ok != (peer.State() == eap.Success) || !tc.ok && !errors.Is(err, eap.ErrDropped) {
			t.Errorf("Success id %d after Response 7: %v, state %v", tc.id, err, peer.State())
		}
	}
	// The Identifier wraps.
	peer := newPeer(t, &rounds{n: 1, decision: eap.DecisionCondSucc})
	peer.Receive(ctx, []byte{1, 255, 0, 6, 250, 1})
	if peer.Receive(ctx, []byte{3, 0, 0, 4}); peer.State() != eap.Success {
		t.Errorf("Success id 0 after 255: %v", peer.State())
	}
}

func TestFailureAfterUncondSuccIgnored(t *testing.T) {
	ctx := context.Background()
	peer := newPeer(t, &rounds{n: 1, decision: eap.DecisionUncondSucc})
	peer.Receive(ctx, []byte{1, 7, 0, 6, 250, 1})
	if _, err := peer.Receive(ctx, []byte{4, 7, 0, 4}); !errors.Is(err, eap.ErrDropped) {
		t.Fatalf("Failure after unconditional success: %v", err)
	}
	if peer.Receive(ctx, []byte{3, 7, 0, 4}); peer.State() != eap.Success {
		t.Fatalf("state %v", peer.State())
	}
}

func TestFailureMidMethod(t *testing.T) {
	ctx := context.Background()
	peer := newPeer(t, &rounds{n: 3, decision: eap.DecisionCondSucc})
	peer.Receive(ctx, []byte{1, 7, 0, 6, 250, 1})
	if _, err := peer.Receive(ctx, []byte{4, 7, 0, 4}); !errors.Is(err, eap.ErrServerFailure) || peer.State() != eap.Failure {
		t.Fatalf("Failure mid-method: %v, %v", err, peer.State())
	}
}

func TestAltAccept(t *testing.T) {
	ctx := context.Background()
	peer := newPeer(t, &rounds{n: 2, decision: eap.DecisionCondSucc})
	peer.Receive(ctx, []byte{1, 7, 0, 6, 250, 1})
	if err := peer.AltAccept(); err == nil || peer.State() != eap.Running {
		t.Fatalf("AltAccept mid-method: %v, %v", err, peer.State())
	}
	peer.Receive(ctx, []byte{1, 8, 0, 6, 250, 2})
	if err := peer.AltAccept(); err != nil || peer.State() != eap.Success {
		t.Fatalf("AltAccept after the method: %v, %v", err, peer.State())
	}
	if r, _ := peer.Result(); len(r.MSK) != 64 {
		t.Fatalf("MSK %x", r.MSK)
	}
}

// A method error while the method goes on drops the Request only.
func TestMethodErrorWhileContinuing(t *testing.T) {
	ctx := context.Background()
	peer := newPeer(t, &rounds{n: 1, decision: eap.DecisionCondSucc})
	_, err := peer.Receive(ctx, []byte{1, 7, 0, 6, 250, 9})
	if !errors.Is(err, eap.ErrDropped) || peer.State() != eap.Running {
		t.Fatalf("bad round while continuing: %v, %v", err, peer.State())
	}
}

// FuzzPeer feeds a Peer running MD5 packets cut from the fuzzer's input
// (two-octet length prefixes): it never panics, and it reaches Success
// only after its method ran and with a CondSucc decision.
func FuzzPeer(f *testing.F) {
	f.Add([]byte{0, 5, 1, 1, 0, 5, 1, 0, 10, 1, 2, 0, 10, 4, 4, 1, 2, 3, 4, 0, 4, 3, 2, 0, 4})
	f.Add([]byte{0, 4, 3, 0, 0, 4})
	f.Add([]byte{0, 13, 1, 5, 0, 13, 254, 0, 0x9f, 0x40, 0, 0, 0, 1, 0xaa, 0, 6, 1, 1, 0, 6, 25, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		m := eap.NewMD5(eap.Credentials{User: "a", Password: "pw"})
		peer, _ := eap.NewPeer(eap.Config{Method: m, Logger: quiet})
		for len(in) >= 2 {
			n := int(in[0])<<8 | int(in[1])
			in = in[2:]
			if n > len(in) {
				n = len(in)
			}
			resp, err := peer.Receive(context.Background(), in[:n])
			in = in[n:]
			if resp != nil {
				if _, perr := eap.Parse(resp); perr != nil || err != nil {
					t.Fatalf("response % x (%v) with error %v", resp, perr, err)
				}
			}
			if peer.State() == eap.Success && m.State() != eap.Done {
				t.Fatal("success before the method ran")
			}
		}
	})
}
