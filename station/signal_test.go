package station

import (
	"context"
	"slices"
	"testing"
	"time"

	"wifid/nl80211"
)

func TestSignalLevels(t *testing.T) {
	levels := make(chan int, 16)
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
		fastRoam(c)
		c.OnSignalLevel = func(l int) { levels <- l }
	}, openBSSAt("cafe", 1, -40, 2412))
	connectedTo(t, h, "02:00:00:00:00:01")
	ctx := context.Background()
	if err := h.st.SetSignalLevels(ctx, []int8{-40, -20}); err != ErrInvalidArgs {
		t.Errorf("ascending levels: %v", err)
	}
	if err := h.st.SetSignalLevels(ctx, []int8{-20, -40, -60, -80}); err != nil {
		t.Fatal(err)
	}
	next := func() int {
		t.Helper()
		select {
		case l := <-levels:
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no signal level")
		}
		return -1
	}
	if l := next(); l != 2 { // the fake kernel's station reports -50 dBm
		t.Errorf("first level %d, want 2", l)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.k.mu.Lock()
		lists := slices.Clone(h.k.cqmLists)
		h.k.mu.Unlock()
		if len(lists) > 0 {
			if want := []int32{-80, -70, -60, -40, -20}; !slices.Equal(lists[len(lists)-1], want) {
				t.Errorf("CQM thresholds %v, want %v (levels and the roam threshold)", lists[len(lists)-1], want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no CQM threshold list set")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, c := range []struct {
		rssi  int32
		level int
	}{{-10, 0}, {-30, 1}, {-70, 3}, {-90, 4}} {
		h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: c.rssi, HasRSSILevel: true}
		if l := next(); l != c.level {
			t.Errorf("RSSI %d: level %d, want %d", c.rssi, l, c.level)
		}
	}
	// Within the same range: no call.
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSIHigh, RSSILevel: -85, HasRSSILevel: true}
	select {
	case l := <-levels:
		t.Errorf("a level call (%d) without a change of range", l)
	case <-time.After(100 * time.Millisecond):
	}
	if err := h.st.SetSignalLevels(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
