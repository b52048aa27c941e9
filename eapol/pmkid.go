package eapol

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"

	"wifid/nl80211/ie"
)

// PMKID names a PMKSA (IEEE 802.11-2020 12.7.1.3):
//
//	PMKID = Truncate-128(HMAC-Hash(PMK, "PMK Name" || AA || SPA))
//
// with SHA-1 for the AKMs whose keys come from the SHA-1 PRF (802.1X, PSK)
// and SHA-256 for 802.1X-SHA256 and PSK-SHA256. SAE's PMKID comes from the
// exchange and Suite-B's from the KCK, not from the PMK: those are refused.
// The PMK is used whole (32 octets for these AKMs).
func PMKID(akm ie.AKMSuite, pmk []byte, aa, spa [6]byte) (ie.PMKID, error) {
	var h func() hash.Hash
	switch akm {
	case ie.AKM8021X, ie.AKMPSK:
		h = sha1.New
	case ie.AKM8021XSHA256, ie.AKMPSKSHA256:
		h = sha256.New
	default:
		return ie.PMKID{}, fmt.Errorf("eapol: PMKID of AKM %v is not derived from the PMK alone", akm)
	}
	if len(pmk) == 0 {
		return ie.PMKID{}, fmt.Errorf("eapol: PMKID of an empty PMK")
	}
	m := hmac.New(h, pmk)
	m.Write([]byte("PMK Name"))
	m.Write(aa[:])
	m.Write(spa[:])
	var id ie.PMKID
	copy(id[:], m.Sum(nil))
	return id, nil
}

// Message1PMKID returns the PMKID KDE of a 4-way handshake message 1 for
// the AKM (nil when it has none), or an error when frame is not such a
// message 1. Nothing of message 1 is authenticated: the PMKID only says
// which PMKSA the AP means to use, its MIC in message 3 proves it.
func Message1PMKID(frame []byte, akm ie.AKMSuite) ([]byte, error) {
	info, ok := akmTable[akm]
	if !ok {
		return nil, fmt.Errorf("eapol: message 1 of unsupported AKM %v", akm)
	}
	f, err := ParseKeyFrame(frame, info.micLen)
	if err != nil {
		return nil, err
	}
	if !f.Info.Pairwise() || f.Info.Has(KeyInfoMIC) || !f.Info.Has(KeyInfoAck) || f.Info.Has(KeyInfoEncryptedKeyData) {
		return nil, perr("EAPOL-Key Key Information", "%v is not message 1 of the 4-way handshake", f.Info)
	}
	kd, err := ParseKeyData(f.KeyData)
	if err != nil {
		return nil, err
	}
	return kd.PMKID, nil
}
