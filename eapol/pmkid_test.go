package eapol_test

import (
	"bytes"
	"testing"

	"wifid/eapol"
	"wifid/eapol/eapoltest"
	"wifid/nl80211/ie"
	"wifid/unit"
)

func TestPMKIDPublishedVector(t *testing.T) {
	for i, v := range unit.PMKIDVectors(t) {
		pmk, err := eapol.PSKFromPassphrase(v.Passphrase, v.SSID)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		for _, akm := range []ie.AKMSuite{ie.AKM8021X, ie.AKMPSK} {
			got, err := eapol.PMKID(akm, pmk, v.AA, v.SPA)
			if err != nil || !bytes.Equal(got[:], v.PMKID) {
				t.Errorf("vector %d, %v: PMKID %x (%v), want %x", i, akm, got, err, v.PMKID)
			}
		}
	}
}

// The SHA-256 AKMs take HMAC-SHA-256 (12.7.1.3): a different PMKID from
// the same inputs, the same for 802.1X-SHA256 and PSK-SHA256.
func TestPMKIDSHA256AndRefusals(t *testing.T) {
	v := unit.PMKIDVectors(t)[0]
	pmk, _ := eapol.PSKFromPassphrase(v.Passphrase, v.SSID)
	a, errA := eapol.PMKID(ie.AKM8021XSHA256, pmk, v.AA, v.SPA)
	b, errB := eapol.PMKID(ie.AKMPSKSHA256, pmk, v.AA, v.SPA)
	if errA != nil || errB != nil || a != b || bytes.Equal(a[:], v.PMKID) {
		t.Errorf("SHA-256 PMKIDs %x (%v), %x (%v); SHA-1 %x", a, errA, b, errB, v.PMKID)
	}
	for _, akm := range []ie.AKMSuite{ie.AKMSAE, ie.AKM8021XSuiteB192} {
		if _, err := eapol.PMKID(akm, pmk, v.AA, v.SPA); err == nil {
			t.Errorf("%v: a PMKID from the PMK alone", akm)
		}
	}
	if _, err := eapol.PMKID(ie.AKM8021X, nil, v.AA, v.SPA); err == nil {
		t.Error("a PMKID of an empty PMK")
	}
}

func TestMessage1PMKID(t *testing.T) {
	cfg := eapoltest.Config{AKM: ie.AKM8021X, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128}
	ap := eapoltest.New(t, cfg, bytes.Repeat([]byte{7}, 32))
	if id, err := eapol.Message1PMKID(ap.Msg1(), ie.AKM8021X); err != nil || id != nil {
		t.Errorf("message 1 without a KDE: %x, %v", id, err)
	}
	want := bytes.Repeat([]byte{0xab}, 16)
	kde := append([]byte{0xdd, 20, 0x00, 0x0f, 0xac, 4}, want...)
	m1 := ap.Build(eapoltest.KeyMsg{Info: eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck, KeyLen: 16, Replay: 9,
		Nonce: ap.ANonce, Plain: kde})
	if id, err := eapol.Message1PMKID(m1, ie.AKM8021X); err != nil || !bytes.Equal(id, want) {
		t.Errorf("message 1's PMKID %x, %v; want %x", id, err, want)
	}
	m3 := ap.Build(eapoltest.KeyMsg{Info: eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | eapoltest.KeyInfoMIC,
		KeyLen: 16, Replay: 10, Nonce: ap.ANonce, Plain: kde})
	if _, err := eapol.Message1PMKID(m3, ie.AKM8021X); err == nil {
		t.Error("a frame with a MIC taken for message 1")
	}
	if _, err := eapol.Message1PMKID(m1, ie.AKMSuite(0x000fac7f)); err == nil {
		t.Error("an unknown AKM accepted")
	}
}

func FuzzMessage1PMKID(f *testing.F) {
	f.Add([]byte{2, 3, 0, 95, 2, 0, 0x8a}, uint8(1))
	f.Fuzz(func(t *testing.T, frame []byte, akm uint8) {
		id, err := eapol.Message1PMKID(frame, ie.AKMSuite(0x000fac00|uint32(akm%16)))
		if err == nil && id != nil && len(id) != 16 {
			t.Fatalf("PMKID of %d octets", len(id))
		}
	})
}
