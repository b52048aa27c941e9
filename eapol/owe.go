package eapol

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"wifid/eapol/internal/ecgroup"
	"wifid/nl80211/ie"
)

// Opportunistic Wireless Encryption (RFC 8110): an unauthenticated
// Diffie-Hellman exchange in the (Re)Association frames, whose shared
// secret gives the PMK of a 4-way handshake with the OWE AKM (00-0F-AC:18).
// The station sends an OWE Diffie-Hellman Parameter element (extension
// element 32: the group, then the public key's x-coordinate) in its
// Association Request; the AP answers with its own in the Association
// Response, or with status 77 (UNSUPPORTED_FINITE_CYCLIC_GROUP) for a group
// it does not run, and the station tries the next.

// OWEGroups are the groups an OWE exchange offers, in the order tried:
// 19 (NIST P-256, which every OWE AP must support), 20 (P-384), 21 (P-521).
var OWEGroups = []int{19, 20, 21}

// OWE is the station's side of one OWE exchange: a fresh key pair of one
// group.
type OWE struct {
	group int
	g     *ecgroup.Group
	curve ecdh.Curve
	priv  *ecdh.PrivateKey
	pub   []byte // our public key's x-coordinate
}

// oweCurve is crypto/ecdh's curve of the group. The hash RFC 8110 4.4
// pairs with it (Table 2) is the group's own (ecgroup.Group.Hash: SHA-256,
// -384, -512), as SAE's.
func oweCurve(group int) ecdh.Curve {
	switch group {
	case 19:
		return ecdh.P256()
	case 20:
		return ecdh.P384()
	case 21:
		return ecdh.P521()
	}
	return nil
}

// NewOWE draws a key pair of the group from rand (crypto/rand's Reader
// when nil).
func NewOWE(group int, rand io.Reader) (*OWE, error) {
	curve := oweCurve(group)
	g := ecgroup.ByID(group)
	if curve == nil || g == nil {
		return nil, fmt.Errorf("eapol: OWE group %d not supported", group)
	}
	var priv *ecdh.PrivateKey
	var err error
	if rand == nil {
		priv, err = curve.GenerateKey(nil)
	} else {
		priv, err = curve.GenerateKey(rand)
	}
	if err != nil {
		return nil, fmt.Errorf("eapol: OWE key pair: %w", err)
	}
	pub := priv.PublicKey().Bytes() // 0x04 || x || y
	return &OWE{group: group, g: g, curve: curve, priv: priv, pub: pub[1 : 1+g.Len]}, nil
}

// Group is the exchange's group.
func (o *OWE) Group() int { return o.group }

// Element is the OWE Diffie-Hellman Parameter element for the
// Association Request, whole: ID 255, length, extension ID 32, the group
// (little-endian), our public key's x-coordinate.
func (o *OWE) Element() []byte {
	b := make([]byte, 0, 5+len(o.pub))
	b = append(b, byte(ie.IDExtension), byte(3+len(o.pub)), byte(ie.ExtOWEDHParam))
	b = binary.LittleEndian.AppendUint16(b, uint16(o.group))
	return append(b, o.pub...)
}

// ErrOWEGroup is an AP's element of another group than ours.
var ErrOWEGroup = errors.New("eapol: OWE: the AP's Diffie-Hellman element is of another group")

// Keys takes the body of the AP's OWE Diffie-Hellman Parameter element
// (after the extension ID: group, public key) from the Association
// Response and returns the PMK (32, 48 or 64 octets, by the group) and
// the PMKID (RFC 8110 4.4):
//
//	z     = the x-coordinate of our private key times the AP's public key
//	prk   = HKDF-Extract(C | A | group, z)
//	PMK   = HKDF-Expand(prk, "OWE Key Generation", n)
//	PMKID = Truncate-128(Hash(C | A))
//
// C and A are our and the AP's public keys (x-coordinates), group is
// little-endian and the hash is the group's.
func (o *OWE) Keys(apElement []byte) (pmk []byte, pmkid ie.PMKID, err error) {
	if len(apElement) < 2 {
		return nil, pmkid, perr("OWE Diffie-Hellman Parameter", "%d octets, want the group and a public key", len(apElement))
	}
	if g := int(binary.LittleEndian.Uint16(apElement)); g != o.group {
		return nil, pmkid, fmt.Errorf("%w: group %d, ours %d", ErrOWEGroup, g, o.group)
	}
	a := apElement[2:]
	if len(a) != o.g.Len {
		return nil, pmkid, perr("OWE Diffie-Hellman Parameter", "public key of %d octets, group %d wants %d", len(a), o.group, o.g.Len)
	}
	// The AP sends x only; either y gives the same x of the shared secret
	// (k·(-P) = -(k·P)), so take the root the square root gives.
	x := new(big.Int).SetBytes(a)
	if x.Cmp(o.g.P) >= 0 {
		return nil, pmkid, perr("OWE Diffie-Hellman Parameter", "public key's x-coordinate not below the field prime")
	}
	y2 := o.g.YSquared(x)
	if !o.g.IsSquare(y2) {
		return nil, pmkid, perr("OWE Diffie-Hellman Parameter", "the AP's public key is not on the curve")
	}
	peer, err := o.curve.NewPublicKey(o.g.Point(x, o.g.Sqrt(y2)))
	if err != nil {
		return nil, pmkid, perr("OWE Diffie-Hellman Parameter", "the AP's public key: %v", err)
	}
	z, err := o.priv.ECDH(peer)
	if err != nil {
		return nil, pmkid, perr("OWE Diffie-Hellman Parameter", "shared secret: %v", err)
	}
	defer clear(z)
	h := o.g.Hash
	salt := make([]byte, 0, 2*o.g.Len+2)
	salt = append(append(salt, o.pub...), a...)
	salt = binary.LittleEndian.AppendUint16(salt, uint16(o.group))
	prk, err := hkdf.Extract(h, z, salt)
	if err != nil {
		return nil, pmkid, err
	}
	defer clear(prk)
	pmk, err = hkdf.Expand(h, prk, "OWE Key Generation", h().Size())
	if err != nil {
		return nil, pmkid, err
	}
	d := h()
	d.Write(o.pub)
	d.Write(a)
	copy(pmkid[:], d.Sum(nil))
	return pmk, pmkid, nil
}
