package eapol_test

import (
	"testing"

	"wifid/eapol"
	"wifid/nl80211/ie"
)

// held keeps references to the keys a Supplicant holds now, to check
// later that it wiped them.
type held map[string][]byte

func (h held) add(t *testing.T, s *eapol.Supplicant, want ...string) {
	t.Helper()
	now := s.HeldKeys()
	for _, name := range want {
		if !nonZero(now[name]) {
			t.Fatalf("the supplicant holds no %s (holds %d keys)", name, len(now))
		}
	}
	for name, b := range now {
		h[name+"#"+string(rune('a'+len(h)))] = b
	}
}

func (h held) wantWiped(t *testing.T, when string) {
	t.Helper()
	for name, b := range h {
		if nonZero(b) {
			t.Errorf("%s: %s not wiped", when, name)
		}
	}
}

func nonZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return true
		}
	}
	return false
}

// TestSupplicantWipesReplacedAndClosedKeys: a PTK rekey wipes the PTK it
// replaces, a new GTK under a key ID wipes the old one, and Close wipes
// everything: PMK, PTK, GTKs, IGTKs.
func TestSupplicantWipesReplacedAndClosedKeys(t *testing.T) {
	p := newPair(t, authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, mfp: true})
	p.fourWay()
	first := held{}
	first.add(t, p.sta, "PMK", "PTK KCK", "PTK KEK", "PTK TK", "GTK 1", "IGTK 4")
	firstPTK := held{}
	for name, b := range p.sta.HeldKeys() {
		if name == "PTK KCK" || name == "PTK KEK" || name == "PTK TK" {
			firstPTK[name] = b
		}
	}
	gtk1 := p.sta.HeldKeys()["GTK 1"]

	p.ap.ANonce = [32]byte(p.ap.Random(32))
	p.fourWay() // PTK rekey
	firstPTK.wantWiped(t, "after a PTK rekey, the old PTK")
	p.ap.NewGTK() // key ID 2
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	p.ap.NewGTK() // key ID 1 again, a new key
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	if nonZero(gtk1) {
		t.Error("the GTK a group rekey replaced under key ID 1 was not wiped")
	}
	all := held{}
	all.add(t, p.sta, "PMK", "PTK TK", "GTK 1", "GTK 2")
	p.sta.Close()
	all.wantWiped(t, "after Close")
	first.wantWiped(t, "after Close")
	if len(p.sta.HeldKeys()) != 0 {
		t.Errorf("a closed supplicant still holds %d keys", len(p.sta.HeldKeys()))
	}
	if err := p.sta.Receive(p.ap.Msg1()); err == nil {
		t.Error("a closed supplicant took a message 1")
	}
	p.sta.Close() // twice is fine
}

// TestSupplicantFailureWipesKeys: a handshake that fails (here its
// timeout, after message 2) wipes the PMK and the PTK it derived; an
// 802.1X one wipes the message 1 it held for the PMK.
func TestSupplicantFailureWipesKeys(t *testing.T) {
	p := newPair(t, pskCCMP)
	if _, err := p.deliver(p.ap.Msg1()); err != nil {
		t.Fatal(err)
	}
	h := held{}
	h.add(t, p.sta, "PMK", "temporary PTK KCK", "temporary PTK TK")
	if err := p.sta.Expire(); err == nil {
		t.Fatal("no failure from an expired handshake")
	}
	h.wantWiped(t, "after the handshake failed")

	p = newPair(t, authConfig{akm: ie.AKM8021X, pairwise: ie.CipherCCMP128, holdPMK: true})
	if _, err := p.deliver(p.ap.Msg1()); err != nil {
		t.Fatal(err)
	}
	h = held{}
	h.add(t, p.sta, "message 1")
	if err := p.sta.Fail(ie.ReasonUnspecified, errSend); err == nil {
		t.Fatal("Fail: no error")
	}
	h.wantWiped(t, "after an 802.1X handshake failed before its PMK")
}
