package sae

import (
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"math/big"

	"filippo.io/nistec"
)

// A group is one of the elliptic curve groups SAE may run over: its
// domain parameters (the field prime p, the curve coefficients a and b,
// the order r), the SSWU constant z of hash-to-element (12.4.4.2.3,
// RFC 9380 section 8.2) and the hash H2E and its keys use with it
// (Table 12-1: SHA-256 up to 256-bit primes, SHA-384 up to 384, SHA-512
// above). Point arithmetic goes through filippo.io/nistec on the
// uncompressed encoding 0x04 || x || y; field arithmetic (square roots,
// Legendre symbols, SSWU) uses math/big.
type group struct {
	id   int
	p    *big.Int
	a    *big.Int
	b    *big.Int
	r    *big.Int
	z    *big.Int
	plen int // octets of p (and of r): the length of a scalar and of a coordinate
	bits int // bits of p
	hash func() hash.Hash

	curve elliptic.Curve // only for its Params

	// add returns a + b, mul k·a (k exactly plen octets, big-endian), neg
	// -a, all on uncompressed encodings; the identity comes back as the
	// single octet 0x00. check tells whether an uncompressed encoding is a
	// point on the curve.
	add   func(a, b []byte) ([]byte, error)
	mul   func(a, k []byte) ([]byte, error)
	neg   func(a []byte) ([]byte, error)
	check func(a []byte) error
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

func ops[T nistPoint[T]](g *group, newPoint func() T) {
	parse := func(b []byte) (T, error) { return newPoint().SetBytes(b) }
	g.add = func(a, b []byte) ([]byte, error) {
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
	g.mul = func(a, k []byte) ([]byte, error) {
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
	g.neg = func(a []byte) ([]byte, error) {
		pa, err := parse(a)
		if err != nil {
			return nil, err
		}
		return newPoint().Negate(pa).Bytes(), nil
	}
	g.check = func(a []byte) error { _, err := parse(a); return err }
}

var groups = map[int]*group{}

func init() {
	// Domain parameters of the NIST curves (FIPS 186-4 D.1.2, a = -3) as
	// crypto/elliptic has them; z from RFC 9380 section 8.2.
	g19 := &group{id: 19, curve: elliptic.P256(), hash: sha256.New, z: big.NewInt(-10)}
	ops(g19, nistec.NewP256Point)
	g20 := &group{id: 20, curve: elliptic.P384(), hash: sha512.New384, z: big.NewInt(-12)}
	ops(g20, nistec.NewP384Point)
	g21 := &group{id: 21, curve: elliptic.P521(), hash: sha512.New, z: big.NewInt(-4)}
	ops(g21, nistec.NewP521Point)
	for _, g := range []*group{g19, g20, g21} {
		params := g.curve.Params()
		g.p, g.b, g.r = params.P, params.B, params.N
		g.bits = params.BitSize
		g.plen = (g.bits + 7) / 8
		g.a = new(big.Int).Sub(g.p, big.NewInt(3))
		g.z.Mod(g.z, g.p)
		groups[g.id] = g
	}
}

// Supported reports whether SAE can run over the group (a number from
// the IANA "Group Description" registry, as in the Finite Cyclic Group
// field): 19 (NIST P-256), 20 (P-384) and 21 (P-521).
func Supported(id int) bool { _, ok := groups[id]; return ok }

// ySquared is x^3 + a·x + b mod p.
func (g *group) ySquared(x *big.Int) *big.Int {
	y2 := new(big.Int).Mul(x, x)
	y2.Mul(y2, x)
	ax := new(big.Int).Mul(g.a, x)
	y2.Add(y2, ax)
	y2.Add(y2, g.b)
	return y2.Mod(y2, g.p)
}

// isSquare tells whether v is a quadratic residue mod p (0 counts as
// one, as in RFC 9380's is_square): v^((p-1)/2) is 0 or 1.
func (g *group) isSquare(v *big.Int) bool {
	e := new(big.Int).Rsh(g.p, 1) // (p-1)/2 for odd p
	l := new(big.Int).Exp(v, e, g.p)
	return l.Sign() == 0 || l.Cmp(big.NewInt(1)) == 0
}

// sqrt is a square root of the quadratic residue v mod p: all three
// primes are 3 mod 4, so v^((p+1)/4).
func (g *group) sqrt(v *big.Int) *big.Int {
	e := new(big.Int).Add(g.p, big.NewInt(1))
	e.Rsh(e, 2)
	return new(big.Int).Exp(v, e, g.p)
}

// fixed is n as a big-endian octet string of exactly plen octets (n must
// be non-negative and fit).
func (g *group) fixed(n *big.Int) []byte {
	return n.FillBytes(make([]byte, g.plen))
}

// point encodes the affine point (x, y) uncompressed.
func (g *group) point(x, y *big.Int) []byte {
	b := make([]byte, 1+2*g.plen)
	b[0] = 4
	x.FillBytes(b[1 : 1+g.plen])
	y.FillBytes(b[1+g.plen:])
	return b
}

// errIdentity is the identity element where a point is needed.
var errIdentity = errors.New("the point at infinity")

// xy is the x || y octet string of a point (the Element field's form),
// or errIdentity.
func (g *group) xy(pt []byte) ([]byte, error) {
	if len(pt) != 1+2*g.plen {
		return nil, errIdentity
	}
	return pt[1:], nil
}
