package bench

import (
	"time"

	"github.com/godbus/dbus/v5"
)

// LastConnectPhases turns LastConnect's phases into the chart's, offset
// from mark; the ...Us keys when present, else the ...Ms ones.
func LastConnectPhases(lc map[string]dbus.Variant, mark time.Time) []Phase {
	var offset float64
	if s, ok := lc["StartTime"].Value().(string); ok {
		if t0, err := time.Parse(time.RFC3339Nano, s); err == nil {
			offset = Millis(t0.Sub(mark))
		}
	}
	get := func(p map[string]dbus.Variant, key string) float64 {
		if v, ok := p[key+"Us"].Value().(uint64); ok {
			return float64(v) / 1000
		}
		v, _ := p[key+"Ms"].Value().(uint64)
		return float64(v)
	}
	phases, _ := lc["Phases"].Value().([]map[string]dbus.Variant)
	var out []Phase
	for _, p := range phases {
		name, _ := p["Name"].Value().(string)
		detail, _ := p["Detail"].Value().(string)
		out = append(out, Phase{Name: name, StartMs: offset + get(p, "Start"), DurationMs: get(p, "Duration"), Detail: detail})
	}
	return out
}
