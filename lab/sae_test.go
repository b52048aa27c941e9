//go:build lab

package lab

import (
	"os"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// saeAP is a WPA3-Personal hostapd: SAE only, management frame protection
// required; pwe is hostapd's sae_pwe (0 hunting-and-pecking, 1
// hash-to-element only, 2 both).
func saeAP(radio int, ssid, password, pwe string) labenv.AP {
	return labenv.AP{
		Radio: radio,
		Config: `
ssid=` + ssid + `
hw_mode=g
channel=1
wpa=2
wpa_key_mgmt=SAE
rsn_pairwise=CCMP
ieee80211w=2
sae_pwe=` + pwe + `
sae_password=` + password,
		Address:   "192.168.77.1/24",
		DHCPRange: "192.168.77.50,192.168.77.150,255.255.255.0,10m",
	}
}

// apSTAField returns a field of hostapd's all_sta for AP i, "" if absent.
func apSTAField(lab *labenv.Lab, i int, key string) string {
	for _, l := range strings.Split(apStations(lab, i), "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// wantAPSTAWithMFP checks hostapd's station entry of AP i: the AKM (its
// selector as hostapd prints it, then a note, as "00-0f-ac-8 (SAE)") and
// management frame protection.
func wantAPSTAWithMFP(t *testing.T, lab *labenv.Lab, i int, akm string) {
	t.Helper()
	want, _, _ := strings.Cut(akm, " ")
	if got := apSTAField(lab, i, "AKMSuiteSelector"); got != want {
		t.Errorf("AKM in hostapd's station entry %q, want %s\n%s", got, akm, apStations(lab, i))
	}
	if !strings.Contains(apSTAField(lab, i, "flags"), "[MFP]") {
		t.Errorf("no [MFP] in hostapd's station flags:\n%s", apStations(lab, i))
	}
}

// TestWifidSAE: wifid autoconnects to WPA3-Personal hostapd with both
// password element methods (hunting-and-pecking, hash-to-element), to one
// that takes only group 20 (P-384), and to a
// transition-mode BSS (PSK and SAE) it chooses SAE; hostapd's station entry
// shows AKM 00-0f-ac-8 and management frame protection, and pings work.
func TestWifidSAE(t *testing.T) {
	for _, c := range []struct{ name, pwe, extra string }{
		{"hunting-and-pecking", "0", ""},
		{"hash-to-element", "1", ""},
		{"P-384 only", "2", "sae_groups=20"}, // the AP rejects P-256: wifid moves on
		{"transition", "2", "wpa_key_mgmt=WPA-PSK SAE\nieee80211w=1\nwpa_passphrase=correct horse battery"},
		// The file's PasswordIdentifier reaches SAE (H2E's PT, the
		// commit's Password Identifier element): hostapd knows the
		// password only under that identifier.
		{"password identifier", "1", "sae_password=correct horse battery|id=alice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ap := saeAP(0, "wpa3", "correct horse battery", c.pwe)
			ap.Config += "\n" + c.extra
			file := ""
			if strings.Contains(c.extra, "|id=") {
				// hostapd's first sae_password line is the plain one:
				// the identified password must be the only one.
				ap.Config = strings.Replace(ap.Config, "sae_password=correct horse battery\n", "", 1)
				file = "PasswordIdentifier=alice\n"
			}
			lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{ap}})
			sta := lab.Radios[1]
			d := lab.StartWifid(labenv.DaemonOptions{
				Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
				Networks: map[string]string{"wpa3.psk": "[Security]\nPassphrase=correct horse battery\n" + file},
			})
			if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
				t.Fatalf("%v\nwifid:\n%s", err, grepLines(readAll(d.Log), "SAE"))
			}
			wantAPSTAWithMFP(t, lab, 0, "00-0f-ac-8 (SAE)")
			if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
				t.Error(err)
			}
			log := readAll(d.Log)
			if !strings.Contains(log, "msg=\"SAE done\"") {
				t.Errorf("no SAE in wifid's log:\n%s", grepLines(log, "SAE"))
			}
			if strings.Contains(log, "correct horse battery") {
				t.Error("the password appears in wifid's log")
			}
			// The network file keeps the passphrase and gets no PreSharedKey:
			// SAE's PMK is per exchange.
			if b, err := os.ReadFile(d.StateDir + "/wpa3.psk"); err != nil || strings.Contains(string(b), "PreSharedKey") {
				t.Errorf("network file after SAE (%v):\n%s", err, b)
			}
		})
	}
}

// TestWifidSAEWrongPassword: a wrong SAE password ends in clear failures
// (hostapd refuses our confirm), three of them (one may be forged),
// and no retry loop.
func TestWifidSAEWrongPassword(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{saeAP(0, "wpa3", "correct horse battery", "2")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"wpa3.psk": "[Security]\nPassphrase=not the password\n"},
	})
	if err := d.WaitLog("autoconnect skips the network", 150*time.Second); err != nil {
		t.Fatalf("%v\nwifid:\n%s", err, grepLines(readAll(d.Log), "SAE"))
	}
	time.Sleep(35 * time.Second) // two periodic scans
	log := readAll(d.Log)
	if n := strings.Count(log, "msg=connecting"); n != 3 {
		t.Errorf("%d connect attempts, want 3 (no loop)", n)
	}
	if !strings.Contains(log, "(wrong passphrase?)") {
		t.Error("no reason in the log")
	}
	if strings.Contains(log, "not the password") {
		t.Error("the password appears in wifid's log")
	}
}
