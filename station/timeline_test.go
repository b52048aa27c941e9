package station

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) advance(ms int)       { c.t = c.t.Add(time.Duration(ms) * time.Millisecond) }
func newClock() *fakeClock                { return &fakeClock{t: time.Unix(1000, 0)} }
func (c *fakeClock) fn() func() time.Time { return c.now }

func TestTimelinePhases(t *testing.T) {
	c := newClock()
	tl := NewTimeline("connect", "labnet", c.fn())
	tl.Begin(PhaseScan)
	c.advance(800)
	tl.Begin(PhaseAuth) // ends scan
	c.advance(5)
	tl.Done("open")
	tl.Begin(PhaseFourWay)
	c.advance(40)
	tl.Finish("connected")
	if s, ok := tl.Phase(PhaseScan); !ok || s.Duration != 800*time.Millisecond {
		t.Errorf("scan step %+v", s)
	}
	if s, _ := tl.Phase(PhaseAuth); s.Detail != "open" || s.Duration != 5*time.Millisecond {
		t.Errorf("auth step %+v", s)
	}
	if tl.Total() != 845*time.Millisecond {
		t.Errorf("total %v", tl.Total())
	}
	want := "connect labnet: scan 800ms, authenticate 5ms (open), 4-way 40ms = 845ms connected"
	if tl.String() != want {
		t.Errorf("got  %q\nwant %q", tl.String(), want)
	}
}

func TestStateNames(t *testing.T) {
	for s := Disconnected; s <= Disconnecting; s++ {
		if s.String() == "unknown" || s.DBusState() == "" {
			t.Errorf("state %d unnamed", s)
		}
	}
	if AutoconnectFull.DBusState() != "disconnected" || ConnectingAuto.DBusState() != "connecting" {
		t.Error("D-Bus mapping")
	}
	if State(99).String() != "unknown" {
		t.Error("out of range")
	}
}
