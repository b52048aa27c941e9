//go:build lab

package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// TestWifidTransitionDisable: a WPA3 transition network (PSK and SAE)
// whose hostapd sends Transition Disable (WPA3-Personal) in message 3:
// wifid joins with SAE and writes TransitionDisable=true and
// DisabledTransitionModes=personal into the network file, as iwd does.
// Then the AP comes back as a WPA2-PSK-only twin (what a rogue AP would
// offer to capture a crackable message 2): wifid refuses it.
func TestWifidTransitionDisable(t *testing.T) {
	ap := saeAP(0, "wpa3", "correct horse battery", "2")
	ap.Config += "\nwpa_key_mgmt=WPA-PSK SAE\nieee80211w=1\nwpa_passphrase=correct horse battery\ntransition_disable=0x01\n"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{ap}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"wpa3.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	wantAPSTAWithMFP(t, lab, 0, "00-0f-ac-8 (SAE)")
	file := filepath.Join(d.StateDir, "wpa3.psk")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		if strings.Contains(string(b), "TransitionDisable=true") && strings.Contains(string(b), "DisabledTransitionModes=personal") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("network file without the AP's Transition Disable:\n%s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The twin: the same SSID and passphrase, WPA2-PSK only, no MFP.
	mark := fileLen(d.Log)
	lab.StopAP(0)
	conf := filepath.Join(lab.Dir, "hostapd-0.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, append(b, "\nwpa_key_mgmt=WPA-PSK\nieee80211w=0\ntransition_disable=0\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	lab.StartAP(0)
	waitLogSince(t, d.Log, mark, "transition disabled", 60*time.Second)
	time.Sleep(5 * time.Second)
	if log := textSince(d.Log, mark); strings.Contains(log, "msg=connecting ") {
		t.Errorf("wifid tried the WPA2-only twin:\n%s", grepLines(log, "connect"))
	}
}
