package eapol

import (
	"crypto/aes"
	"crypto/subtle"
)

// CMAC computes AES-CMAC (NIST SP 800-38B, RFC 4493) of msg under key,
// which is 16, 24 or 32 octets (AES-128/192/256). The result is the full
// 16-octet tag; the EAPOL-Key MIC of key descriptor version 3 is
// AES-128-CMAC with the 16-octet KCK.
func CMAC(key, msg []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	const bs = aes.BlockSize
	// Subkeys K1, K2: L = AES(K, 0^128), K1 = L<<1 (^Rb), K2 = K1<<1 (^Rb).
	var l, k1, k2 [bs]byte
	block.Encrypt(l[:], l[:])
	dbl := func(dst, src *[bs]byte) {
		var carry byte
		for i := bs - 1; i >= 0; i-- {
			b := src[i]
			dst[i] = b<<1 | carry
			carry = b >> 7
		}
		if src[0]&0x80 != 0 {
			dst[bs-1] ^= 0x87
		}
	}
	dbl(&k1, &l)
	dbl(&k2, &k1)

	n := (len(msg) + bs - 1) / bs
	complete := n > 0 && len(msg)%bs == 0
	if n == 0 {
		n = 1
	}
	var x, last [bs]byte
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x[:], x[:], msg[i*bs:(i+1)*bs])
		block.Encrypt(x[:], x[:])
	}
	tail := msg[(n-1)*bs:]
	if complete {
		subtle.XORBytes(last[:], tail, k1[:])
	} else {
		copy(last[:], tail)
		last[len(tail)] = 0x80
		subtle.XORBytes(last[:], last[:], k2[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	block.Encrypt(x[:], x[:])
	return x[:], nil
}
