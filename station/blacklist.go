package station

import (
	"time"
)

// BlacklistConfig holds main.conf's [Blacklist] settings.
type BlacklistConfig struct {
	InitialTimeout time.Duration // 0 disables the blacklist
	// InitialBusyTimeout is InitialAccessPointBusyTimeout: how long a
	// BSS that said it is busy (association status 17, NO_MORE_STAS) is
	// avoided at first; 0 disables that kind of entry.
	InitialBusyTimeout time.Duration
	Multiplier         int
	MaximumTimeout     time.Duration
}

// DefaultBlacklistConfig is iwd's default: 60 s, times 30 per repeat, at
// most a day; 60 s for a busy AP too (iwd 3.9's code; its manual says 30).
func DefaultBlacklistConfig() BlacklistConfig {
	return BlacklistConfig{InitialTimeout: 60 * time.Second, InitialBusyTimeout: 60 * time.Second,
		Multiplier: 30, MaximumTimeout: 24 * time.Hour}
}

// blacklistEntry is one BSS's entry. As in iwd, a BSS has one entry of one
// reason: failed (busy false), which keeps autoconnect and roaming away,
// or busy, which only ranks the BSS last among roam candidates.
type blacklistEntry struct {
	until   time.Time
	timeout time.Duration
	busy    bool
}

// blacklist remembers BSSes that failed a connection, so autoconnect tries
// others first. Only the station's goroutine uses it.
type blacklist struct {
	cfg     BlacklistConfig
	entries map[string]blacklistEntry
}

func newBlacklist(cfg BlacklistConfig) *blacklist {
	return &blacklist{cfg: cfg, entries: map[string]blacklistEntry{}}
}

// add blacklists bssid; a BSS that fails again after its time ran out stays
// away Multiplier times longer, up to MaximumTimeout. A busy entry gives
// way to a fresh failed one (iwd promotes it to the graver reason).
func (b *blacklist) add(bssid string, now time.Time) time.Duration {
	if b.cfg.InitialTimeout <= 0 {
		return 0
	}
	t := b.cfg.InitialTimeout
	if e, ok := b.entries[bssid]; ok && !e.busy {
		t = b.longer(e.timeout)
	}
	b.entries[bssid] = blacklistEntry{until: now.Add(t), timeout: t}
	return t
}

// addBusy blacklists bssid as busy, iwd's BLACKLIST_REASON_AP_BUSY: for
// InitialBusyTimeout, Multiplier times longer each time it says so again,
// up to MaximumTimeout. A failed entry still in force is graver and stays
// as it is (addBusy returns 0); one that ran out is replaced.
func (b *blacklist) addBusy(bssid string, now time.Time) time.Duration {
	if b.cfg.InitialBusyTimeout <= 0 {
		return 0
	}
	t := b.cfg.InitialBusyTimeout
	if e, ok := b.entries[bssid]; ok {
		switch {
		case e.busy:
			t = b.longer(e.timeout)
		case now.Before(e.until):
			return 0
		}
	}
	b.entries[bssid] = blacklistEntry{until: now.Add(t), timeout: t, busy: true}
	return t
}

// longer is the time for a BSS blacklisted again after timeout.
func (b *blacklist) longer(timeout time.Duration) time.Duration {
	t := timeout * time.Duration(max(b.cfg.Multiplier, 1))
	if b.cfg.MaximumTimeout > 0 && t > b.cfg.MaximumTimeout {
		t = b.cfg.MaximumTimeout
	}
	return t
}

// contains reports whether bssid is blacklisted as failed at now (a busy
// BSS is not: iwd still autoconnects to it). Entries are kept after they
// expire so a repeat offender gets a longer time.
func (b *blacklist) contains(bssid string, now time.Time) bool {
	e, ok := b.entries[bssid]
	return ok && !e.busy && now.Before(e.until)
}

// busy reports whether bssid is blacklisted as busy at now: iwd ranks such
// a roam candidate below every other of good enough signal.
func (b *blacklist) busy(bssid string, now time.Time) bool {
	e, ok := b.entries[bssid]
	return ok && e.busy && now.Before(e.until)
}

// remove forgets bssid's failures (after a successful connection). A busy
// entry stays, as iwd's does: the AP was full a moment ago.
func (b *blacklist) remove(bssid string) {
	if e, ok := b.entries[bssid]; ok && !e.busy {
		delete(b.entries, bssid)
	}
}
