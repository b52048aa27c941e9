package station

import "time"

// The periodic scan schedule of a station that is disconnected with
// autoconnect on: how long until the next scan and which channels it
// covers. Its phases:
//
//   - after-loss: a connection was lost without anyone asking (the AP went
//     away: beacon loss, a deauthentication, the kernel's disconnect, an
//     SA Query unanswered, a failed rekey or roam). For AfterLossWindow
//     (180 s) from the loss, a scan every AfterLossInterval (3 s) of the
//     channels the lost network's BSSes were on, and every
//     afterLossFullEvery-th round a full scan, in case the AP came back on
//     another channel. A router that reboots is back on the air within
//     these minutes; traffic returns within a few seconds of its return.
//   - backoff: iwd's periodic scan: full scans InitialInterval (10 s)
//     apart, doubling up to MaximumInterval (300 s), so an empty room costs
//     almost nothing.
//   - off: DisablePeriodicScan: no periodic scans (user scans still run).
//
// Every scan carries the directed probes for hidden known networks (see
// startScan), so a hidden network is found in either phase.
type schedulePhase int

const (
	phaseNone      schedulePhase = iota // no periodic scan chosen since the last connection
	phaseAfterLoss                      // quick scans for a lost network
	phaseBackoff                        // iwd's doubling interval
	phaseOff                            // DisablePeriodicScan
)

var schedulePhaseNames = [...]string{
	phaseNone:      "none",
	phaseAfterLoss: "after-loss",
	phaseBackoff:   "backoff",
	phaseOff:       "off",
}

func (p schedulePhase) String() string {
	if p < 0 || int(p) >= len(schedulePhaseNames) {
		return "unknown"
	}
	return schedulePhaseNames[p]
}

// afterLossFullEvery: in the after-loss phase, every this many rounds the
// scan covers every channel, not only the lost network's (with the default
// 3 s interval, a full scan about every 12 s).
const afterLossFullEvery = 4

// scanStep is one periodic scan: when, and of what.
type scanStep struct {
	phase schedulePhase
	wait  time.Duration // from the end of the scan before it
	freqs []uint32      // nil: every channel
}

// scanSchedule decides the periodic scans. It has no timers and reads no
// clock: the station tells it the time.
type scanSchedule struct {
	cfg       ScanConfig
	lostAt    time.Time // when a connection was lost; zero: none since the last one
	lostNet   string    // the lost network's ID
	lostFreqs []uint32  // where the lost network's BSSes were
	phase     schedulePhase
	round     int // scans scheduled in this phase since autoconnect (re)started
}

// lost: at, a connection to network (its ID) on freqs was lost.
func (s *scanSchedule) lost(at time.Time, network string, freqs []uint32) {
	s.lostAt, s.lostNet = at, network
	s.lostFreqs = append([]uint32(nil), freqs...)
	s.round = 0
}

// connected: a connection is up (or the user ended it); the next
// disconnected period starts from scratch.
func (s *scanSchedule) connected() {
	s.lostAt, s.lostNet = time.Time{}, ""
	s.lostFreqs = nil
	s.phase = phaseNone
	s.round = 0
}

// restart: autoconnect starts again (a connect failed, network files
// changed); the backoff goes back to its initial interval. A loss's
// window keeps running.
func (s *scanSchedule) restart() { s.round = 0 }

// justLost reports whether network is the one lost, within the
// after-loss window at now.
func (s *scanSchedule) justLost(network string, now time.Time) bool {
	return s.lostNet != "" && s.lostNet == network && s.phaseAt(now) == phaseAfterLoss
}

// phaseAt is the phase the schedule is in at now.
func (s *scanSchedule) phaseAt(now time.Time) schedulePhase {
	switch {
	case s.cfg.DisablePeriodicScan:
		return phaseOff
	case !s.lostAt.IsZero() && s.cfg.AfterLossInterval > 0 && now.Sub(s.lostAt) < s.cfg.AfterLossWindow:
		return phaseAfterLoss
	}
	return phaseBackoff
}

// next is the periodic scan to run after the one that ended at now, and
// whether the phase changed (the station logs each change once).
func (s *scanSchedule) next(now time.Time) (scanStep, bool) {
	phase := s.phaseAt(now)
	changed := phase != s.phase
	if changed {
		s.phase, s.round = phase, 0
	}
	step := scanStep{phase: phase}
	switch phase {
	case phaseOff:
		return step, changed
	case phaseAfterLoss:
		step.wait = s.cfg.AfterLossInterval
		if len(s.lostFreqs) > 0 && (s.round+1)%afterLossFullEvery != 0 {
			step.freqs = s.lostFreqs
		}
	case phaseBackoff:
		step.wait = s.cfg.InitialInterval
		for i := 0; i < s.round && step.wait < s.cfg.MaximumInterval; i++ {
			step.wait *= 2
		}
		if s.round > 0 && step.wait > s.cfg.MaximumInterval {
			step.wait = s.cfg.MaximumInterval
		}
	}
	s.round++
	return step, changed
}
