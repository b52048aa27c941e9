package eapol

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// keyWrapIV is the default initial value A6A6A6A6A6A6A6A6 of RFC 3394 2.2.3.1.
var keyWrapIV = [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// ErrKeyWrapIntegrity is returned by KeyUnwrap when the unwrapped integrity
// check value is not the RFC 3394 default IV: the data was not wrapped with
// this key, or was altered.
var ErrKeyWrapIntegrity = errors.New("eapol: AES key unwrap integrity check failed")

// KeyWrap wraps plaintext (a multiple of 8 octets, at least 16) under kek
// with the NIST AES key wrap of RFC 3394; the result is 8 octets longer.
func KeyWrap(kek, plaintext []byte) ([]byte, error) {
	if len(plaintext) < 16 || len(plaintext)%8 != 0 {
		return nil, fmt.Errorf("eapol: key wrap input length %d, want a multiple of 8 of at least 16", len(plaintext))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(plaintext) / 8
	out := make([]byte, 8+len(plaintext))
	copy(out[8:], plaintext)
	var a [8]byte = keyWrapIV
	var b [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(b[:8], a[:])
			copy(b[8:], out[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[8*i:], b[8:])
		}
	}
	copy(out[:8], a[:])
	return out, nil
}

// KeyUnwrap reverses KeyWrap and checks the integrity value; it returns
// ErrKeyWrapIntegrity when that fails.
func KeyUnwrap(kek, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < 24 || len(ciphertext)%8 != 0 {
		return nil, fmt.Errorf("eapol: key unwrap input length %d, want a multiple of 8 of at least 24", len(ciphertext))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(ciphertext)/8 - 1
	out := make([]byte, len(ciphertext)-8)
	copy(out, ciphertext[8:])
	var a [8]byte
	copy(a[:], ciphertext[:8])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(b[8:], out[8*(i-1):8*i])
			block.Decrypt(b[:], b[:])
			copy(a[:], b[:8])
			copy(out[8*(i-1):], b[8:])
		}
	}
	clear(b[:])
	if subtle.ConstantTimeCompare(a[:], keyWrapIV[:]) != 1 {
		clear(out) // tampered or the wrong KEK: nothing of it is used
		return nil, ErrKeyWrapIntegrity
	}
	return out, nil
}
