package station

import (
	"slices"
	"testing"
	"time"

	"wifid/nl80211"
)

// steps runs the schedule as the station does: each scan takes scanTime,
// the next is asked for when it ends. It returns what each step said.
func steps(s *scanSchedule, start time.Time, scanTime time.Duration, n int) (out []scanStep, changes []schedulePhase) {
	now := start
	for range n {
		now = now.Add(scanTime)
		st, changed := s.next(now)
		if changed {
			changes = append(changes, st.phase)
		}
		out = append(out, st)
		now = now.Add(st.wait)
	}
	return out, changes
}

func waits(ss []scanStep) []time.Duration {
	var w []time.Duration
	for _, s := range ss {
		w = append(w, s.wait)
	}
	return w
}

func TestScheduleBackoffIsIwds(t *testing.T) {
	s := &scanSchedule{cfg: DefaultScanConfig()}
	got, changes := steps(s, time.Unix(0, 0), time.Second, 8)
	sec := time.Second
	want := []time.Duration{10 * sec, 20 * sec, 40 * sec, 80 * sec, 160 * sec, 300 * sec, 300 * sec, 300 * sec}
	if !slices.Equal(waits(got), want) {
		t.Errorf("waits %v, want %v", waits(got), want)
	}
	for _, st := range got {
		if st.freqs != nil || st.phase != phaseBackoff {
			t.Errorf("step %+v: want full backoff scans", st)
		}
	}
	if !slices.Equal(changes, []schedulePhase{phaseBackoff}) {
		t.Errorf("phase changes %v, want one: backoff", changes)
	}
	// Autoconnect starting again goes back to the initial interval.
	s.restart()
	if st, changed := s.next(time.Unix(5000, 0)); st.wait != 10*sec || changed {
		t.Errorf("after restart: %+v changed=%v, want 10s unchanged phase", st, changed)
	}
}

func TestScheduleConfiguredBackoff(t *testing.T) {
	s := &scanSchedule{cfg: ScanConfig{InitialInterval: 5 * time.Second, MaximumInterval: 12 * time.Second}}
	got, _ := steps(s, time.Unix(0, 0), 0, 4)
	want := []time.Duration{5 * time.Second, 10 * time.Second, 12 * time.Second, 12 * time.Second}
	if !slices.Equal(waits(got), want) {
		t.Errorf("waits %v, want %v", waits(got), want)
	}
	// An initial interval above the maximum is used once, as iwd does.
	s = &scanSchedule{cfg: ScanConfig{InitialInterval: 60 * time.Second, MaximumInterval: 30 * time.Second}}
	got, _ = steps(s, time.Unix(0, 0), 0, 3)
	want = []time.Duration{60 * time.Second, 30 * time.Second, 30 * time.Second}
	if !slices.Equal(waits(got), want) {
		t.Errorf("initial above maximum: waits %v, want %v", waits(got), want)
	}
}

func TestScheduleAfterLoss(t *testing.T) {
	cfg := DefaultScanConfig()
	s := &scanSchedule{cfg: cfg}
	lost := time.Unix(1000, 0)
	s.lost(lost, "net", []uint32{2412, 5180})
	// 1 s per scan: a round is 4 s, so 45 rounds fill the 180 s window.
	got, changes := steps(s, lost, time.Second, 60)
	var quick int
	for i, st := range got {
		if st.phase != phaseAfterLoss {
			break
		}
		quick++
		if st.wait != 3*time.Second {
			t.Errorf("round %d: wait %v, want 3s", i, st.wait)
		}
		full := (i+1)%afterLossFullEvery == 0
		if full != (st.freqs == nil) {
			t.Errorf("round %d: freqs %v, want full=%v", i, st.freqs, full)
		}
		if !full && !slices.Equal(st.freqs, []uint32{2412, 5180}) {
			t.Errorf("round %d: freqs %v, want the lost network's", i, st.freqs)
		}
	}
	if quick != 45 {
		t.Errorf("%d after-loss rounds, want 45 (180 s of 4 s rounds)", quick)
	}
	// Then iwd's backoff from its start.
	rest := waits(got[quick:])
	if len(rest) < 3 || rest[0] != 10*time.Second || rest[1] != 20*time.Second || rest[2] != 40*time.Second {
		t.Errorf("after the window: %v, want 10s 20s 40s ...", rest)
	}
	if !slices.Equal(changes, []schedulePhase{phaseAfterLoss, phaseBackoff}) {
		t.Errorf("phase changes %v, want after-loss then backoff, each once", changes)
	}
}

// What the after-loss phase is chosen for: wherever in the window the AP
// returns (worst: just after a scan began, which misses it), a scan that
// sees it ends within 7 s, leaving 3 s to connect and get an address.
func TestScheduleAfterLossFindsAReturningAPQuickly(t *testing.T) {
	const scanTime = 2 * time.Second // a slow scan, as hwsim under emulation
	lost := time.Unix(0, 0)
	var worst time.Duration
	for back := lost.Add(time.Second); back.Before(lost.Add(170 * time.Second)); back = back.Add(100 * time.Millisecond) {
		s := &scanSchedule{cfg: DefaultScanConfig()}
		s.lost(lost, "net", []uint32{2412})
		now := lost
		for {
			start := now
			now = now.Add(scanTime)
			if !start.Before(back) { // on the air for the whole scan
				break
			}
			st, _ := s.next(now)
			now = now.Add(st.wait)
		}
		worst = max(worst, now.Sub(back))
	}
	if worst > 7*time.Second {
		t.Errorf("a returning AP is seen up to %v after its return, want at most 7 s", worst)
	}
	t.Logf("worst case: seen %v after the AP's return", worst)
}

func TestScheduleConnectedEndsTheLoss(t *testing.T) {
	s := &scanSchedule{cfg: DefaultScanConfig()}
	s.lost(time.Unix(0, 0), "net", []uint32{2412})
	if st, _ := s.next(time.Unix(1, 0)); st.phase != phaseAfterLoss {
		t.Fatalf("phase %v, want after-loss", st.phase)
	}
	s.connected()
	st, changed := s.next(time.Unix(2, 0))
	if st.phase != phaseBackoff || !changed || st.wait != 10*time.Second {
		t.Errorf("after connected: %+v changed=%v, want backoff from 10s, logged", st, changed)
	}
	// A connect that fails during the window keeps the window.
	s.lost(time.Unix(100, 0), "net", nil)
	s.next(time.Unix(101, 0))
	s.restart()
	if st, _ := s.next(time.Unix(150, 0)); st.phase != phaseAfterLoss || st.freqs != nil {
		t.Errorf("after restart in the window: %+v, want after-loss full scans (no channels known)", st)
	}
}

func TestScheduleOff(t *testing.T) {
	off := &scanSchedule{cfg: ScanConfig{DisablePeriodicScan: true, InitialInterval: time.Second,
		MaximumInterval: time.Minute, AfterLossInterval: time.Second, AfterLossWindow: time.Minute}}
	off.lost(time.Unix(0, 0), "net", []uint32{2412})
	if st, changed := off.next(time.Unix(1, 0)); st.phase != phaseOff || !changed {
		t.Errorf("DisablePeriodicScan: %+v, want off, even after a loss", st)
	}
	// AfterLossWindow=0 is iwd's schedule: backoff right after a loss.
	cfg := DefaultScanConfig()
	cfg.AfterLossWindow = 0
	s := &scanSchedule{cfg: cfg}
	s.lost(time.Unix(0, 0), "net", []uint32{2412})
	if st, _ := s.next(time.Unix(1, 0)); st.phase != phaseBackoff || st.wait != 10*time.Second {
		t.Errorf("no window: %+v, want backoff 10s", st)
	}
}

// The station side: after the AP goes away, the periodic scans come every
// AfterLossInterval, on the lost network's channel with a full scan every
// afterLossFullEvery-th, and the network is joined again when it is back.
func TestStationScansQuicklyAfterALoss(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
		c.Scan.AfterLossInterval = 20 * time.Millisecond
		c.Scan.AfterLossWindow = time.Minute
	}, openBSS("cafe", 1))
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	h.waitState(Connected)
	h.k.setResults() // the AP is gone
	h.k.mu.Lock()
	before := len(h.k.scans)
	h.k.mu.Unlock()
	h.events <- &nl80211.DisconnectEvent{Reason: 3, ByAP: true}
	h.waitState(Disconnected)
	var periodic []nl80211.ScanRequest
	deadline := time.Now().Add(5 * time.Second)
	for len(periodic) < 2*afterLossFullEvery && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		h.k.mu.Lock()
		// Autoconnect's own scans come first: a quick one when the
		// network's frequency is stored by then, and a full one.
		for i, r := range h.k.scans[before:] {
			if r.Freqs == nil {
				periodic = append([]nl80211.ScanRequest(nil), h.k.scans[before+i+1:]...)
				break
			}
		}
		h.k.mu.Unlock()
	}
	if len(periodic) < 2*afterLossFullEvery {
		t.Fatalf("%d periodic scans in 5 s at a 20 ms interval", len(periodic))
	}
	for i, r := range periodic[:2*afterLossFullEvery] {
		full := (i+1)%afterLossFullEvery == 0
		if full && r.Freqs != nil || !full && !slices.Equal(r.Freqs, []uint32{2412}) {
			t.Errorf("periodic scan %d: freqs %v, want full=%v (else the lost network's 2412)", i, r.Freqs, full)
		}
	}
	h.k.setResults(openBSS("cafe", 1)) // back
	h.waitConnect()
}

func TestScheduleJustLost(t *testing.T) {
	s := &scanSchedule{cfg: DefaultScanConfig()}
	if s.justLost("net", time.Unix(0, 0)) {
		t.Error("nothing lost, yet justLost")
	}
	s.lost(time.Unix(0, 0), "net", nil)
	if !s.justLost("net", time.Unix(10, 0)) || s.justLost("other", time.Unix(10, 0)) {
		t.Error("justLost must hold for the lost network only")
	}
	if s.justLost("net", time.Unix(200, 0)) {
		t.Error("justLost after the window")
	}
}

// An association that times out right after the loss (an AP back from a
// reboot, slow to answer) does not blacklist the lost network's BSS: the
// next scan tries it again. Without a window it is blacklisted, as in iwd.
func TestTimeoutAfterALossIsNotBlacklisted(t *testing.T) {
	for _, window := range []time.Duration{time.Minute, 0} {
		h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
			c.Scan.AfterLossInterval = 20 * time.Millisecond
			c.Scan.AfterLossWindow = window
		}, openBSS("cafe", 1))
		req := h.waitConnect()
		h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
		h.waitState(Connected)
		h.events <- &nl80211.DisconnectEvent{Reason: 3, ByAP: true}
		h.waitState(Disconnected)
		h.waitConnect()
		h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID, TimedOut: true, Status: 1}
		if window > 0 {
			h.waitConnect() // tried again
			if h.st.blacklistContains(req.BSSID.String()) {
				t.Error("a timeout right after the loss blacklisted the lost network's BSS")
			}
			continue
		}
		h.waitState(Disconnected)
		if !h.st.blacklistContains(req.BSSID.String()) {
			t.Error("without an after-loss window, a timed-out BSS is not blacklisted")
		}
	}
}
