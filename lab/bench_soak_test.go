//go:build lab && bench

package lab

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/lab/bench"
	"wifid/lab/labenv"
)

// TestBenchSoak (make bench): wifid's profiling build connects and
// disconnects SOAK_CYCLES times (default 200; DHCP each time) and then
// roams SOAK_ROAMS times (default 50) between the two BSSes of one
// network (StationDebug.Roam, developer mode), over D-Bus as a client
// would. Every 20 cycles and 10 roams it samples RSS, anonymous RSS, open
// fds, threads and goroutines. It writes soak.json, soak.md (each resource
// after the warm-up and at the end) and soak.svg (the curves). The figures
// are reported, never judged: it fails only when a connect or roam fails.
func TestBenchSoak(t *testing.T) {
	cycles, roams := envInt("SOAK_CYCLES", 200), envInt("SOAK_ROAMS", 50)
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, DBus: true, NoPcap: true, APs: essAPs(benchSSID)})
	sta := lab.Radios[2]
	dir := filepath.Join(lab.Dir, "soak")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &benchVM{t: t, lab: lab, phy: sta.Phy, iface: sta.Iface}
	// The profiling build for its goroutine count; heap sampling off, or
	// its buckets would count as wifid's memory.
	env := []string{"WIFID_PROFILE_DIR=" + dir, "WIFID_MEMPROFILE_RATE=0"}
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-E"}, MainConf: benchMainConf, Env: env,
		Bin:      filepath.Join(lab.Bin, "wifid-profile"),
		Networks: map[string]string{benchSSID + ".psk": "[Security]\nPassphrase=" + benchPassphrase + "\n"},
	})
	defer d.Stop()
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	var stPath dbus.ObjectPath
	waitFor(t, "wifid's station on the bus", 60*time.Second, func() bool {
		stPath, err = findStation(ctx, conn)
		return err == nil
	})
	st := conn.Object(iwdService, stPath)
	netPath := stPath + "/" + dbus.ObjectPath(hex.EncodeToString([]byte(benchSSID))+"_psk")
	waitFor(t, "the network listed", 60*time.Second, func() bool {
		st.CallWithContext(ctx, iwdStation+".Scan", 0)
		waitState(ctx, st, "disconnected")
		time.Sleep(2 * time.Second)
		var v dbus.Variant
		return conn.Object(iwdService, netPath).CallWithContext(ctx, dbusPropGet, 0, iwdNetwork, "Name").Store(&v) == nil
	})
	var samples []bench.SoakSample
	sample := func(phase string, step int) {
		s, err := bench.ReadSoak(d.Pid())
		if err != nil {
			t.Fatalf("sample: %v", err)
		}
		b.profileNow(d.Pid(), env)
		if txt, err := os.ReadFile(filepath.Join(dir, "goroutine.txt")); err == nil {
			if n, ok := bench.Goroutines(txt); ok {
				s.Goroutines = n
			}
		}
		s.Phase, s.Step = phase, step
		samples = append(samples, s)
		t.Logf("%s %d: RSS %d KiB, anon %d KiB, %d fds, %d threads, %d goroutines", phase, step, s.RSSKiB, s.AnonKiB, s.FDs, s.Threads, s.Goroutines)
	}
	connect := func() {
		t.Helper()
		if err := conn.Object(iwdService, netPath).CallWithContext(ctx, iwdNetwork+".Connect", 0).Err; err != nil {
			t.Fatalf("Network.Connect: %v", err)
		}
		if err := waitState(ctx, st, "connected"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= cycles; i++ {
		connect()
		if err := st.CallWithContext(ctx, iwdStation+".Disconnect", 0).Err; err != nil {
			t.Fatalf("cycle %d: Station.Disconnect: %v", i, err)
		}
		if err := waitState(ctx, st, "disconnected"); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if i == 1 || i%20 == 0 {
			sample("connect", i)
		}
	}
	connect()
	mac := ""
	if m, err := netInterface(sta.Iface); err == nil {
		mac = m
	}
	bssids := make([]net.HardwareAddr, len(lab.APs))
	for i, ap := range lab.APs {
		out := strings.TrimSpace(lab.ExecAP("cat", "/sys/class/net/"+ap.Iface+"/address"))
		if bssids[i], err = net.ParseMAC(out); err != nil {
			t.Fatalf("AP %d's address %q: %v", i, out, err)
		}
	}
	// The BSS it joined; hostapd keeps a station that roamed away listed
	// until it times out, so the roams are counted in wifid's log.
	at := 1
	if strings.Contains(apStations(lab, 0), mac) {
		at = 0
	}
	for i := 1; i <= roams; i++ {
		to := 1 - at
		if err := st.CallWithContext(ctx, "net.connman.iwd.StationDebug.Roam", 0, []byte(bssids[to])).Err; err != nil {
			t.Fatalf("roam %d: StationDebug.Roam: %v", i, err)
		}
		waitFor(t, fmt.Sprintf("roam %d to AP %d", i, to), 30*time.Second, func() bool {
			return strings.Count(readAll(d.Log), "msg=roamed") >= i
		})
		at = to
		if err := waitState(ctx, st, "connected"); err != nil {
			t.Fatalf("roam %d: %v", i, err)
		}
		if i%10 == 0 {
			sample("roam", i)
		}
	}
	table := bench.SoakTable(samples)
	t.Logf("soak: %d connect cycles, %d roams\n%s", cycles, roams, table)
	js, _ := json.MarshalIndent(samples, "", "  ")
	os.WriteFile(filepath.Join(lab.Dir, "soak.json"), js, 0o644)
	os.WriteFile(filepath.Join(lab.Dir, "soak.md"), []byte(table), 0o644)
	os.WriteFile(filepath.Join(lab.Dir, "soak.svg"), bench.SoakChart(fmt.Sprintf("wifid over %d connect cycles and %d roams", cycles, roams), samples), 0o644)
}

// envInt reads a positive count from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
