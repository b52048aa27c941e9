package knownnetworks

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRemoveStaleTemps: the temporary file a kill mid-write leaves
// (writeFileAtomic's name, or iwd's) goes once it is older than a write
// could take; a fresh one (a write in progress) and every other file stay.
func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	files := []string{"labnet.psk", "labnet.psk.3731923965.tmp", ".known_network.freq.2537711250.tmp", "cafe.open.Ab3xYz.tmp", "notes.tmp"}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// writeFileAtomic dates a temporary file back to the network file's
	// mtime before the rename: that is no sign of a crash.
	old := time.Now().Add(-24 * time.Hour)
	os.Chtimes(filepath.Join(dir, "cafe.open.Ab3xYz.tmp"), old, old)
	if gone, err := RemoveStaleTemps(dir, time.Now()); err != nil || len(gone) != 0 {
		t.Fatalf("fresh temporary files: removed %v (%v), want none", gone, err)
	}
	gone, err := RemoveStaleTemps(dir, time.Now().Add(2*staleTempAge))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(gone)
	if want := []string{".known_network.freq.2537711250.tmp", "cafe.open.Ab3xYz.tmp", "labnet.psk.3731923965.tmp"}; !slices.Equal(gone, want) {
		t.Errorf("removed %v, want %v", gone, want)
	}
	for _, f := range []string{"labnet.psk", "notes.tmp"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if gone, err := RemoveStaleTemps(filepath.Join(dir, "missing"), time.Now()); err != nil || gone != nil {
		t.Errorf("missing directory: %v, %v", gone, err)
	}
}
