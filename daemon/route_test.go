package daemon

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"wifid/nl80211"
	"wifid/station"
)

// TestRouteDoesNotWaitForAFullStation: an event for a station whose queue
// is full is dropped (and the station told to check its link), not waited
// for: the daemon's loop routes every station's events and the kernel's
// interface news (a blocked route stalled them all, found by reading).
func TestRouteDoesNotWaitForAFullStation(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := station.New(station.Config{Ifindex: 7, Ifname: "wlan7", Logger: log}) // never run: it takes nothing
	m := &managed{iface: &nl80211.Interface{Index: 7, Name: "wlan7"}, st: st, events: make(chan nl80211.Event, 1)}
	d := &Daemon{devices: map[int]*managed{7: m}, log: log}
	ctx, cancel := context.WithCancel(context.Background())
	ev := &nl80211.DisconnectEvent{EventInfo: nl80211.EventInfo{Ifindex: 7}}
	routed := make(chan struct{})
	go func() {
		d.route(ctx, ev) // fills the queue
		d.route(ctx, ev) // dropped
		d.route(ctx, &nl80211.OverrunEvent{})
		close(routed)
	}()
	select {
	case <-routed:
	case <-time.After(5 * time.Second):
		t.Fatal("route waited for a station that takes nothing")
	}
	d.mu.Lock()
	resyncing := m.resyncing
	d.mu.Unlock()
	if !resyncing {
		t.Error("the station was not told its events were lost")
	}
	cancel()
	d.wg.Wait() // the EventsLost call ends with ctx
}
