package eapoltest

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
)

// OWEResponse is the AP's side of an OWE exchange (RFC 8110 4.4), written
// out with HMAC (HKDF's two steps spelled out, RFC 5869 2.2 and 2.3, one
// block) and crypto/elliptic's decoder rather than eapol's own calls, so
// that a mistake in eapol is not made twice. staElement is the station's
// whole OWE Diffie-Hellman Parameter element; the answer is the AP's whole
// element for the Association Response, the PMK and the PMKID.
func OWEResponse(staElement []byte) (apElement, pmk, pmkid []byte, err error) {
	if len(staElement) < 5 || staElement[0] != 255 || int(staElement[1]) != len(staElement)-2 || staElement[2] != 32 {
		return nil, nil, nil, fmt.Errorf("not an OWE Diffie-Hellman Parameter element: %x", staElement)
	}
	group := int(binary.LittleEndian.Uint16(staElement[3:]))
	var curve ecdh.Curve
	var ec elliptic.Curve
	var h func() hash.Hash
	switch group {
	case 19:
		curve, ec, h = ecdh.P256(), elliptic.P256(), sha256.New
	case 20:
		curve, ec, h = ecdh.P384(), elliptic.P384(), sha512.New384
	case 21:
		curve, ec, h = ecdh.P521(), elliptic.P521(), sha512.New
	default:
		return nil, nil, nil, fmt.Errorf("group %d", group)
	}
	c := staElement[5:]
	// The station's y: either root serves (the shared secret's x is the
	// same); try the compressed forms in turn.
	var peer *ecdh.PublicKey
	for _, prefix := range []byte{2, 3} {
		x, y := elliptic.UnmarshalCompressed(ec, append([]byte{prefix}, c...))
		if x == nil {
			continue
		}
		if peer, err = curve.NewPublicKey(elliptic.Marshal(ec, x, y)); err == nil { //nolint:staticcheck // an independent decoder
			break
		}
	}
	if peer == nil {
		return nil, nil, nil, fmt.Errorf("the station's public key %x is not on the curve", c)
	}
	priv, err := curve.GenerateKey(nil)
	if err != nil {
		return nil, nil, nil, err
	}
	z, err := priv.ECDH(peer)
	if err != nil {
		return nil, nil, nil, err
	}
	a := priv.PublicKey().Bytes()[1 : 1+len(c)]
	salt := append(append(append([]byte{}, c...), a...), byte(group), byte(group>>8))
	ext := hmac.New(h, salt)
	ext.Write(z)
	exp := hmac.New(h, ext.Sum(nil))
	exp.Write([]byte("OWE Key Generation"))
	exp.Write([]byte{1})
	pmk = exp.Sum(nil)
	d := h()
	d.Write(c)
	d.Write(a)
	pmkid = d.Sum(nil)[:16]
	apElement = append([]byte{255, byte(3 + len(a)), 32}, staElement[3:5]...)
	return append(apElement, a...), pmk, pmkid, nil
}
