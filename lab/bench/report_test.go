package bench

import (
	"strings"
	"testing"
)

func TestSummarizeMedian(t *testing.T) {
	s, ok := Summarize([]float64{5, 1, 3, 2})
	if !ok || s.N != 4 || s.Median != 2.5 || s.Min != 1 || s.Max != 5 {
		t.Fatalf("Summarize even: %+v", s)
	}
	s, _ = Summarize([]float64{9, 1, 4})
	if s.Median != 4 {
		t.Fatalf("Summarize odd: %+v", s)
	}
	if _, ok := Summarize(nil); ok {
		t.Fatal("Summarize(nil) ok")
	}
}

func TestParseTimeline(t *testing.T) {
	kind, ph, ok := parseTimeline("autoconnect labnet: authenticate 3ms, associate 4ms (x, y), 4-way 120ms, netconfig 900ms (DHCP) = 1100ms connected")
	if !ok || kind != "autoconnect" || ph["4-way"] != 120 || ph["netconfig"] != 900 || ph["total"] != 1100 || ph["associate"] != 4 {
		t.Fatalf("parseTimeline: %q %v %v", kind, ph, ok)
	}
	_, ph, ok = parseTimeline("connect labnet: secrets 0.042ms, associate 3.2ms, group-key 0.412ms, netconfig 80ms = 90ms connected")
	if !ok || ph["secrets"] != 0.042 || ph["associate"] != 3.2 || ph["group-key"] != 0.412 || ph["netconfig"] != 80 {
		t.Fatalf("parseTimeline, sub-ms: %v %v", ph, ok)
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
	v, ok := TimelineValue(`time=x level=INFO msg=connected network=labnet timeline="connect labnet: scan 1ms = 2ms connected" iface=wlan1`)
	if !ok || v != "connect labnet: scan 1ms = 2ms connected" {
		t.Fatalf("TimelineValue: %q %v", v, ok)
	}
}

func TestReportTable(t *testing.T) {
	runs := []Run{
		{Daemon: "wifid", Round: 1, Figures: map[string]float64{FigCold: 2000, FigRSS: 8192}},
		{Daemon: "iwd", Round: 1, Figures: map[string]float64{FigCold: 4000, FigRSS: 4096}},
		{Daemon: "iwd", Round: 2, Err: "cold start: timed out"},
	}
	r := NewReport(1, []string{"wifid", "iwd"}, runs, map[string]BinarySize{"wifid": {Bytes: 1 << 21, WithLibs: 1 << 21}, "iwd": {Bytes: 1 << 20, WithLibs: 1 << 21}})
	for _, want := range []string{"| cold start -> address (s) | 2.00 [2.00, 2.00] | 4.00 [4.00, 4.00] | 0.50 |", "| RSS when connected (MiB) | 8.00", "| 2.00 |", "iwd round 2: cold start"} {
		if !strings.Contains(r.Table, want) {
			t.Errorf("table lacks %q:\n%s", want, r.Table)
		}
	}
}
