package station

import (
	"context"
	"testing"
	"time"

	"wifid/nl80211/ie"
)

// TestDiagnosticsNames: the security and pairwise cipher as iwd 3.9's
// diagnostics name them.
func TestDiagnosticsNames(t *testing.T) {
	security := []struct {
		akm  ie.AKMSuite
		wpa1 bool
		want string
	}{
		{0, false, "Open"},
		{ie.AKMPSK, false, "WPA2-Personal"},
		{ie.AKMPSK, true, "WPA1-Personal"},
		{ie.AKMPSKSHA256, false, "WPA2-Personal"},
		{ie.AKMFTPSK, false, "WPA2-Personal + FT"},
		{ie.AKM8021X, true, "WPA2-Enterprise"}, // iwd has no WPA1-Enterprise
		{ie.AKM8021XSHA256, false, "WPA2-Enterprise"},
		{ie.AKMFT8021X, false, "WPA2-Enterprise + FT"},
		{ie.AKMFT8021XSHA384, false, "WPA2-Enterprise + FT"},
		{ie.AKMSAE, false, "WPA3-Personal"},
		{ie.AKMFTSAE, false, "WPA3-Personal + FT"},
		{ie.AKMOWE, false, "OWE"},
		{ie.AKMFILSSHA384, false, "FILS"},
		{ie.AKMFTFILSSHA256, false, "FILS + FT"},
		{ie.AKMOSEN, false, "OSEN"},
		{ie.AKMSAEExtKey, false, "Unknown"},
	}
	for _, c := range security {
		d := Diagnostics{AKM: c.akm, WPA1: c.wpa1}
		if got := d.Security(); got != c.want {
			t.Errorf("AKM %v (WPA1 %v): %q, want %q", c.akm, c.wpa1, got, c.want)
		}
	}
	for _, c := range []struct {
		pairwise, group ie.CipherSuite
		want            string
	}{
		{0, 0, ""},
		{ie.CipherCCMP128, ie.CipherCCMP128, "CCMP-128"},
		{ie.CipherTKIP, ie.CipherTKIP, "TKIP"},
		{ie.CipherGCMP256, ie.CipherGCMP256, "GCMP-256"},
		{ie.CipherUseGroup, ie.CipherTKIP, "TKIP"},
		{ie.CipherBIPCMAC128, 0, ""},
	} {
		d := Diagnostics{Pairwise: c.pairwise, Group: c.group}
		if got := d.PairwiseCipher(); got != c.want {
			t.Errorf("pairwise %v, group %v: %q, want %q", c.pairwise, c.group, got, c.want)
		}
	}
}

// TestDiagnostics: not connected is ErrNotConnected; connected, the BSS,
// its frequency, the suites and the kernel's station info of the AP.
func TestDiagnostics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var k *air
	h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false,
		pskAP("home", 1, "secret123"))
	if _, err := h.st.Diagnostics(ctx); err != ErrNotConnected {
		t.Errorf("before connecting: %v, want ErrNotConnected", err)
	}
	if err := h.connect("home"); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	h.waitState(Connected)
	d, err := h.st.Diagnostics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.BSSID.String() != "02:00:00:00:00:01" || d.Freq != 2412 || d.Security() != "WPA2-Personal" ||
		d.PairwiseCipher() != "CCMP-128" || d.WPA1 || !d.Info.HasSignal || d.Info.Signal != -40 {
		t.Errorf("diagnostics %+v (security %q, cipher %q)", d, d.Security(), d.PairwiseCipher())
	}
}
