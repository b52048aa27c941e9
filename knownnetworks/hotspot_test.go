package knownnetworks

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exampleProfile is iwd's autotests/testHotspot example.conf, in spirit.
const exampleProfile = `[Hotspot]
NAIRealmNames=realm.example.com,other.example.org
RoamingConsortium=112233
HESSID=02:00:00:00:00:11
Name=Example Hotspot

[Security]
EAP-Method=TTLS
EAP-Identity=abc@example.com
EAP-TTLS-Phase2-Method=Tunneled-PAP
EAP-TTLS-Phase2-Identity=secret-user
EAP-TTLS-Phase2-Password=hs-topsecret

[Settings]
AutoConnect=true
`

func TestSecurityHotspotNames(t *testing.T) {
	if SecurityHotspot.String() != "hotspot" {
		t.Errorf("String = %q", SecurityHotspot.String())
	}
	if sec, ok := ParseSecurity("hotspot"); !ok || sec != SecurityHotspot {
		t.Errorf("ParseSecurity(hotspot) = %v, %v", sec, ok)
	}
	if name, err := FileName("example", SecurityHotspot); err == nil {
		t.Errorf("FileName(example, hotspot) = %q", name)
	}
	// A top-level x.hotspot is no network file.
	if _, _, err := ParseFileName("example.hotspot"); !errors.Is(err, ErrNotNetworkFile) {
		t.Errorf("ParseFileName(example.hotspot): %v", err)
	}
	for _, c := range []struct {
		rel  string
		ssid string
		err  bool
	}{
		{"hotspot/example.conf", "example.conf", false},
		{"hotspot/.hidden", ".hidden", false},
		{"hotspot/Home.psk", "Home.psk", false},
		{"hotspot/example.conf.123.tmp", "", true},
		{"hotspot/example.conf.aB3xYz.tmp", "", true},
		{"hotspot/", "", true},
		{"hotspot/..", "", true},
	} {
		ssid, sec, err := parseRelPath(c.rel)
		if c.err != (err != nil) || !c.err && (ssid != c.ssid || sec != SecurityHotspot) {
			t.Errorf("parseRelPath(%q) = %q %v %v", c.rel, ssid, sec, err)
		}
		if !c.err {
			if rel, err := relPath(ssid, sec); err != nil || rel != c.rel {
				t.Errorf("relPath(%q) = %q %v", ssid, rel, err)
			}
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a\x00b", "x.conf.123.tmp"} {
		if rel, err := relPath(bad, SecurityHotspot); err == nil {
			t.Errorf("relPath(%q, hotspot) = %q", bad, rel)
		}
	}
}

func TestParseHotspot(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want *Hotspot // nil: skipped
		warn int
	}{
		{"example", exampleProfile, &Hotspot{
			Name: "Example Hotspot", HESSID: net.HardwareAddr{2, 0, 0, 0, 0, 0x11},
			NAIRealms:         []string{"realm.example.com", "other.example.org"},
			RoamingConsortium: []byte{0x11, 0x22, 0x33},
		}, 0},
		{"realm only", "[Hotspot]\nName=R\nNAIRealmNames=a.example\n",
			&Hotspot{Name: "R", NAIRealms: []string{"a.example"}}, 0},
		{"realm case kept", "[Hotspot]\nName=R\nNAIRealmNames=A.Example, b\n",
			&Hotspot{Name: "R", NAIRealms: []string{"A.Example", " b"}}, 0},
		{"5-octet OI", "[Hotspot]\nName=C\nRoamingConsortium=aabbccddee\n",
			&Hotspot{Name: "C", RoamingConsortium: []byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee}}, 0},
		{"4-octet OI ignored", "[Hotspot]\nName=C\nRoamingConsortium=aabbccdd\nNAIRealmNames=r\n",
			&Hotspot{Name: "C", NAIRealms: []string{"r"}}, 1},
		// iwd checks presence before length: such a profile loads, matching no OI.
		{"only a 4-octet OI", "[Hotspot]\nName=C\nRoamingConsortium=aabbccdd\n",
			&Hotspot{Name: "C"}, 1},
		{"only a non-hex OI", "[Hotspot]\nName=C\nRoamingConsortium=xyz\n", nil, 1},
		{"HESSID only", "[Hotspot]\nName=H\nHESSID=aa:BB:cc:dd:ee:ff\n",
			&Hotspot{Name: "H", HESSID: net.HardwareAddr{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}}, 0},
		{"zero HESSID is none", "[Hotspot]\nName=H\nHESSID=00:00:00:00:00:00\n", &Hotspot{Name: "H"}, 0},
		{"bad HESSID", "[Hotspot]\nName=H\nHESSID=aa-bb-cc-dd-ee-ff\nNAIRealmNames=r\n", nil, 0},
		{"short HESSID", "[Hotspot]\nName=H\nHESSID=aa:bb:cc:dd:ee\n", nil, 0},
		{"no Name", "[Hotspot]\nNAIRealmNames=r\n", nil, 0},
		{"empty Name", "[Hotspot]\nName=\nNAIRealmNames=r\n", nil, 0},
		{"none of the three", "[Hotspot]\nName=N\n", nil, 0},
		{"empty realm list", "[Hotspot]\nName=N\nNAIRealmNames=,\n", nil, 0},
		{"no group", "[Security]\nEAP-Method=TLS\n", nil, 0},
		{"escaped Name", "[Hotspot]\nName=\\sSpaced\\tName\nNAIRealmNames=r\n",
			&Hotspot{Name: " Spaced\tName", NAIRealms: []string{"r"}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, "p", c.text)
			h, warns, err := ParseHotspot(f)
			if c.want == nil {
				if err == nil {
					t.Fatalf("accepted: %+v", h)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if h.Name != c.want.Name || !bytes.Equal(h.HESSID, c.want.HESSID) ||
				!slices.Equal(h.NAIRealms, c.want.NAIRealms) ||
				!bytes.Equal(h.RoamingConsortium, c.want.RoamingConsortium) ||
				(h.HESSID == nil) != (c.want.HESSID == nil) ||
				(h.RoamingConsortium == nil) != (c.want.RoamingConsortium == nil) {
				t.Errorf("got %+v, want %+v", h, c.want)
			}
			if len(warns) != c.warn {
				t.Errorf("warnings %v, want %d", warns, c.warn)
			}
		})
	}
}

func TestHotspotMatch(t *testing.T) {
	h := &Hotspot{Name: "x", HESSID: net.HardwareAddr{2, 0, 0, 0, 0, 1},
		NAIRealms: []string{"a.example", "b.example"}, RoamingConsortium: []byte{1, 2, 3}}
	if !h.MatchesRealm([]string{"z", "b.example"}) || h.MatchesRealm([]string{"B.example"}) ||
		h.MatchesRealm(nil) || h.MatchesRealm([]string{"example"}) {
		t.Error("MatchesRealm")
	}
	if !h.MatchesHESSID(net.HardwareAddr{2, 0, 0, 0, 0, 1}) || h.MatchesHESSID(net.HardwareAddr{2, 0, 0, 0, 0, 2}) ||
		h.MatchesHESSID(nil) {
		t.Error("MatchesHESSID")
	}
	if !h.MatchesConsortium([][]byte{{9, 9, 9}, {1, 2, 3}}) || h.MatchesConsortium([][]byte{{1, 2, 3, 4, 5}}) ||
		h.MatchesConsortium([][]byte{{1, 2}}) || h.MatchesConsortium(nil) {
		t.Error("MatchesConsortium")
	}
	none := &Hotspot{Name: "n"}
	if none.MatchesHESSID(net.HardwareAddr{0, 0, 0, 0, 0, 0}) || none.MatchesConsortium([][]byte{nil, {}}) ||
		none.MatchesRealm([]string{""}) {
		t.Error("a profile without identifiers matched")
	}
	var nilH *Hotspot
	if nilH.MatchesHESSID(h.HESSID) || nilH.MatchesRealm(h.NAIRealms) || nilH.MatchesConsortium([][]byte{{1, 2, 3}}) {
		t.Error("nil profile matched")
	}
}

func mkHotspotDir(t *testing.T, dir string) string {
	t.Helper()
	hs := filepath.Join(dir, HotspotDir)
	if err := os.MkdirAll(hs, 0o700); err != nil {
		t.Fatal(err)
	}
	return hs
}

func TestStoreLoadHotspots(t *testing.T) {
	s, dir, logs := newTestStore(t)
	hs := mkHotspotDir(t, dir)
	old := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	writeTestFile(t, dir, "Home.psk", "[Security]\nPassphrase=topsecret1\n", old)
	writeTestFile(t, dir, "example.hotspot", exampleProfile, old) // not a network file
	writeTestFile(t, hs, "example.conf", exampleProfile, old.Add(time.Hour))
	writeTestFile(t, hs, "second", "[Hotspot]\nName=Second\nNAIRealmNames=second.example\n[Settings]\nHidden=true\nAutoConnect=false\n", old.Add(-time.Hour))
	writeTestFile(t, hs, "noname.conf", "[Hotspot]\nNAIRealmNames=r\n[Security]\nEAP-Password=hs-secret-2\n", old)
	writeTestFile(t, hs, "corrupt.conf", "[Hotspot]\nName=C\nthis is broken\n", old)
	writeTestFile(t, hs, "example.conf.1234.tmp", exampleProfile, old)
	elsewhere := t.TempDir()
	writeTestFile(t, elsewhere, "linked", "[Hotspot]\nName=Linked\nRoamingConsortium=0011223344\n", old)
	target := filepath.Join(elsewhere, "linked")
	if err := os.Symlink(target, filepath.Join(hs, "link.conf")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(hs, "fifo.conf"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(hs, "fifo.conf"), filepath.Join(hs, "tofifo.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(hs, "todir.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(hs, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	huge := "[Hotspot]\nName=Huge\nNAIRealmNames=r\n#" + strings.Repeat("x", maxFileSize) + "\n"
	writeTestFile(t, hs, "huge.conf", huge, old)

	loadWithin5s(t, s)

	var got []string
	for _, n := range s.List() {
		got = append(got, n.SSID+"."+n.Security.String())
	}
	if strings.Join(got, ",") != "example.conf.hotspot,Home.psk,link.conf.hotspot,second.hotspot" {
		t.Fatalf("List = %v", got)
	}
	got = nil
	for _, n := range s.Hotspots() {
		got = append(got, n.DisplayName())
	}
	if strings.Join(got, ",") != "Example Hotspot,Linked,Second" {
		t.Errorf("Hotspots = %v", got)
	}
	ex, ok := s.Get("example.conf", SecurityHotspot)
	if !ok || ex.Path != filepath.Join(hs, "example.conf") || ex.Hotspot == nil ||
		ex.DisplayName() != "Example Hotspot" || !ex.LastConnected.Equal(old.Add(time.Hour)) ||
		ex.Settings.Security.EAP["EAP-Method"] != "TTLS" || !ex.AutoConnect() {
		t.Errorf("Get(example.conf) = %+v, %v", ex, ok)
	}
	if sec, _ := s.Get("second", SecurityHotspot); sec.Hidden() || !sec.Settings.Hidden || sec.AutoConnect() {
		t.Errorf("second: Hidden() %v (a profile has no SSID to probe), AutoConnect %v", sec.Hidden(), sec.AutoConnect())
	}
	if home, _ := s.Get("Home", SecurityPSK); home.Hotspot != nil || home.DisplayName() != "Home" {
		t.Errorf("Home: %+v", home)
	}
	l := logs.String()
	for _, want := range []string{"hotspot/noname.conf", "hotspot/corrupt.conf line 3", "hotspot/huge.conf", "hotspot/tofifo.conf"} {
		if !strings.Contains(l, want) {
			t.Errorf("logs miss %s:\n%s", want, l)
		}
	}
	for _, quiet := range []string{"subdir", "1234.tmp", "example.hotspot", "hs-secret-2", "hs-topsecret", "topsecret1"} {
		if strings.Contains(l, quiet) {
			t.Errorf("logs mention %s:\n%s", quiet, l)
		}
	}

	// Problems are logged once, not again on a rescan.
	s.networksMu.Lock()
	evs, err := s.rescanLocked()
	s.networksMu.Unlock()
	if err != nil || len(evs) != 0 {
		t.Errorf("rescan: %v %v", evs, err)
	}
	if l2 := logs.String(); l2 != l {
		t.Errorf("rescan logged again:\n%s", l2[len(l):])
	}
}

func TestStoreHotspotDirMissingOrAFile(t *testing.T) {
	s, dir, logs := newTestStore(t)
	writeTestFile(t, dir, "Home.psk", "[Security]\nPassphrase=topsecret1\n", time.Time{})
	if err := s.Load(); err != nil || len(s.List()) != 1 || len(s.Hotspots()) != 0 {
		t.Fatalf("no hotspot dir: %v %v", err, s.List())
	}
	writeTestFile(t, dir, HotspotDir, exampleProfile, time.Time{})
	if err := s.Load(); err != nil || len(s.List()) != 1 || len(s.Hotspots()) != 0 {
		t.Fatalf("hotspot a file: %v %v", err, s.List())
	}
	if !strings.Contains(logs.String(), "cannot read hotspot directory") {
		t.Errorf("hotspot a file not logged:\n%s", logs)
	}
}

func TestStoreHotspotWrites(t *testing.T) {
	s, dir, logs := newTestStore(t)
	hs := mkHotspotDir(t, dir)
	old := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	writeTestFile(t, hs, "example.conf", "# kept\n"+exampleProfile+"[Unknown]\nKey=kept\n", old)
	writeTestFile(t, dir, "example.open", "", old)
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(hs, "example.conf")
	var renamed []string
	s.beforeRename = func(tmp string) error { renamed = append(renamed, tmp); return nil }

	if err := s.SetAutoConnect("example.conf", SecurityHotspot, false); err != nil {
		t.Fatal(err)
	}
	if len(renamed) != 1 || filepath.Dir(renamed[0]) != hs {
		t.Errorf("not written atomically in hotspot/: %v", renamed)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || !fi.ModTime().Equal(old) {
		t.Fatalf("after SetAutoConnect: %v %v", fi, err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "AutoConnect=false") || !strings.HasPrefix(string(data), "# kept\n") ||
		!strings.Contains(string(data), "[Unknown]\nKey=kept\n") {
		t.Errorf("rewritten profile:\n%s", data)
	}
	if n, _ := s.Get("example.conf", SecurityHotspot); n.AutoConnect() || n.Hotspot == nil || n.Hotspot.Name != "Example Hotspot" {
		t.Errorf("store after SetAutoConnect: %+v", n)
	}

	// An update that would leave no profile is refused, the file untouched.
	err = s.Update("example.conf", SecurityHotspot, func(f *File) error {
		f.Remove(GroupHotspot, KeyHotspotName)
		return nil
	})
	if err == nil {
		t.Error("update removing Name accepted")
	}
	if d2, _ := os.ReadFile(path); !bytes.Equal(d2, data) {
		t.Error("refused update changed the file")
	}

	before := time.Now().Add(-time.Second)
	if err := s.Touch("example.conf", SecurityHotspot); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(path)
	if n, _ := s.Get("example.conf", SecurityHotspot); fi.ModTime().Before(before) || !n.LastConnected.Equal(fi.ModTime()) {
		t.Errorf("Touch: mtime %v, LastConnected %v", fi.ModTime(), n.LastConnected)
	}

	if err := s.AddKnownFrequency("example.conf", SecurityHotspot, 2412); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequency("example", SecurityOpen, 5180); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("example.conf", SecurityHotspot); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile not removed: %v", err)
	}
	if _, ok := s.Get("example.conf", SecurityHotspot); ok || len(s.Hotspots()) != 0 {
		t.Error("profile still known")
	}
	if got := s.KnownFrequencies("example", SecurityOpen); !slices.Equal(got, []uint32{5180}) {
		t.Errorf("the open network's frequencies after forgetting the profile: %v", got)
	}
	freq, _ := os.ReadFile(filepath.Join(dir, FrequencyFileName))
	if strings.Contains(string(freq), "hotspot") || !strings.Contains(string(freq), "example.open") {
		t.Errorf("freq file after Forget:\n%s", freq)
	}
	if err := s.Forget("example.conf", SecurityHotspot); !errors.Is(err, ErrUnknownNetwork) {
		t.Errorf("second Forget: %v", err)
	}
	if strings.Contains(logs.String(), "hs-topsecret") {
		t.Error("secret in logs")
	}

	// Save creates a profile in hotspot/, only a valid one.
	f := mustParse(t, "", "[Hotspot]\nName=New\nNAIRealmNames=new.example\n")
	if err := s.Save("new.conf", SecurityHotspot, f); err != nil {
		t.Fatal(err)
	}
	if n, ok := s.Get("new.conf", SecurityHotspot); !ok || n.Path != filepath.Join(hs, "new.conf") || n.DisplayName() != "New" {
		t.Errorf("saved profile: %+v %v", n, ok)
	}
	if err := s.Save("bad.conf", SecurityHotspot, mustParse(t, "", "[Hotspot]\nName=Bad\n")); err == nil {
		t.Error("saved a profile iwd would skip")
	}
	if err := s.Save("../escape", SecurityHotspot, f); err == nil {
		t.Error("saved outside hotspot/")
	}
}

// A frequency entry is a hotspot profile's if its path is in this store's
// hotspot/ (iwd writes "<dir>/hotspot//<name>"), and never an ordinary
// network's of the same base name.
func TestHotspotKnownFrequencies(t *testing.T) {
	s, dir, _ := newTestStore(t)
	hs := mkHotspotDir(t, dir)
	mtime := time.Unix(1700000000, 123456000)
	writeTestFile(t, dir, "Home.psk", "[Security]\nPassphrase=topsecret1\n", mtime)
	writeTestFile(t, hs, "Home.psk", "[Hotspot]\nName=Home profile\nNAIRealmNames=r\n", mtime)
	writeTestFile(t, hs, "example.conf", exampleProfile, mtime)
	writeTestFile(t, dir, FrequencyFileName, `[11111111-2222-5333-8444-555555555555]
name=`+dir+`/hotspot//Home.psk
list= 5180

[22222222-2222-5333-8444-555555555555]
name=`+dir+`/Home.psk
list= 2412

[33333333-2222-5333-8444-555555555555]
name=/var/lib/iwd/hotspot//example.conf
list= 2437

[44444444-2222-5333-8444-555555555555]
name=/var/lib/iwd/hotspot/Home.psk
list= 2462

[55555555-2222-5333-8444-555555555555]
name=`+dir+`/hotspot/Home.psk
list= 5200
`, time.Time{})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if got := s.KnownFrequencies("Home.psk", SecurityHotspot); !slices.Equal(got, []uint32{5180}) {
		t.Errorf("profile Home.psk: %v", got)
	}
	if got := s.KnownFrequencies("Home", SecurityPSK); !slices.Equal(got, []uint32{2412}) {
		t.Errorf("network Home.psk: %v", got)
	}
	if got := s.KnownFrequencies("example.conf", SecurityHotspot); got != nil {
		t.Errorf("example.conf (entry of another storage dir): %v", got)
	}

	if err := s.AddKnownFrequency("example.conf", SecurityHotspot, 5955); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKnownFrequency("Home.psk", SecurityHotspot, 2412); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, FrequencyFileName))
	exUUID := uuidV5(freqUUIDNamespace, fmt.Sprintf("%s/hotspot//example.conf_%d", dir, mtime.UnixMicro()))
	want := `[11111111-2222-5333-8444-555555555555]
name=` + dir + `/hotspot//Home.psk
list=2412 5180

[22222222-2222-5333-8444-555555555555]
name=` + dir + `/Home.psk
list= 2412

[` + exUUID + `]
name=` + dir + `/hotspot//example.conf
list=5955
`
	if string(data) != want {
		t.Errorf("freq file:\n%s\nwant\n%s", data, want)
	}
	s2 := NewStore(dir, s.log)
	if err := s2.Load(); err != nil {
		t.Fatal(err)
	}
	if got := s2.KnownFrequencies("example.conf", SecurityHotspot); !slices.Equal(got, []uint32{5955}) {
		t.Errorf("reloaded example.conf: %v", got)
	}
	if got := s2.RecentFrequencies(5, 5); len(got) != 3 {
		t.Errorf("RecentFrequencies = %v", got)
	}

	// Forgetting the profile keeps the network's entry, and the reverse.
	if err := s.Forget("Home.psk", SecurityHotspot); err != nil {
		t.Fatal(err)
	}
	if got := s.KnownFrequencies("Home", SecurityPSK); !slices.Equal(got, []uint32{2412}) {
		t.Errorf("network Home.psk after forgetting the profile: %v", got)
	}
	if err := s.Forget("Home", SecurityPSK); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(filepath.Join(dir, FrequencyFileName))
	if strings.Contains(string(data), "Home.psk") || !strings.Contains(string(data), "example.conf") {
		t.Errorf("freq file after both forgets:\n%s", data)
	}
}

func FuzzParseHotspot(f *testing.F) {
	f.Add([]byte(exampleProfile))
	f.Add([]byte("[Hotspot]\nName=x\nRoamingConsortium=aabbccdd\n"))
	f.Add([]byte("[Hotspot]\nName=\\sx\nHESSID=00:00:00:00:00:00\nNAIRealmNames=,a,,b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile("p", data)
		if err != nil {
			return
		}
		h, _, err := ParseHotspot(file)
		if err != nil {
			if h != nil {
				t.Fatal("profile and error")
			}
			return
		}
		if h.Name == "" {
			t.Error("empty Name accepted")
		}
		if h.HESSID != nil && (len(h.HESSID) != 6 || isZero(h.HESSID)) {
			t.Errorf("HESSID %v", h.HESSID)
		}
		if n := len(h.RoamingConsortium); h.RoamingConsortium != nil && n != 3 && n != 5 {
			t.Errorf("RoamingConsortium of %d octets", n)
		}
		for _, r := range h.NAIRealms {
			if r == "" || strings.Contains(r, ",") {
				t.Errorf("realm %q", r)
			}
		}
		if h.HESSID != nil && !h.MatchesHESSID(h.HESSID) || h.RoamingConsortium != nil && !h.MatchesConsortium([][]byte{h.RoamingConsortium}) ||
			len(h.NAIRealms) > 0 && !h.MatchesRealm(h.NAIRealms[:1]) {
			t.Error("a profile does not match its own identifiers")
		}
	})
}

// FuzzParseRelPath: a name in the storage directory or hotspot/ maps to at
// most one network, and back to the same name.
func FuzzParseRelPath(f *testing.F) {
	for _, s := range []string{"Home.psk", "hotspot/example.conf", "hotspot/a.conf.1.tmp", "hotspot/x/y",
		"hotspot/", "hotspot/\xff", "hotspot/a\nb", "x.hotspot", "hotspot"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rel string) {
		ssid, sec, err := parseRelPath(rel)
		if err != nil {
			return
		}
		back, err := relPath(ssid, sec)
		if err != nil || back != rel {
			t.Fatalf("parseRelPath(%q) = %q, %v; relPath gives %q, %v", rel, ssid, sec, back, err)
		}
		if sec == SecurityHotspot && (!strings.HasPrefix(rel, HotspotDir+"/") || strings.Contains(ssid, "/")) {
			t.Fatalf("parseRelPath(%q) = %q hotspot", rel, ssid)
		}
	})
}

func TestHotspotNameMustBeShowable(t *testing.T) {
	s, dir, logs := newTestStore(t)
	hs := mkHotspotDir(t, dir)
	writeTestFile(t, hs, "bad\xffname", exampleProfile, time.Time{})
	writeTestFile(t, hs, "bad\tname", exampleProfile, time.Time{})
	writeTestFile(t, hs, "ok名前", exampleProfile, time.Time{})
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if l := s.Hotspots(); len(l) != 1 || l[0].SSID != "ok名前" {
		t.Errorf("Hotspots = %v", l)
	}
	if !strings.Contains(logs.String(), `not UTF-8`) || !strings.Contains(logs.String(), `control characters`) {
		t.Errorf("bad names not logged:\n%s", logs)
	}
}
