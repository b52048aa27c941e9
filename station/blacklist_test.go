package station

import (
	"testing"
	"time"
)

// TestBlacklistGrows: both kinds of entry, a failed BSS's (InitialTimeout)
// and a busy AP's (status 17, InitialBusyTimeout), last their initial time,
// Multiplier times longer each time again, up to MaximumTimeout.
func TestBlacklistGrows(t *testing.T) {
	for _, k := range []struct {
		name string
		add  func(*blacklist, string, time.Time) time.Duration
		in   func(*blacklist, string, time.Time) bool
	}{{"failed", (*blacklist).add, (*blacklist).contains}, {"busy", (*blacklist).addBusy, (*blacklist).busy}} {
		bl := newBlacklist(DefaultBlacklistConfig())
		now := time.Unix(1000, 0)
		if d := k.add(bl, "aa", now); d != time.Minute {
			t.Errorf("%s: first timeout %v, want 1m", k.name, d)
		}
		if !k.in(bl, "aa", now.Add(59*time.Second)) || k.in(bl, "aa", now.Add(61*time.Second)) {
			t.Errorf("%s: membership", k.name)
		}
		if d := k.add(bl, "aa", now.Add(2*time.Minute)); d != 30*time.Minute {
			t.Errorf("%s: second timeout %v, want 30m", k.name, d)
		}
		k.add(bl, "aa", now)
		if d := k.add(bl, "aa", now); d != 24*time.Hour {
			t.Errorf("%s: capped timeout %v", k.name, d)
		}
	}
}

// TestBlacklistRemove: a successful connection clears a failed entry but
// not a busy one (iwd removes only BLACKLIST_REASON_CONNECT_FAILED); a
// busy BSS is no failed one (autoconnect may still join it).
func TestBlacklistRemove(t *testing.T) {
	bl := newBlacklist(DefaultBlacklistConfig())
	now := time.Unix(1000, 0)
	bl.add("aa", now)
	bl.remove("aa")
	if bl.contains("aa", now) {
		t.Error("remove left the failed entry")
	}
	bl.addBusy("bb", now)
	bl.remove("bb")
	if !bl.busy("bb", now) || bl.contains("bb", now) {
		t.Error("a busy entry must survive remove and not count as failed")
	}
	off := newBlacklist(BlacklistConfig{})
	if off.add("cc", now) != 0 || off.contains("cc", now) || off.addBusy("cc", now) != 0 || off.busy("cc", now) {
		t.Error("zero timeouts disable the blacklist")
	}
}

// TestBlacklistBusyAndFailed: one entry a BSS, the graver reason winning as
// in iwd: a failure replaces a busy entry with a fresh failed one; busy
// leaves a failed entry in force alone, and replaces one that ran out.
func TestBlacklistBusyAndFailed(t *testing.T) {
	bl := newBlacklist(DefaultBlacklistConfig())
	now := time.Unix(1000, 0)
	bl.addBusy("aa", now)
	bl.addBusy("aa", now) // 30m busy
	if d := bl.add("aa", now); d != time.Minute {
		t.Errorf("failure after busy: %v, want a fresh InitialTimeout", d)
	}
	if !bl.contains("aa", now) || bl.busy("aa", now) {
		t.Error("the failure must replace the busy entry")
	}
	if d := bl.addBusy("aa", now.Add(30*time.Second)); d != 0 {
		t.Errorf("busy during a failed entry: %v, want 0 (ignored)", d)
	}
	if !bl.contains("aa", now.Add(30*time.Second)) || bl.busy("aa", now.Add(30*time.Second)) {
		t.Error("the failed entry must stay as it was")
	}
	later := now.Add(2 * time.Minute)
	if d := bl.addBusy("aa", later); d != time.Minute {
		t.Errorf("busy after the failed entry ran out: %v, want a fresh InitialBusyTimeout", d)
	}
	if bl.contains("aa", later) || !bl.busy("aa", later) {
		t.Error("an expired failed entry must give way to the busy one")
	}
}

// TestBlacklistBusyOff: InitialAccessPointBusyTimeout=0 turns busy entries
// off, independently of InitialTimeout.
func TestBlacklistBusyOff(t *testing.T) {
	cfg := DefaultBlacklistConfig()
	cfg.InitialBusyTimeout = 0
	bl := newBlacklist(cfg)
	now := time.Unix(1000, 0)
	if bl.addBusy("aa", now) != 0 || bl.busy("aa", now) {
		t.Error("busy timeout 0 must add nothing")
	}
	cfg = DefaultBlacklistConfig()
	cfg.InitialTimeout = 0
	bl = newBlacklist(cfg)
	if bl.addBusy("bb", now) != time.Minute || !bl.busy("bb", now) {
		t.Error("InitialTimeout=0 must leave busy entries on")
	}
}
