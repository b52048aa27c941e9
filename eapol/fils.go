package eapol

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"

	"wifid/nl80211/ie"
)

// FILS shared key authentication (IEEE 802.11-2020 12.11.2, without PFS):
// the keys an ERP re-authentication's rMSK gives, and the Key-Auth values
// the (re)association request and response carry. No EAPOL-Key 4-way
// handshake runs: the PTK comes from the Authentication frames' nonces.

// FILSNonceLen and FILSSessionLen are the FILS Nonce and FILS Session
// element bodies (9.4.2.186, 9.4.2.180).
const (
	FILSNonceLen   = 16
	FILSSessionLen = 8
)

// FILSKeys are FILS's keys for one association (12.11.2.5.3).
type FILSKeys struct {
	PMK   []byte // HMAC-Hash(SNonce || ANonce, rMSK)
	PMKID []byte // Truncate-128(Hash(EAP-Initiate/Re-auth))
	ICK   []byte // Key-Auth key
	KEK   []byte // for the (re)association frames' AEAD and EAPOL-Key key data
	TK    []byte
	// FILSFT is the FT AKMs' FILS-FT (the PMK-R0's input), nil otherwise.
	FILSFT []byte

	h              func() hash.Hash
	snonce, anonce []byte
	spa, aa        [6]byte
}

// filsHash is the AKM's hash and the lengths it sets: ICK and FT
// (the hash's length), KEK (12.7.1.3 Table 12-11: 32 or 64 octets).
func filsHash(akm ie.AKMSuite) (h func() hash.Hash, kekLen int, ft bool, err error) {
	switch akm {
	case ie.AKMFILSSHA256:
		return sha256.New, 32, false, nil
	case ie.AKMFTFILSSHA256:
		return sha256.New, 32, true, nil
	case ie.AKMFILSSHA384:
		return sha512.New384, 64, false, nil
	case ie.AKMFTFILSSHA384:
		return sha512.New384, 64, true, nil
	}
	return nil, 0, false, fmt.Errorf("eapol: %v is not a FILS AKM", akm)
}

// DeriveFILS derives the keys of a FILS association: rMSK from ERP,
// the STA's and AP's nonces from the Authentication frames, initiate the
// EAP-Initiate/Re-auth packet sent (for the PMKID).
//
//	PMK = HMAC-Hash(SNonce || ANonce, rMSK)
//	ICK || KEK || TK [|| FILS-FT] = KDF-Hash(PMK, "FILS PTK Derivation",
//	                                      SPA || AA || SNonce || ANonce)
func DeriveFILS(akm ie.AKMSuite, pairwise ie.CipherSuite, rMSK, snonce, anonce []byte, spa, aa [6]byte, initiate []byte) (*FILSKeys, error) {
	h, kekLen, ft, err := filsHash(akm)
	if err != nil {
		return nil, err
	}
	if !pairwiseOK(pairwise) || pairwise == ie.CipherTKIP {
		return nil, fmt.Errorf("eapol: FILS with pairwise cipher %v", pairwise)
	}
	if len(snonce) != FILSNonceLen || len(anonce) != FILSNonceLen {
		return nil, errors.New("eapol: FILS nonces must be 16 octets")
	}
	if len(rMSK) == 0 {
		return nil, errors.New("eapol: FILS without an rMSK")
	}
	nonces := append(append([]byte{}, snonce...), anonce...)
	m := hmac.New(h, nonces)
	m.Write(rMSK)
	pmk := m.Sum(nil)
	d := h()
	d.Write(initiate)
	pmkid := d.Sum(nil)[:16]

	hashLen := h().Size()
	ftLen := 0
	if ft {
		ftLen = hashLen
	}
	ctx := append(append(append(spa[:0:0], spa[:]...), aa[:]...), nonces...)
	n := hashLen + kekLen + pairwise.KeyLen() + ftLen
	raw := KDF(h, pmk, "FILS PTK Derivation", ctx, n*8)
	k := &FILSKeys{PMK: pmk, PMKID: pmkid, ICK: raw[:hashLen], KEK: raw[hashLen : hashLen+kekLen],
		TK: raw[hashLen+kekLen : n-ftLen], h: h, snonce: snonce, anonce: anonce, spa: spa, aa: aa}
	if ft {
		k.FILSFT = raw[n-ftLen:]
	}
	return k, nil
}

// STAKeyAuth is the Key-Auth of the STA's (re)association request
// (12.11.2.6.2): HMAC-Hash(ICK, SNonce || ANonce || STA-MAC || AP-BSSID).
func (k *FILSKeys) STAKeyAuth() []byte {
	return k.keyAuth(k.snonce, k.anonce, k.spa[:], k.aa[:])
}

// VerifyAPKeyAuth checks the AP's Key-Auth of its (re)association
// response (12.11.2.6.3): HMAC-Hash(ICK, ANonce || SNonce || AP-BSSID ||
// STA-MAC).
func (k *FILSKeys) VerifyAPKeyAuth(got []byte) bool {
	return hmac.Equal(got, k.keyAuth(k.anonce, k.snonce, k.aa[:], k.spa[:]))
}

func (k *FILSKeys) keyAuth(parts ...[]byte) []byte {
	m := hmac.New(k.h, k.ICK)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}
