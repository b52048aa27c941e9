package rfkill

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEvent(t *testing.T) {
	// idx 3 (little-endian on the machines this runs on), wlan, change, soft.
	b := Event{Index: 3, Type: TypeWLAN, Op: OpChange, Soft: true}.Marshal()
	ev, err := ParseEvent(append(b, 0x01)) // a newer kernel's hard_block_reasons byte
	if err != nil {
		t.Fatal(err)
	}
	want := Event{Index: 3, Type: TypeWLAN, Op: OpChange, Soft: true}
	if ev != want {
		t.Fatalf("got %+v, want %+v", ev, want)
	}
	if !ev.Blocked() {
		t.Error("soft-blocked event not Blocked")
	}
	if _, err := ParseEvent(b[:7]); !errors.Is(err, ErrShort) {
		t.Errorf("7 bytes: err = %v, want ErrShort", err)
	}
	if s := TypeWLAN.String() + " " + OpChangeAll.String() + " " + Type(42).String(); s != "wlan change-all type42" {
		t.Errorf("names: %q", s)
	}
}

func TestWiphy(t *testing.T) {
	root := t.TempDir()
	phy := filepath.Join(root, "class", "ieee80211", "rad1")
	for _, d := range []string{"rfkillx", "rfkill7", "device"} {
		if err := os.MkdirAll(filepath.Join(phy, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	idx, ok, err := Wiphy(root, "rad1")
	if err != nil || !ok || idx != 7 {
		t.Fatalf("Wiphy = %d, %v, %v; want 7, true, nil", idx, ok, err)
	}
	os.MkdirAll(filepath.Join(root, "class", "ieee80211", "rad2"), 0o755)
	if _, ok, err := Wiphy(root, "rad2"); ok || err != nil {
		t.Errorf("wiphy without a switch: ok=%v err=%v", ok, err)
	}
	if _, _, err := Wiphy(root, "nope"); err == nil {
		t.Error("missing wiphy: no error")
	}
}

func TestWiphyState(t *testing.T) {
	root := t.TempDir()
	sw := filepath.Join(root, "class", "ieee80211", "phy0", "rfkill3")
	if err := os.MkdirAll(sw, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, v string) {
		if err := os.WriteFile(filepath.Join(sw, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("soft", "1\n")
	write("hard", "0\n")
	st, ok, err := WiphyState(root, "phy0")
	if err != nil || !ok || st != (State{Index: 3, Soft: true}) || !st.Blocked() {
		t.Fatalf("WiphyState = %+v, %v, %v; want soft block on rfkill3", st, ok, err)
	}
	write("soft", "0\n")
	write("hard", "1\n")
	if st, _, _ := WiphyState(root, "phy0"); st != (State{Index: 3, Hard: true}) {
		t.Errorf("hard block read as %+v", st)
	}
	write("hard", "yes\n")
	if _, _, err := WiphyState(root, "phy0"); err == nil || !strings.Contains(err.Error(), "hard") {
		t.Errorf("garbage in hard: err %v", err)
	}
	os.MkdirAll(filepath.Join(root, "class", "ieee80211", "phy1"), 0o755)
	if _, ok, err := WiphyState(root, "phy1"); ok || err != nil {
		t.Errorf("no switch: ok=%v err=%v", ok, err)
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add(Event{Index: 1, Type: TypeWLAN, Op: OpAdd, Hard: true}.Marshal())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseEvent(b)
		if err != nil {
			return
		}
		// What parses re-encodes to its first 8 bytes, modulo the
		// booleans' canonical form.
		again, err := ParseEvent(ev.Marshal())
		if err != nil || again != ev {
			t.Fatalf("round trip %+v -> %+v (%v)", ev, again, err)
		}
	})
}
