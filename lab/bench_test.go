//go:build lab && bench

package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/lab/bench"
	"wifid/lab/labenv"
	"wifid/lab/netns"
)

// The bench's network, the same file for wifid and iwd.
const (
	benchSSID       = "labnet"
	benchPassphrase = "correct horse battery"
	// benchMainConf is the main.conf both daemons get: their own DHCP and
	// no resolver, so the figures are the same work.
	benchMainConf = "[General]\nEnableNetworkConfiguration=true\n[Network]\nNameResolvingService=none\n"
	benchTimeout  = 90 * time.Second // per connect: the guest is slow
)

// TestBench (make bench) runs wifid and Debian's iwd in turn, A B A B ...,
// BENCH_RUNS times each (default 5), on the same radios and access point,
// with wpa_supplicant in every round as a third reference. Each run
// measures, from the daemon's exec to the kernel's events (rtnetlink,
// in-process): the cold start to a DHCP address and the operstate going
// up, then a reconnect (Station.Disconnect, Network.Connect over D-Bus) to
// the address again; and from /proc the CPU time to the first address and
// RSS and peak RSS once connected. It prints a Markdown table and writes
// bench.json, bench.md and bench-timeline.svg (each connect's phases, from
// wifid's LastConnect; one grey bar for a daemon without a timeline) into
// the results folder. It fails only when a
// daemon never connected: the numbers are reported, never judged.
func TestBench(t *testing.T) {
	runs := benchRuns(t)
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
		APs: []labenv.AP{wpa2AP(0, benchSSID, benchPassphrase)}})
	sta := lab.Radios[1]
	b := &benchVM{t: t, lab: lab, phy: sta.Phy, iface: sta.Iface, debug: os.Getenv("BENCH_DEBUG") != ""}

	daemons := []string{"wifid", "iwd", "wpa_supplicant"}
	if env := benchVariantEnv(); env != nil {
		// An experiment: wifid again, with the environment it names, in
		// the same VM run (so the host's load is the same for both).
		daemons = []string{"wifid", benchVariant, "iwd", "wpa_supplicant"}
		t.Logf("%s is wifid with %q", benchVariant, env)
	}
	var results []bench.Run
	for round := 1; round <= runs; round++ {
		for _, d := range daemons {
			var r bench.Run
			if d == "wpa_supplicant" {
				r = b.runWpaSupplicant(round)
			} else {
				r = b.runDaemon(d, round)
			}
			if r.Err != "" {
				t.Logf("%s round %d: %s", d, round, r.Err)
			} else {
				t.Logf("%s round %d: %s", d, round, bench.FmtFigures(r.Figures))
			}
			results = append(results, r)
		}
	}
	sizes := map[string]bench.BinarySize{
		"wifid":          b.size(filepath.Join(lab.Bin, "wifid")),
		"iwd":            b.size("/usr/libexec/iwd"),
		"wpa_supplicant": b.size("/usr/sbin/wpa_supplicant"),
	}
	rep := bench.NewReport(runs, daemons, results, sizes)
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(lab.Dir, "bench.json"), js, 0o644); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(filepath.Join(lab.Dir, "bench.md"), []byte(rep.Table), 0o644); err != nil {
		t.Error(err)
	}
	title := fmt.Sprintf("Connect phases: wifid (LastConnect), iwd, wpa_supplicant; %d runs each, one VM run", runs)
	if err := os.WriteFile(filepath.Join(lab.Dir, "bench-timeline.svg"), bench.Chart(title, results), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("bench: wifid vs iwd vs wpa_supplicant, same VM run\n\n%s", rep.Table)
	everyDaemonConnected(t, daemons, results, runs)
}

// TestBenchProfile (make bench) runs wifid's profiling build
// (bin/wifid-profile, cmd/wifid/profile.go) through the bench's cold start
// and reconnect three times; once connected again each run writes
// profile-N/cpu.pprof (exec to then), heap.pprof (in use) and
// goroutine.txt into the results folder; make bench prints their top
// entries (go tool pprof on the host).
func TestBenchProfile(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
		APs: []labenv.AP{wpa2AP(0, benchSSID, benchPassphrase)}})
	sta := lab.Radios[1]
	b := &benchVM{t: t, lab: lab, phy: sta.Phy, iface: sta.Iface}
	for round := 1; round <= 3; round++ {
		dir := filepath.Join(lab.Dir, fmt.Sprintf("profile-%d", round))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		b.mod = func(o *labenv.DaemonOptions) {
			o.Bin = filepath.Join(lab.Bin, "wifid-profile")
			o.Env = append(o.Env, "WIFID_PROFILE_DIR="+dir)
		}
		r := b.runDaemon("wifid", round)
		if r.Err != "" {
			t.Errorf("profiling run %d: %s", round, r.Err)
			continue
		}
		t.Logf("profiling run %d: %s", round, bench.FmtFigures(r.Figures))
	}
}

// everyDaemonConnected fails the bench when a daemon never connected: the
// figures are reported, never judged.
func everyDaemonConnected(t *testing.T, daemons []string, results []bench.Run, runs int) {
	for _, d := range daemons {
		ok := 0
		for _, r := range results {
			if r.Daemon == d && r.Err == "" {
				ok++
			}
		}
		if ok == 0 {
			t.Errorf("%s connected in none of %d runs (see %s.log)", d, runs, d)
		}
	}
}

// benchVariant is the name of wifid's second entry in TestBench when
// BENCH_WIFID_VARIANT names an environment to try ("GOMAXPROCS=1
// GODEBUG=asyncpreemptoff=1"): an A/B experiment within one VM run.
const benchVariant = "wifid-variant"

// benchVariantEnv is BENCH_WIFID_VARIANT split into NAME=value words (nil
// when unset).
func benchVariantEnv() []string {
	return strings.Fields(os.Getenv("BENCH_WIFID_VARIANT"))
}

// isWifid says whether a bench entry runs wifid (itself or its variant).
func isWifid(name string) bool { return name == "wifid" || name == benchVariant }

// benchRuns is BENCH_RUNS, 5 by default.
func benchRuns(t *testing.T) int {
	runs := 5
	if s := os.Getenv("BENCH_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("BENCH_RUNS=%q: want a positive number", s)
		}
		runs = n
	}
	return runs
}

// TestBenchEnterprise (make bench): the same runs as TestBench, wifid and
// iwd in turn, on a WPA2-Enterprise network: PEAP with MSCHAPv2 inside,
// the server checked against a CA and a domain mask, hostapd's own EAP
// server. Cold start to address, reconnect, CPU and memory, with the
// ratio to iwd; bench.md in its results folder.
func TestBenchEnterprise(t *testing.T) {
	runs := benchRuns(t)
	certs := netns.NewCertsRSA(t, filepath.Join(t.TempDir(), "pki")) // iwd 2.3 takes no ECDSA server certificate
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
		APs: []labenv.AP{enterpriseAP(t, 0, "corp", certs)}})
	sta := lab.Radios[1]
	b := &benchVM{t: t, lab: lab, phy: sta.Phy, iface: sta.Iface, debug: os.Getenv("BENCH_DEBUG") != "",
		networks: map[string]string{"corp.8021x": peapFile("EAP-PEAP-CACert=" + certs.CAFile + "\nEAP-PEAP-ServerDomainMask=*.wifid.test\n")}}
	daemons := []string{"wifid", "iwd"}
	var results []bench.Run
	for round := 1; round <= runs; round++ {
		for _, d := range daemons {
			r := b.runDaemon(d, round)
			if r.Err != "" {
				t.Logf("%s round %d: %s", d, round, r.Err)
			} else {
				t.Logf("%s round %d: %s", d, round, bench.FmtFigures(r.Figures))
			}
			results = append(results, r)
		}
	}
	sizes := map[string]bench.BinarySize{"wifid": b.size(filepath.Join(lab.Bin, "wifid")), "iwd": b.size("/usr/libexec/iwd")}
	rep := bench.NewReport(runs, daemons, results, sizes)
	if err := os.WriteFile(filepath.Join(lab.Dir, "bench.md"), []byte(rep.Table), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("bench: wifid vs iwd on WPA2-Enterprise (PEAP/MSCHAPv2), same VM run\n\n%s", rep.Table)
	everyDaemonConnected(t, daemons, results, runs)
}

type benchVM struct {
	t     *testing.T
	lab   *labenv.Lab
	phy   string // the station's radio
	iface string // its interface's name at boot
	debug bool   // BENCH_DEBUG: start the daemons with -d
	// networks are the network files both daemons get (nil: the PSK
	// network benchSSID).
	networks map[string]string
	// mod, when set, has a last say on wifid's options (the profiling
	// run's executable and environment).
	mod func(*labenv.DaemonOptions)
}

// stationIface is the station radio's interface now: iwd replaces the
// interface it finds with one it creates, so the name is looked up each run.
// An interface still listed by the radio but gone from the kernel (being
// destroyed) does not count.
func (b *benchVM) stationIface() (string, error) {
	ents, err := os.ReadDir(filepath.Join("/sys/class/ieee80211", b.phy, "device", "net"))
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "wlan") {
			continue
		}
		if _, err := net.InterfaceByName(e.Name()); err == nil {
			return e.Name(), nil
		}
	}
	return "", fmt.Errorf("no wlan interface on %s", b.phy)
}

// reset leaves the station interface as after boot: down, no address, so
// every run is a cold start whatever the previous daemon left behind.
//
// iwd creates its interface as the owner of its netlink socket, so the
// kernel destroys that interface (a moment later) when iwd exits; when the
// radio has none left, one is created with the name the radio had at boot.
func (b *benchVM) reset() (string, error) {
	time.Sleep(time.Second) // let the kernel finish with the last daemon's interface
	iface, err := b.stationIface()
	if err != nil {
		time.Sleep(time.Second)
		iface, err = b.stationIface()
	}
	if err != nil {
		if out, err := b.lab.Output("iw", "phy", b.phy, "interface", "add", b.iface, "type", "managed"); err != nil {
			return "", fmt.Errorf("iw phy %s interface add %s: %v: %s", b.phy, b.iface, err, out)
		}
		if iface, err = b.stationIface(); err != nil {
			return "", err
		}
	}
	if out, err := b.lab.Output("ip", "-4", "addr", "flush", "dev", iface); err != nil {
		return "", fmt.Errorf("ip addr flush dev %s: %v: %s", iface, err, out)
	}
	if out, err := b.lab.Output("ip", "link", "set", iface, "down"); err != nil {
		return "", fmt.Errorf("ip link set %s down: %v: %s", iface, err, out)
	}
	return iface, nil
}

// runDaemon is one run of wifid or iwd: cold start to address, reconnect
// to address, /proc figures.
func (b *benchVM) runDaemon(name string, round int) (r bench.Run) {
	r = bench.Run{Daemon: name, Round: round, Figures: map[string]float64{}}
	if _, err := b.reset(); err != nil {
		r.Err = err.Error()
		return r
	}
	w, err := bench.WatchPhy(b.phy)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer w.Close()
	opts := labenv.DaemonOptions{
		Phys:     []string{b.phy},
		MainConf: benchMainConf,
		Networks: b.networks,
	}
	if opts.Networks == nil {
		opts.Networks = map[string]string{benchSSID + ".psk": "[Security]\nPassphrase=" + benchPassphrase + "\n"}
	}
	if b.debug {
		opts.Args = []string{"-d"}
	}
	if b.mod != nil && name == "wifid" {
		b.mod(&opts)
	}
	if name == benchVariant {
		opts.Env = append(opts.Env, benchVariantEnv()...)
	}
	logName := name
	if isWifid(name) {
		logName = "wifid" // the variant too: StartWifid's log
	}
	logPath := filepath.Join(b.lab.Dir, logName+".log")
	var logStart int64
	if fi, err := os.Stat(logPath); err == nil {
		logStart = fi.Size()
	}
	pos := w.Mark()
	start := time.Now()
	var d *labenv.Daemon
	if isWifid(name) {
		d = b.lab.StartWifid(opts)
	} else {
		d = b.lab.StartIwd(opts)
	}
	cpu := bench.SampleCPU(d.Pid(), start)
	defer func() {
		samples := cpu.Stop()
		d.Stop()
		if isWifid(name) {
			r.Timelines = bench.LogTimelines(d.Log, logStart)
			bench.WifidMilestones(d.Log, logStart, start, r.Figures)
			// CPU spent before the station ran, and in the first scan.
			if up, ok := r.Figures[bench.FigStationUp]; ok {
				r.Figures[bench.FigCPUStationUp] = samples.At(up)
				if scan, ok := r.Figures[bench.FigFirstScan]; ok {
					r.Figures[bench.FigCPUFirstScan] = samples.At(up+scan) - samples.At(up)
				}
			}
		}
	}()

	ev, next, err := w.Wait(pos, benchTimeout, bench.IsAddrAdd)
	if err != nil {
		r.Err = fmt.Sprintf("cold start: no IPv4 address within %s (%v)", benchTimeout, err)
		return r
	}
	ps, perr := bench.ReadProc(d.Pid())
	r.Figures[bench.FigCold] = bench.Millis(ev.At.Sub(start))
	cold := bench.Connect{What: bench.ConnectCold, TotalMs: r.Figures[bench.FigCold]}
	if up, ok := w.First(pos, bench.IsOperUp); ok {
		r.Figures[bench.FigLinkUp] = bench.Millis(up.At.Sub(start))
	}
	if perr == nil {
		r.Figures[bench.FigCPU] = bench.Millis(ps.CPU)
	}
	if isWifid(name) {
		// Read after the figures: the bus traffic is not in them.
		cold.Phases = b.wifidPhases("autoconnect", start)
	}
	r.Connects = append(r.Connects, cold)

	recStart, rec, err := b.reconnect(w, next, ev.Ifname)
	if err != nil {
		r.Err = "reconnect: " + err.Error()
		return r
	}
	r.Figures[bench.FigReconnect] = bench.Millis(rec)
	re := bench.Connect{What: bench.ConnectReconnect, TotalMs: r.Figures[bench.FigReconnect]}
	if isWifid(name) {
		re.Phases = b.wifidPhases("connect", recStart)
	}
	r.Connects = append(r.Connects, re)
	time.Sleep(time.Second) // connected and settled
	if ps, err := bench.ReadProc(d.Pid()); err == nil {
		r.Figures[bench.FigRSS] = float64(ps.RSSKiB)
		r.Figures[bench.FigPeakRSS] = float64(ps.HWMKiB)
		r.Figures[bench.FigRSSAnon] = float64(ps.AnonKiB)
	}
	if b.mod != nil && name == "wifid" {
		// Where the resident memory is, mapping by mapping; then the
		// profiling build writes its profiles on SIGUSR2.
		if dir := profileDir(opts.Env); dir != "" {
			if smaps, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", d.Pid())); err == nil {
				os.WriteFile(filepath.Join(dir, "smaps.txt"), smaps, 0o644)
			}
		}
		b.profileNow(d.Pid(), opts.Env)
	}
	return r
}

// profileNow asks the profiling build (pid) to write its profiles into
// the WIFID_PROFILE_DIR of env and waits until it has.
func (b *benchVM) profileNow(pid int, env []string) {
	dir := profileDir(env)
	os.Remove(filepath.Join(dir, "done"))
	if err := syscall.Kill(pid, syscall.SIGUSR2); err != nil {
		b.t.Errorf("profile: %v", err)
		return
	}
	for range 100 {
		if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Errorf("profile: no profiles in %s after SIGUSR2", dir)
}

// profileDir is the WIFID_PROFILE_DIR of env ("" if none).
func profileDir(env []string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "WIFID_PROFILE_DIR="); ok {
			return v
		}
	}
	return ""
}

// iwd's D-Bus names (wifid serves the same).
const (
	iwdService   = "net.connman.iwd"
	iwdStation   = "net.connman.iwd.Station"
	iwdNetwork   = "net.connman.iwd.Network"
	wifidStation = "net.connman.wifid.Station" // wifid's own: LastConnect
	dbusObjMgr   = "org.freedesktop.DBus.ObjectManager.GetManagedObjects"
	dbusPropGet  = "org.freedesktop.DBus.Properties.Get"
)

// reconnect disconnects the station through D-Bus, waits until it is
// disconnected and its address gone, then connects to the same network
// again and returns when it called Connect and the time from the call to
// the new address.
func (b *benchVM) reconnect(w *bench.Watch, pos int, iface string) (time.Time, time.Duration, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("system bus: %w", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*benchTimeout)
	defer cancel()
	stPath, err := findStation(ctx, conn)
	if err != nil {
		return time.Time{}, 0, err
	}
	st := conn.Object(iwdService, stPath)
	var netPath dbus.ObjectPath
	if err := st.CallWithContext(ctx, dbusPropGet, 0, iwdStation, "ConnectedNetwork").Store(&netPath); err != nil {
		return time.Time{}, 0, fmt.Errorf("Station.ConnectedNetwork: %w", err)
	}
	if err := st.CallWithContext(ctx, iwdStation+".Disconnect", 0).Err; err != nil {
		return time.Time{}, 0, fmt.Errorf("Station.Disconnect: %w", err)
	}
	if err := waitState(ctx, st, "disconnected"); err != nil {
		return time.Time{}, 0, err
	}
	if hasIPv4(iface) {
		w.Wait(pos, 15*time.Second, bench.IsAddrDel)
		if hasIPv4(iface) {
			return time.Time{}, 0, fmt.Errorf("%s keeps its IPv4 address after Station.Disconnect", iface)
		}
	}
	time.Sleep(time.Second)
	pos = w.Mark()
	start := time.Now()
	callErr := make(chan error, 1)
	go func() {
		callErr <- conn.Object(iwdService, netPath).CallWithContext(ctx, iwdNetwork+".Connect", 0).Err
	}()
	ev, _, err := w.Wait(pos, benchTimeout, bench.IsAddrAdd)
	if err != nil {
		select {
		case cerr := <-callErr:
			return time.Time{}, 0, fmt.Errorf("no address within %s after Network.Connect (%v)", benchTimeout, cerr)
		default:
			return time.Time{}, 0, fmt.Errorf("no address within %s after Network.Connect (call pending)", benchTimeout)
		}
	}
	if err := <-callErr; err != nil {
		return time.Time{}, 0, fmt.Errorf("Network.Connect: %w", err)
	}
	return start, ev.At.Sub(start), nil
}

// findStation returns the path of the one station object.
func findStation(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error) {
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := conn.Object(iwdService, "/").CallWithContext(ctx, dbusObjMgr, 0).Store(&objs); err != nil {
		return "", fmt.Errorf("GetManagedObjects: %w", err)
	}
	for p, ifaces := range objs {
		if _, ok := ifaces[iwdStation]; ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s object", iwdStation)
}

// wifidPhases reads wifid's record of its latest connect attempt
// (net.connman.wifid.Station.LastConnect, the record its log and wifictl
// show) once it has an outcome and is of that kind, and returns its phases
// with offsets from mark (the record's StartTime is to the millisecond,
// its phases to the microsecond). None if the record cannot be had.
func (b *benchVM) wifidPhases(kind string, mark time.Time) []bench.Phase {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		b.t.Logf("wifid's timeline: system bus: %v", err)
		return nil
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stPath, err := findStation(ctx, conn)
	if err != nil {
		b.t.Logf("wifid's timeline: %v", err)
		return nil
	}
	st := conn.Object(iwdService, stPath)
	for {
		var v dbus.Variant
		err := st.CallWithContext(ctx, dbusPropGet, 0, wifidStation, "LastConnect").Store(&v)
		lc, _ := v.Value().(map[string]dbus.Variant)
		outcome, _ := lc["Outcome"].Value().(string)
		if err == nil && outcome != "" && lc["Kind"].Value() == kind {
			return bench.LastConnectPhases(lc, mark)
		}
		select {
		case <-ctx.Done():
			b.t.Logf("wifid's timeline: no finished %s attempt in LastConnect (%v): %v", kind, err, lc)
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitState reads Station.State (in-process, four times a second) until it
// is want.
func waitState(ctx context.Context, st dbus.BusObject, want string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var state string
	for {
		v, err := st.GetProperty(iwdStation + ".State")
		if err == nil {
			state, _ = v.Value().(string)
			if state == want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Station.State %q, not %q, after 30s", state, want)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// runWpaSupplicant is one run of wpa_supplicant: start to associated (its
// own CTRL-EVENT-CONNECTED and the kernel's operstate), CPU and RSS.
func (b *benchVM) runWpaSupplicant(round int) bench.Run {
	r := bench.Run{Daemon: "wpa_supplicant", Round: round, Figures: map[string]float64{}}
	iface, err := b.reset()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	conf := filepath.Join(b.lab.Dir, "wpa_supplicant.conf")
	body := fmt.Sprintf("network={\n\tssid=%q\n\tkey_mgmt=WPA-PSK\n\tpsk=%q\n}\n", benchSSID, benchPassphrase)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		r.Err = err.Error()
		return r
	}
	w, err := bench.WatchPhy(b.phy)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer w.Close()
	// A log per run: Process.WaitLog reads the whole file, and the last
	// run's CTRL-EVENT-CONNECTED must not end this one's wait.
	logName := fmt.Sprintf("wpa_supplicant-%d", round)
	logPath := filepath.Join(b.lab.Dir, logName+".log")
	var logStart int64
	argv := []string{"wpa_supplicant", "-t", "-i", iface, "-D", "nl80211", "-c", conf}
	if b.debug {
		argv = append(argv, "-d")
	}
	pos := w.Mark()
	start := time.Now()
	p := b.lab.Start(logName, nil, argv...)
	defer p.Stop()
	if err := p.WaitLog("CTRL-EVENT-CONNECTED", benchTimeout); err != nil {
		r.Err = err.Error()
		return r
	}
	if ps, err := bench.ReadProc(p.Pid()); err == nil {
		r.Figures[bench.FigCPU] = bench.Millis(ps.CPU)
	}
	if at, ok := bench.WpaConnectedAt(logPath, logStart); ok {
		r.Figures[bench.FigConnected] = bench.Millis(at.Sub(start))
		r.Connects = append(r.Connects, bench.Connect{What: bench.ConnectCold, TotalMs: r.Figures[bench.FigConnected], Until: "CTRL-EVENT-CONNECTED"})
	}
	if up, _, err := w.Wait(pos, 5*time.Second, bench.IsOperUp); err == nil {
		r.Figures[bench.FigLinkUp] = bench.Millis(up.At.Sub(start))
	}
	time.Sleep(time.Second)
	if ps, err := bench.ReadProc(p.Pid()); err == nil {
		r.Figures[bench.FigRSS] = float64(ps.RSSKiB)
		r.Figures[bench.FigPeakRSS] = float64(ps.HWMKiB)
		r.Figures[bench.FigRSSAnon] = float64(ps.AnonKiB)
	}
	return r
}

// size is the binary's size and that of the shared libraries ldd lists,
// glibc's own (libc, libm, the loader, ...) left out as every daemon
// shares them.
func (b *benchVM) size(path string) bench.BinarySize {
	s := bench.BinarySize{Path: path, Libs: map[string]int64{}}
	if fi, err := os.Stat(path); err == nil {
		s.Bytes = fi.Size()
	}
	s.WithLibs = s.Bytes
	out, err := b.lab.Output("ldd", path)
	if err != nil {
		if !strings.Contains(out, "not a dynamic executable") {
			s.LinkError = strings.TrimSpace(out)
		}
		return s
	}
	for _, l := range strings.Split(out, "\n") {
		_, lib, ok := strings.Cut(l, "=>")
		if !ok {
			continue
		}
		f := strings.Fields(lib)
		if len(f) == 0 || !strings.HasPrefix(f[0], "/") || glibcLib(f[0]) {
			continue
		}
		real, err := filepath.EvalSymlinks(f[0])
		if err != nil {
			continue
		}
		if fi, err := os.Stat(real); err == nil {
			s.Libs[filepath.Base(f[0])] = fi.Size()
			s.WithLibs += fi.Size()
		}
	}
	return s
}

func glibcLib(path string) bool {
	base := filepath.Base(path)
	for _, p := range []string{"libc.so", "libm.so", "ld-linux", "libpthread.so", "libdl.so", "librt.so", "libresolv.so"} {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	return false
}
