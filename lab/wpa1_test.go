//go:build lab

package lab

import (
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// wpa1AP is a WPA (WPA1: the 00-50-F2 vendor element, TKIP) PSK access
// point, as iwd's autotests testAgent and testConnectAutoconnect use.
func wpa1AP(radio int, ssid, passphrase string) labenv.AP {
	ap := wpa2AP(radio, ssid, passphrase)
	ap.Config = strings.Replace(ap.Config, "wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP",
		"wpa=1\nwpa_key_mgmt=WPA-PSK\nwpa_pairwise=TKIP", 1)
	return ap
}

// TestWPA1PSKTKIP: wifid joins a WPA1 TKIP network from a known .psk file:
// descriptor 254 4-way handshake, GTK from the group key handshake that
// follows, DHCP, traffic, and the group rekeys hostapd starts every 4 s.
func TestWPA1PSKTKIP(t *testing.T) {
	ap := wpa1AP(0, "labnet", "correct horse battery")
	ap.Config += "\nwpa_group_rekey=4"
	lab, log := connectAndHold(t, ap, 12*time.Second)
	sta := hostapdSTA(lab)
	if !strings.Contains(sta, "dot11RSNAStatsSelectedPairwiseCipher=00-50-f2-2") {
		t.Errorf("hostapd does not see WPA with TKIP:\n%s", sta)
	}
	if !strings.Contains(log, "4-way and group key handshakes complete") {
		t.Errorf("wifid's log does not show the WPA group key handshake completing the connection")
	}
	if n := strings.Count(log, "group key rekeyed"); n < 2 {
		t.Errorf("%d WPA group rekeys in 12 s, want >= 2", n)
	}
	if strings.Count(log, "msg=connected") != 1 {
		t.Error("the connection dropped")
	}
}

// TestWPA1MixedModeUsesRSN: an AP offering WPA1 and WPA2 (wpa=3, TKIP for
// WPA, CCMP for RSN, TKIP group) is joined with RSN and CCMP.
func TestWPA1MixedModeUsesRSN(t *testing.T) {
	ap := wpa1AP(0, "labnet", "correct horse battery")
	ap.Config = strings.Replace(ap.Config, "wpa=1", "wpa=3", 1) + "\nrsn_pairwise=CCMP"
	lab, log := connectAndHold(t, ap, 0)
	sta := hostapdSTA(lab)
	if !strings.Contains(sta, "dot11RSNAStatsSelectedPairwiseCipher=00-0f-ac-4") {
		t.Errorf("hostapd does not see RSN with CCMP:\n%s", sta)
	}
	if strings.Contains(log, "proto=WPA") {
		t.Error("wifid ran WPA's handshake on a WPA2 network")
	}
}
