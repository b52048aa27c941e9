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

const wifidNetconf = "[General]\nEnableNetworkConfiguration=true\n[Network]\nNameResolvingService=none\n"

// openAP is an open access point with DHCP.
func openAP(radio int, ssid string) labenv.AP {
	return labenv.AP{
		Radio:     radio,
		Config:    "ssid=" + ssid + "\nhw_mode=g\nchannel=6\n",
		Address:   "192.168.78.1/24",
		DHCPRange: "192.168.78.50,192.168.78.150,255.255.255.0,10m",
	}
}

// TestWifidAutoconnectPSK: wifid finds a known WPA2-PSK network, runs the
// 4-way handshake against hostapd, gets a DHCP lease from dnsmasq and passes
// traffic; it writes the computed PreSharedKey back to the network file.
func TestWifidAutoconnectPSK(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	ip, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
	if err != nil {
		t.Fatalf("wifid did not connect: %v", err)
	}
	t.Logf("%s got %s", sta.Iface, ip)
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatalf("no traffic across the air: %v", err)
	}
	if err := d.WaitLog("msg=connected", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(d.StateDir, "labnet.psk")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "PreSharedKey=") || !strings.Contains(string(b), "Passphrase=correct horse battery") {
		t.Errorf("network file after connect:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("network file mode %v, want 0600", fi.Mode().Perm())
	}
	if logHasSecret(d.Log, "correct horse battery") {
		t.Error("the passphrase appears in wifid's log")
	}
}

// TestWifidAutoconnectOpen: an open network with a .open file.
func TestWifidAutoconnectOpen(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{openAP(0, "cafe")}})
	sta := lab.Radios[1]
	lab.StartWifid(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		MainConf: wifidNetconf,
		Networks: map[string]string{"cafe.open": ""},
	})
	ip, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
	if err != nil {
		t.Fatalf("wifid did not connect: %v", err)
	}
	t.Logf("%s got %s", sta.Iface, ip)
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
}

func logHasSecret(path, secret string) bool {
	b, _ := os.ReadFile(path)
	return strings.Contains(string(b), secret)
}
