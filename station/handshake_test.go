package station

import (
	"context"
	"errors"
	"testing"

	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// rsnSummary is the summary of a BSS advertising rsn.
func rsnSummary(t *testing.T, rsn *ie.RSN) *ie.Summary {
	t.Helper()
	b, err := rsn.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ies := append([]byte{0, 3, 'n', 'e', 't', 1, 1, 0x82}, b...)
	sum, err := ie.Summarize(ies, 0x11)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestChooseRSNNotSupported: a BSS wifid cannot use with this main.conf
// (or radio) is NotSupported, as iwd answers Network.Connect (testMFP-Options).
func TestChooseRSNNotSupported(t *testing.T) {
	psk := []ie.AKMSuite{ie.AKMPSK}
	mfpRequired := &ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: psk, Capabilities: ie.RSNCapMFPC | ie.RSNCapMFPR}
	noMFP := &ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128}, AKMs: psk}
	for _, c := range []struct {
		name string
		rsn  *ie.RSN
		mfp  int
		ok   bool
	}{
		{"MFP off, AP requires it", mfpRequired, 0, false},
		{"MFP optional, AP requires it", mfpRequired, 1, true},
		{"MFP required, AP lacks it", noMFP, 2, false},
		{"MFP off, AP lacks it", noMFP, 0, true},
	} {
		_, err := chooseRSN(rsnSummary(t, c.rsn), nil, c.mfp, false)
		if c.ok != (err == nil) {
			t.Errorf("%s: err %v", c.name, err)
		}
		if err != nil && !errors.Is(err, ErrNotSupported) {
			t.Errorf("%s: %v is not ErrNotSupported", c.name, err)
		}
	}
}

// pskBSS is a WPA2-PSK (CCMP) scan result for ssid.
func pskBSS(t *testing.T, ssid string, bssid byte) *nl80211.BSS {
	t.Helper()
	b := openBSS(ssid, bssid)
	rsn, err := (&ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: []ie.AKMSuite{ie.AKMPSK}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b.IEs = append(b.IEs, rsn...)
	b.Capability |= 0x10
	return b
}

func TestConnectHiddenServiceSetOverlap(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("hid", 1), pskBSS(t, "hid", 2))
	if err := h.st.ConnectHidden(context.Background(), "hid"); !errors.Is(err, ErrServiceSetOverlap) {
		t.Errorf("hidden SSID both open and PSK: %v, want ErrServiceSetOverlap", err)
	}
	if err := h.st.ConnectHidden(context.Background(), "nothere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("absent hidden SSID: %v", err)
	}
}
