package station

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"wifid/internal/secret"
	"wifid/nl80211/ie"
)

// PMKSA caching (IEEE 802.11-2020 12.6.10.3) for the 802.1X AKMs: the PMK
// of a finished EAP conversation is kept, in memory only, under its PMKID;
// the next association with the same BSS for the same network and AKM
// names the PMKID in its RSN element, and when the AP's message 1 names it
// back the 4-way handshake runs with the cached PMK and no EAP. The facts
// follow iwd's src/pmksa.c: an entry is found by our address, the AP's,
// the SSID and the AKM (no ESS-wide, opportunistic entries), lives
// dot11RSNAConfigPMKLifetime (43200 s), and a full cache drops the entry
// nearest its end. iwd 3.9 caches only SAE's PMKSAs; wifid caches the
// 802.1X ones (SAE's are not cached here).

// PMKSAConfig is main.conf's PMKSA settings.
type PMKSAConfig struct {
	Disabled bool          // [General] DisablePMKSA
	Capacity int           // [PMKSA] Capacity: entries per station (iwd's default 255)
	Lifetime time.Duration // dot11RSNAConfigPMKLifetime (iwd: 43200 s, not configurable)
}

// DefaultPMKSAConfig is iwd's.
func DefaultPMKSAConfig() PMKSAConfig {
	return PMKSAConfig{Capacity: 255, Lifetime: 43200 * time.Second}
}

// pmksaKey finds an entry: our address, the AP's, the SSID and the AKM.
type pmksaKey struct {
	spa, aa [6]byte
	ssid    string
	akm     ie.AKMSuite
}

func (k pmksaKey) String() string {
	return fmt.Sprintf("%x %x %q %v", k.spa, k.aa, k.ssid, k.akm)
}

// pmksaEntry is one PMKSA. pmk is a secret: never logged. file is the
// fingerprint of the network file it was made with: an edited file (new
// credentials, another CA) makes the entry stale.
type pmksaEntry struct {
	key     pmksaKey
	pmkid   ie.PMKID
	pmk     []byte
	expires time.Time
	file    [32]byte
}

// fileFingerprint is the fingerprint of a network file's bytes.
func fileFingerprint(b []byte) [32]byte { return sha256.Sum256(b) }

// pmksaCache is a station's PMKSA cache; the station's loop owns it.
type pmksaCache struct {
	cfg     PMKSAConfig
	entries []*pmksaEntry
}

func newPMKSACache(cfg PMKSAConfig) *pmksaCache {
	def := DefaultPMKSAConfig()
	if cfg.Capacity <= 0 {
		cfg.Capacity = def.Capacity
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = def.Lifetime
	}
	return &pmksaCache{cfg: cfg}
}

// get returns the live entry for k, nil for none (or when caching is off);
// expired entries go.
func (c *pmksaCache) get(k pmksaKey, now time.Time) *pmksaEntry {
	if c.cfg.Disabled {
		return nil
	}
	c.expire(now)
	for _, e := range c.entries {
		if e.key == k {
			return e
		}
	}
	return nil
}

// put adds e (made now, so it expires after the lifetime), replacing an
// entry of the same key; a full cache first drops the entry that would
// expire first.
func (c *pmksaCache) put(e *pmksaEntry, now time.Time) {
	if c.cfg.Disabled {
		return
	}
	c.expire(now)
	c.drop(e.key)
	e.expires = now.Add(c.cfg.Lifetime)
	if len(c.entries) >= c.cfg.Capacity {
		first := 0
		for i, o := range c.entries {
			if o.expires.Before(c.entries[first].expires) {
				first = i
			}
		}
		c.remove(first)
	}
	c.entries = append(c.entries, e)
}

// drop removes the entry of k; it says whether there was one.
func (c *pmksaCache) drop(k pmksaKey) bool {
	for i, e := range c.entries {
		if e.key == k {
			c.remove(i)
			return true
		}
	}
	return false
}

// retain keeps the entries keep approves of and returns how many went.
func (c *pmksaCache) retain(keep func(*pmksaEntry) bool) int {
	n := 0
	for i := 0; i < len(c.entries); {
		if keep(c.entries[i]) {
			i++
			continue
		}
		c.remove(i)
		n++
	}
	return n
}

func (c *pmksaCache) expire(now time.Time) {
	c.retain(func(e *pmksaEntry) bool { return now.Before(e.expires) })
}

// remove deletes entry i, wiping its PMK. Every way out of the cache
// (replaced, evicted, expired, dropped, flushed) comes here.
func (c *pmksaCache) remove(i int) {
	secret.Zero(c.entries[i].pmk)
	c.entries = append(c.entries[:i], c.entries[i+1:]...)
}

// flush drops every entry (the station stops).
func (c *pmksaCache) flush() {
	c.retain(func(*pmksaEntry) bool { return false })
}

// len is the number of entries (expired ones included until the next
// get or put).
func (c *pmksaCache) len() int { return len(c.entries) }

// withPMKID is the RSN element rsne (whole) naming pmkid, for the
// (re)association request of a PMKSA-cached connect.
func withPMKID(rsne []byte, pmkid ie.PMKID) ([]byte, error) {
	if len(rsne) < 2 || rsne[0] != byte(ie.IDRSN) {
		return nil, fmt.Errorf("PMKID: not an RSN element")
	}
	r, err := ie.ParseRSN(rsne[2:])
	if err != nil {
		return nil, fmt.Errorf("PMKID: %w", err)
	}
	r.PMKIDs = []ie.PMKID{pmkid}
	b, err := r.Marshal()
	if err != nil {
		return nil, fmt.Errorf("PMKID: %w", err)
	}
	return b, nil
}

// samePMKID compares a PMKID KDE with ours.
func samePMKID(kde []byte, id ie.PMKID) bool { return bytes.Equal(kde, id[:]) }
