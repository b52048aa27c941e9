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

// TestDiffDevices: after lost events, the kernel's dump against what wifid
// manages: an interface and a radio gone, a radio and an interface new.
func TestDiffDevices(t *testing.T) {
	wiphys := []*nl80211.Wiphy{{Index: 0, Name: "phy0"}, {Index: 2, Name: "phy2"}}
	ifaces := []*nl80211.Interface{
		{Index: 10, Wiphy: 0, Name: "wlan0"}, // managed, still there
		{Index: 12, Wiphy: 0, Name: "wlan9"}, // new on an adopted radio
		{Index: 13, Wiphy: 2, Name: "wlan2"}, // on the new radio: adoptWiphy's
	}
	managed := map[int]bool{10: true, 11: true}
	adopted := map[int]bool{0: true, 1: true}
	d := diffDevices(wiphys, ifaces, managed, adopted)
	if len(d.goneIfaces) != 1 || d.goneIfaces[0] != 11 {
		t.Errorf("interfaces gone %v, want [11]", d.goneIfaces)
	}
	if len(d.goneWiphys) != 1 || d.goneWiphys[0] != 1 {
		t.Errorf("wiphys gone %v, want [1]", d.goneWiphys)
	}
	if len(d.newWiphys) != 1 || d.newWiphys[0].Index != 2 {
		t.Errorf("new wiphys %v, want phy2", d.newWiphys)
	}
	if len(d.newIfaces) != 1 || d.newIfaces[0].Index != 12 {
		t.Errorf("new interfaces %v, want wlan9", d.newIfaces)
	}
}
