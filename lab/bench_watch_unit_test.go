//go:build lab && bench

package lab

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The /proc parsers of bench_watch_test.go and the reading of wifid's
// LastConnect in bench_test.go, on the host (go test -tags lab,bench ./lab/).

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

func TestLastConnectPhases(t *testing.T) {
	mark := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	lc := map[string]dbus.Variant{
		"StartTime": dbus.MakeVariant("2026-11-23T12:00:00.900Z"),
		"Phases": dbus.MakeVariant([]map[string]dbus.Variant{
			{"Name": dbus.MakeVariant("associate"), "StartMs": dbus.MakeVariant(uint64(0)), "DurationMs": dbus.MakeVariant(uint64(40)),
				"StartUs": dbus.MakeVariant(uint64(0)), "DurationUs": dbus.MakeVariant(uint64(40500))},
			{"Name": dbus.MakeVariant("group-key"), "StartMs": dbus.MakeVariant(uint64(40)), "DurationMs": dbus.MakeVariant(uint64(0)),
				"StartUs": dbus.MakeVariant(uint64(40500)), "DurationUs": dbus.MakeVariant(uint64(412))},
			// An older wifid: milliseconds only.
			{"Name": dbus.MakeVariant("netconfig"), "StartMs": dbus.MakeVariant(uint64(41)), "DurationMs": dbus.MakeVariant(uint64(300)),
				"Detail": dbus.MakeVariant("DHCP")},
		}),
	}
	got := lastConnectPhases(lc, mark)
	want := []benchPhase{{"associate", 900, 40.5, ""}, {"group-key", 940.5, 0.412, ""}, {"netconfig", 941, 300, "DHCP"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if g, w := got[i], want[i]; g.Name != w.Name || math.Abs(g.StartMs-w.StartMs) > 1e-9 || math.Abs(g.DurationMs-w.DurationMs) > 1e-9 || g.Detail != w.Detail {
			t.Errorf("phase %d = %+v, want %+v", i, g, w)
		}
	}
}
