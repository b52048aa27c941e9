package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/daemon/dbusapi"
)

// wifictlSysfs runs wifictl with its rfkill switches read from sysfs.
func wifictlSysfs(t *testing.T, addr, sysfs string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code = run(ctx, args, env{
		getenv: func(k string) string {
			if k == "DBUS_SYSTEM_BUS_ADDRESS" {
				return addr
			}
			return ""
		},
		stdout: &out, stderr: &errOut, sysfs: sysfs,
	})
	return out.String(), errOut.String(), code
}

// fakeSwitch makes phy0's rfkill switch in a sysfs tree under root.
func fakeSwitch(t *testing.T, root string, soft, hard bool) {
	t.Helper()
	dir := filepath.Join(root, "class", "ieee80211", "phy0", "rfkill0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := map[bool]string{false: "0\n", true: "1\n"}
	os.WriteFile(filepath.Join(dir, "soft"), []byte(b[soft]), 0o644)
	os.WriteFile(filepath.Join(dir, "hard"), []byte(b[hard]), 0o644)
}

// TestPowerSaysWhyOff: airplane mode through wifictl, and what device and
// adapter say while the radio is blocked, and by what.
func TestPowerSaysWhyOff(t *testing.T) {
	addr, _ := start(t, dbusapi.Config{})
	sysfs := t.TempDir()
	fakeSwitch(t, sysfs, false, false)
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := wifictlSysfs(t, addr, sysfs, args...)
		if code != 0 {
			t.Fatalf("wifictl %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	contains(t, "device list on", run("device", "list"), "wlan0", " on ")

	contains(t, "adapter off", run("adapter", "phy0", "set-property", "Powered", "off"), "Powered of phy0 is now off.")
	fakeSwitch(t, sysfs, true, false) // what the kernel shows once the daemon set the soft block
	contains(t, "adapter list", run("adapter", "list"), "off (blocked: airplane mode)")
	contains(t, "adapter show", run("adapter", "phy0", "show"), "To turn on", "wifictl adapter phy0 set-property Powered on")
	contains(t, "device show", run("device", "wlan0", "show"), "off (radio phy0 blocked: airplane mode)",
		"wifictl adapter phy0 set-property Powered on")
	contains(t, "status", run("status"), "powered off (radio phy0 blocked: airplane mode)")
	_, errOut, code := wifictlSysfs(t, addr, sysfs, "device", "wlan0", "set-property", "Powered", "on")
	if code != 1 || !strings.Contains(errOut, "NotAvailable") || !strings.Contains(errOut, "radio phy0 blocked: airplane mode") {
		t.Errorf("device on while blocked: exit %d: %s", code, errOut)
	}

	fakeSwitch(t, sysfs, false, true)
	contains(t, "hard block", run("device", "wlan0", "show"), "hardware switch", "software cannot clear")

	// Without sysfs (another machine's bus, a radio with no switch) the
	// adapter's Powered still says the radio is off.
	empty := t.TempDir()
	out, _, _ := wifictlSysfs(t, addr, empty, "device", "wlan0", "show")
	contains(t, "no sysfs", out, "off (radio phy0 off)")

	contains(t, "adapter on", run("adapter", "phy0", "set-property", "Powered", "on"), "Powered of phy0 is now on.")
	fakeSwitch(t, sysfs, false, false)
	contains(t, "device off", run("device", "wlan0", "set-property", "Powered", "off"), "Powered of wlan0 is now off.")
	contains(t, "device down", run("device", "wlan0", "show"), "off (interface down)", "wifictl device wlan0 set-property Powered on")
	contains(t, "device on", run("device", "wlan0", "set-property", "Powered", "on"), "Powered of wlan0 is now on.")
	contains(t, "device up", run("device", "list"), " on ")

	_, errOut, code = wifictlSysfs(t, addr, sysfs, "device", "wlan0", "set-property", "Mode", "ap")
	if code != 2 || !strings.Contains(errOut, "only Powered") {
		t.Errorf("set-property Mode: exit %d: %s", code, errOut)
	}
	_, errOut, code = wifictlSysfs(t, addr, sysfs, "adapter", "phy0", "set-property", "Powered", "maybe")
	if code != 1 || !strings.Contains(errOut, `not "maybe"`) {
		t.Errorf("Powered maybe: exit %d: %s", code, errOut)
	}
}
