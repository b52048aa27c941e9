package eapol

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"wifid/nl80211/ie"
)

// TestDeriveFILS: the lengths of Table 12-11 for each FILS AKM, the PMK
// and PMKID as 12.11.2.5.3 defines them (written out here), and the
// Key-Auth pair: the STA's value is what an AP computes from the same
// keys, the AP's verifies, a changed one does not.
func TestDeriveFILS(t *testing.T) {
	rmsk := bytes.Repeat([]byte{0x5a}, 64)
	sn, an := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 16)
	spa, aa := [6]byte{2, 0, 0, 0, 1, 0}, [6]byte{2, 0, 0, 0, 0, 0}
	initiate := []byte{5, 0, 0, 8, 2, 0, 0, 0}
	for _, c := range []struct {
		akm                 ie.AKMSuite
		ick, kek, tk, ftLen int
	}{
		{ie.AKMFILSSHA256, 32, 32, 16, 0},
		{ie.AKMFILSSHA384, 48, 64, 16, 0},
		{ie.AKMFTFILSSHA256, 32, 32, 16, 32},
		{ie.AKMFTFILSSHA384, 48, 64, 16, 48},
	} {
		k, err := DeriveFILS(c.akm, ie.CipherCCMP128, rmsk, sn, an, spa, aa, initiate)
		if err != nil {
			t.Fatalf("%v: %v", c.akm, err)
		}
		if len(k.ICK) != c.ick || len(k.KEK) != c.kek || len(k.TK) != c.tk || len(k.FILSFT) != c.ftLen || len(k.PMKID) != 16 {
			t.Errorf("%v: ICK %d KEK %d TK %d FT %d PMKID %d", c.akm, len(k.ICK), len(k.KEK), len(k.TK), len(k.FILSFT), len(k.PMKID))
		}
		if c.akm != ie.AKMFILSSHA256 {
			continue
		}
		m := hmac.New(sha256.New, append(bytes.Clone(sn), an...))
		m.Write(rmsk)
		if !bytes.Equal(k.PMK, m.Sum(nil)) {
			t.Error("PMK is not HMAC-SHA256(SNonce || ANonce, rMSK)")
		}
		if sum := sha256.Sum256(initiate); !bytes.Equal(k.PMKID, sum[:16]) {
			t.Error("PMKID is not the first 128 bits of SHA-256(EAP-Initiate)")
		}
		raw := KDF(sha256.New, k.PMK, "FILS PTK Derivation", bytes.Join([][]byte{spa[:], aa[:], sn, an}, nil), (32+32+16)*8)
		if !bytes.Equal(raw, bytes.Join([][]byte{k.ICK, k.KEK, k.TK}, nil)) {
			t.Error("ICK || KEK || TK is not FILS-Key-Data")
		}
		ap := hmac.New(sha256.New, k.ICK)
		ap.Write(bytes.Join([][]byte{sn, an, spa[:], aa[:]}, nil))
		if !bytes.Equal(k.STAKeyAuth(), ap.Sum(nil)) {
			t.Error("the STA's Key-Auth is not what the AP computes")
		}
		ap = hmac.New(sha256.New, k.ICK)
		ap.Write(bytes.Join([][]byte{an, sn, aa[:], spa[:]}, nil))
		apAuth := ap.Sum(nil)
		if !k.VerifyAPKeyAuth(apAuth) {
			t.Error("the AP's Key-Auth does not verify")
		}
		apAuth[0] ^= 1
		if k.VerifyAPKeyAuth(apAuth) {
			t.Error("a changed Key-Auth verifies")
		}
	}
	if _, err := DeriveFILS(ie.AKM8021X, ie.CipherCCMP128, rmsk, sn, an, spa, aa, initiate); err == nil {
		t.Error("FILS keys for a non-FILS AKM")
	}
}
