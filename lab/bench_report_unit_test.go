//go:build lab && bench

package lab

import (
	"strings"
	"testing"
	"time"
)

// These check the bench's parsers and arithmetic on the host
// (go test -tags lab,bench ./lab/); TestBench itself needs the guest.

func TestSummarizeMedian(t *testing.T) {
	s, ok := summarize([]float64{5, 1, 3, 2})
	if !ok || s.N != 4 || s.Median != 2.5 || s.Min != 1 || s.Max != 5 {
		t.Fatalf("summarize even: %+v", s)
	}
	s, _ = summarize([]float64{9, 1, 4})
	if s.Median != 4 {
		t.Fatalf("summarize odd: %+v", s)
	}
	if _, ok := summarize(nil); ok {
		t.Fatal("summarize(nil) ok")
	}
}

func TestParseTimeline(t *testing.T) {
	kind, ph, ok := parseTimeline("autoconnect labnet: authenticate 3ms, associate 4ms (x, y), 4-way 120ms, netconfig 900ms (DHCP) = 1100ms connected")
	if !ok || kind != "autoconnect" || ph["4-way"] != 120 || ph["netconfig"] != 900 || ph["total"] != 1100 || ph["associate"] != 4 {
		t.Fatalf("parseTimeline: %q %v %v", kind, ph, ok)
	}
	if _, _, ok := parseTimeline("garbage"); ok {
		t.Fatal("garbage parsed")
	}
	m := timelineMedians([]string{
		"connect labnet: netconfig 10ms = 20ms connected",
		"connect labnet: netconfig 30ms = 40ms connected",
		"connect labnet: netconfig 99ms = 99ms failed: no",
	})
	if m["connect"]["netconfig"] != 20 || m["connect"]["total"] != 30 {
		t.Fatalf("timelineMedians: %v", m)
	}
}

func TestTimelineValue(t *testing.T) {
	v, ok := timelineValue(`time=x level=INFO msg=connected network=labnet timeline="connect labnet: scan 1ms = 2ms connected" iface=wlan1`)
	if !ok || v != "connect labnet: scan 1ms = 2ms connected" {
		t.Fatalf("timelineValue: %q %v", v, ok)
	}
}

func TestProcParsers(t *testing.T) {
	cpu, err := statCPU("1234 (a) b) S 1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 1000 200")
	if err != nil || cpu != 3*time.Second {
		t.Fatalf("statCPU: %v %v", cpu, err)
	}
	if _, err := statCPU("1234 (x) S 1"); err == nil {
		t.Fatal("short stat accepted")
	}
	st := "Name:\twifid\nVmHWM:\t   9000 kB\nVmRSS:\t   8000 kB\n"
	if v, err := statusKiB(st, "VmRSS"); err != nil || v != 8000 {
		t.Fatalf("VmRSS: %v %v", v, err)
	}
	if _, err := statusKiB(st, "VmSwap"); err == nil || !strings.Contains(err.Error(), "VmSwap") {
		t.Fatalf("missing key: %v", err)
	}
}

func TestReportTable(t *testing.T) {
	runs := []benchRun{
		{Daemon: "wifid", Round: 1, Figures: map[string]float64{figCold: 2000, figRSS: 8192}},
		{Daemon: "iwd", Round: 1, Figures: map[string]float64{figCold: 4000, figRSS: 4096}},
		{Daemon: "iwd", Round: 2, Err: "cold start: timed out"},
	}
	r := newReport(1, []string{"wifid", "iwd"}, runs, map[string]binarySize{"wifid": {Bytes: 1 << 21, WithLibs: 1 << 21}, "iwd": {Bytes: 1 << 20, WithLibs: 1 << 21}})
	for _, want := range []string{"| cold start -> address (s) | 2.00 [2.00, 2.00] | 4.00 [4.00, 4.00] | 0.50 |", "| RSS when connected (MiB) | 8.00", "| 2.00 |", "iwd round 2: cold start"} {
		if !strings.Contains(r.Table, want) {
			t.Errorf("table lacks %q:\n%s", want, r.Table)
		}
	}
}
