package bench

import (
	"math"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

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
	got := LastConnectPhases(lc, mark)
	want := []Phase{{"associate", 900, 40.5, ""}, {"group-key", 940.5, 0.412, ""}, {"netconfig", 941, 300, "DHCP"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if g, w := got[i], want[i]; g.Name != w.Name || math.Abs(g.StartMs-w.StartMs) > 1e-9 || math.Abs(g.DurationMs-w.DurationMs) > 1e-9 || g.Detail != w.Detail {
			t.Errorf("phase %d = %+v, want %+v", i, g, w)
		}
	}
}
