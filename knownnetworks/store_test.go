package knownnetworks

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for the watcher goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestStore(t *testing.T) (*Store, string, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	logs := &syncBuffer{}
	return NewStore(dir, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))), dir, logs
}

func writeTestFile(t *testing.T, dir, name, text string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

const corruptText = "[Security]\nPassphrase=topsecret1\nthis line is broken\n"

func TestStoreLoad(t *testing.T) {
	s, dir, logs := newTestStore(t)
	old := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	newer := old.Add(time.Hour)
	writeTestFile(t, dir, "Home.psk", "[Security]\nPassphrase=topsecret1\n", old)
	writeTestFile(t, dir, "=636166c3a9.open", "[Settings]\nHidden=true\n", newer)
	writeTestFile(t, dir, "Office.8021x", "[Security]\nEAP-Method=TLS\n[Settings]\nPriority=5\n", old.Add(-time.Hour))
	writeTestFile(t, dir, "Corp Net.psk", corruptText, old)
	writeTestFile(t, dir, "café.psk", "[Settings]\n", old)
	writeTestFile(t, dir, "Home.ap", "[PSK]\nPassphrase=apsecret99\n", old)
	writeTestFile(t, dir, "Home.psk.123.tmp", "garbage", old)
	if err := os.Mkdir(filepath.Join(dir, "hotspot"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	list := s.List()
	var got []string
	for _, n := range list {
		got = append(got, n.SSID+"."+n.Security.String())
	}
	// Priority first, then most recently connected.
	if strings.Join(got, ",") != "Office.8021x,café.open,Home.psk" {
		t.Fatalf("List = %v", got)
	}
	if !list[1].Hidden() || !list[1].AutoConnect() || !list[1].LastConnected.Equal(newer) {
		t.Errorf("café: %+v", list[1])
	}
	home, ok := s.Get("Home", SecurityPSK)
	if !ok || string(home.Settings.Security.Passphrase) != "topsecret1" || home.Path != filepath.Join(dir, "Home.psk") {
		t.Errorf("Get(Home) = %+v, %v", home, ok)
	}
	if _, ok := s.Get("Corp Net", SecurityPSK); ok {
		t.Error("corrupt file loaded")
	}
	l := logs.String()
	if !strings.Contains(l, "Corp Net.psk line 3") || !strings.Contains(l, "café.psk") {
		t.Errorf("logs miss the corrupt or misnamed file:\n%s", l)
	}
	if strings.Contains(l, "topsecret1") || strings.Contains(l, "apsecret99") {
		t.Errorf("secret in logs:\n%s", l)
	}
	// The corrupt file is untouched, and wifid refuses to overwrite or update it.
	f := NewFile("")
	if err := f.SetString(GroupSecurity, KeyPassphrase, "newsecret1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save("Corp Net", SecurityPSK, f); err == nil || strings.Contains(err.Error(), "topsecret1") {
		t.Errorf("Save over a corrupt file: %v", err)
	}
	if err := s.SetAutoConnect("Corp Net", SecurityPSK, false); err == nil {
		t.Error("SetAutoConnect on a corrupt file succeeded")
	}
	if err := s.Forget("Corp Net", SecurityPSK); !errors.Is(err, ErrUnknownNetwork) {
		t.Errorf("Forget on a corrupt file: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "Corp Net.psk"))
	if err != nil || string(data) != corruptText {
		t.Errorf("corrupt file changed: %q %v", data, err)
	}
}

func TestStoreLoadMissingDir(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "nope"), nil)
	if err := s.Load(); err != nil || len(s.List()) != 0 {
		t.Fatal(err)
	}
}

// A caller can tell what failed underneath: the cause is wrapped, not
// flattened into the message.
func TestStoreErrorsWrapCause(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewStore(file, nil)
	if err := s.Load(); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("Load on a file: %v, want it to wrap ENOTDIR", err)
	}
}

func TestStoreSaveAtomicAndMode(t *testing.T) {
	s, dir, _ := newTestStore(t)
	sub := filepath.Join(dir, "iwd")
	s = NewStore(sub, s.log)
	f := NewFile("")
	if err := f.SetString(GroupSecurity, KeyPassphrase, "first-pass"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save("a=b", SecurityPSK, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "=613d62.psk")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if di, _ := os.Stat(sub); di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", di.Mode())
	}
	n, ok := s.Get("a=b", SecurityPSK)
	if !ok || string(n.Settings.Security.Passphrase) != "first-pass" {
		t.Fatalf("Get after Save: %+v %v", n, ok)
	}

	// A write that fails before the rename leaves the old file and no temp file.
	s.beforeRename = func(tmp string) error {
		if fi, err := os.Stat(tmp); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("temp file: %v %v", fi, err)
		}
		return errors.New("disk full")
	}
	if err := f.SetString(GroupSecurity, KeyPassphrase, "second-pass"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save("a=b", SecurityPSK, f); err == nil || strings.Contains(err.Error(), "second-pass") {
		t.Fatalf("Save with failing write: %v", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "[Security]\nPassphrase=first-pass\n" {
		t.Errorf("old file damaged: %q", data)
	}
	ents, _ := os.ReadDir(sub)
	if len(ents) != 1 {
		t.Errorf("leftover files: %v", ents)
	}
	if n, _ := s.Get("a=b", SecurityPSK); string(n.Settings.Security.Passphrase) != "first-pass" {
		t.Error("memory changed by a failed write")
	}
	s.beforeRename = nil
	if err := s.Save("a=b", SecurityPSK, f); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "[Security]\nPassphrase=second-pass\n" {
		t.Errorf("after save: %q", data)
	}
}

func TestStoreUpdateKeepsUnknownAndMtime(t *testing.T) {
	s, dir, _ := newTestStore(t)
	mtime := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	text := "# mine\n[Security]\nPassphrase=topsecret1\nSAE-PT-Group19=00aa\n\n[Custom]\nx=\\sy\n\n[Settings]\nHidden=true\n"
	writeTestFile(t, dir, "Home.psk", text, mtime)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	psk := strings.Repeat("5a", 32)
	if err := s.Update("Home", SecurityPSK, func(f *File) error {
		return f.SetValue(GroupSecurity, KeyPreSharedKey, psk)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAutoConnect("Home", SecurityPSK, false); err != nil {
		t.Fatal(err)
	}
	want := "# mine\n[Security]\nPassphrase=topsecret1\nSAE-PT-Group19=00aa\nPreSharedKey=" + psk +
		"\n\n[Custom]\nx=\\sy\n\n[Settings]\nHidden=true\nAutoConnect=false\n"
	path := filepath.Join(dir, "Home.psk")
	data, _ := os.ReadFile(path)
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	fi, _ := os.Stat(path)
	if !fi.ModTime().Equal(mtime) || fi.Mode().Perm() != 0o600 {
		t.Errorf("mtime %v mode %v", fi.ModTime(), fi.Mode())
	}
	n, _ := s.Get("Home", SecurityPSK)
	if n.AutoConnect() || n.Settings.Security.PreSharedKey == nil || !n.LastConnected.Equal(mtime) {
		t.Errorf("network after update: %+v", n)
	}
	if err := s.Update("Nope", SecurityPSK, func(*File) error { return nil }); !errors.Is(err, ErrUnknownNetwork) {
		t.Errorf("Update unknown: %v", err)
	}
}

func TestStoreTouchForget(t *testing.T) {
	s, dir, _ := newTestStore(t)
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	writeTestFile(t, dir, "Cafe.open", "", old)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	if err := s.Touch("Cafe", SecurityOpen); err != nil {
		t.Fatal(err)
	}
	n, _ := s.Get("Cafe", SecurityOpen)
	fi, _ := os.Stat(filepath.Join(dir, "Cafe.open"))
	if n.LastConnected.Before(before) || !fi.ModTime().Equal(n.LastConnected) {
		t.Errorf("after Touch: %v, file %v", n.LastConnected, fi.ModTime())
	}
	if err := s.Touch("Other", SecurityOpen); !errors.Is(err, ErrUnknownNetwork) {
		t.Errorf("Touch unknown: %v", err)
	}
	if err := s.Forget("Cafe", SecurityOpen); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Cafe.open")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
	if _, ok := s.Get("Cafe", SecurityOpen); ok {
		t.Error("still known")
	}
}

// TestStoreGeneration: the generation moves with every change List would
// show, and only then, so a reader can skip listing when it did not move.
func TestStoreGeneration(t *testing.T) {
	s, dir, _ := newTestStore(t)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	g := s.Generation()
	step := func(what string, moves bool, fn func() error) {
		t.Helper()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		now := s.Generation()
		if moved := now != g; moved != moves {
			t.Errorf("%s: generation moved %v, want %v", what, moved, moves)
		}
		g = now
	}
	f, err := ParseFile("home.psk", []byte("[Security]\nPassphrase=correct horse\n"))
	if err != nil {
		t.Fatal(err)
	}
	step("save", true, func() error { return s.Save("home", SecurityPSK, f) })
	step("list", false, func() error { s.List(); return nil })
	step("touch", true, func() error { return s.Touch("home", SecurityPSK) })
	step("update changing nothing", false, func() error {
		return s.Update("home", SecurityPSK, func(*File) error { return nil })
	})
	step("autoconnect off", true, func() error { return s.SetAutoConnect("home", SecurityPSK, false) })
	step("rescan of our own writes", false, func() error { return s.Load() })
	step("file added by hand", true, func() error {
		if err := os.WriteFile(filepath.Join(dir, "cafe.open"), nil, 0o600); err != nil {
			return err
		}
		return s.Load()
	})
	step("forget", true, func() error { return s.Forget("home", SecurityPSK) })
}

// loadWithin5s loads s, failing the test if Load blocks (on a FIFO).
func loadWithin5s(t *testing.T, s *Store) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Load() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load blocked on a FIFO")
	}
}

// TestStoreSkipsFIFOAndHugeFiles: a FIFO (or a symlink to one) in the
// directory does not block the store, and a file over 1 MiB is skipped;
// the other networks load.
func TestStoreSkipsFIFOAndHugeFiles(t *testing.T) {
	s, dir, logs := newTestStore(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.psk"), 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "fifo.psk"), filepath.Join(dir, "link.open")); err != nil {
		t.Fatal(err)
	}
	huge := append([]byte("[Security]\nPassphrase=correct horse\n#"), bytes.Repeat([]byte("x"), 2<<20)...)
	if err := os.WriteFile(filepath.Join(dir, "huge.psk"), huge, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "home.open"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	loadWithin5s(t, s)
	if l := s.List(); len(l) != 1 || l[0].SSID != "home" {
		t.Errorf("networks %v, want only home", l)
	}
	for _, want := range []string{"fifo.psk", "not a regular file", "huge.psk", "larger than"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
