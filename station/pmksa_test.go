package station

import (
	"bytes"
	"context"
	"testing"
	"time"

	"wifid/nl80211/ie"
)

func testKey(aa byte) pmksaKey {
	return pmksaKey{spa: [6]byte{2, 0, 0, 0, 0, 1}, aa: [6]byte{2, 0, 0, 0, 0, aa}, ssid: "corp", akm: ie.AKM8021X}
}

func TestPMKSACacheGetPutExpire(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newPMKSACache(PMKSAConfig{})
	if c.cfg.Capacity != 255 || c.cfg.Lifetime != 43200*time.Second {
		t.Fatalf("defaults %+v, want iwd's 255 entries, 43200 s", c.cfg)
	}
	k := testKey(1)
	c.put(&pmksaEntry{key: k, pmk: bytes.Repeat([]byte{1}, 32)}, now)
	if e := c.get(k, now.Add(time.Hour)); e == nil || e.pmk[0] != 1 {
		t.Fatalf("get after an hour: %+v", e)
	}
	other := k
	other.akm = ie.AKM8021XSHA256
	if c.get(other, now) != nil {
		t.Error("an entry found for another AKM")
	}
	other = k
	other.ssid = "guest"
	if c.get(other, now) != nil {
		t.Error("an entry found for another SSID")
	}
	if c.get(testKey(2), now) != nil {
		t.Error("an entry found for another BSS (iwd's cache is per BSS)")
	}
	// A new PMK for the same key replaces the old one.
	c.put(&pmksaEntry{key: k, pmk: bytes.Repeat([]byte{2}, 32)}, now.Add(time.Minute))
	if e := c.get(k, now.Add(time.Minute)); c.len() != 1 || e.pmk[0] != 2 {
		t.Fatalf("after a second put: %d entries, %+v", c.len(), e)
	}
	old := c.entries[0].pmk
	if c.get(k, now.Add(time.Minute+43200*time.Second)) != nil {
		t.Error("an entry outlived its lifetime")
	}
	if c.len() != 0 || !bytes.Equal(old, make([]byte, 32)) {
		t.Errorf("expired entry: %d left, PMK not wiped: %x", c.len(), old)
	}
}

func TestPMKSACacheCapacityDropsSoonestExpiring(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newPMKSACache(PMKSAConfig{Capacity: 2})
	c.put(&pmksaEntry{key: testKey(1)}, now)
	c.put(&pmksaEntry{key: testKey(2)}, now.Add(time.Second))
	c.put(&pmksaEntry{key: testKey(3)}, now.Add(2*time.Second))
	if c.len() != 2 || c.get(testKey(1), now.Add(3*time.Second)) != nil ||
		c.get(testKey(2), now.Add(3*time.Second)) == nil || c.get(testKey(3), now.Add(3*time.Second)) == nil {
		t.Errorf("a full cache kept %d entries; want the oldest gone", c.len())
	}
}

func TestPMKSACacheDropRetainDisabled(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newPMKSACache(PMKSAConfig{})
	for i := byte(1); i <= 3; i++ {
		c.put(&pmksaEntry{key: testKey(i)}, now)
	}
	if !c.drop(testKey(2)) || c.drop(testKey(2)) || c.len() != 2 {
		t.Errorf("drop: %d entries left", c.len())
	}
	if n := c.retain(func(e *pmksaEntry) bool { return e.key.aa[5] == 3 }); n != 1 || c.len() != 1 {
		t.Errorf("retain dropped %d, %d left", n, c.len())
	}
	off := newPMKSACache(PMKSAConfig{Disabled: true})
	off.put(&pmksaEntry{key: testKey(1)}, now)
	if off.len() != 0 || off.get(testKey(1), now) != nil {
		t.Error("DisablePMKSA: an entry kept")
	}
}

func TestWithPMKID(t *testing.T) {
	own := &ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: []ie.AKMSuite{ie.AKM8021X}, Capabilities: ie.RSNCapMFPC, GroupManagementCipher: ie.CipherBIPCMAC128}
	b, err := own.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	id := ie.PMKID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	got, err := withPMKID(b, id)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ie.ParseRSN(got[2:])
	if err != nil || len(r.PMKIDs) != 1 || r.PMKIDs[0] != id || r.GroupManagementCipher != ie.CipherBIPCMAC128 ||
		r.Capabilities != ie.RSNCapMFPC || len(got) != len(b)+16 {
		t.Errorf("RSNE with PMKID %x: %+v, %v", got, r, err)
	}
	if _, err := withPMKID([]byte{221, 0}, id); err == nil {
		t.Error("a vendor element taken for the RSNE")
	}
}

// pmksaLen is the size of the station's cache, read on its loop.
func (s *Station) pmksaLen() int {
	n := make(chan int, 1)
	if err := s.call(context.Background(), func() { n <- s.pmksa.len() }); err != nil {
		return -1
	}
	return <-n
}

// TestPMKSAWipedWhenDropped: every way an entry leaves the cache wipes
// its PMK: replaced by a new one, evicted from a full cache, dropped,
// not retained, flushed when the station stops.
func TestPMKSAWipedWhenDropped(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newPMKSACache(PMKSAConfig{Capacity: 3})
	pmk := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	wiped := func(what string, p []byte) {
		t.Helper()
		if !bytes.Equal(p, make([]byte, 32)) {
			t.Errorf("%s: PMK not wiped: %x", what, p)
		}
	}
	replaced, evicted, dropped, notRetained, flushed := pmk(1), pmk(2), pmk(3), pmk(4), pmk(5)
	c.put(&pmksaEntry{key: testKey(1), pmk: replaced}, now)
	c.put(&pmksaEntry{key: testKey(1), pmk: pmk(9)}, now)
	wiped("replaced", replaced)
	c.put(&pmksaEntry{key: testKey(2), pmk: evicted}, now.Add(-time.Second)) // expires first
	c.put(&pmksaEntry{key: testKey(3), pmk: dropped}, now)
	c.put(&pmksaEntry{key: testKey(4), pmk: notRetained}, now)
	wiped("evicted from a full cache", evicted)
	c.drop(testKey(3))
	wiped("dropped", dropped)
	c.retain(func(e *pmksaEntry) bool { return e.key != testKey(4) })
	wiped("not retained", notRetained)
	c.put(&pmksaEntry{key: testKey(5), pmk: flushed}, now)
	c.flush()
	wiped("flushed", flushed)
	if c.len() != 0 {
		t.Errorf("%d entries after flush", c.len())
	}
}
