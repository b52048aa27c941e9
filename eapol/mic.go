package eapol

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
)

// ComputeMIC computes the Key MIC of an EAPOL frame (header and body, with
// the Key MIC field set to zeros) under the KCK with the given algorithm
// (12.7.2): HMAC-MD5, HMAC-SHA1-128, AES-128-CMAC, HMAC-SHA384-192, or
// OWE's HMAC-SHA256-128 and HMAC-SHA512-256 (RFC 8110 4.4).
func ComputeMIC(alg MICAlgorithm, kck, frame []byte) ([]byte, error) {
	switch alg {
	case MICHMACMD5:
		m := hmac.New(md5.New, kck)
		m.Write(frame)
		return m.Sum(nil), nil
	case MICHMACSHA1:
		m := hmac.New(sha1.New, kck)
		m.Write(frame)
		return m.Sum(nil)[:16], nil
	case MICAESCMAC:
		return CMAC(kck, frame)
	case MICHMACSHA384:
		m := hmac.New(sha512.New384, kck)
		m.Write(frame)
		return m.Sum(nil)[:24], nil
	case MICHMACSHA256:
		m := hmac.New(sha256.New, kck)
		m.Write(frame)
		return m.Sum(nil)[:16], nil
	case MICHMACSHA512:
		m := hmac.New(sha512.New, kck)
		m.Write(frame)
		return m.Sum(nil)[:32], nil
	}
	return nil, fmt.Errorf("eapol: no MIC algorithm %v", alg)
}

// VerifyMIC checks the Key MIC of a received frame under the KCK. It
// recomputes the MIC over the frame as received with the MIC field
// zeroed, and compares in constant time.
func (f *KeyFrame) VerifyMIC(alg MICAlgorithm, kck []byte) bool {
	if f.raw == nil || len(f.MIC) == 0 {
		return false
	}
	buf := make([]byte, len(f.raw))
	copy(buf, f.raw)
	clear(buf[micOffset : micOffset+len(f.MIC)])
	mic, err := ComputeMIC(alg, kck, buf)
	if err != nil || len(mic) != len(f.MIC) {
		return false
	}
	return subtle.ConstantTimeCompare(mic, f.MIC) == 1
}

// SignFrame computes the MIC of an encoded frame (as from Marshal, with a
// zeroed MIC field of micLen octets) and writes it into place.
func SignFrame(alg MICAlgorithm, kck, frame []byte, micLen int) error {
	if len(frame) < micOffset+micLen {
		return fmt.Errorf("eapol: frame too short to sign")
	}
	clear(frame[micOffset : micOffset+micLen])
	mic, err := ComputeMIC(alg, kck, frame)
	if err != nil {
		return err
	}
	if len(mic) != micLen {
		return fmt.Errorf("eapol: %v gives a %d-octet MIC, field is %d", alg, len(mic), micLen)
	}
	copy(frame[micOffset:], mic)
	return nil
}

// DecryptKeyData decrypts an encrypted Key Data field. With key descriptor
// version 1 (TKIP) it is ARC4 keyed with EAPOL-Key IV || KEK, discarding
// the first 256 octets of keystream; otherwise the NIST AES key unwrap of
// RFC 3394 under the KEK, whose integrity check must hold. Padding is left
// in place (ParseKeyData skips it).
func DecryptKeyData(ver KeyDescriptorVersion, kek []byte, iv [16]byte, data []byte) ([]byte, error) {
	if ver == KeyDescriptorMD5RC4 {
		key := make([]byte, 0, 16+len(kek))
		key = append(append(key, iv[:]...), kek...)
		c, err := rc4.NewCipher(key)
		if err != nil {
			return nil, err
		}
		var skip [256]byte
		c.XORKeyStream(skip[:], skip[:])
		out := make([]byte, len(data))
		c.XORKeyStream(out, data)
		return out, nil
	}
	if len(data) < 24 || len(data)%8 != 0 {
		return nil, perr("EAPOL-Key Key Data", "wrapped length %d, want a multiple of 8 of at least 24", len(data))
	}
	out, err := KeyUnwrap(kek, data)
	if err != nil {
		return nil, perr("EAPOL-Key Key Data", "%v", err)
	}
	return out, nil
}
