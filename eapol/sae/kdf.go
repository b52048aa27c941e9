package sae

import (
	"crypto/hkdf"
	"crypto/hmac"
	"hash"

	"wifid/eapol"
)

// kdf is KDF-Hash-Length of IEEE 802.11-2020 12.7.1.6.2 (eapol.KDF, which
// takes any bit length).
var kdf = eapol.KDF

// extract is HKDF-Extract(salt, ikm) of RFC 5869, HMAC-Hash(salt, ikm),
// over the concatenation of the ikm parts. The standard writes it H(salt,
// ikm).
func extract(h func() hash.Hash, salt []byte, ikm ...[]byte) []byte {
	mac := hmac.New(h, salt)
	for _, b := range ikm {
		mac.Write(b)
	}
	return mac.Sum(nil)
}

// expand is HKDF-Expand(prk, info, n) of RFC 5869.
func expand(h func() hash.Hash, prk []byte, info string, n int) []byte {
	out, err := hkdf.Expand(h, prk, info, n)
	if err != nil {
		// Only for n > 255 hash lengths or a FIPS-only key length;
		// our lengths are at most 99 octets.
		panic("sae: HKDF-Expand: " + err.Error())
	}
	return out
}
