package station

import (
	"fmt"
	"strings"
	"time"
)

// Phase names of a connect attempt, in the order they happen.
const (
	PhaseScan      = "scan"
	PhaseSecrets   = "secrets" // the passphrase: from the file, PBKDF2, or the agent
	PhaseAuth      = "authenticate"
	PhaseAssoc     = "associate"
	PhaseFourWay   = "4-way"
	PhaseGroupKey  = "group-key"
	PhaseNetconfig = "netconfig"
)

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
	now     func() time.Time
}

// NewTimeline starts a record. now may be nil (time.Now).
func NewTimeline(kind, network string, now func() time.Time) *Timeline {
	if now == nil {
		now = time.Now
	}
	return &Timeline{Kind: kind, Network: network, Start: now(), now: now}
}

// Begin starts a phase, ending the running one if any.
func (t *Timeline) Begin(phase string) {
	t.endRunning()
	t.Steps = append(t.Steps, Step{Phase: phase, Start: t.now()})
}

// Done ends the running phase with an optional detail.
func (t *Timeline) Done(detail string) {
	if n := len(t.Steps); n > 0 && t.Steps[n-1].Duration == 0 {
		t.Steps[n-1].Duration = t.now().Sub(t.Steps[n-1].Start)
		if detail != "" {
			t.Steps[n-1].Detail = detail
		}
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

// String is the one-line form used in logs and wifictl:
// "connect labnet: scan 812ms, authenticate 3ms, ... = 1.2s connected".
func (t *Timeline) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s:", t.Kind, t.Network)
	for i, s := range t.Steps {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %dms", s.Phase, s.Duration.Milliseconds())
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
