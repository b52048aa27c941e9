package eapol

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
)

// AES-SIV (RFC 5297), the AEAD of FILS: its (re)association frames (which
// the kernel protects) and the EAPOL-Key frames after a FILS association,
// whose Key Data it encrypts and authenticates in place of a MIC (IEEE
// 802.11-2020 12.7.2). The key is the KEK: 32 octets (two AES-128 keys) or
// 64 (two AES-256 keys).

// dbl is RFC 5297's doubling in GF(2^128).
func dbl(b [16]byte) [16]byte {
	var out [16]byte
	var carry byte
	for i := 15; i >= 0; i-- {
		out[i] = b[i]<<1 | carry
		carry = b[i] >> 7
	}
	if b[0]&0x80 != 0 {
		out[15] ^= 0x87
	}
	return out
}

// s2v is RFC 5297 2.4's S2V of the strings (the last one the plaintext).
func s2v(key []byte, strs ...[]byte) ([16]byte, error) {
	var d [16]byte
	zero, err := CMAC(key, make([]byte, 16))
	if err != nil {
		return d, err
	}
	copy(d[:], zero)
	for _, s := range strs[:len(strs)-1] {
		m, _ := CMAC(key, s)
		d = dbl(d)
		subtle.XORBytes(d[:], d[:], m)
	}
	last := strs[len(strs)-1]
	var t []byte
	if len(last) >= 16 {
		t = append([]byte{}, last...)
		subtle.XORBytes(t[len(t)-16:], t[len(t)-16:], d[:]) // xorend
	} else {
		d = dbl(d)
		var p [16]byte
		copy(p[:], last)
		p[len(last)] = 0x80
		subtle.XORBytes(p[:], p[:], d[:])
		t = p[:]
	}
	v, _ := CMAC(key, t)
	copy(d[:], v)
	return d, nil
}

// sivCTR runs AES-CTR under key from V with bits 31 and 63 cleared.
func sivCTR(key []byte, v [16]byte, dst, src []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	q := v
	q[8] &= 0x7f
	q[12] &= 0x7f
	cipher.NewCTR(block, q[:]).XORKeyStream(dst, src)
	return nil
}

func sivKeys(key []byte) (mac, enc []byte, err error) {
	switch len(key) {
	case 32, 48, 64:
		return key[:len(key)/2], key[len(key)/2:], nil
	}
	return nil, nil, fmt.Errorf("eapol: AES-SIV key of %d octets", len(key))
}

// SIVEncrypt is RFC 5297's SIV-ENCRYPT: V || C for plaintext under key
// with the associated data ad.
func SIVEncrypt(key, plaintext []byte, ad ...[]byte) ([]byte, error) {
	mac, enc, err := sivKeys(key)
	if err != nil {
		return nil, err
	}
	v, err := s2v(mac, append(ad, plaintext)...)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 16+len(plaintext))
	copy(out, v[:])
	return out, sivCTR(enc, v, out[16:], plaintext)
}

// ErrSIV is the failure of SIV-DECRYPT: the data or its associated data
// were changed, or the key is not the sender's.
var ErrSIV = errors.New("eapol: AES-SIV authentication failed")

// SIVDecrypt is RFC 5297's SIV-DECRYPT of V || C.
func SIVDecrypt(key, ciphertext []byte, ad ...[]byte) ([]byte, error) {
	mac, enc, err := sivKeys(key)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < 16 {
		return nil, fmt.Errorf("eapol: AES-SIV ciphertext of %d octets", len(ciphertext))
	}
	var v [16]byte
	copy(v[:], ciphertext)
	p := make([]byte, len(ciphertext)-16)
	if err := sivCTR(enc, v, p, ciphertext[16:]); err != nil {
		return nil, err
	}
	t, err := s2v(mac, append(ad, p)...)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(t[:], v[:]) != 1 {
		clear(p)
		return nil, ErrSIV
	}
	return p, nil
}
