package bench

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func writeLog(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "daemon.log")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWpaConnectedAt(t *testing.T) {
	old := "1732000000.000001: wlan1: CTRL-EVENT-CONNECTED - an earlier run\n"
	p := writeLog(t, old+"1732000001.500000: wlan1: Trying to associate\n1732000002.250000: wlan1: CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:00 completed\n")
	at, ok := WpaConnectedAt(p, int64(len(old)))
	if !ok || !at.Equal(time.Unix(1732000002, 250000000)) {
		t.Fatalf("WpaConnectedAt = %v %v", at, ok)
	}
	if _, ok := WpaConnectedAt(p, 1<<20); ok {
		t.Fatal("found a line past the end")
	}
}

func TestWifidMilestones(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	p := writeLog(t, `time=2026-11-23T12:00:00.250Z level=INFO msg="station started" iface=wlan1
time=2026-11-23T12:00:00.300Z level=INFO msg="scan done" iface=wlan1 ms=812.5 bss=2
time=2026-11-23T12:00:05.000Z level=INFO msg="station started" iface=wlan1
time=2026-11-23T12:00:06.000Z level=INFO msg="scan done" iface=wlan1 ms=9 bss=2
time=2026-11-23T12:00:07.000Z level=INFO msg=connected timeline="autoconnect labnet: scan 812ms = 1200ms connected"
`)
	f := map[string]float64{}
	WifidMilestones(p, 0, start, f)
	if want := map[string]float64{FigStationUp: 250, FigFirstScan: 812.5}; !reflect.DeepEqual(f, want) {
		t.Errorf("milestones %v, want the first of each: %v", f, want)
	}
	if got := LogTimelines(p, 0); len(got) != 1 || got[0] != "autoconnect labnet: scan 812ms = 1200ms connected" {
		t.Errorf("LogTimelines = %q", got)
	}
}
