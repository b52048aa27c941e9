package station

import (
	"errors"
	"path/filepath"
	"testing"

	"wifid/knownnetworks"
	"wifid/nl80211/ie"
)

// TestChooseRSNTransitionDisable: a disabled transition mode takes the
// older AKM off the table, and any disabled mode requires MFP and refuses
// TKIP (WPA3 specification v3, 8 and 13.2).
func TestChooseRSNTransitionDisable(t *testing.T) {
	rsn := func(mfpc bool, group ie.CipherSuite, akms ...ie.AKMSuite) *ie.RSN {
		r := &ie.RSN{Version: 1, GroupCipher: group, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128}, AKMs: akms}
		if mfpc {
			r.Capabilities = ie.RSNCapMFPC
		}
		return r
	}
	transition := rsn(true, ie.CipherCCMP128, ie.AKMPSK, ie.AKMSAE)
	for _, c := range []struct {
		name    string
		rsn     *ie.RSN
		mfp     int
		sae     bool
		td      transitionDisable
		wantAKM ie.AKMSuite // 0: refused
	}{
		{"transition network, nothing disabled, no SAE", transition, 1, false, 0, ie.AKMPSK},
		{"transition network, personal disabled, no SAE", transition, 1, false, tdPersonal, 0},
		{"transition network, personal disabled, SAE", transition, 1, true, tdPersonal, ie.AKMSAE},
		{"PSK only, personal disabled (rogue twin)", rsn(true, ie.CipherCCMP128, ie.AKMPSK), 1, false, tdPersonal, 0},
		{"802.1X and SHA256, enterprise disabled", rsn(true, ie.CipherCCMP128, ie.AKM8021X, ie.AKM8021XSHA256), 1, false, tdEnterprise, ie.AKM8021XSHA256},
		{"802.1X only, enterprise disabled", rsn(true, ie.CipherCCMP128, ie.AKM8021X), 1, false, tdEnterprise, 0},
		{"enterprise disabled, no MFP at the AP", rsn(false, ie.CipherCCMP128, ie.AKM8021XSHA256), 1, false, tdEnterprise, 0},
		{"personal disabled, MFP off here", transition, 0, true, tdPersonal, 0},
		{"personal disabled, TKIP group", rsn(true, ie.CipherTKIP, ie.AKMSAE), 1, true, tdPersonal, 0},
	} {
		got, err := chooseRSN(rsnSummary(t, c.rsn), nil, c.mfp, c.sae, c.td)
		switch {
		case c.wantAKM == 0 && err == nil:
			t.Errorf("%s: chose %v", c.name, got.akm)
		case c.wantAKM == 0 && !errors.Is(err, ErrNotSupported):
			t.Errorf("%s: %v is not ErrNotSupported", c.name, err)
		case c.wantAKM != 0 && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantAKM != 0 && (got.akm != c.wantAKM || (c.td != 0 && !got.mfp)):
			t.Errorf("%s: akm %v mfp %v", c.name, got.akm, got.mfp)
		}
	}
}

// TestTransitionDisableSaved: the AP's bits go into the network file as
// iwd writes them and come back as the same bits.
func TestTransitionDisableSaved(t *testing.T) {
	dir := t.TempDir()
	st := knownnetworks.NewStore(dir, nil)
	f, err := knownnetworks.ParseFile("home.psk", []byte("[Security]\nPassphrase=secret123\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save("home", knownnetworks.SecurityPSK, f); err != nil {
		t.Fatal(err)
	}
	k, err := writeNetwork(st, "home", knownnetworks.SecurityPSK, false, false, "", nil, []uint32{2412}, tdPersonal)
	if err != nil {
		t.Fatal(err)
	}
	if got := fileTransitionDisable(k); got != tdPersonal {
		t.Errorf("read back %v", got)
	}
	again := knownnetworks.NewStore(dir, nil)
	if err := again.Load(); err != nil {
		t.Fatal(err)
	}
	k2, _ := again.Get("home", knownnetworks.SecurityPSK)
	if !k2.Settings.TransitionDisable || len(k2.Settings.DisabledTransitionModes) != 1 ||
		k2.Settings.DisabledTransitionModes[0] != "personal" {
		t.Errorf("file %s: %+v", filepath.Join(dir, "home.psk"), k2.Settings)
	}
	if k2.Settings.Security.Passphrase != "secret123" {
		t.Error("the passphrase was lost")
	}
}
