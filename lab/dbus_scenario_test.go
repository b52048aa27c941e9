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

// waitGone waits (reading the file system, once a second) until path is
// gone.
func waitGone(path string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Second)
	}
}

// TestIwctlScenario: issue 8's iwctl scenario against wifid: scan,
// get-networks, connect with --passphrase, show, known-networks list, and
// forget, which removes the network file and disconnects.
func TestIwctlScenario(t *testing.T) {
	const pass = "correct horse battery"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, APs: []labenv.AP{wpa2AP(0, "labnet", pass)}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	waitIwctl(t, lab, sta.Iface, 30*time.Second, "device", "list")
	iwctl(t, lab, "station", sta.Iface, "scan")
	nets := waitIwctl(t, lab, "labnet", 60*time.Second, "station", sta.Iface, "get-networks")
	t.Logf("iwctl station %s get-networks:\n%s", sta.Iface, nets)
	iwctl(t, lab, "--passphrase", pass, "station", sta.Iface, "connect", "labnet")
	show := waitIwctl(t, lab, "connected", 60*time.Second, "station", sta.Iface, "show")
	t.Logf("iwctl station %s show:\n%s", sta.Iface, show)
	if !strings.Contains(show, "labnet") {
		t.Errorf("station show names no labnet:\n%s", show)
	}
	known := iwctl(t, lab, "known-networks", "list")
	if !strings.Contains(known, "labnet") {
		t.Errorf("known-networks list:\n%s", known)
	}
	file := filepath.Join(d.StateDir, "labnet.psk")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("after connecting: %v", err)
	}
	iwctl(t, lab, "known-networks", "labnet", "forget")
	if !waitGone(file, 15*time.Second) {
		t.Errorf("%s still there after forget", file)
	}
	waitIwctl(t, lab, "disconnected", 30*time.Second, "station", sta.Iface, "show")
	if known := iwctl(t, lab, "known-networks", "list"); strings.Contains(known, "labnet") {
		t.Errorf("known-networks list after forget:\n%s", known)
	}
	if logHasSecret(d.Log, pass) {
		t.Error("the passphrase appears in wifid's log")
	}
	if ok, err := d.Exited(); ok {
		t.Errorf("wifid exited: %v", err)
	}
}
