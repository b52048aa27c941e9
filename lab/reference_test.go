//go:build lab

package lab

import (
	"os"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// wpa2AP is a WPA2-PSK (CCMP) access point with DHCP, the lab's plainest network.
func wpa2AP(radio int, ssid, passphrase string) labenv.AP {
	return labenv.AP{
		Radio: radio,
		Config: `
ssid=` + ssid + `
hw_mode=g
channel=1
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=` + passphrase,
		Address:   "192.168.77.1/24",
		DHCPRange: "192.168.77.50,192.168.77.150,255.255.255.0,10m",
	}
}

// TestReferenceIwdConnects needs no wifid: Debian's iwd on rad1 joins a
// WPA2-PSK hostapd on rad0 and gets a lease from dnsmasq. It proves the lab
// works and is the yardstick later tests compare wifid with.
func TestReferenceIwdConnects(t *testing.T) {
	apPass := "correct horse battery"
	if p := os.Getenv("LAB_REFERENCE_AP_PASSPHRASE"); p != "" {
		apPass = p // to check that a wrong passphrase makes this test fail readably
	}
	lab := labenv.Setup(t, labenv.Hardware{
		Radios: 2,
		DBus:   true,
		APs:    []labenv.AP{wpa2AP(0, "labnet", apPass)},
	})
	sta := lab.Radios[1]
	iwd := lab.StartIwd(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		MainConf: "[General]\nEnableNetworkConfiguration=true\n",
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	if err := iwd.WaitLog("Wiphy: ", 60*time.Second); err != nil {
		t.Fatalf("iwd did not start: %v", err)
	}
	ip, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
	if err != nil {
		t.Fatalf("iwd did not connect: %v (station: %s)", err, iwctlState(lab, sta.Iface))
	}
	t.Logf("%s got %s", sta.Iface, ip)
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatalf("no traffic across the air: %v", err)
	}
	out, _ := lab.Output("iwctl", "station", sta.Iface, "show")
	if !strings.Contains(out, "connected") || !strings.Contains(out, "labnet") {
		t.Fatalf("iwctl does not show %s connected to labnet:\n%s", sta.Iface, out)
	}
	t.Logf("iwctl station %s show:\n%s", sta.Iface, out)
}

// iwctlState is what iwctl says about the station, for failure messages.
func iwctlState(lab *labenv.Lab, iface string) string {
	out, err := lab.Output("iwctl", "station", iface, "show")
	if err != nil {
		return "iwctl: " + err.Error()
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "State") {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return strings.TrimSpace(out)
}
