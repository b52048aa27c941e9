package knownnetworks

import (
	"bytes"
	"testing"
	"time"
)

// TestStoreWipesReplacedContents: the raw contents the store keeps of a
// network file (the passphrase in them) are wiped when a reload replaces
// them, when the file turns corrupt and when it is forgotten; its own
// writes wipe what they replace too.
func TestStoreWipesReplacedContents(t *testing.T) {
	s, dir, _ := newTestStore(t)
	mtime := time.Unix(1_700_000_000, 0)
	held := func() []byte {
		t.Helper()
		s.networksMu.Lock()
		defer s.networksMu.Unlock()
		e := s.networks[netKey{"home", SecurityPSK}]
		if e == nil || !bytes.Contains(e.data, []byte("Passphrase=")) {
			t.Fatal("no contents held for home.psk")
		}
		return e.data
	}
	wiped := func(what string, b []byte) {
		t.Helper()
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Errorf("%s: the old contents are not wiped: %q", what, b)
		}
	}
	writeTestFile(t, dir, "home.psk", "[Security]\nPassphrase=first secret\n", mtime)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	first := held()
	writeTestFile(t, dir, "home.psk", "[Security]\nPassphrase=second secret\n", mtime.Add(time.Second))
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	wiped("reloaded", first)
	if k, _ := s.Get("home", SecurityPSK); k.Settings.Security.Passphrase != "second secret" {
		t.Fatal("the reload did not take the new passphrase")
	}

	second := held()
	writeTestFile(t, dir, "home.psk", "[Security]\nPassphrase=third secret\nthis line is broken\n", mtime.Add(2*time.Second))
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	wiped("now corrupt", second)
	s.networksMu.Lock()
	corrupt := s.corrupt["home.psk"]
	s.networksMu.Unlock()
	if !bytes.Contains(corrupt, []byte("third secret")) {
		t.Fatalf("the corrupt file's contents are not held: %q", corrupt)
	}
	writeTestFile(t, dir, "home.psk", "[Security]\nPassphrase=fourth secret\n", mtime.Add(3*time.Second))
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	wiped("corrupt, then fixed", corrupt)

	fourth := held()
	if err := s.Update("home", SecurityPSK, func(f *File) error { return f.SetString("Security", "Passphrase", "fifth secret") }); err != nil {
		t.Fatal(err)
	}
	wiped("rewritten by the store", fourth)
	fifth := held()
	if err := s.Forget("home", SecurityPSK); err != nil {
		t.Fatal(err)
	}
	wiped("forgotten", fifth)
}
