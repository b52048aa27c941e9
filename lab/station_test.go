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

// waitNoIPv4 waits until iface has lost its IPv4 address.
func waitNoIPv4(t *testing.T, lab *labenv.Lab, iface string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := lab.WaitIPv4(iface, 0); err != nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s kept its address for %s", iface, timeout)
}

// TestWifidReconnectsWhenAPReturns: the AP goes away, wifid goes back to
// scanning, and connects again when the AP is back.
func TestWifidReconnectsWhenAPReturns(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatalf("first connect: %v", err)
	}
	lab.StopAP(0)
	if err := d.WaitLog(`msg=disconnected`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	waitNoIPv4(t, lab, sta.Iface, 30*time.Second)
	lab.StartAP(0)
	if _, err := lab.WaitIPv4(sta.Iface, 120*time.Second); err != nil {
		t.Fatalf("no reconnect after the AP came back: %v", err)
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
}

// TestWifidWrongPassphraseDoesNotLoop: a known network whose passphrase is
// wrong fails with a clear reason, and autoconnect does not try it again.
func TestWifidWrongPassphraseDoesNotLoop(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=not the passphrase\n"},
	})
	if err := d.WaitLog("credentials rejected", 90*time.Second); err != nil {
		t.Fatal(err)
	}
	// Two periodic scan intervals (10 s, 20 s) pass without a second attempt.
	time.Sleep(35 * time.Second)
	b, _ := os.ReadFile(d.Log)
	if n := strings.Count(string(b), `msg=connecting`); n != 1 {
		t.Errorf("%d connect attempts, want 1 (no loop)", n)
	}
	if strings.Contains(string(b), "not the passphrase") {
		t.Error("the passphrase appears in wifid's log")
	}
	if _, err := lab.WaitIPv4(sta.Iface, 0); err == nil {
		t.Error("an address with a wrong passphrase")
	}
}

// TestWifidPicksUpNewNetworkFile: a network file dropped into the state
// directory while wifid runs is used without a restart.
func TestWifidPicksUpNewNetworkFile(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf})
	if err := d.WaitLog("scan done", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(d.StateDir, "labnet.psk")
	tmp := filepath.Join(d.StateDir, ".labnet.tmp")
	if err := os.WriteFile(tmp, []byte("[Security]\nPassphrase=correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatalf("the new network file was not used: %v", err)
	}
}

// TestWifidHiddenNetwork: a known hidden network is found by a directed
// probe and joined.
func TestWifidHiddenNetwork(t *testing.T) {
	ap := wpa2AP(0, "secretnet", "correct horse battery")
	ap.Config += "\nignore_broadcast_ssid=1"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{ap}})
	sta := lab.Radios[1]
	lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"secretnet.psk": "[Security]\nPassphrase=correct horse battery\n[Settings]\nHidden=true\n"},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatalf("hidden network not joined: %v", err)
	}
}
