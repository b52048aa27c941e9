package knownnetworks

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// expectEvents takes the next len(want) events, in any order; each is
// "kind ssid" (e.g. "added example.conf").
func expectEvents(t *testing.T, ch <-chan Event, sec Security, want ...string) map[string]Event {
	t.Helper()
	got := map[string]Event{}
	var names []string
	for range want {
		ev := nextEvent(t, ch)
		if ev.Security != sec {
			t.Fatalf("event %v %q.%v, want security %v", ev.Kind, ev.SSID, ev.Security, sec)
		}
		k := ev.Kind.String() + " " + ev.SSID
		got[k] = ev
		names = append(names, k)
	}
	sort.Strings(names)
	sort.Strings(want)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", names, want)
	}
	return got
}

func TestWatchHotspots(t *testing.T) {
	s, dir, logs := newTestStore(t)
	hs := mkHotspotDir(t, dir)
	writeTestFile(t, hs, "before.conf", exampleProfile, time.Time{})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	// Changed between Load and Watch: reported by the initial rescan.
	writeTestFile(t, hs, "early.conf", "[Hotspot]\nName=Early\nNAIRealmNames=early.example\n", time.Time{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, EventAdded, "early.conf", SecurityHotspot)

	// Added by hand.
	writeTestFile(t, hs, "new.conf", "[Hotspot]\nName=New\nHESSID=02:00:00:00:00:01\n", time.Time{})
	ev := expectEvent(t, ch, EventAdded, "new.conf", SecurityHotspot)
	if ev.Network.Hotspot == nil || ev.Network.DisplayName() != "New" || ev.Network.Path != filepath.Join(hs, "new.conf") {
		t.Errorf("added profile: %+v", ev.Network)
	}
	// Edited in place.
	writeTestFile(t, hs, "new.conf", "[Hotspot]\nName=Renamed\nHESSID=02:00:00:00:00:01\n", time.Time{})
	ev = expectEvent(t, ch, EventChanged, "new.conf", SecurityHotspot)
	if ev.Network.DisplayName() != "Renamed" {
		t.Errorf("changed profile: %+v", ev.Network.Hotspot)
	}
	// Touched: LastConnected.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(hs, "new.conf"), later, later); err != nil {
		t.Fatal(err)
	}
	ev = expectEvent(t, ch, EventChanged, "new.conf", SecurityHotspot)
	if !ev.Network.LastConnected.Equal(later) {
		t.Errorf("LastConnected %v, want %v", ev.Network.LastConnected, later)
	}
	// A symlink to a profile elsewhere (made by ln -s: no close).
	target := filepath.Join(t.TempDir(), "linked")
	writeTestFile(t, filepath.Dir(target), "linked", "[Hotspot]\nName=Linked\nRoamingConsortium=001122\n", time.Time{})
	if err := os.Symlink(target, filepath.Join(hs, "link.conf")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, EventAdded, "link.conf", SecurityHotspot)

	// Made invalid: gone, logged once; fixed: back.
	writeTestFile(t, hs, "new.conf", "[Hotspot]\nHESSID=02:00:00:00:00:01\n", time.Time{})
	expectEvent(t, ch, EventRemoved, "new.conf", SecurityHotspot)
	writeTestFile(t, hs, "new.conf", "[Hotspot]\nHESSID=02:00:00:00:00:01\n", time.Time{})
	expectNoEvent(t, ch, 200*time.Millisecond)
	if n := strings.Count(logs.String(), "profile has no [Hotspot] Name"); n != 1 {
		t.Errorf("invalid profile logged %d times:\n%s", n, logs)
	}
	writeTestFile(t, hs, "new.conf", "[Hotspot]\nName=Fixed\nHESSID=02:00:00:00:00:01\n", time.Time{})
	expectEvent(t, ch, EventAdded, "new.conf", SecurityHotspot)

	// Removed by hand.
	if err := os.Remove(filepath.Join(hs, "early.conf")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, EventRemoved, "early.conf", SecurityHotspot)

	// Temporary files, directories, a top-level x.hotspot: no events.
	writeTestFile(t, hs, "new.conf.123.tmp", exampleProfile, time.Time{})
	if err := os.Mkdir(filepath.Join(hs, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, dir, "x.hotspot", exampleProfile, time.Time{})
	// Our own writes, touches and forgets are not echoed back.
	if err := s.SetAutoConnect("before.conf", SecurityHotspot, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch("new.conf", SecurityHotspot); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequency("new.conf", SecurityHotspot, 2412); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("link.conf", SecurityHotspot); err != nil {
		t.Fatal(err)
	}
	expectNoEvent(t, ch, 300*time.Millisecond)
	if _, err := os.Stat(target); err != nil {
		t.Errorf("Forget of a symlinked profile removed its target: %v", err)
	}
	if strings.Contains(logs.String(), "hs-topsecret") {
		t.Error("secret in logs")
	}
}

// hotspot/ may appear after the watch started, go away and come back, by
// mkdir or by rename; the storage directory stays watched throughout.
func TestWatchHotspotDirComesAndGoes(t *testing.T) {
	s, dir, _ := newTestStore(t)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs := filepath.Join(dir, HotspotDir)

	// mkdir then a profile at once: the profile is seen whether it was
	// written before or after the new directory's watch was in place.
	if err := os.Mkdir(hs, 0o700); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, hs, "a.conf", exampleProfile, time.Time{})
	expectEvent(t, ch, EventAdded, "a.conf", SecurityHotspot)
	// And one written later.
	time.Sleep(50 * time.Millisecond)
	writeTestFile(t, hs, "b.conf", exampleProfile, time.Time{})
	expectEvent(t, ch, EventAdded, "b.conf", SecurityHotspot)

	// rm -r: every profile removed.
	if err := os.RemoveAll(hs); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, ch, SecurityHotspot, "removed a.conf", "removed b.conf")
	if len(s.Hotspots()) != 0 {
		t.Errorf("Hotspots after rm -r: %v", s.Hotspots())
	}
	// The storage directory is still watched.
	writeTestFile(t, dir, "Home.open", "", time.Time{})
	expectEvent(t, ch, EventAdded, "Home", SecurityOpen)

	// A directory of profiles renamed into place.
	staged := filepath.Join(dir, "staged")
	if err := os.Mkdir(staged, 0o700); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, staged, "c.conf", exampleProfile, time.Time{})
	writeTestFile(t, staged, "d.conf", exampleProfile, time.Time{})
	if err := os.Rename(staged, hs); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, ch, SecurityHotspot, "added c.conf", "added d.conf")
	writeTestFile(t, hs, "e.conf", exampleProfile, time.Time{})
	expectEvent(t, ch, EventAdded, "e.conf", SecurityHotspot)

	// Renamed away: its profiles are gone, and what is written in it
	// afterwards is not seen.
	old := filepath.Join(dir, "hotspot.old")
	if err := os.Rename(hs, old); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, ch, SecurityHotspot, "removed c.conf", "removed d.conf", "removed e.conf")
	writeTestFile(t, old, "f.conf", exampleProfile, time.Time{})
	expectNoEvent(t, ch, 200*time.Millisecond)

	// A symlink to a directory of profiles.
	if err := os.Symlink(old, hs); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, ch, SecurityHotspot, "added c.conf", "added d.conf", "added e.conf", "added f.conf")
	writeTestFile(t, old, "g.conf", exampleProfile, time.Time{})
	expectEvent(t, ch, EventAdded, "g.conf", SecurityHotspot)
	if err := os.Remove(hs); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, ch, SecurityHotspot, "removed c.conf", "removed d.conf", "removed e.conf", "removed f.conf", "removed g.conf")
	writeTestFile(t, old, "h.conf", exampleProfile, time.Time{})
	expectNoEvent(t, ch, 200*time.Millisecond)
}

func TestParseInotify(t *testing.T) {
	var b []byte
	add := func(wd int32, mask uint32, name string) {
		hdr := make([]byte, unix.SizeofInotifyEvent)
		binary.NativeEndian.PutUint32(hdr[0:4], uint32(wd))
		binary.NativeEndian.PutUint32(hdr[4:8], mask)
		n := 0
		if name != "" {
			n = (len(name) + 16) &^ 15 // NUL-padded, as the kernel does
		}
		binary.NativeEndian.PutUint32(hdr[12:16], uint32(n))
		b = append(b, hdr...)
		b = append(b, name...)
		b = append(b, make([]byte, n-len(name))...)
	}
	add(1, unix.IN_CREATE, "a.psk")
	add(2, unix.IN_CLOSE_WRITE, "a.psk")
	add(1, unix.IN_CLOSE_WRITE, "a.psk")
	add(2, unix.IN_DELETE_SELF, "")
	add(2, unix.IN_IGNORED, "")
	add(-1, unix.IN_Q_OVERFLOW, "")
	evs, overflow := parseInotify(append(b, 1, 2, 3)) // a torn tail is dropped
	want := []inotifyEvent{
		{1, unix.IN_CREATE | unix.IN_CLOSE_WRITE, "a.psk"},
		{2, unix.IN_CLOSE_WRITE, "a.psk"},
		{2, unix.IN_DELETE_SELF | unix.IN_IGNORED, ""},
	}
	if !overflow || !slices.Equal(evs, want) {
		t.Errorf("parseInotify = %+v, %v; want %+v, true", evs, overflow, want)
	}
	if !evs[2].self() || evs[0].self() {
		t.Error("self()")
	}
}

// A symlink made into the storage directory (ln -s: a create, no close) is
// seen at once.
func TestWatchSymlinkedNetworkFile(t *testing.T) {
	s, dir, _ := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	writeTestFile(t, other, "Home.psk", "[Security]\nPassphrase=topsecret1\n", time.Time{})
	if err := os.Symlink(filepath.Join(other, "Home.psk"), filepath.Join(dir, "Home.psk")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, EventAdded, "Home", SecurityPSK)
	// An empty file just created is not read before its close.
	fh, err := os.Create(filepath.Join(dir, "Slow.psk"))
	if err != nil {
		t.Fatal(err)
	}
	expectNoEvent(t, ch, 200*time.Millisecond)
	fh.WriteString("[Security]\nPassphrase=slowsecret\n")
	fh.Close()
	ev := expectEvent(t, ch, EventAdded, "Slow", SecurityPSK)
	if string(ev.Network.Settings.Security.Passphrase) != "slowsecret" {
		t.Error("read before its close")
	}
}

// After an inotify queue overflow everything is rescanned, and hotspot/
// made meanwhile is watched from then on.
func TestWatchOverflowRewatchesHotspotDir(t *testing.T) {
	s, dir, _ := newTestStore(t)
	writeTestFile(t, dir, "Home.open", "", time.Time{})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	top, err := unix.InotifyAddWatch(fd, dir, watchMask)
	if err != nil {
		t.Fatal(err)
	}
	hs := &hotspotWatch{fd: fd, dir: filepath.Join(dir, HotspotDir), wd: -1}
	apply := func(ievs []inotifyEvent, overflow bool) []string {
		s.networksMu.Lock()
		evs, gone := s.applyInotifyLocked(top, hs, ievs, overflow)
		s.networksMu.Unlock()
		if gone {
			t.Fatal("gone")
		}
		var out []string
		for _, ev := range evs {
			out = append(out, ev.Kind.String()+" "+ev.SSID)
		}
		sort.Strings(out)
		return out
	}
	read := func() []inotifyEvent {
		buf := make([]byte, 64*1024)
		n, err := unix.Read(fd, buf)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := parseInotify(buf[:n])
		return evs
	}

	// Events lost: hotspot/ made with a profile, Home.open removed.
	mkHotspotDir(t, dir)
	writeTestFile(t, filepath.Join(dir, HotspotDir), "a.conf", exampleProfile, time.Time{})
	if err := os.Remove(filepath.Join(dir, "Home.open")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(apply(nil, true), ","); got != "added a.conf,removed Home" {
		t.Fatalf("after overflow: %s", got)
	}
	if hs.wd < 0 {
		t.Fatal("hotspot/ not watched after the overflow")
	}
	read() // what happened before, already rescanned
	writeTestFile(t, filepath.Join(dir, HotspotDir), "b.conf", exampleProfile, time.Time{})
	if got := strings.Join(apply(read(), false), ","); got != "added b.conf" {
		t.Fatalf("after the overflow: %s", got)
	}
}
