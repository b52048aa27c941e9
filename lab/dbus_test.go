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

// iwctl runs Debian's iwctl against whichever daemon owns net.connman.iwd.
func iwctl(t *testing.T, lab *labenv.Lab, args ...string) string {
	t.Helper()
	out, err := lab.Output(append([]string{"iwctl"}, args...)...)
	if err != nil {
		t.Fatalf("iwctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// waitIwctl polls `iwctl ARGS` once a second (no tighter: spawning
// processes starves the guest) until its output contains want.
func waitIwctl(t *testing.T, lab *labenv.Lab, want string, timeout time.Duration, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, _ := lab.Output(append([]string{"iwctl"}, args...)...)
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("iwctl %s: no %q within %s; last output:\n%s", strings.Join(args, " "), want, timeout, out)
		}
		time.Sleep(time.Second)
	}
}

// TestIwctlDrivesWifid: the real iwctl scans, lists networks, connects with
// its own agent answering the passphrase, shows the connection, lists the
// new known network, and disconnects, all against wifid.
func TestIwctlDrivesWifid(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true,
		APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	waitIwctl(t, lab, sta.Iface, 30*time.Second, "device", "list")
	iwctl(t, lab, "station", sta.Iface, "scan")
	out := waitIwctl(t, lab, "labnet", 60*time.Second, "station", sta.Iface, "get-networks")
	t.Logf("get-networks:\n%s", out)
	out = iwctl(t, lab, "--passphrase", "correct horse battery", "station", sta.Iface, "connect", "labnet")
	t.Logf("connect: %s", out)
	show := waitIwctl(t, lab, "connected", 30*time.Second, "station", sta.Iface, "show")
	if !strings.Contains(show, "labnet") {
		t.Errorf("station show:\n%s", show)
	}
	if _, err := lab.WaitIPv4(sta.Iface, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
	known := iwctl(t, lab, "known-networks", "list")
	if !strings.Contains(known, "labnet") {
		t.Errorf("known-networks list:\n%s", known)
	}
	b, err := os.ReadFile(filepath.Join(d.StateDir, "labnet.psk"))
	if err != nil || !strings.Contains(string(b), "PreSharedKey=") {
		t.Errorf("labnet.psk after an agent connect: %v\n%s", err, b)
	}
	iwctl(t, lab, "station", sta.Iface, "disconnect")
	waitIwctl(t, lab, "disconnected", 30*time.Second, "station", sta.Iface, "show")
	if logHasSecret(d.Log, "correct horse battery") {
		t.Error("the passphrase appears in wifid's log")
	}
}
