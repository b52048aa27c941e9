package main

import (
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// wifid's own extension: net.connman.wifid.Station.LastConnect, the latest
// connect attempt's timeline. iwd has no such property; against iwd,
// wifictl simply shows no timeline.
const (
	ifaceWifidStation = "net.connman.wifid.Station"
	propLastConnect   = "LastConnect"
)

// lastConnect is LastConnect decoded; its JSON form is what --json prints.
type lastConnect struct {
	Kind      string  `json:"kind"`
	Network   string  `json:"network"`
	BSSID     string  `json:"bssid,omitempty"`
	Outcome   string  `json:"outcome"`
	StartTime string  `json:"startTime"`
	TotalMs   uint64  `json:"totalMs"`
	TotalUs   uint64  `json:"totalUs"`
	Running   bool    `json:"running"`
	Phases    []phase `json:"phases"`
	// Warnings: what the user should know even when it connected.
	Warnings []string `json:"warnings,omitempty"`
}

type phase struct {
	Name       string `json:"name"`
	StartMs    uint64 `json:"startMs"`
	DurationMs uint64 `json:"durationMs"`
	StartUs    uint64 `json:"startUs"`
	DurationUs uint64 `json:"durationUs"`
	Running    bool   `json:"running,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

func u64(m map[string]dbus.Variant, k string) uint64 {
	v, _ := m[k].Value().(uint64)
	return v
}

// parseLastConnect reads the property's value; ok is false when it is
// absent or not an a{sv}.
func parseLastConnect(v dbus.Variant) (*lastConnect, bool) {
	m, ok := v.Value().(map[string]dbus.Variant)
	if !ok {
		return nil, false
	}
	lc := &lastConnect{Kind: str(m, "Kind"), Network: str(m, "Network"), BSSID: str(m, "BSSID"),
		Outcome: str(m, "Outcome"), StartTime: str(m, "StartTime"), TotalMs: u64(m, "TotalMs"),
		TotalUs: usOr(m, "TotalUs", "TotalMs"), Running: boolean(m, "Running"), Phases: []phase{}}
	lc.Warnings, _ = m["Warnings"].Value().([]string)
	list, _ := m["Phases"].Value().([]map[string]dbus.Variant)
	for _, p := range list {
		lc.Phases = append(lc.Phases, phase{Name: str(p, "Name"), StartMs: u64(p, "StartMs"),
			DurationMs: u64(p, "DurationMs"), StartUs: usOr(p, "StartUs", "StartMs"),
			DurationUs: usOr(p, "DurationUs", "DurationMs"), Running: boolean(p, "Running"), Detail: str(p, "Detail")})
	}
	return lc, true
}

// usOr reads a microsecond key, or the millisecond one from a wifid that
// has no microsecond keys.
func usOr(m map[string]dbus.Variant, us, ms string) uint64 {
	if _, ok := m[us]; ok {
		return u64(m, us)
	}
	return u64(m, ms) * 1000
}

// msText shows microseconds as milliseconds: whole from 10 ms up, with one
// decimal below (a group key takes a few ms, and "0 ms" says nothing).
func msText(us uint64) string {
	if us >= 10000 {
		return fmt.Sprintf("%d ms", (us+500)/1000)
	}
	return fmt.Sprintf("%.1f ms", float64(us)/1000)
}

// lastConnectOf is a station's LastConnect from the cached objects.
func (c *client) lastConnectOf(station dbus.ObjectPath) *lastConnect {
	v, ok := c.objs[station][ifaceWifidStation][propLastConnect]
	if !ok {
		return nil
	}
	lc, _ := parseLastConnect(v)
	return lc
}

// summary is the timeline's headline.
func (lc *lastConnect) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", lc.Kind, lc.Network)
	if lc.BSSID != "" {
		fmt.Fprintf(&b, " via %s", lc.BSSID)
	}
	switch {
	case lc.Running:
		fmt.Fprintf(&b, ": running, %s so far", msText(lc.TotalUs))
	default:
		fmt.Fprintf(&b, ": %s in %s", lc.Outcome, msText(lc.TotalUs))
	}
	return b.String()
}

// phaseMarks are the characters the bar draws each phase with.
var phaseMarks = map[string]byte{
	"scan": 's', "secrets": 'k', "authenticate": 'A', "associate": 'a', "4-way": '4', "group-key": 'g', "netconfig": 'n', "roam": 'r',
}

func markOf(name string) byte {
	if m, ok := phaseMarks[name]; ok {
		return m
	}
	if name == "" {
		return '?'
	}
	return name[0]
}

// bar draws the phases as one bar of width columns (brackets included),
// each phase over its share of the attempt's time, at least one column,
// followed by its legend. Time no phase covers shows as '.'.
func (lc *lastConnect) bar(width int) []string {
	inner := width - 2
	if inner < 10 {
		inner = 10
	}
	total := lc.TotalUs
	for _, p := range lc.Phases {
		if end := p.StartUs + p.DurationUs; end > total {
			total = end
		}
	}
	cells := []byte(strings.Repeat(".", inner))
	next := 0 // first free column
	for i, p := range lc.Phases {
		if next >= inner {
			cells[inner-1] = '+' // more phases than columns
			break
		}
		start, end := 0, inner
		if total > 0 {
			start = int(p.StartUs * uint64(inner) / total)
			end = int((p.StartUs + p.DurationUs) * uint64(inner) / total)
		}
		if p.Running || (lc.Running && i == len(lc.Phases)-1) {
			end = inner
		}
		// leave a column for each phase still to come
		room := inner - (len(lc.Phases) - 1 - i)
		if end > room {
			end = room
		}
		if start > room-1 {
			start = room - 1
		}
		if start < next {
			start = next
		}
		if end <= start {
			end = start + 1
		}
		for c := start; c < end && c < inner; c++ {
			cells[c] = markOf(p.Name)
		}
		next = end
	}
	lines := []string{"[" + string(cells) + "]"}
	var legend []string
	for _, p := range lc.Phases {
		item := fmt.Sprintf("%c %s %s", markOf(p.Name), p.Name, msText(p.DurationUs))
		if p.Running {
			item = fmt.Sprintf("%c %s (running)", markOf(p.Name), p.Name)
		}
		if p.Detail != "" {
			item += " (" + p.Detail + ")"
		}
		legend = append(legend, item)
	}
	// Wrap the legend to the width.
	line := ""
	for _, item := range legend {
		if line != "" && len(line)+2+len(item) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += "  "
		}
		line += item
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
