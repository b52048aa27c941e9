package eapol

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"wifid/nl80211/ie"
)

// PSKFromPassphrase maps an ASCII passphrase of 8 to 63 printable
// characters and an SSID of 1 to 32 octets to the 256-bit PSK, as
// PBKDF2(HMAC-SHA1, passphrase, ssid, 4096, 256) (IEEE 802.11-2020 J.4.1).
func PSKFromPassphrase(passphrase string, ssid []byte) ([]byte, error) {
	if n := len(passphrase); n < 8 || n > 63 {
		return nil, fmt.Errorf("eapol: passphrase length %d, want 8..63", n)
	}
	for i := 0; i < len(passphrase); i++ {
		if c := passphrase[i]; c < 32 || c > 126 {
			return nil, fmt.Errorf("eapol: passphrase character %d is not printable ASCII", i)
		}
	}
	if n := len(ssid); n < 1 || n > 32 {
		return nil, fmt.Errorf("eapol: SSID length %d, want 1..32", n)
	}
	return pbkdf2.Key(sha1.New, passphrase, ssid, 4096, 32)
}

// PRF is PRF-n of IEEE 802.11-2020 12.7.1.2, built on HMAC-SHA1:
// the concatenation of HMAC-SHA1(K, A || 0 || B || i) for i = 0, 1, ...,
// truncated to n bits. bits must be a multiple of 8.
func PRF(key []byte, label string, data []byte, bits int) []byte {
	n := bits / 8
	out := make([]byte, 0, n+sha1.Size)
	mac := hmac.New(sha1.New, key)
	for i := 0; len(out) < n; i++ {
		mac.Reset()
		mac.Write([]byte(label))
		mac.Write([]byte{0})
		mac.Write(data)
		mac.Write([]byte{byte(i)})
		out = mac.Sum(out)
	}
	return out[:n]
}

// KDF is KDF-Hash-Length of IEEE 802.11-2020 12.7.1.6.2 with h the hash
// (sha256.New for KDF-SHA256, sha512.New384 for KDF-SHA384): the
// concatenation of HMAC-Hash(K, i || label || context || Length) for
// i = 1, 2, ..., with i and Length (in bits) as 16-bit little-endian
// integers, truncated to Length bits: ceil(bits/8) octets whose first bits
// bits are the output, the rest of the last octet zero (SAE's
// hunting-and-pecking asks for the 521 bits of P-521's prime).
func KDF(h func() hash.Hash, key []byte, label string, context []byte, bits int) []byte {
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

// PTK is a pairwise transient key split into its parts (12.7.1.3).
type PTK struct {
	KCK []byte // EAPOL-Key confirmation key: the MIC key
	KEK []byte // EAPOL-Key encryption key: wraps the key data
	TK  []byte // temporal key, installed for the pairwise cipher
}

// wipe zeroes the PTK's parts (nil is fine).
func (p *PTK) wipe() {
	if p != nil {
		clear(p.KCK)
		clear(p.KEK)
		clear(p.TK)
	}
}

// clone is a copy of the PTK with parts of its own.
func (p *PTK) clone() *PTK {
	return &PTK{KCK: bytes.Clone(p.KCK), KEK: bytes.Clone(p.KEK), TK: bytes.Clone(p.TK)}
}

// Bytes is the PTK as derived, KCK || KEK || TK.
func (p *PTK) Bytes() []byte {
	return bytes.Join([][]byte{p.KCK, p.KEK, p.TK}, nil)
}

// DerivePTK derives the PTK for the AKM and pairwise cipher from the PMK,
// the authenticator and supplicant addresses and the two nonces:
//
//	PTK = PRF/KDF(PMK, "Pairwise key expansion",
//	        Min(AA,SPA) || Max(AA,SPA) || Min(ANonce,SNonce) || Max(ANonce,SNonce))
//
// split as KCK, KEK, TK with the lengths Table 12-11 and 12-8 give.
func DerivePTK(akm ie.AKMSuite, pairwise ie.CipherSuite, pmk []byte, aa, spa [6]byte, anonce, snonce []byte) (*PTK, error) {
	if !SupportsAKM(akm) {
		return nil, fmt.Errorf("eapol: AKM %v not supported", akm)
	}
	if IsFT(akm) {
		return nil, fmt.Errorf("eapol: %v derives its PTK from PMK-R1 (DeriveFTPTK)", akm)
	}
	tkLen := pairwise.KeyLen()
	if !pairwiseOK(pairwise) {
		return nil, fmt.Errorf("eapol: %v is not a pairwise cipher", pairwise)
	}
	if len(anonce) != 32 || len(snonce) != 32 {
		return nil, errors.New("eapol: nonces must be 32 octets")
	}
	if len(pmk) == 0 {
		return nil, errors.New("eapol: empty PMK")
	}
	ctx := make([]byte, 0, 76)
	a, s := aa[:], spa[:]
	if bytes.Compare(a, s) < 0 {
		ctx = append(append(ctx, a...), s...)
	} else {
		ctx = append(append(ctx, s...), a...)
	}
	if bytes.Compare(anonce, snonce) < 0 {
		ctx = append(append(ctx, anonce...), snonce...)
	} else {
		ctx = append(append(ctx, snonce...), anonce...)
	}
	info, _ := akmFor(akm, len(pmk))
	kck, kek := info.kckLen, info.kekLen
	bits := (kck + kek + tkLen) * 8
	var raw []byte
	switch info.kdf {
	case PRFSHA1:
		raw = PRF(pmk, "Pairwise key expansion", ctx, bits)
	case KDFSHA256:
		raw = KDF(sha256.New, pmk, "Pairwise key expansion", ctx, bits)
	case KDFSHA384:
		raw = KDF(sha512.New384, pmk, "Pairwise key expansion", ctx, bits)
	case KDFSHA512:
		raw = KDF(sha512.New, pmk, "Pairwise key expansion", ctx, bits)
	default:
		return nil, fmt.Errorf("eapol: AKM %v has no PTK derivation", akm)
	}
	return &PTK{KCK: raw[:kck], KEK: raw[kck : kck+kek], TK: raw[kck+kek:]}, nil
}
