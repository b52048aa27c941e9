package station

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Phase names of a connect attempt, in the order they happen.
const (
	PhaseScan      = "scan"
	PhaseSecrets   = "secrets" // the passphrase (file, PBKDF2, agent); 802.1X: the agent's answers
	PhaseAuth      = "authenticate"
	PhaseAssoc     = "associate"
	PhaseEAP       = "eap" // 802.1X: the EAP conversation, association to EAP-Success
	PhaseFourWay   = "4-way"
	PhaseGroupKey  = "group-key"
	PhaseNetconfig = "netconfig"
)

// Phases are the phase names in the order they happen, for readers that
// draw or sum them (wifictl, the bench).
var Phases = []string{PhaseScan, PhaseSecrets, PhaseAuth, PhaseAssoc, PhaseEAP, PhaseFourWay, PhaseGroupKey, PhaseNetconfig}

// Step is one phase of a connect attempt.
type Step struct {
	Phase    string
	Start    time.Time
	Duration time.Duration // zero while running
	Detail   string        // e.g. "cached", "rapid commit", "status 15"
}

// Timeline records one connect attempt (autoconnect, user connect or roam):
// each phase with its start and duration, and the outcome. The log, the D-Bus
// debug events, wifictl and make bench all read this one record.
type Timeline struct {
	Kind    string // "autoconnect", "connect", "roam"
	Network string // SSID
	BSSID   string
	Start   time.Time
	Steps   []Step
	End     time.Time
	Outcome string // "" while running, "connected", or "failed: <reason>"
	// Warnings are what the user should know about the attempt even
	// when it succeeds (an enterprise server not authenticated).
	Warnings []string
	now      func() time.Time
	// OnStep, when set, hears of each phase as it ends (the station
	// turns it into a StationDebug event).
	OnStep func(Step)
}

// NewTimeline starts a record. now may be nil (time.Now).
func NewTimeline(kind, network string, now func() time.Time) *Timeline {
	if now == nil {
		now = time.Now
	}
	return &Timeline{Kind: kind, Network: network, Start: now(), now: now}
}

// Begin starts a phase, ending the running one if any.
//
// Phases tile the attempt: the first starts at the attempt's start, each
// other where the previous one ended, so the steps' durations add up to
// the attempt's total (but for what follows the last phase). Time the
// daemon spends before the first phase or between ending one phase and
// beginning the next (its own bookkeeping: a log line, a D-Bus signal)
// counts to the phase that follows.
func (t *Timeline) Begin(phase string) {
	now := t.now()
	start := t.Start
	if n := len(t.Steps); n > 0 {
		if t.Steps[n-1].Duration == 0 {
			t.end(now, "")
		}
		if n := len(t.Steps); n > 0 {
			last := t.Steps[n-1]
			start = last.Start.Add(last.Duration)
		}
	}
	t.Steps = append(t.Steps, Step{Phase: phase, Start: start})
}

// Warn records a warning about the attempt (once per text).
func (t *Timeline) Warn(text string) {
	if !slices.Contains(t.Warnings, text) {
		t.Warnings = append(t.Warnings, text)
	}
}

// Done ends the running phase with an optional detail.
func (t *Timeline) Done(detail string) { t.end(t.now(), detail) }

// DoneAt ends the running phase at a moment already past (zero: now), for
// news that reached the station a little after it happened.
func (t *Timeline) DoneAt(detail string, at time.Time) {
	if at.IsZero() || at.After(t.now()) {
		at = t.now()
	}
	t.end(at, detail)
}

// FinishAt closes the record with its outcome at a moment already past
// (zero: now).
func (t *Timeline) FinishAt(outcome string, at time.Time) {
	if at.IsZero() || at.After(t.now()) {
		at = t.now()
	}
	t.end(at, "")
	t.End = at
	t.Outcome = outcome
}

// end ends the running phase at now. A phase in which no time passed at
// all did not happen: it is dropped rather than kept as a zero (a zero
// Duration means running), so every finished step has Duration > 0.
func (t *Timeline) end(now time.Time, detail string) {
	n := len(t.Steps)
	if n == 0 || t.Steps[n-1].Duration != 0 {
		return
	}
	s := &t.Steps[n-1]
	d := now.Sub(s.Start)
	if d <= 0 {
		t.Steps = t.Steps[:n-1]
		return
	}
	s.Duration = d
	if detail != "" {
		s.Detail = detail
	}
	if t.OnStep != nil {
		t.OnStep(*s)
	}
}

func (t *Timeline) endRunning() { t.Done("") }

// Finish closes the record with its outcome.
func (t *Timeline) Finish(outcome string) {
	t.endRunning()
	t.End = t.now()
	t.Outcome = outcome
}

// Total is the attempt's duration so far (or in all, once finished).
func (t *Timeline) Total() time.Duration {
	if t.End.IsZero() {
		return t.now().Sub(t.Start)
	}
	return t.End.Sub(t.Start)
}

// Phase returns the step of that phase, if it ran.
func (t *Timeline) Phase(name string) (Step, bool) {
	for _, s := range t.Steps {
		if s.Phase == name {
			return s, true
		}
	}
	return Step{}, false
}

// String is the one-line form used in logs:
// "connect labnet: secrets 84ms, associate 3.2ms, ... = 1204ms connected".
// Durations under 10 ms keep a decimal, under 1 ms three (microseconds),
// so a short phase never reads as 0ms.
func (t *Timeline) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s:", t.Kind, t.Network)
	for i, s := range t.Steps {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %s", s.Phase, FormatMs(s.Duration))
		if s.Detail != "" {
			fmt.Fprintf(&b, " (%s)", s.Detail)
		}
	}
	fmt.Fprintf(&b, " = %dms", t.Total().Milliseconds())
	if t.Outcome != "" {
		b.WriteString(" " + t.Outcome)
	}
	return b.String()
}

// FormatMs prints d in milliseconds: "812ms", "3.2ms", "0.042ms".
func FormatMs(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d >= 10*time.Millisecond || d == 0:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", ms)
	default:
		return fmt.Sprintf("%.3fms", ms)
	}
}

// newTimeline starts an attempt's record whose phases, as they end, go out
// as StationDebug events ("phase": name, duration in µs, detail) with -E.
func (s *Station) newTimeline(kind, network string) *Timeline {
	tl := NewTimeline(kind, network, s.now)
	tl.OnStep = func(st Step) {
		s.event("phase", st.Phase, uint64(st.Duration.Microseconds()), st.Detail)
	}
	return tl
}
