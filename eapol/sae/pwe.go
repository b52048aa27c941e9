package sae

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"

	"wifid/eapol/internal/ecgroup"
)

// minRounds is k of 12.4.4.2.2: hunting-and-pecking runs at least this
// many rounds whatever round finds the x coordinate, so the time taken
// does not tell how many rounds the password needed.
const minRounds = 40

// maxRounds bounds the loop for the (2^-200-likely) password that finds
// nothing in minRounds.
const maxRounds = 200

// macKey is MAX(STA-A-MAC, STA-B-MAC) || MIN(STA-A-MAC, STA-B-MAC), the
// addresses compared as 6-octet big-endian numbers.
func macKey(a, b [6]byte) []byte {
	if bytes.Compare(a[:], b[:]) < 0 {
		a, b = b, a
	}
	return append(a[:], b[:]...)
}

// huntAndPeck derives the password element by hunting-and-pecking
// (IEEE 802.11-2020 12.4.4.2.2), ecgroup's loop with SAE's round:
//
//	pwd-seed  = HMAC-SHA256(MAX(A, B) || MIN(A, B), password || counter)
//	pwd-value = KDF-SHA256-len(p)(pwd-seed, "SAE Hunting and Pecking", p)
//
// The hash is SHA-256 for every group, as deployed implementations have
// it (the group's hash applies to H2E only).
func huntAndPeck(g *group, password []byte, a, b [6]byte) ([]byte, error) {
	if len(password) == 0 {
		return nil, errors.New("sae: empty password")
	}
	key := macKey(a, b)
	prime := g.Fixed(g.P)
	pwe, err := ecgroup.HuntAndPeck(g, password, minRounds, maxRounds, func(counter int, secret []byte) ([]byte, []byte) {
		seed := extract(sha256.New, key, secret, []byte{byte(counter)})
		return seed, kdf(sha256.New, seed, "SAE Hunting and Pecking", prime, g.Bits)
	})
	if err != nil {
		return nil, fmt.Errorf("sae: %w", err)
	}
	return pwe, nil
}

// derivePT derives the password-dependent element PT of hash-to-element
// (IEEE 802.11-2020 12.4.4.2.3) for a group, an SSID, a password and an
// optional password identifier:
//
//	pwd-seed   = HKDF-Extract(ssid, password [|| identifier])
//	pwd-value1 = HKDF-Expand(pwd-seed, "SAE Hash to Element u1 P1", len)
//	pwd-value2 = HKDF-Expand(pwd-seed, "SAE Hash to Element u2 P2", len)
//	PT         = SSWU(pwd-value1 mod p) + SSWU(pwd-value2 mod p)
//
// with len = olen(p) + ceil(olen(p)/2) and the group's hash. PT depends
// on neither MAC address, so it can be computed once per network and
// kept.
func derivePT(g *group, ssid, password, identifier []byte) ([]byte, error) {
	if len(password) == 0 {
		return nil, errors.New("sae: empty password")
	}
	if len(ssid) == 0 || len(ssid) > 32 {
		return nil, fmt.Errorf("sae: SSID length %d, want 1..32", len(ssid))
	}
	seed := extract(g.Hash, ssid, password, identifier)
	n := g.Len + (g.Len+1)/2
	u1 := new(big.Int).SetBytes(expand(g.Hash, seed, "SAE Hash to Element u1 P1", n))
	u2 := new(big.Int).SetBytes(expand(g.Hash, seed, "SAE Hash to Element u2 P2", n))
	rt, err := g.NewResidueTest(nil)
	if err != nil {
		return nil, fmt.Errorf("sae: group %d: %v", g.ID, err)
	}
	p1, err := sswu(g, u1.Mod(u1, g.P), rt)
	if err != nil {
		return nil, fmt.Errorf("sae: group %d: %v", g.ID, err)
	}
	p2, err := sswu(g, u2.Mod(u2, g.P), rt)
	if err != nil {
		return nil, fmt.Errorf("sae: group %d: %v", g.ID, err)
	}
	pt, err := g.Add(p1, p2)
	if err != nil {
		return nil, fmt.Errorf("sae: group %d: PT: %v", g.ID, err)
	}
	if _, err := g.XY(pt); err != nil {
		return nil, fmt.Errorf("sae: group %d: PT is %v", g.ID, err)
	}
	return pt, nil
}

// sswu is the simplified Shallue-van de Woestijne-Ulas map of a field
// element u to a point (RFC 9380 section 6.6.2, as 12.4.4.2.3 writes
// it):
//
//	m  = z^2·u^4 + z·u^2
//	x1 = b / (z·a)             if m = 0
//	     (-b/a)·(1 + 1/m)      otherwise
//	x2 = z·u^2·x1
//	x  = x1 if x1^3 + a·x1 + b is a square, else x2
//	y  = sqrt(x^3 + a·x + b), negated unless LSB(y) = LSB(u)
//
// It returns the uncompressed encoding; the map never yields the
// identity on these curves. u comes from the password: the square test
// is rt's blinded one and the choices are made in constant time (x^3 +
// ax + b has no root on these prime-order curves, so the blinded test's
// "0 is no residue" never differs from is_square's).
func sswu(g *group, u *big.Int, rt *ecgroup.ResidueTest) ([]byte, error) {
	p := g.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	inv := func(v *big.Int) *big.Int { // v^(p-2): 0 for 0
		return new(big.Int).Exp(v, new(big.Int).Sub(p, big.NewInt(2)), p)
	}
	u2 := mod(new(big.Int).Mul(u, u))
	zu2 := mod(new(big.Int).Mul(g.Z, u2))
	m := mod(new(big.Int).Add(new(big.Int).Mul(zu2, zu2), zu2))

	var x1 *big.Int
	if m.Sign() == 0 {
		za := mod(new(big.Int).Mul(g.Z, g.A))
		x1 = mod(new(big.Int).Mul(g.B, inv(za)))
	} else {
		negBoverA := mod(new(big.Int).Mul(new(big.Int).Sub(p, g.B), inv(g.A)))
		onePlusT := mod(new(big.Int).Add(big.NewInt(1), inv(m)))
		x1 = mod(new(big.Int).Mul(negBoverA, onePlusT))
	}
	gx1 := g.YSquared(x1)
	x2 := mod(new(big.Int).Mul(zu2, x1))
	gx2 := g.YSquared(x2)

	square, err := rt.Is(gx1)
	if err != nil {
		return nil, err
	}
	x, v := g.Fixed(x2), g.Fixed(gx2)
	subtle.ConstantTimeCopy(square, x, g.Fixed(x1))
	subtle.ConstantTimeCopy(square, v, g.Fixed(gx1))
	y := g.Sqrt(new(big.Int).SetBytes(v))
	yBin, negYBin := g.Fixed(y), g.Fixed(mod(new(big.Int).Sub(p, y)))
	subtle.ConstantTimeCopy(int(yBin[g.Len-1]&1^byte(u.Bit(0))), yBin, negYBin)
	return g.Point(new(big.Int).SetBytes(x), new(big.Int).SetBytes(yBin)), nil
}

// pweFromPT is PWE = scalar-op(val, PT) with
//
//	val = HKDF-Extract(0^n, MAX(A, B) || MIN(A, B)) mod (r - 1) + 1
//
// (12.4.4.2.3), n the length of the group's hash.
func pweFromPT(g *group, pt []byte, a, b [6]byte) ([]byte, error) {
	h := g.Hash()
	val := new(big.Int).SetBytes(extract(g.Hash, make([]byte, h.Size()), macKey(a, b)))
	rm1 := new(big.Int).Sub(g.R, big.NewInt(1))
	val.Mod(val, rm1).Add(val, big.NewInt(1))
	pwe, err := g.Mul(pt, g.Fixed(val))
	if err != nil {
		return nil, fmt.Errorf("sae: group %d: PWE from PT: %v", g.ID, err)
	}
	if _, err := g.XY(pwe); err != nil {
		return nil, fmt.Errorf("sae: group %d: PWE is %v", g.ID, err)
	}
	return pwe, nil
}
