package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

var air = []dbusapi.Network{
	{NetworkID: dbusapi.NetworkID{SSID: "Cafe Open", Type: "open"}, Signal: -6500},
	{NetworkID: dbusapi.NetworkID{SSID: "home", Type: "psk"}, Signal: -4200,
		BSS: []dbusapi.BSS{{Address: net.HardwareAddr{2, 0, 0, 0, 2, 1}, Frequency: 2412, RSSI: -42}}},
}

// syncBuffer is a bytes.Buffer safe for the watch goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, cfg dbusapi.Config) (string, *dbustest.Fake) {
	t.Helper()
	addr := dbustest.StartBus(t)
	f := dbustest.NewFake(cfg, air, map[string]string{"home": "correct horse"})
	f.Serve(t, addr)
	return addr, f
}

func wifictl(t *testing.T, addr string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return wifictlSysfs(t, addr, t.TempDir(), args...) // no rfkill switches
}

func contains(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

func TestStatusScanConnect(t *testing.T) {
	addr, f := start(t, dbusapi.Config{})
	out, _, code := wifictl(t, addr)
	if code != 0 {
		t.Fatalf("status exit %d", code)
	}
	contains(t, "status", out, "Device wlan0 (02:00:00:00:00:01) on phy0: powered on, mode station", "State:     disconnected")

	out, errOut, code := wifictl(t, addr, "scan")
	if code != 0 {
		t.Fatalf("scan exit %d: %s", code, errOut)
	}
	contains(t, "scan", out, "home", "psk", "-42 dBm", "Cafe Open", "open", "-65 dBm")
	if strings.Index(out, "home") > strings.Index(out, "Cafe Open") {
		t.Errorf("scan: not in rank order:\n%s", out)
	}

	// No passphrase and no terminal: the agent refuses, iwd's Aborted.
	_, errOut, code = wifictl(t, addr, "connect", "home")
	if code != 1 {
		t.Errorf("connect without passphrase: exit %d", code)
	}
	contains(t, "connect without passphrase", errOut, "--passphrase", "net.connman.iwd.Aborted")

	_, errOut, code = wifictl(t, addr, "connect", "home", "--passphrase", "wrong passphrase")
	if code != 1 {
		t.Errorf("connect with a wrong passphrase: exit %d", code)
	}
	contains(t, "wrong passphrase", errOut, "net.connman.iwd.Failed")

	out, errOut, code = wifictl(t, addr, "connect", "home", "--passphrase", "correct horse")
	if code != 0 {
		t.Fatalf("connect: exit %d: %s", code, errOut)
	}
	contains(t, "connect", out, "Connected to home on wlan0.")
	if st := f.State(); st.State != dbusapi.StateConnected || st.Connected.SSID != "home" {
		t.Errorf("state after connect: %+v", st)
	}
	out, _, _ = wifictl(t, addr, "status")
	contains(t, "status connected", out, "State:     connected", "Network:   home (psk)")

	out, _, _ = wifictl(t, addr, "scan", "wlan0")
	contains(t, "scan connected", out, "> home", "known")

	out, _, _ = wifictl(t, addr, "known")
	contains(t, "known", out, "home", "psk", "no", "yes")

	out, _, code = wifictl(t, addr, "disconnect")
	contains(t, "disconnect", out, "Disconnected wlan0.")
	if code != 0 || f.State().State != dbusapi.StateDisconnected {
		t.Errorf("disconnect: exit %d, state %+v", code, f.State())
	}

	out, _, code = wifictl(t, addr, "known", "forget", "home")
	contains(t, "forget", out, "Forgot home (psk).")
	_, errOut, code = wifictl(t, addr, "known", "forget", "home")
	if code != 1 {
		t.Errorf("forget twice: exit %d", code)
	}
	contains(t, "forget twice", errOut, "not a known network")

	_, errOut, code = wifictl(t, addr, "connect", "nowhere", "--passphrase", "x")
	contains(t, "connect nowhere", errOut, `no network named "nowhere"`, "net.connman.iwd.NotFound")

	_, errOut, code = wifictl(t, addr, "scan", "wlan7")
	contains(t, "scan wlan7", errOut, "no station named wlan7 (stations: wlan0)")

	_, _, code = wifictl(t, addr, "frobnicate")
	if code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

func TestNoDaemon(t *testing.T) {
	addr := dbustest.StartBus(t)
	_, errOut, code := wifictl(t, addr, "status")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	contains(t, "no daemon", errOut, "net.connman.iwd is not owned")
}

func TestWatch(t *testing.T) {
	addr, _ := start(t, dbusapi.Config{Developer: true})
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"watch"}, env{getenv: func(k string) string {
			if k == "DBUS_SYSTEM_BUS_ADDRESS" {
				return addr
			}
			return ""
		}, stdout: &out, stderr: &out})
	}()
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("watch printed no %q:\n%s", what, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("watching net.connman.iwd")
	if _, errOut, code := wifictl(t, addr, "connect", "home", "--passphrase", "correct horse"); code != 0 {
		t.Fatalf("connect: %s", errOut)
	}
	waitFor("wlan0 Station Scanning=true")
	waitFor("wlan0 Station Scanning=false")
	waitFor("+ home Network")
	waitFor("+ 02:00:00:00:02:01 BasicServiceSet")
	waitFor("wlan0 Station Affinities=[] ConnectedAccessPoint=02:00:00:00:02:01 ConnectedNetwork=home State=connecting")
	waitFor("home Network Connected=true")
	waitFor("wlan0 Event state connected")
	waitFor("wlan0 wifid.Station LastConnect=(connect home via 02:00:00:00:02:01: connected in 400 ms)")
	wifictl(t, addr, "disconnect")
	waitFor("wlan0 Station State=disconnecting Affinities=(none) ConnectedAccessPoint=(none) ConnectedNetwork=(none)")
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("watch exit %d", code)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if len(line) < 13 || line[2] != ':' || line[8] != '.' {
			t.Errorf("line without a timestamp: %q", line)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, words, err := parseOptions([]string{"connect", "home", "--passphrase", "a b", "--iface=wlan1", "--json", "--", "--odd"})
	if err != nil {
		t.Fatal(err)
	}
	if o.pass == nil || *o.pass != "a b" || o.iface != "wlan1" || !o.json || strings.Join(words, "|") != "connect|home|--odd" {
		t.Errorf("options %+v, words %q", o, words)
	}
	if _, _, err := parseOptions([]string{"--passphrase"}); err == nil {
		t.Error("--passphrase without a value: no error")
	}
	if _, _, err := parseOptions([]string{"--frob"}); err == nil {
		t.Error("unknown option: no error")
	}
}
