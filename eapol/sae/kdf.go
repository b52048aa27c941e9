package sae

import (
	"crypto/hkdf"
	"crypto/hmac"
	"encoding/binary"
	"hash"
)

// kdf is KDF-Hash-Length of IEEE 802.11-2020 12.7.1.6.2: the
// concatenation of HMAC-Hash(K, i || label || context || Length) for i =
// 1, 2, ..., i and Length (in bits) 16-bit little-endian. Unlike
// eapol.KDF it takes any bit length (hunting-and-pecking asks for the
// 521 bits of P-521's prime): the result is ceil(bits/8) octets whose
// first bits bits are the output, the rest of the last octet zero.
func kdf(h func() hash.Hash, key []byte, label string, context []byte, bits int) []byte {
	n := (bits + 7) / 8
	mac := hmac.New(h, key)
	out := make([]byte, 0, n+mac.Size())
	var le [2]byte
	for i := uint16(1); len(out) < n; i++ {
		mac.Reset()
		binary.LittleEndian.PutUint16(le[:], i)
		mac.Write(le[:])
		mac.Write([]byte(label))
		mac.Write(context)
		binary.LittleEndian.PutUint16(le[:], uint16(bits))
		mac.Write(le[:])
		out = mac.Sum(out)
	}
	out = out[:n]
	if r := bits % 8; r != 0 {
		out[n-1] &= 0xff << (8 - r)
	}
	return out
}

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
