package bench

import (
	"encoding/xml"
	"os"
	"strings"
	"testing"
)

func TestGoroutines(t *testing.T) {
	if n, ok := Goroutines([]byte("goroutine profile: total 23\n5 @ 0x1 0x2\n")); !ok || n != 23 {
		t.Errorf("Goroutines = %d, %v", n, ok)
	}
	if _, ok := Goroutines([]byte("garbage")); ok {
		t.Error("garbage read as a count")
	}
}

func TestReadSoakSelf(t *testing.T) {
	s, err := ReadSoak(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSKiB <= 0 || s.FDs <= 0 || s.Threads <= 0 || s.Goroutines != -1 {
		t.Errorf("sample %+v", s)
	}
}

func TestSoakChartAndTable(t *testing.T) {
	var samples []SoakSample
	for i := range 8 {
		ph := "connect"
		if i >= 5 {
			ph = "roam"
		}
		samples = append(samples, SoakSample{Phase: ph, Step: i * 20, RSSKiB: 9000 + int64(i), AnonKiB: 3000, FDs: 14, Threads: 6, Goroutines: 30})
	}
	svg := SoakChart(`soak <"wifid">`, samples)
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	if strings.Count(string(svg), "<polyline") != 5 || !strings.Contains(string(svg), "roams") {
		t.Errorf("chart:\n%s", svg)
	}
	tab := SoakTable(samples)
	if !strings.Contains(tab, "| connect (0-80) | RSS (KiB) | 9001 | 9004 | 9000 | 9004 |") ||
		!strings.Contains(tab, "| roam (100-140) | RSS (KiB) | 9005 | 9007 | 9005 | 9007 |") {
		t.Errorf("table:\n%s", tab)
	}
}
