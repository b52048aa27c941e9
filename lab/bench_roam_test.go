//go:build lab && bench

package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"wifid/lab/bench"
	"wifid/lab/hwsim"
	"wifid/lab/labenv"
)

// TestBenchRoam (make bench) measures roaming, wifid and Debian's iwd in
// turn on the same two-BSS network (essAPs: one LAN, one DHCP server). Each
// run: the daemon connects to the strong BSS; a ping every 20 ms runs to the
// AP's address; the medium then weakens that link to -85 dBm and
// strengthens the other to -35 dBm. Figures: the time from the change to
// the first reply after the roam (both daemons wait 5 s of low signal
// before they scan, as iwd does: that wait is in the figure) and the
// longest gap between replies (what a user's traffic feels). wpa_supplicant
// is left out: without bgscan configured it does not roam on signal.
func TestBenchRoam(t *testing.T) {
	runs := 5
	if s := os.Getenv("BENCH_RUNS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			runs = n
		}
	}
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, Medium: true, DBus: true, NoPcap: true, APs: essAPs(benchSSID)})
	sta := lab.Radios[2]
	links := newOfficeLinks(t, lab)
	m, r0, r1 := links.m, links.r0, links.r1
	b := &benchVM{t: t, lab: lab, phy: sta.Phy, iface: sta.Iface}
	var results []bench.RoamRun
	for round := 1; round <= runs; round++ {
		for _, d := range []string{"wifid", "iwd"} {
			m.UpdateRule(r0, func(r *hwsim.Rule) { r.Signal = -35 })
			m.UpdateRule(r1, func(r *hwsim.Rule) { r.Signal = -85 })
			r := b.runRoam(d, round, func() {
				m.UpdateRule(r0, func(r *hwsim.Rule) { r.Signal = -85 })
				m.UpdateRule(r1, func(r *hwsim.Rule) { r.Signal = -35 })
			})
			if r.Err != "" {
				t.Logf("%s round %d: %s", d, round, r.Err)
			} else {
				t.Logf("%s round %d: roam %.2f s, gap %.0f ms, %d pings lost %s", d, round, r.RoamS, r.GapMs, r.Lost, r.Timeline)
			}
			results = append(results, r)
		}
	}
	table := bench.RoamTable(results)
	t.Logf("roaming, %d runs each (median [min, max]):\n%s", runs, table)
	js, _ := json.MarshalIndent(results, "", "  ")
	os.WriteFile(filepath.Join(lab.Dir, "bench-roam.json"), js, 0o644)
	os.WriteFile(filepath.Join(lab.Dir, "bench-roam.md"), []byte(table), 0o644)
	for _, d := range []string{"wifid", "iwd"} {
		ok := false
		for _, r := range results {
			ok = ok || r.Daemon == d && r.Err == ""
		}
		if !ok {
			t.Errorf("%s never roamed", d)
		}
	}
}

// runRoam starts the daemon, waits for its address on the strong BSS,
// pings, calls weaken, and times the roam from the ping replies.
func (b *benchVM) runRoam(name string, round int, weaken func()) (r bench.RoamRun) {
	r = bench.RoamRun{Daemon: name, Round: round}
	if _, err := b.reset(); err != nil {
		r.Err = err.Error()
		return r
	}
	opts := labenv.DaemonOptions{Phys: []string{b.phy}, MainConf: benchMainConf,
		Networks: map[string]string{benchSSID + ".psk": "[Security]\nPassphrase=" + benchPassphrase + "\n"}}
	var d *labenv.Daemon
	if name == "wifid" {
		d = b.lab.StartWifid(opts)
	} else {
		d = b.lab.StartIwd(opts)
	}
	defer d.Stop()
	if _, err := b.lab.WaitIPv4(b.iface, benchTimeout); err != nil {
		r.Err = err.Error()
		return r
	}
	time.Sleep(2 * time.Second) // let the connection settle (CQM armed, DHCP done)
	pingLog := filepath.Join(b.lab.Dir, fmt.Sprintf("ping-%s-%d.txt", name, round))
	out, err := os.Create(pingLog)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer out.Close()
	ping := exec.Command("ping", "-D", "-n", "-i", "0.02", b.lab.APs[0].IP.String())
	ping.Stdout = out
	if err := ping.Start(); err != nil {
		r.Err = "ping: " + err.Error()
		return r
	}
	time.Sleep(time.Second)
	t0 := time.Now()
	weaken()
	// Roamed when AP 1 lists the station; checked once a second so the
	// check does not load the guest.
	mac := ""
	if ifi, err := netInterface(b.iface); err == nil {
		mac = ifi
	}
	deadline := t0.Add(60 * time.Second)
	roamed := false
	for !roamed && time.Now().Before(deadline) {
		time.Sleep(time.Second)
		roamed = mac != "" && strings.Contains(apStations(b.lab, 1), mac)
	}
	time.Sleep(2 * time.Second)
	ping.Process.Kill()
	ping.Wait()
	if !roamed {
		r.Err = "did not roam to the other BSS within 60 s"
		return r
	}
	replies, lost, err := bench.PingReplies(pingLog)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	gapStart, gap := bench.LongestGap(replies, t0)
	if gap == 0 {
		r.Err = "no ping replies around the roam"
		return r
	}
	r.GapMs = float64(gap.Microseconds()) / 1000
	r.RoamS = gapStart.Add(gap).Sub(t0).Seconds()
	r.Lost = lost
	if name == "wifid" {
		for _, l := range strings.Split(readAll(d.Log), "\n") {
			if strings.Contains(l, "msg=roamed") {
				r.Timeline, _ = bench.TimelineValue(l)
			}
		}
	}
	return r
}

func netInterface(name string) (string, error) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/address")
	return strings.TrimSpace(string(b)), err
}
