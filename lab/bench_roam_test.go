//go:build lab && bench

package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"wifid/lab/hwsim"
	"wifid/lab/labenv"
)

// roamRun is one roam of one daemon.
type roamRun struct {
	Daemon string  `json:"daemon"`
	Round  int     `json:"round"`
	RoamS  float64 `json:"weakened_to_traffic_s"` // link weakened -> first reply through the new BSS
	GapMs  float64 `json:"traffic_gap_ms"`        // longest silence between ping replies
	Lost   int     `json:"pings_lost"`
	// Timeline is wifid's own record of the roam (scan, associate, 4-way,
	// group key), from its log.
	Timeline string `json:"timeline,omitempty"`
	Err      string `json:"error,omitempty"`
}

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
	m := lab.Medium()
	ap0, ap1 := lab.MediumRadio(0).Addresses[0], lab.MediumRadio(1).Addresses[0]
	staAddr := lab.MediumRadio(2).Addresses[0]
	r0, err := m.AddRule(hwsim.LinkRule(ap0, staAddr, -35, 0))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := m.AddRule(hwsim.LinkRule(ap1, staAddr, -85, 0))
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{t: t, lab: lab, phy: sta.Phy, iface: sta.Iface}
	var results []roamRun
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
	table := roamTable(results)
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
func (b *bench) runRoam(name string, round int, weaken func()) (r roamRun) {
	r = roamRun{Daemon: name, Round: round}
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
	replies, lost, err := pingReplies(pingLog)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	gapStart, gap := longestGap(replies, t0)
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
				r.Timeline, _ = timelineValue(l)
			}
		}
	}
	return r
}

func netInterface(name string) (string, error) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/address")
	return strings.TrimSpace(string(b)), err
}

// pingReplies reads `ping -D` output: the times of the replies, and how
// many sequence numbers got none.
func pingReplies(path string) ([]time.Time, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var out []time.Time
	seen := map[int]bool{}
	maxSeq := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "[") || !strings.Contains(line, "bytes from") {
			continue
		}
		end := strings.IndexByte(line, ']')
		if end < 0 {
			continue
		}
		ts, err := strconv.ParseFloat(line[1:end], 64)
		if err != nil {
			continue
		}
		sec, frac := math.Modf(ts)
		out = append(out, time.Unix(int64(sec), int64(frac*1e9)))
		if i := strings.Index(line, "icmp_seq="); i >= 0 {
			f := strings.Fields(line[i+len("icmp_seq="):])
			if len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil {
					seen[n] = true
					maxSeq = max(maxSeq, n)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, maxSeq - len(seen), sc.Err()
}

// longestGap is the longest silence between consecutive replies that ends
// after t0, and when it began.
func longestGap(replies []time.Time, t0 time.Time) (time.Time, time.Duration) {
	var start time.Time
	var gap time.Duration
	for i := 1; i < len(replies); i++ {
		if !replies[i].After(t0) {
			continue
		}
		if d := replies[i].Sub(replies[i-1]); d > gap {
			start, gap = replies[i-1], d
		}
	}
	return start, gap
}

func roamTable(results []roamRun) string {
	var sb strings.Builder
	sb.WriteString("| figure | wifid | iwd | wifid/iwd |\n|---|---|---|---|\n")
	row := func(name string, get func(roamRun) float64) {
		med := map[string]float64{}
		cells := []string{}
		for _, d := range []string{"wifid", "iwd"} {
			var vals []float64
			for _, r := range results {
				if r.Daemon == d && r.Err == "" {
					vals = append(vals, get(r))
				}
			}
			st, ok := summarize(vals)
			if !ok {
				cells = append(cells, "-")
				continue
			}
			med[d] = st.Median
			cells = append(cells, fmt.Sprintf("%s [%s, %s]", num(st.Median), num(st.Min), num(st.Max)))
		}
		ratio := "-"
		if med["iwd"] > 0 && med["wifid"] > 0 {
			ratio = fmt.Sprintf("%.2f", med["wifid"]/med["iwd"])
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", name, cells[0], cells[1], ratio)
	}
	row("weakened -> traffic via new BSS (s)", func(r roamRun) float64 { return r.RoamS })
	row("longest traffic gap (ms)", func(r roamRun) float64 { return r.GapMs })
	row("pings lost (20 ms apart)", func(r roamRun) float64 { return float64(r.Lost) })
	return sb.String()
}
