package knownnetworks

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func nextEvent(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

func expectNoEvent(t *testing.T, ch <-chan Event, d time.Duration) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %v %q.%v", ev.Kind, ev.SSID, ev.Security)
	case <-time.After(d):
	}
}

func expectEvent(t *testing.T, ch <-chan Event, kind EventKind, ssid string, sec Security) Event {
	t.Helper()
	ev := nextEvent(t, ch)
	if ev.Kind != kind || ev.SSID != ssid || ev.Security != sec {
		t.Fatalf("event %v %q.%v, want %v %q.%v", ev.Kind, ev.SSID, ev.Security, kind, ssid, sec)
	}
	return ev
}

func TestWatch(t *testing.T) {
	s, dir, logs := newTestStore(t)
	writeTestFile(t, dir, "Before.open", "", time.Time{})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	// Changed between Load and Watch: reported by the initial rescan.
	writeTestFile(t, dir, "Early.psk", "[Security]\nPassphrase=early-pass\n", time.Time{})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, EventAdded, "Early", SecurityPSK)
	if _, err := s.Watch(ctx); err == nil {
		t.Error("second watcher allowed")
	}

	// Added by hand.
	writeTestFile(t, dir, "=636166c3a9.psk", "[Security]\nPassphrase=hunter2xx\n", time.Time{})
	ev := expectEvent(t, ch, EventAdded, "café", SecurityPSK)
	if string(ev.Network.Settings.Security.Passphrase) != "hunter2xx" {
		t.Errorf("added network: %+v", ev.Network)
	}

	// Edited by hand (in place, like most editors' save or echo >).
	writeTestFile(t, dir, "=636166c3a9.psk", "[Security]\nPassphrase=hunter2xx\n[Settings]\nAutoConnect=false\n", time.Time{})
	ev = expectEvent(t, ch, EventChanged, "café", SecurityPSK)
	if ev.Network.AutoConnect() {
		t.Error("change not seen")
	}
	if n, _ := s.Get("café", SecurityPSK); n.AutoConnect() {
		t.Error("store not updated")
	}

	// Replaced by rename, as an atomic writer does.
	tmp := filepath.Join(dir, "x.tmp")
	if err := os.WriteFile(tmp, []byte("[Settings]\nHidden=true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "Before.open")); err != nil {
		t.Fatal(err)
	}
	ev = expectEvent(t, ch, EventChanged, "Before", SecurityOpen)
	if !ev.Network.Hidden() {
		t.Error("rename not seen")
	}

	// Our own writes and touches are not echoed back.
	if err := s.SetAutoConnect("Before", SecurityOpen, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch("Early", SecurityPSK); err != nil {
		t.Fatal(err)
	}
	f := NewFile("")
	if err := f.SetBool(GroupSettings, KeyHidden, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Save("New One", SecurityOpen, f); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequency("Early", SecurityPSK, 2412); err != nil {
		t.Fatal(err)
	}
	f.SetBool(GroupSettings, KeyHidden, false)
	if err := s.Save("Gone Soon", SecurityOpen, f); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("Gone Soon", SecurityOpen); err != nil {
		t.Fatal(err)
	}
	expectNoEvent(t, ch, 300*time.Millisecond)

	// Touched by hand: the last-connected time changed.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "Early.psk"), later, later); err != nil {
		t.Fatal(err)
	}
	ev = expectEvent(t, ch, EventChanged, "Early", SecurityPSK)
	if !ev.Network.LastConnected.Equal(later) {
		t.Errorf("LastConnected %v, want %v", ev.Network.LastConnected, later)
	}

	// Broken by hand: removed from the store, file left alone, error logged.
	writeTestFile(t, dir, "Early.psk", "[Security]\nPassphrase=early-pass\n[Broken\n", time.Time{})
	expectEvent(t, ch, EventRemoved, "Early", SecurityPSK)
	if !strings.Contains(logs.String(), "Early.psk line 3") {
		t.Errorf("corrupt edit not logged:\n%s", logs.String())
	}
	// Fixed again: back.
	writeTestFile(t, dir, "Early.psk", "[Security]\nPassphrase=early-pass\n", time.Time{})
	expectEvent(t, ch, EventAdded, "Early", SecurityPSK)

	// Removed by hand.
	if err := os.Remove(filepath.Join(dir, "=636166c3a9.psk")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, EventRemoved, "café", SecurityPSK)
	if _, ok := s.Get("café", SecurityPSK); ok {
		t.Error("removed network still known")
	}

	// Files that are not network files make no events.
	writeTestFile(t, dir, "Home.ap", "[PSK]\nPassphrase=apsecret99\n", time.Time{})
	writeTestFile(t, dir, "bad;name.psk", "[Settings]\n", time.Time{})
	expectNoEvent(t, ch, 200*time.Millisecond)

	for _, secret := range []string{"hunter2xx", "early-pass", "apsecret99"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("secret %q in logs", secret)
		}
	}
}

func TestWatchStopsCleanly(t *testing.T) {
	s, dir, _ := newTestStore(t)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := s.Watch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, dir, "N.open", "", time.Time{})
		nextEvent(t, ch) // added or changed
		// Leave an event unread, so the watcher may be blocked sending.
		writeTestFile(t, dir, "N.open", "[Settings]\nHidden=true\n", time.Time{})
		time.Sleep(50 * time.Millisecond)
		cancel()
		deadline := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			case <-deadline:
				t.Fatal("channel not closed after cancel")
			}
		}
	}
	// Every watcher goroutine is gone.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d > %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A context already done gives a closed channel at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-ch:
		for ok {
			_, ok = <-ch
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
}

func TestWatchDirectoryRemoved(t *testing.T) {
	s, _, _ := newTestStore(t)
	dir := filepath.Join(s.Dir(), "sub")
	s = NewStore(dir, s.log)
	ch, err := s.Watch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-ch:
		for ok {
			_, ok = <-ch
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watch did not end when its directory went away")
	}
}
