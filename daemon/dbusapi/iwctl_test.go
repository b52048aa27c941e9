package dbusapi_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"wifid/daemon/dbusapi"
)

// Debian's iwctl (package iwd) against the server: the strongest check that
// iwd's own client understands us. ell reads DBUS_SYSTEM_BUS_ADDRESS, so
// iwctl talks to the private bus.

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[a-zA-Z]")

func iwctl(t *testing.T, addr string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("iwctl")
	if err != nil {
		t.Skip("iwctl (Debian package iwd) not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	out, err := cmd.CombinedOutput()
	text := ansi.ReplaceAllString(string(out), "")
	if err != nil {
		t.Fatalf("iwctl %s: %v\n%s", strings.Join(args, " "), err, text)
	}
	return text
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

func TestIwctl(t *testing.T) {
	if _, err := exec.LookPath("iwctl"); err != nil {
		t.Skip("iwctl (Debian package iwd) not installed")
	}
	e := setup(t, dbusapi.Config{})
	e.fake.AddKnown(dbusapi.KnownNetwork{NetworkID: dbusapi.NetworkID{SSID: "home", Type: "psk"}, AutoConnect: true,
		LastConnected: time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)})

	out := iwctl(t, e.addr, "device", "list")
	mustContain(t, "device list", out, "wlan0", "02:00:00:00:00:01", "on", "phy0", "station")

	out = iwctl(t, e.addr, "adapter", "list")
	mustContain(t, "adapter list", out, "phy0", "Fake Vendor")

	out = iwctl(t, e.addr, "station", "list")
	mustContain(t, "station list", out, "wlan0", "disconnected")

	iwctl(t, e.addr, "station", "wlan0", "scan")
	deadline := time.Now().Add(5 * time.Second)
	for e.fake.State().Scanning || len(e.managed()) < 6 {
		if time.Now().After(deadline) {
			t.Fatal("scan did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out = iwctl(t, e.addr, "station", "wlan0", "get-networks")
	mustContain(t, "get-networks", out, "psk-net", "open-net", "psk", "open")
	if strings.Index(out, "psk-net") > strings.Index(out, "open-net") {
		t.Errorf("get-networks: psk-net (stronger) should come first:\n%s", out)
	}

	out = iwctl(t, e.addr, "known-networks", "list")
	mustContain(t, "known-networks list", out, "home", "psk")

	iwctl(t, e.addr, "--passphrase", "secret123", "station", "wlan0", "connect", "psk-net")
	if st := e.fake.State(); st.State != dbusapi.StateConnected || st.Connected == nil || st.Connected.SSID != "psk-net" {
		t.Fatalf("after iwctl connect: %+v", st)
	}
	out = iwctl(t, e.addr, "station", "wlan0", "show")
	mustContain(t, "station show", out, "connected", "psk-net")

	out = iwctl(t, e.addr, "known-networks", "list")
	mustContain(t, "known-networks list after connect", out, "psk-net", "home")

	iwctl(t, e.addr, "station", "wlan0", "disconnect")
	if st := e.fake.State(); st.State != dbusapi.StateDisconnected {
		t.Errorf("after iwctl disconnect: %+v", st)
	}
	iwctl(t, e.addr, "known-networks", "psk-net", "forget")
	out = iwctl(t, e.addr, "known-networks", "list")
	if strings.Contains(out, "psk-net") {
		t.Errorf("psk-net still known after forget:\n%s", out)
	}
}
