package sae

import (
	"bytes"
	"math/big"
	"testing"

	"wifid/unit"

	"wifid/eapol/internal/ecgroup"
)

// TestHuntingAndPeckingVector plays the local side of Annex J.10: the
// commit from the given rand and mask (which checks PWE too: the element
// is -(mask·PWE)), then the peer's commit gives KCK, PMK and PMKID, and
// the confirms follow.
func TestHuntingAndPeckingVector(t *testing.T) {
	v := unit.SAEHuntingAndPeckingVector(t)
	s, err := New(Config{
		Password: v.Password, Own: v.MAC1, Peer: v.MAC2,
		Rand: bytes.NewReader(append(bytes.Clone(v.Rand), v.Mask...)),
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if status != 0 || !bytes.Equal(body, v.Commit) {
		t.Fatalf("commit status %d\n got %x\nwant %x", status, body, v.Commit)
	}
	msg, err := s.Receive(SeqCommit, 0, v.PeerCommit)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name      string
		got, want []byte
	}{{"kck", s.kck, v.KCK}, {"pmk", s.pmk, v.PMK}, {"pmkid", s.pmkid, v.PMKID}} {
		if !bytes.Equal(k.got, k.want) {
			t.Errorf("%s\n got %x\nwant %x", k.name, k.got, k.want)
		}
	}
	if s.State() != Confirmed || s.PMK() != nil || s.PMKID() != nil {
		t.Errorf("state %v, PMK %x, PMKID %x before the peer's confirm", s.State(), s.PMK(), s.PMKID())
	}
	want := append([]byte{1, 0}, v.Confirm...)
	if msg.Seq != SeqConfirm || msg.Status != 0 || !bytes.Equal(msg.Body, want) {
		t.Fatalf("confirm %d/%d\n got %x\nwant %x", msg.Seq, msg.Status, msg.Body, want)
	}
	msg, err = s.Receive(SeqConfirm, 0, append([]byte{1, 0}, v.PeerConfirm...))
	if err != nil || !msg.None() || !s.Done() {
		t.Fatalf("peer confirm: %v, %+v, done %v", err, msg, s.Done())
	}
	if !bytes.Equal(s.PMK(), v.PMK) || !bytes.Equal(s.PMKID(), v.PMKID) {
		t.Errorf("PMK %x PMKID %x after accept", s.PMK(), s.PMKID())
	}
}

// TestH2EVector checks each step of hash-to-element against Annex J.10.
func TestH2EVector(t *testing.T) {
	v := unit.SAEH2EVector(t)
	g := ecgroup.ByID(19)
	seed := extract(g.Hash, v.SSID, v.Password, v.Identifier)
	if !bytes.Equal(seed, v.PwdSeed) {
		t.Errorf("pwd-seed %x", seed)
	}
	for i, label := range []string{"SAE Hash to Element u1 P1", "SAE Hash to Element u2 P2"} {
		n := i + 1
		value := expand(g.Hash, seed, label, 48)
		if !bytes.Equal(value, v.PwdValue[i]) {
			t.Errorf("pwd-value%d %x", n, value)
		}
		u := new(big.Int).SetBytes(value)
		u.Mod(u, g.P)
		if !bytes.Equal(g.Fixed(u), v.U[i]) {
			t.Errorf("u%d %x", n, g.Fixed(u))
		}
		p, err := sswu(g, u, residueTest(t, g))
		if err != nil {
			t.Fatal(err)
		}
		if want := v.P[i].Uncompressed(); !bytes.Equal(p, want) {
			t.Errorf("P%d = SSWU(u%d)\n got %x\nwant %x", n, n, p, want)
		}
	}
	pt, err := derivePT(g, v.SSID, v.Password, v.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	if want := v.PT.Uncompressed(); !bytes.Equal(pt, want) {
		t.Errorf("PT\n got %x\nwant %x", pt, want)
	}
	val := new(big.Int).SetBytes(extract(g.Hash, make([]byte, 32), macKey(v.MAC1, v.MAC2)))
	val.Mod(val, new(big.Int).Sub(g.R, big.NewInt(1))).Add(val, big.NewInt(1))
	if !bytes.Equal(g.Fixed(val), v.Val) {
		t.Errorf("val %x", g.Fixed(val))
	}
	for _, order := range []struct {
		name string
		a, b [6]byte
	}{{"mac1", v.MAC1, v.MAC2}, {"mac2", v.MAC2, v.MAC1}} {
		pwe, err := pweFromPT(g, pt, order.a, order.b)
		if err != nil {
			t.Fatal(err)
		}
		if want := v.PWE.Uncompressed(); !bytes.Equal(pwe, want) {
			t.Errorf("PWE (%s first)\n got %x\nwant %x", order.name, pwe, want)
		}
	}
}

// TestSSWUVectors checks the map alone against RFC 9380's map_to_curve
// outputs for P-256 and P-384.
func TestSSWUVectors(t *testing.T) {
	for i, v := range unit.SSWUVectors(t) {
		g := ecgroup.ByID(v.Group)
		got, err := sswu(g, new(big.Int).SetBytes(v.U), residueTest(t, g))
		if err != nil {
			t.Fatal(err)
		}
		if want := v.Q.Uncompressed(); !bytes.Equal(got, want) {
			t.Errorf("vector %d (group %d)\n got %x\nwant %x", i, v.Group, got, want)
		}
	}
}

func residueTest(t *testing.T, g *ecgroup.Group) *ecgroup.ResidueTest {
	t.Helper()
	rt, err := g.NewResidueTest(nil)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestSSWUBlindsSquareTest: the map's square test on the password-derived
// x1^3 + a·x1 + b goes through the blinded test (one Legendre symbol per
// map), so the value whose Legendre symbol is computed differs every
// time the same u is mapped; the point does not.
func TestSSWUBlindsSquareTest(t *testing.T) {
	v := unit.SSWUVectors(t)[0]
	g := ecgroup.ByID(v.Group)
	var seen []string
	watch := func(x *big.Int) *big.Int {
		seen = append(seen, x.String())
		return g.Legendre(x)
	}
	rt, err := g.NewResidueTest(watch)
	if err != nil {
		t.Fatal(err)
	}
	seen = nil // the random residue and non-residue are no secret
	u := new(big.Int).SetBytes(v.U)
	for i := 0; i < 8; i++ {
		got, err := sswu(g, u, rt)
		if err != nil {
			t.Fatal(err)
		}
		if want := v.Q.Uncompressed(); !bytes.Equal(got, want) {
			t.Fatalf("map %d: got %x, want %x", i, got, want)
		}
		if len(seen) != i+1 {
			t.Fatalf("map %d: %d Legendre symbols through the blinded test, want %d", i, len(seen), i+1)
		}
	}
	distinct := map[string]bool{}
	for _, s := range seen {
		distinct[s] = true
	}
	if len(distinct) != len(seen) {
		t.Errorf("the same u gave the same Legendre input twice: not blinded (%d of %d distinct)", len(distinct), len(seen))
	}
}
