package ecgroup

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
)

// Round is one round of hunting-and-pecking as a protocol defines it: the
// seed and the candidate x (pwd-value, at least Len octets, big-endian,
// its top Bits bits used) of round counter, computed from secret.
type Round func(counter int, secret []byte) (seed, value []byte)

// HuntAndPeck derives a password element by hunting-and-pecking, the
// loop SAE (IEEE 802.11-2020 12.4.4.2.2) and EAP-pwd (RFC 5931 2.8.3)
// share: for counter = 1, 2, ... the first pwd-value below p with
// pwd-value^3 + a·pwd-value + b a non-zero quadratic residue is x, and y
// is the root whose parity matches the last bit of that round's seed.
//
// It runs at least minRounds rounds and fails after maxRounds. Every
// round does the same work: after x is found the later rounds are given
// a random stand-in for the secret, and the found values are kept by
// constant-time selection. math/big itself is not constant-time: the
// quadratic-residue test, an exponentiation, is given a blinded value
// (ResidueTest) rather than the password's, and the loop shape guards
// the rest.
func HuntAndPeck(g *Group, secret []byte, minRounds, maxRounds int, round Round) ([]byte, error) {
	return huntAndPeck(g, secret, minRounds, maxRounds, round, g.Legendre)
}

// Legendre is v^((p-1)/2) mod p: 1 for a non-zero quadratic residue,
// p-1 for a non-residue, 0 for 0. Its time depends on v: give it no
// secret (ResidueTest blinds one).
func (g *Group) Legendre(v *big.Int) *big.Int {
	return new(big.Int).Exp(v, new(big.Int).Rsh(g.P, 1), g.P)
}

// huntAndPeck is HuntAndPeck with the Legendre symbol computation given
// (the tests watch what it is handed).
func huntAndPeck(g *Group, secret []byte, minRounds, maxRounds int, round Round, legendre func(*big.Int) *big.Int) ([]byte, error) {
	stub := make([]byte, len(secret))
	if _, err := rand.Read(stub); err != nil {
		return nil, err
	}
	rt, err := g.NewResidueTest(legendre)
	if err != nil {
		return nil, err
	}
	base := make([]byte, len(secret))
	xBin := make([]byte, g.Len)
	var seedOdd byte
	found := 0
	for counter := 1; counter <= minRounds || found == 0; counter++ {
		if counter > maxRounds {
			return nil, fmt.Errorf("group %d: no password element in %d rounds", g.ID, maxRounds)
		}
		// base is the secret until found, the stub after.
		copy(base, secret)
		subtle.ConstantTimeCopy(found, base, stub)
		seed, value := round(counter, base)
		x := new(big.Int).SetBytes(value)
		if r := g.Bits % 8; r != 0 {
			x.Rsh(x, uint(8-r))
		}
		inRange := 0
		if x.Cmp(g.P) < 0 { // the same branch whatever the password: p is public, x >= p rare
			inRange = 1
		}
		// A zero y^2 has a root (0) but gives no element of order r:
		// a miss, as the standards' tests have it (and ResidueTest says).
		residue, err := rt.Is(g.YSquared(x))
		if err != nil {
			return nil, err
		}
		hit := residue & inRange
		take := hit &^ found // this round is the first hit
		subtle.ConstantTimeCopy(take, xBin, g.Fixed(new(big.Int).Mod(x, g.P)))
		seedOdd = byte(subtle.ConstantTimeSelect(take, int(seed[len(seed)-1]&1), int(seedOdd)))
		found |= hit
	}
	x := new(big.Int).SetBytes(xBin)
	y := g.Sqrt(g.YSquared(x))
	negY := new(big.Int).Sub(g.P, y)
	yBin, negYBin := g.Fixed(y), g.Fixed(negY)
	same := subtle.ConstantTimeByteEq(seedOdd, yBin[g.Len-1]&1)
	subtle.ConstantTimeCopy(1-same, yBin, negYBin)
	pwe := g.Point(x, new(big.Int).SetBytes(yBin))
	if err := g.Check(pwe); err != nil {
		return nil, fmt.Errorf("group %d: password element not on the curve: %v", g.ID, err)
	}
	return pwe, nil
}

// ResidueTest is the blinded quadratic-residue test of IEEE 802.11-2020
// 12.4.4.2.2 (and RFC 7664's Dragonfly): the Legendre symbol, an
// exponentiation whose time math/big lets depend on its base, is never
// computed of the password-derived value itself. qr and qnr are a random
// quadratic residue and a random non-residue, drawn once per derivation.
// Hunting-and-pecking uses it, and SAE's hash-to-element (is_square in
// its SSWU map).
type ResidueTest struct {
	g        *Group
	qr, qnr  []byte // Len octets each
	one, neg []byte // 1 and p-1, the Legendre symbols of a residue and of a non-residue
	legendre func(*big.Int) *big.Int
}

// NewResidueTest draws the random residue and non-residue of a
// derivation. legendre computes Legendre symbols; nil means g.Legendre
// (the tests watch what it is given).
func (g *Group) NewResidueTest(legendre func(*big.Int) *big.Int) (*ResidueTest, error) {
	if legendre == nil {
		legendre = g.Legendre
	}
	rt := &ResidueTest{g: g, legendre: legendre,
		one: g.Fixed(big.NewInt(1)), neg: g.Fixed(new(big.Int).Sub(g.P, big.NewInt(1)))}
	// Half the values are residues: 128 draws find both but for 2^-127.
	for i := 0; i < 128 && (rt.qr == nil || rt.qnr == nil); i++ {
		v, err := rt.random()
		if err != nil {
			return nil, err
		}
		switch l := g.Fixed(legendre(v)); {
		case subtle.ConstantTimeCompare(l, rt.one) == 1 && rt.qr == nil:
			rt.qr = g.Fixed(v)
		case subtle.ConstantTimeCompare(l, rt.neg) == 1 && rt.qnr == nil:
			rt.qnr = g.Fixed(v)
		}
	}
	if rt.qr == nil || rt.qnr == nil {
		return nil, fmt.Errorf("group %d: no random residue and non-residue found", g.ID)
	}
	return rt, nil
}

// random is a uniform value in [1, p-1].
func (rt *ResidueTest) random() (*big.Int, error) {
	v, err := rand.Int(rand.Reader, new(big.Int).Sub(rt.g.P, big.NewInt(1)))
	if err != nil {
		return nil, err
	}
	return v.Add(v, big.NewInt(1)), nil
}

// Is returns 1 when v is a non-zero quadratic residue mod p, else 0:
//
//	r   = random in [1, p-1]
//	num = v·r^2·qr  mod p   if r is odd: a residue exactly when v is one
//	num = v·r^2·qnr mod p   if r is even: a non-residue exactly when v is a residue
//
// so the Legendre symbol is computed of a uniformly random non-zero value
// whatever v is (0 for v = 0), and which answer counts is chosen in
// constant time.
func (rt *ResidueTest) Is(v *big.Int) (int, error) {
	g := rt.g
	r, err := rt.random()
	if err != nil {
		return 0, err
	}
	odd := int(r.Bit(0))
	m := make([]byte, g.Len)
	copy(m, rt.qnr)
	subtle.ConstantTimeCopy(odd, m, rt.qr)
	num := new(big.Int).Mul(v, r)
	num.Mul(num, r).Mod(num, g.P)
	num.Mul(num, new(big.Int).SetBytes(m)).Mod(num, g.P)
	l := g.Fixed(rt.legendre(num))
	return subtle.ConstantTimeSelect(odd, subtle.ConstantTimeCompare(l, rt.one), subtle.ConstantTimeCompare(l, rt.neg)), nil
}
