package daemon

import (
	"testing"
	"time"

	"wifid/station"
)

// TestConnectTimeline: the bridge publishes the station's own record,
// offsets from the attempt's start, and a running attempt's total does not
// move with the clock (it would signal LastConnect on every view).
func TestConnectTimeline(t *testing.T) {
	if connectTimeline(nil) != nil {
		t.Error("no attempt yet: want no LastConnect")
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tl := station.NewTimeline("connect", "labnet", clock)
	tl.BSSID = "02:00:00:00:00:00"
	tl.Begin(station.PhaseScan)
	now = now.Add(800 * time.Millisecond)
	tl.Begin(station.PhaseAuth)
	now = now.Add(5 * time.Millisecond)
	tl.Begin(station.PhaseAssoc)
	now = now.Add(time.Second)

	running := connectTimeline(tl)
	if running.Outcome != "" || len(running.Phases) != 3 || running.Total != 805*time.Millisecond {
		t.Errorf("running = %+v", running)
	}
	if p := running.Phases[1]; p.Name != "authenticate" || p.Offset != 800*time.Millisecond || p.Duration != 5*time.Millisecond {
		t.Errorf("authenticate = %+v", p)
	}

	tl.Done("status 0")
	tl.Finish("connected")
	done := connectTimeline(tl)
	if done.Outcome != "connected" || done.Total != 1805*time.Millisecond || done.BSSID != "02:00:00:00:00:00" || done.Kind != "connect" {
		t.Errorf("finished = %+v", done)
	}
	if p := done.Phases[2]; p.Duration != time.Second || p.Detail != "status 0" {
		t.Errorf("associate = %+v", p)
	}
}
