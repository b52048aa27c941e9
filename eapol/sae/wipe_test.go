package sae

import (
	"bytes"
	"math/big"
	"testing"
)

// saeSecrets are references to what an SAE holds that the password gives:
// its copy of the password, PWE, rand's words, the KCK.
type saeSecrets struct {
	password, pwe, kck []byte
	rand               []big.Word
}

func secretsOf(s *SAE) saeSecrets {
	return saeSecrets{password: s.cfg.Password, pwe: s.pwe, kck: s.kck, rand: s.rand.Bits()}
}

func (h saeSecrets) wantWiped(t *testing.T, when string) {
	t.Helper()
	for name, b := range map[string][]byte{"password": h.password, "PWE": h.pwe, "KCK": h.kck} {
		if len(b) == 0 {
			t.Errorf("%s: no %s was held", when, name)
		}
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Errorf("%s: %s not wiped", when, name)
		}
	}
	for _, w := range h.rand {
		if w != 0 {
			t.Errorf("%s: rand not wiped", when)
			break
		}
	}
}

// confirmedPair runs the exchange up to both confirms: the STA has the
// AP's commit (so it holds its KCK), the AP's confirm is returned.
func confirmedPair(t *testing.T, h2e bool, staPass, apPass string) (sta *SAE, apConfirm Message) {
	t.Helper()
	x := pair(h2e, staPass)
	x.ap.Password = []byte(apPass)
	sta, err := New(x.sta)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := New(x.ap)
	if err != nil {
		t.Fatal(err)
	}
	st, body, err := sta.Commit()
	if err != nil {
		t.Fatal(err)
	}
	apSt, apBody, err := ap.Commit()
	if err != nil {
		t.Fatal(err)
	}
	apConfirm, err = ap.Receive(SeqCommit, st, body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sta.Receive(SeqCommit, apSt, apBody); err != nil {
		t.Fatal(err)
	}
	return sta, apConfirm
}

// TestSAEWipesSecrets: once the AP's confirm is accepted, the password
// copy, PWE, rand and KCK are zero and only the PMK is left, until Close
// wipes it too; a failed exchange (wrong password) wipes them as well.
// The caller's password is its own: New copied it.
func TestSAEWipesSecrets(t *testing.T) {
	for _, h2e := range []bool{false, true} {
		sta, apConfirm := confirmedPair(t, h2e, "password", "password")
		if bytes.Equal(sta.cfg.Password, make([]byte, len("password"))) {
			t.Fatal("no password held")
		}
		held := secretsOf(sta)
		if _, err := sta.Receive(SeqConfirm, 0, apConfirm.Body); err != nil || !sta.Done() {
			t.Fatalf("H2E %v: confirm: %v", h2e, err)
		}
		held.wantWiped(t, "accepted")
		pmk := sta.pmk
		if got := sta.PMK(); len(got) != 32 || !bytes.Equal(got, pmk) {
			t.Fatalf("H2E %v: PMK %x after the wipe", h2e, got)
		}
		sta.Close()
		if !bytes.Equal(pmk, make([]byte, 32)) || sta.PMK() != nil {
			t.Errorf("H2E %v: PMK not wiped by Close: %x", h2e, pmk)
		}
		if !sta.Done() {
			t.Error("Close changed the state")
		}

		sta, apConfirm = confirmedPair(t, h2e, "password one", "password two")
		held = secretsOf(sta)
		if _, err := sta.Receive(SeqConfirm, 0, apConfirm.Body); err == nil {
			t.Fatal("a wrong password was accepted")
		}
		held.wantWiped(t, "failed")
	}
	cfg := pair(false, "password").sta
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if string(cfg.Password) != "password" {
		t.Errorf("Close wiped the caller's password: %q", cfg.Password)
	}
}
