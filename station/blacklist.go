package station

import (
	"time"
)

// BlacklistConfig holds main.conf's [Blacklist] settings.
type BlacklistConfig struct {
	InitialTimeout time.Duration // 0 disables the blacklist
	Multiplier     int
	MaximumTimeout time.Duration
}

// DefaultBlacklistConfig is iwd's default: 60 s, times 30 per repeat, at most a day.
func DefaultBlacklistConfig() BlacklistConfig {
	return BlacklistConfig{InitialTimeout: 60 * time.Second, Multiplier: 30, MaximumTimeout: 24 * time.Hour}
}

type blacklistEntry struct {
	until   time.Time
	timeout time.Duration
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
// away Multiplier times longer, up to MaximumTimeout.
func (b *blacklist) add(bssid string, now time.Time) time.Duration {
	if b.cfg.InitialTimeout <= 0 {
		return 0
	}
	t := b.cfg.InitialTimeout
	if e, ok := b.entries[bssid]; ok {
		t = e.timeout * time.Duration(max(b.cfg.Multiplier, 1))
		if b.cfg.MaximumTimeout > 0 && t > b.cfg.MaximumTimeout {
			t = b.cfg.MaximumTimeout
		}
	}
	b.entries[bssid] = blacklistEntry{until: now.Add(t), timeout: t}
	return t
}

// contains reports whether bssid is blacklisted at now. Entries are kept
// after they expire so a repeat offender gets a longer time.
func (b *blacklist) contains(bssid string, now time.Time) bool {
	e, ok := b.entries[bssid]
	return ok && now.Before(e.until)
}

// remove forgets bssid (after a successful connection).
func (b *blacklist) remove(bssid string) { delete(b.entries, bssid) }
