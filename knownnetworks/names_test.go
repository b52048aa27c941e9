package knownnetworks

import (
	"errors"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	for _, tc := range []struct {
		ssid string
		sec  Security
		want string
	}{
		{"Corp Net", SecurityPSK, "Corp Net.psk"},
		{"my-net_2", SecurityOpen, "my-net_2.open"},
		{"eduroam", Security8021X, "eduroam.8021x"},
		{"café", SecurityPSK, "=636166c3a9.psk"},
		{"a=b", SecurityPSK, "=613d62.psk"},
		{"a.b", SecurityOpen, "=612e62.open"},
		{"Ünï", Security8021X, "=c39c6ec3af.8021x"},
		{"12345678901234567890123456789012", SecurityPSK, "12345678901234567890123456789012.psk"},
	} {
		got, err := FileName(tc.ssid, tc.sec)
		if err != nil || got != tc.want {
			t.Errorf("FileName(%q, %v) = %q, %v; want %q", tc.ssid, tc.sec, got, err, tc.want)
			continue
		}
		ssid, sec, err := ParseFileName(got)
		if err != nil || ssid != tc.ssid || sec != tc.sec {
			t.Errorf("ParseFileName(%q) = %q, %v, %v", got, ssid, sec, err)
		}
	}
	for _, bad := range []string{"", "123456789012345678901234567890123", "a\x00b", "\xff\xfe"} {
		if _, err := FileName(bad, SecurityPSK); err == nil {
			t.Errorf("FileName(%q) succeeded", bad)
		}
	}
	if _, err := FileName("x", Security(9)); err == nil {
		t.Error("FileName with unknown security succeeded")
	}
}

func TestParseFileNameRejects(t *testing.T) {
	// Not network files: skipped silently.
	for _, n := range []string{
		"home.ap", ".known_network.freq", ".eap-tls-session-cache", "Corp Net.psk.123456.tmp",
		"noext", "x.PSK", ".psk", "hotspot", "a.psk.bak",
	} {
		if _, _, err := ParseFileName(n); !errors.Is(err, ErrNotNetworkFile) {
			t.Errorf("ParseFileName(%q) = %v, want ErrNotNetworkFile", n, err)
		}
	}
	// Look like network files but are wrong: warned about.
	for _, n := range []string{
		"café.psk",                               // non-ASCII plain name
		"a=b.psk",                                // '=' inside a plain name
		"semi;colon.open",                        // punctuation
		"=414243.psk",                            // plain SSID hex-encoded: iwd looks for ABC.psk
		"=636166C3A9.psk",                        // upper-case hex
		"=abc.psk",                               // odd length
		"=zz.psk",                                // not hex
		"=.psk",                                  // empty
		"=ff.psk",                                // not UTF-8
		"=6100.psk",                              // NUL
		"123456789012345678901234567890123.open", // 33 bytes
		"=" + strings.Repeat("61", 32) + "2e" + ".psk",     // 33 bytes hex
		"=" + strings.Repeat("2e", 32) + "2e2e" + ".8021x", // too long
	} {
		_, _, err := ParseFileName(n)
		if err == nil || errors.Is(err, ErrNotNetworkFile) {
			t.Errorf("ParseFileName(%q) = %v, want a naming error", n, err)
		}
	}
}

func TestStateDir(t *testing.T) {
	for env, want := range map[string]string{"": DefaultDir, "/run/x": "/run/x", "/a:/b": "/a", ":/b": DefaultDir} {
		if got := StateDir(env); got != want {
			t.Errorf("StateDir(%q) = %q, want %q", env, got, want)
		}
	}
}

func FuzzParseFileName(f *testing.F) {
	for _, s := range []string{"Corp Net.psk", "=636166c3a9.open", "x.8021x", "café.psk", "=41.psk", ".known_network.freq", "a.psk.1.tmp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ssid, sec, err := ParseFileName(name)
		if err != nil {
			return
		}
		back, err := FileName(ssid, sec)
		if err != nil || back != name {
			t.Fatalf("ParseFileName(%q) = %q, %v; FileName gives %q, %v", name, ssid, sec, back, err)
		}
	})
}
