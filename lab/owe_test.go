//go:build lab

package lab

import (
	"os"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// oweAP is an OWE (RFC 8110) hostapd BSS taking the groups given.
func oweAP(radio int, ssid, groups string) labenv.AP {
	return labenv.AP{
		Radio: radio,
		Config: `
ssid=` + ssid + `
hw_mode=g
channel=1
wpa=2
wpa_key_mgmt=OWE
rsn_pairwise=CCMP
ieee80211w=2
owe_groups=` + groups,
		Address:   "192.168.79.1/24",
		DHCPRange: "192.168.79.50,192.168.79.150,255.255.255.0,10m",
	}
}

// TestWifidOWE: wifid joins an OWE network, known as an open network (a
// .open file, no secret), with the Diffie-Hellman exchange in the
// association and the OWE AKM's 4-way handshake: hostapd's station entry
// shows AKM 00-0f-ac-18 and management frame protection, and pings work.
// An AP that takes only group 20 refuses 19 (status 77): wifid offers 20.
func TestWifidOWE(t *testing.T) {
	for _, c := range []struct{ name, groups, wantLog string }{
		{"group 19", "19", `msg=OWE iface=`},
		{"group 20 only", "20", `msg="OWE group refused by the AP; offering the next"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{oweAP(0, "owe", c.groups)}})
			sta := lab.Radios[1]
			d := lab.StartWifid(labenv.DaemonOptions{
				Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
				Networks: map[string]string{"owe.open": ""},
			})
			if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
				t.Fatalf("%v\nwifid:\n%s", err, grepLines(readAll(d.Log), "OWE", "connect"))
			}
			wantAPSTAWithMFP(t, lab, 0, "00-0f-ac-18 (OWE)")
			if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
				t.Error(err)
			}
			log := readAll(d.Log)
			if !strings.Contains(log, c.wantLog) {
				t.Errorf("no %s in wifid's log:\n%s", c.wantLog, grepLines(log, "OWE"))
			}
			if !strings.Contains(log, "group="+strings.Fields(c.groups)[0]) {
				t.Errorf("no group %s offered:\n%s", c.groups, grepLines(log, "OWE"))
			}
			if b, err := os.ReadFile(d.StateDir + "/owe.open"); err != nil || strings.Contains(string(b), "PreSharedKey") {
				t.Errorf("network file after OWE (%v):\n%s", err, b)
			}
		})
	}
}

// TestWifidOWETransition: an OWE transition pair as the Wi-Fi Alliance
// describes it: an open BSS "transition" and a hidden OWE BSS "owe-hidden",
// each naming the other in an OWE Transition Mode element. Known as the
// open network "transition", it is joined through the OWE BSS (found by a
// directed scan), under its own SSID: the address comes from the OWE
// BSS's LAN and hostapd's station entry shows the OWE AKM.
func TestWifidOWETransition(t *testing.T) {
	open := labenv.AP{Radio: 0, Config: `
ssid=transition
bssid=02:00:00:00:f0:00
hw_mode=g
channel=1
vendor_elements=dd15506f9a1c02000000f1000a6f77652d68696464656e`,
		Address: "192.168.78.1/24", DHCPRange: "192.168.78.50,192.168.78.150,255.255.255.0,10m"}
	owe := oweAP(1, "owe-hidden", "19")
	owe.Config += `
bssid=02:00:00:00:f1:00
ignore_broadcast_ssid=1
vendor_elements=dd15506f9a1c02000000f0000a7472616e736974696f6e`
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, APs: []labenv.AP{open, owe}})
	sta := lab.Radios[2]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"transition.open": ""},
	})
	addr, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
	if err != nil {
		t.Fatalf("%v\nwifid:\n%s", err, grepLines(readAll(d.Log), "OWE", "connect", "scan"))
	}
	if !strings.HasPrefix(addr.String(), "192.168.79.") {
		t.Errorf("address %s: not from the OWE BSS's LAN (192.168.79.0/24)\n%s", addr, grepLines(readAll(d.Log), "OWE", "connect"))
	}
	wantAPSTAWithMFP(t, lab, 1, "00-0f-ac-18 (OWE)")
	if err := lab.Ping(lab.APs[1].IP, 3); err != nil {
		t.Error(err)
	}
	if log := readAll(d.Log); !strings.Contains(log, "OWE transition: the hidden OWE BSSes") {
		t.Errorf("no directed scan for the hidden twin:\n%s", grepLines(log, "scan"))
	}
}
