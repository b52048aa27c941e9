package knownnetworks

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestUUIDv5(t *testing.T) {
	// Python: uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com").
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got := uuidV5(dns, "www.example.com"); got != "2ed6657d-e927-568b-95e1-2665a8aea6a2" {
		t.Errorf("uuidV5 = %s", got)
	}
	// Python: uuid.uuid5(UUID("fd886f1e-df02-d78b-c490-3059738a860d"), ...).
	if got := uuidV5(freqUUIDNamespace, "/var/lib/iwd/Home.psk_1700000000123456"); got != "6173a735-49c7-5839-b8b0-6389d07c19f2" {
		t.Errorf("uuidV5 = %s", got)
	}
}

func TestValidFrequency(t *testing.T) {
	for _, f := range []uint32{2412, 2437, 2472, 2484, 4920, 5180, 5825, 5935, 5955, 6115, 7115} {
		if !ValidFrequency(f) {
			t.Errorf("%d invalid", f)
		}
	}
	for _, f := range []uint32{0, 2400, 2413, 2485, 5181, 5930, 7120, 60480} {
		if ValidFrequency(f) {
			t.Errorf("%d valid", f)
		}
	}
}

func TestKnownFrequencies(t *testing.T) {
	s, dir, _ := newTestStore(t)
	mtime := time.Unix(1700000000, 123456000)
	writeTestFile(t, dir, "Home.psk", "[Security]\nPassphrase=topsecret1\n", mtime)
	writeTestFile(t, dir, "caf.open", "", mtime.Add(time.Hour))
	writeTestFile(t, dir, "=636166c3a9.open", "", mtime.Add(-time.Hour))
	// As iwd writes it (note "list= " and the path written by an older layout).
	writeTestFile(t, dir, FrequencyFileName, `[11111111-2222-5333-8444-555555555555]
name=/var/lib/iwd/Home.psk
list= 5180 2412

[22222222-2222-5333-8444-555555555555]
name=/var/lib/iwd//=636166c3a9.open
list = 2437

[not-a-uuid]
name=/var/lib/iwd/caf.open
list=2412

[33333333-2222-5333-8444-555555555555]
name=/var/lib/iwd/Gone.psk
list=2412

[44444444-2222-5333-8444-555555555555]
name=/var/lib/iwd/caf.open
list=2412 1234
`, time.Time{})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if got := s.KnownFrequencies("Home", SecurityPSK); !slices.Equal(got, []uint32{5180, 2412}) {
		t.Errorf("Home: %v", got)
	}
	if got := s.KnownFrequencies("café", SecurityOpen); !slices.Equal(got, []uint32{2437}) {
		t.Errorf("café: %v", got)
	}
	if got := s.KnownFrequencies("caf", SecurityOpen); got != nil {
		t.Errorf("caf (invalid entries): %v", got)
	}
	// Most recently connected first: caf (none), Home, café.
	if got := s.RecentFrequencies(5, 1); !slices.Equal(got, []uint32{5180, 2437}) {
		t.Errorf("RecentFrequencies(5,1) = %v", got)
	}
	if got := s.RecentFrequencies(2, 5); !slices.Equal(got, []uint32{5180, 2412}) {
		t.Errorf("RecentFrequencies(2,5) = %v", got)
	}

	if err := s.AddKnownFrequency("Home", SecurityPSK, 2412); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequency("caf", SecurityOpen, 5955); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequency("caf", SecurityOpen, 1234); err == nil {
		t.Error("invalid frequency accepted")
	}
	if err := s.AddKnownFrequency("Nope", SecurityOpen, 2412); err == nil {
		t.Error("unknown network accepted")
	}
	path := filepath.Join(dir, FrequencyFileName)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("freq file: %v %v", fi, err)
	}
	data, _ := os.ReadFile(path)
	cafUUID := uuidV5(freqUUIDNamespace, fmt.Sprintf("%s_%d", filepath.Join(dir, "caf.open"), mtime.Add(time.Hour).UnixMicro()))
	// iwd rewrites "name" with the current path on every update, so does wifid.
	want := `[11111111-2222-5333-8444-555555555555]
name=` + filepath.Join(dir, "Home.psk") + `
list=2412 5180

[22222222-2222-5333-8444-555555555555]
name=/var/lib/iwd//=636166c3a9.open
list = 2437

[` + cafUUID + `]
name=` + filepath.Join(dir, "caf.open") + `
list=5955
`
	if string(data) != want {
		t.Errorf("freq file:\n%s\nwant\n%s", data, want)
	}

	// A fresh store reads back what was written.
	s2 := NewStore(dir, s.log)
	if err := s2.Load(); err != nil {
		t.Fatal(err)
	}
	if got := s2.KnownFrequencies("caf", SecurityOpen); !slices.Equal(got, []uint32{5955}) {
		t.Errorf("reloaded caf: %v", got)
	}

	// Forget drops the network's entry.
	if err := s.Forget("Home", SecurityPSK); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if strings.Contains(string(data), "Home.psk") {
		t.Errorf("entry kept after Forget:\n%s", data)
	}
}

// AddKnownFrequencies puts the new channels first, in the order given,
// and rewrites the file only when the list changed.
func TestAddKnownFrequencies(t *testing.T) {
	s, dir, _ := newTestStore(t)
	writeTestFile(t, dir, "Home.psk", "[Security]\nPassphrase=topsecret1\n", time.Unix(1700000000, 0))
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequencies("Home", SecurityPSK, 2412); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequencies("Home", SecurityPSK, 5180, 2437, 2412); err != nil {
		t.Fatal(err)
	}
	if got := s.KnownFrequencies("Home", SecurityPSK); !slices.Equal(got, []uint32{5180, 2437, 2412}) {
		t.Errorf("list %v", got)
	}
	path := filepath.Join(dir, FrequencyFileName)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequencies("Home", SecurityPSK, 5180, 2437); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("the file was rewritten though its list did not change")
	}
	if err := s.AddKnownFrequencies("Home", SecurityPSK, 1234); err == nil {
		t.Error("1234 MHz accepted")
	}
	if err := s.AddKnownFrequencies("Gone", SecurityPSK, 2412); !errors.Is(err, ErrUnknownNetwork) {
		t.Errorf("unknown network: %v", err)
	}
}

// FuzzFrequencyFile: .known_network.freq is read at start and may hold
// anything: parsing a list never panics, and what it accepts formats back
// to the same list; a whole file loads without a panic.
func FuzzFrequencyFile(f *testing.F) {
	f.Add(" 5180 2412", "[11111111-2222-5333-8444-555555555555]\nname=/var/lib/iwd/Home.psk\nlist= 5180 2412\n")
	f.Add("2412 2412 99999", "[x]\nname=\nlist=\n")
	f.Fuzz(func(t *testing.T, list, file string) {
		if freqs, err := parseFreqList(list); err == nil {
			again, err := parseFreqList(formatFreqList(freqs))
			if err != nil || !slices.Equal(again, freqs) {
				t.Fatalf("%v formats to a list read as %v, %v", freqs, again, err)
			}
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "Home.psk"), []byte("[Security]\nPassphrase=topsecret1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FrequencyFileName), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		s := NewStore(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := s.Load(); err != nil {
			t.Fatal(err)
		}
		for _, mhz := range s.KnownFrequencies("Home", SecurityPSK) {
			if !ValidFrequency(mhz) {
				t.Fatalf("loaded %d MHz", mhz)
			}
		}
	})
}

func TestChannel(t *testing.T) {
	for mhz, want := range map[uint32]uint16{2412: 1, 2472: 13, 2484: 14, 4920: 184, 5180: 36, 5825: 165, 5935: 2,
		5955: 1, 6115: 33, 7115: 233, 5000: 0, 2413: 0, 0: 0} {
		if got := Channel(mhz); got != want {
			t.Errorf("Channel(%d) = %d, want %d", mhz, got, want)
		}
	}
}
