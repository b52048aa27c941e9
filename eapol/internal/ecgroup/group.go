// Package ecgroup is the elliptic curve arithmetic that SAE (eapol/sae)
// and EAP-pwd (eapol/eap, pwd.go) share: the NIST groups 19, 20 and 21 with
// their domain parameters, point operations on uncompressed encodings
// through filippo.io/nistec, the field arithmetic of hunting-and-pecking
// (math/big), and the hunting-and-pecking loop itself, which the two
// protocols feed with their own seed and KDF.
package ecgroup

import (
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"math/big"

	"filippo.io/nistec"
)

// A Group is one of the elliptic curve groups SAE and EAP-pwd may run
// over: its domain parameters (the field prime P, the curve coefficients
// A and B, the order R), the SSWU constant Z of SAE's hash-to-element
// (12.4.4.2.3, RFC 9380 section 8.2) and the hash H2E and its keys use
// with it (Table 12-1: SHA-256 up to 256-bit primes, SHA-384 up to 384,
// SHA-512 above). Point arithmetic goes through filippo.io/nistec on the
// uncompressed encoding 0x04 || x || y; field arithmetic (square roots,
// Legendre symbols, SSWU) uses math/big. Groups are shared and must not
// be changed.
type Group struct {
	ID   int
	P    *big.Int
	A    *big.Int
	B    *big.Int
	R    *big.Int
	Z    *big.Int
	Len  int // octets of P (and of R): the length of a scalar and of a coordinate
	Bits int // bits of P
	Hash func() hash.Hash

	curve elliptic.Curve // only for its Params

	// Add returns a + b, Mul k·a (k exactly Len octets, big-endian), Neg
	// -a, all on uncompressed encodings; the identity comes back as the
	// single octet 0x00. Check tells whether an uncompressed encoding is
	// a point on the curve.
	Add   func(a, b []byte) ([]byte, error)
	Mul   func(a, k []byte) ([]byte, error)
	Neg   func(a []byte) ([]byte, error)
	Check func(a []byte) error
}

// nistPoint is what nistec's P256Point, P384Point and P521Point have in
// common.
type nistPoint[T any] interface {
	Bytes() []byte
	SetBytes([]byte) (T, error)
	Add(T, T) T
	ScalarMult(T, []byte) (T, error)
	Negate(T) T
}

func ops[T nistPoint[T]](g *Group, newPoint func() T) {
	parse := func(b []byte) (T, error) { return newPoint().SetBytes(b) }
	g.Add = func(a, b []byte) ([]byte, error) {
		pa, err := parse(a)
		if err != nil {
			return nil, err
		}
		pb, err := parse(b)
		if err != nil {
			return nil, err
		}
		return newPoint().Add(pa, pb).Bytes(), nil
	}
	g.Mul = func(a, k []byte) ([]byte, error) {
		pa, err := parse(a)
		if err != nil {
			return nil, err
		}
		q, err := newPoint().ScalarMult(pa, k)
		if err != nil {
			return nil, err
		}
		return q.Bytes(), nil
	}
	g.Neg = func(a []byte) ([]byte, error) {
		pa, err := parse(a)
		if err != nil {
			return nil, err
		}
		return newPoint().Negate(pa).Bytes(), nil
	}
	g.Check = func(a []byte) error { _, err := parse(a); return err }
}

// groups is filled once by init and only read after.
var groups = map[int]*Group{}

func init() {
	// Domain parameters of the NIST curves (FIPS 186-4 D.1.2, a = -3) as
	// crypto/elliptic has them; z from RFC 9380 section 8.2.
	g19 := &Group{ID: 19, curve: elliptic.P256(), Hash: sha256.New, Z: big.NewInt(-10)}
	ops(g19, nistec.NewP256Point)
	g20 := &Group{ID: 20, curve: elliptic.P384(), Hash: sha512.New384, Z: big.NewInt(-12)}
	ops(g20, nistec.NewP384Point)
	g21 := &Group{ID: 21, curve: elliptic.P521(), Hash: sha512.New, Z: big.NewInt(-4)}
	ops(g21, nistec.NewP521Point)
	for _, g := range []*Group{g19, g20, g21} {
		params := g.curve.Params()
		g.P, g.B, g.R = params.P, params.B, params.N
		g.Bits = params.BitSize
		g.Len = (g.Bits + 7) / 8
		g.A = new(big.Int).Sub(g.P, big.NewInt(3))
		g.Z.Mod(g.Z, g.P)
		groups[g.ID] = g
	}
}

// ByID is the group of that number in the IANA "Group Description"
// registry (19 NIST P-256, 20 P-384, 21 P-521), nil for others.
func ByID(id int) *Group { return groups[id] }

// YSquared is x^3 + a·x + b mod p.
func (g *Group) YSquared(x *big.Int) *big.Int {
	y2 := new(big.Int).Mul(x, x)
	y2.Mul(y2, x)
	ax := new(big.Int).Mul(g.A, x)
	y2.Add(y2, ax)
	y2.Add(y2, g.B)
	return y2.Mod(y2, g.P)
}

// IsSquare tells whether v is a quadratic residue mod p (0 counts as
// one, as in RFC 9380's is_square): v^((p-1)/2) is 0 or 1.
func (g *Group) IsSquare(v *big.Int) bool {
	e := new(big.Int).Rsh(g.P, 1) // (p-1)/2 for odd p
	l := new(big.Int).Exp(v, e, g.P)
	return l.Sign() == 0 || l.Cmp(big.NewInt(1)) == 0
}

// Sqrt is a square root of the quadratic residue v mod p: all three
// primes are 3 mod 4, so v^((p+1)/4).
func (g *Group) Sqrt(v *big.Int) *big.Int {
	e := new(big.Int).Add(g.P, big.NewInt(1))
	e.Rsh(e, 2)
	return new(big.Int).Exp(v, e, g.P)
}

// Fixed is n as a big-endian octet string of exactly Len octets (n must
// be non-negative and fit).
func (g *Group) Fixed(n *big.Int) []byte {
	return n.FillBytes(make([]byte, g.Len))
}

// Point encodes the affine point (x, y) uncompressed.
func (g *Group) Point(x, y *big.Int) []byte {
	b := make([]byte, 1+2*g.Len)
	b[0] = 4
	x.FillBytes(b[1 : 1+g.Len])
	y.FillBytes(b[1+g.Len:])
	return b
}

// ErrIdentity is the identity element where a point is needed.
var ErrIdentity = errors.New("the point at infinity")

// XY is the x || y octet string of a point (the Element field's form in
// SAE and EAP-pwd), or ErrIdentity.
func (g *Group) XY(pt []byte) ([]byte, error) {
	if len(pt) != 1+2*g.Len {
		return nil, ErrIdentity
	}
	return pt[1:], nil
}
