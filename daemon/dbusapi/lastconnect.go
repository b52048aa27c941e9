package dbusapi

import (
	"time"

	"github.com/godbus/dbus/v5"
)

// wifid's own extension: net.connman.wifid.Station sits beside iwd's Station
// on every station object and shows the latest connect attempt's timeline
// (LastConnect). iwd's clients ignore an interface they do not know; wifictl
// and the benchmarks read it. Its name is outside net.connman.iwd so that
// iwd's namespace stays exactly as iwd's documents describe it.

// WifidStationInterface carries wifid's additions to a station.
const WifidStationInterface = "net.connman.wifid.Station"

// ConnectTimeline is one connect attempt as LastConnect shows it.
type ConnectTimeline struct {
	Kind    string // "autoconnect", "connect", "roam"
	Network string // SSID
	BSSID   string // "" when none was chosen yet
	Start   time.Time
	Total   time.Duration // so far, while running
	Outcome string        // "" while running, "connected" or "failed: <reason>"
	Phases  []ConnectPhase
	// Warnings: what the user should know even when it connected
	// (an enterprise server that was not authenticated).
	Warnings []string
}

// ConnectPhase is one phase of an attempt.
type ConnectPhase struct {
	Name     string        // "scan", "authenticate", "associate", "4-way", "group-key", "netconfig"
	Offset   time.Duration // from the attempt's start
	Duration time.Duration // zero while running
	Detail   string        // e.g. "status 15"; "" for none
}

// LastConnect property layout (a{sv}), documented in README.md:
//
//	Kind s, Network s, BSSID s (optional), Outcome s ("" while running),
//	StartTime s (ISO 8601 UTC, milliseconds), TotalMs t, TotalUs t,
//	Running b,
//	Phases aa{sv}: Name s, StartMs t (offset from the start), DurationMs t,
//	StartUs t, DurationUs t, Running b, Detail s (optional),
//	Warnings as (optional, absent when there are none).
//
// The ...Ms keys are whole milliseconds, truncated (a phase shorter than
// 1 ms shows DurationMs 0); the ...Us keys, added beside them, give the same
// figures in microseconds, so a client that adds phases up or draws them to
// scale reads those. A finished phase always lasts at least 1 µs: a phase in
// which nothing happened is left out, not shown as 0.
func (t *ConnectTimeline) variant() dbus.Variant {
	phases := make([]map[string]dbus.Variant, 0, len(t.Phases))
	for i, p := range t.Phases {
		running := t.Outcome == "" && i == len(t.Phases)-1 && p.Duration == 0
		m := map[string]dbus.Variant{
			"Name":       dbus.MakeVariant(p.Name),
			"StartMs":    dbus.MakeVariant(ms(p.Offset)),
			"DurationMs": dbus.MakeVariant(ms(p.Duration)),
			"StartUs":    dbus.MakeVariant(us(p.Offset)),
			"DurationUs": dbus.MakeVariant(us(p.Duration)),
			"Running":    dbus.MakeVariant(running),
		}
		if p.Detail != "" {
			m["Detail"] = dbus.MakeVariant(p.Detail)
		}
		phases = append(phases, m)
	}
	m := map[string]dbus.Variant{
		"Kind":      dbus.MakeVariant(t.Kind),
		"Network":   dbus.MakeVariant(t.Network),
		"Outcome":   dbus.MakeVariant(t.Outcome),
		"StartTime": dbus.MakeVariant(t.Start.UTC().Format("2006-01-02T15:04:05.000Z")),
		"TotalMs":   dbus.MakeVariant(ms(t.Total)),
		"TotalUs":   dbus.MakeVariant(us(t.Total)),
		"Running":   dbus.MakeVariant(t.Outcome == ""),
		"Phases":    dbus.MakeVariant(phases),
	}
	if t.BSSID != "" {
		m["BSSID"] = dbus.MakeVariant(t.BSSID)
	}
	if len(t.Warnings) > 0 {
		m["Warnings"] = dbus.MakeVariant(t.Warnings)
	}
	return dbus.MakeVariant(m)
}

func ms(d time.Duration) uint64 {
	if d < 0 {
		return 0
	}
	return uint64(d.Milliseconds())
}

func us(d time.Duration) uint64 {
	if d < 0 {
		return 0
	}
	return uint64(d.Microseconds())
}

// wifidProps are net.connman.wifid.Station's properties: LastConnect is
// absent until the first attempt.
func (st *station) wifidProps() map[string]dbus.Variant {
	p := map[string]dbus.Variant{}
	if st.state.LastConnect != nil {
		p["LastConnect"] = st.state.LastConnect.variant()
	}
	return p
}
