package daemon

import (
	"context"
	"time"
)

// An interface of ours deleted by someone else (`iw dev wlan1 del`) while
// its radio stays: wifid makes a new one in the default mode, as it does
// when it adopts the radio (adoptWiphy), and its station connects again.
// (iwd 2.3 only forgets the netdev on DEL_INTERFACE: the radio stays
// without an interface until iwd restarts.) A radio being unplugged
// deletes its interfaces first, so the first try waits a moment for the
// DEL_WIPHY that would make it moot. Creation that fails is retried after
// each of these delays, each failure logged, then given up.
var recreateDelays = []time.Duration{300 * time.Millisecond, time.Second, 3 * time.Second, 10 * time.Second}

func (d *Daemon) recreateLater(ctx context.Context, wiphy, attempt int) {
	d.after(ctx, recreateDelays[attempt], func(ctx context.Context) { d.recreate(ctx, wiphy, attempt) })
}

// recreate makes the radio's station interface again unless the radio is
// gone or has an interface again (loop).
func (d *Daemon) recreate(ctx context.Context, wiphy, attempt int) {
	d.mu.Lock()
	w := d.wiphys[wiphy]
	has := false
	for _, m := range d.devices {
		has = has || m.wiphy.Index == wiphy
	}
	d.mu.Unlock()
	switch {
	case w == nil:
		d.log.Info("interface not recreated: its radio is gone", "wiphy_index", wiphy)
		return
	case has:
		d.log.Info("interface not recreated: the radio has one again", "wiphy", w.Name)
		return
	}
	err := d.createStation(ctx, w)
	if err == nil {
		return
	}
	if next := attempt + 1; next < len(recreateDelays) {
		d.log.Warn("interface not recreated; trying again", "wiphy", w.Name, "attempt", next,
			"in", recreateDelays[next], "err", err)
		d.recreateLater(ctx, wiphy, next)
		return
	}
	d.log.Error("interface not recreated; giving up: the radio stays without an interface until it is plugged in again or wifid restarts",
		"wiphy", w.Name, "attempts", len(recreateDelays), "err", err)
}
