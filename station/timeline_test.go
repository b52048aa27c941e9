package station

import (
	"strings"
	"testing"
	"time"

	"wifid/nl80211"
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
	want := "connect labnet: scan 800ms, authenticate 5.0ms (open), 4-way 40ms = 845ms connected"
	if tl.String() != want {
		t.Errorf("got  %q\nwant %q", tl.String(), want)
	}
}

// TestTimelineContiguous: the first phase starts at the attempt's start and
// a phase begun after a pause where the previous one ended, so the
// durations add up to the attempt; a phase in which no time passed is
// dropped, not kept as a zero.
func TestTimelineContiguous(t *testing.T) {
	c := newClock()
	tl := NewTimeline("connect", "labnet", c.fn())
	c.advance(2) // before the first phase: counts to it
	tl.Begin(PhaseSecrets)
	c.advance(80)
	tl.Done("")
	c.advance(3) // bookkeeping between phases: counts to the next
	tl.Begin(PhaseAssoc)
	c.advance(10)
	tl.Done("")
	tl.Begin(PhaseFourWay)
	tl.Begin(PhaseGroupKey) // no time passed: 4-way did not happen
	c.t = c.t.Add(400 * time.Microsecond)
	tl.Done("")
	tl.Begin(PhaseNetconfig)
	c.advance(500)
	tl.Done("DHCP")
	c.advance(1)
	tl.Finish("connected")

	var names []string
	var sum time.Duration
	for i, s := range tl.Steps {
		names = append(names, s.Phase)
		sum += s.Duration
		if s.Duration <= 0 {
			t.Errorf("step %s: duration %v", s.Phase, s.Duration)
		}
		if i > 0 {
			prev := tl.Steps[i-1]
			if !s.Start.Equal(prev.Start.Add(prev.Duration)) {
				t.Errorf("step %s starts at %v, previous ended at %v", s.Phase, s.Start, prev.Start.Add(prev.Duration))
			}
		}
	}
	if got := strings.Join(names, " "); got != "secrets associate group-key netconfig" {
		t.Errorf("phases %q", got)
	}
	if s, _ := tl.Phase(PhaseAssoc); s.Duration != 13*time.Millisecond {
		t.Errorf("associate %v, want 13ms (3ms between phases + 10ms)", s.Duration)
	}
	if s, _ := tl.Phase(PhaseSecrets); !s.Start.Equal(tl.Start) || s.Duration != 82*time.Millisecond {
		t.Errorf("secrets %+v, want from the attempt's start, 82ms (2ms before it + 80ms)", s)
	}
	if want := 595*time.Millisecond + 400*time.Microsecond; sum != want {
		t.Errorf("sum %v, want %v", sum, want)
	}
	if tl.Total() != sum+time.Millisecond {
		t.Errorf("total %v, sum %v: want the 1ms after the last phase more", tl.Total(), sum)
	}
	want := "connect labnet: secrets 82ms, associate 13ms, group-key 0.400ms, netconfig 500ms (DHCP) = 596ms connected"
	if tl.String() != want {
		t.Errorf("got  %q\nwant %q", tl.String(), want)
	}
}

func TestFormatMs(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0ms", 42 * time.Microsecond: "0.042ms", 3200 * time.Microsecond: "3.2ms",
		10 * time.Millisecond: "10ms", 1234567 * time.Microsecond: "1234ms",
	} {
		if got := FormatMs(d); got != want {
			t.Errorf("FormatMs(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestStateNames(t *testing.T) {
	for s := Disconnected; s <= Disconnecting; s++ {
		if s.String() == "unknown" || s.DBusState() == "" {
			t.Errorf("state %d unnamed", s)
		}
	}
	if AutoconnectFull.DBusState() != "disconnected" || ConnectingAuto.DBusState() != "connecting" ||
		Netconfig.DBusState() != "connecting" || Netconfig.String() != "connecting (netconfig)" {
		t.Error("D-Bus mapping")
	}
	for k := kindConnect; k <= kindRoam; k++ {
		if k.String() == "unknown" {
			t.Errorf("kind %d unnamed", k)
		}
	}
	for g := stageStart; g <= stageAuthorize; g++ {
		if g.String() == "unknown" {
			t.Errorf("stage %d unnamed", g)
		}
	}
	if State(99).String() != "unknown" {
		t.Error("out of range")
	}
}

// TestPhaseEvents: each phase, as it ends, is a StationDebug "phase" event
// (name, µs, detail), from the same record as the log and LastConnect.
func TestPhaseEvents(t *testing.T) {
	type ev struct {
		name string
		args []any
	}
	evc := make(chan ev, 64)
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
		c.OnEvent = func(name string, args ...any) { evc <- ev{name, args} }
	}, openBSS("cafe", 1))
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-evc:
			if e.name != "phase" {
				continue
			}
			if len(e.args) != 3 || e.args[0] != PhaseAssoc {
				t.Fatalf("phase event %v", e.args)
			}
			if us, ok := e.args[1].(uint64); !ok || us == 0 {
				t.Errorf("phase duration %v", e.args[1])
			}
			return
		case <-timeout:
			t.Fatal("no phase event")
		}
	}
}
