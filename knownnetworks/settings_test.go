package knownnetworks

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
)

func mustParse(t *testing.T, name, text string) *File {
	t.Helper()
	f, err := ParseFile(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSettingsDefaults(t *testing.T) {
	s, warns := ParseSettings(NewFile("x.open"))
	if len(warns) != 0 {
		t.Fatal(warns)
	}
	if !s.AutoConnect || s.Hidden || s.AlwaysRandomizeAddress || s.AddressOverride != nil ||
		s.Priority != 0 || s.TransitionDisable || s.IPv6.Enabled != nil || s.IPv4.Address.IsValid() {
		t.Errorf("defaults: %+v", s)
	}
	if s.IPv4.Netmask != netip.MustParseAddr("255.255.255.0") {
		t.Errorf("default netmask %v", s.IPv4.Netmask)
	}
}

func TestSettingsAll(t *testing.T) {
	psk := strings.Repeat("0f", 32)
	f := mustParse(t, "Corp Net.8021x", `[Settings]
AutoConnect=0
Hidden=True
AddressOverride=02:11:22:33:44:55
Priority=10
TransitionDisable=1
DisabledTransitionModes=personal open

[Security]
Passphrase=\shunter2
PasswordIdentifier=id1
PreSharedKey=`+psk+`
SAE-PT-Group19=0102
EAP-Method=PEAP
EAP-Identity=alice
EAP-PEAP-Phase2-Password=s3cret

[IPv4]
Address=192.168.1.10
Gateway=192.168.1.1
DNS=192.168.1.1  8.8.8.8
Netmask=255.255.0.0
Broadcast=192.168.255.255
DomainName=example.com
SendHostname=true

[IPv6]
Enabled=false
Address=2001:db8::10
Gateway=fe80::1
DNS=2001:db8::53
DomainName=v6.example.com
`)
	s, warns := ParseSettings(f)
	if len(warns) != 0 {
		t.Fatal(warns)
	}
	if s.AutoConnect || !s.Hidden || s.AddressOverride.String() != "02:11:22:33:44:55" || s.Priority != 10 ||
		!s.TransitionDisable || strings.Join(s.DisabledTransitionModes, ",") != "personal,open" {
		t.Errorf("[Settings]: %+v", s)
	}
	if string(s.Security.Passphrase) != " hunter2" || s.Security.PasswordIdentifier != "id1" ||
		s.Security.PreSharedKey == nil || s.Security.PreSharedKey[0] != 0x0f {
		t.Error("[Security] wrong")
	}
	if len(s.Security.EAP) != 3 || s.Security.EAP["EAP-Method"] != "PEAP" {
		t.Errorf("EAP keys: %v", s.Security.EAP.keys())
	}
	if s.IPv4.Address.String() != "192.168.1.10" || s.IPv4.Gateway.String() != "192.168.1.1" ||
		fmt.Sprint(s.IPv4.DNS) != "[192.168.1.1 8.8.8.8]" || s.IPv4.Netmask.String() != "255.255.0.0" ||
		s.IPv4.Broadcast.String() != "192.168.255.255" || s.IPv4.DomainName != "example.com" || !s.IPv4.SendHostname {
		t.Errorf("[IPv4]: %+v", s.IPv4)
	}
	if s.IPv6.Enabled == nil || *s.IPv6.Enabled || s.IPv6.Address.String() != "2001:db8::10/128" ||
		s.IPv6.Gateway.String() != "fe80::1" || fmt.Sprint(s.IPv6.DNS) != "[2001:db8::53]" ||
		s.IPv6.DomainName != "v6.example.com" {
		t.Errorf("[IPv6]: %+v", s.IPv6)
	}

	// Nothing secret comes out of fmt or slog.
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("settings", "s", s, "pass", s.Security.Passphrase,
		"psk", s.Security.PreSharedKey, "eap", s.Security.EAP)
	for _, out := range []string{
		fmt.Sprintf("%v %+v %#v %s %x %q", s, s, s, s.Security.Passphrase, s.Security.PreSharedKey, s.Security.Passphrase),
		logged.String(),
	} {
		for _, secret := range []string{"hunter2", "0f0f0f", "15 15 15", "s3cret", "alice"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q leaked: %s", secret, out)
			}
		}
	}
}

// TestLongPreSharedKey: a PreSharedKey longer than 64 hex digits is a
// warning (it made ParseSettings panic: hex.Decode writes past a 32-byte
// destination).
func TestLongPreSharedKey(t *testing.T) {
	for _, v := range []string{strings.Repeat("ab", 33), strings.Repeat("ab", 31), strings.Repeat("zz", 32)} {
		f := mustParse(t, "x.psk", "[Security]\nPreSharedKey="+v+"\n")
		s, warns := ParseSettings(f)
		if s.Security.PreSharedKey != nil || len(warns) != 1 || !strings.Contains(warns[0].Error(), "64 hex digits") {
			t.Errorf("%d digits: %v %v", len(v), s.Security.PreSharedKey != nil, warns)
		}
	}
}

func TestSettingsWarnings(t *testing.T) {
	f := mustParse(t, "Corp Net.psk", `[Settings]
AutoConnect=yes
AddressOverride=01:00:00:00:00:01
AlwaysRandomizeAddress=true
Priority=high
DisabledTransitionModes=personal,bogus
[Security]
PreSharedKey=hunter2hunter2
Passphrase=bad\escape
[IPv4]
Address=2001:db8::1
DNS=1.1.1.1 nope
[IPv6]
Address=10.0.0.1/24
Enabled=perhaps
`)
	s, warns := ParseSettings(f)
	if !s.AutoConnect || s.AddressOverride != nil || !s.AlwaysRandomizeAddress || s.Priority != 0 ||
		s.Security.PreSharedKey != nil || s.Security.Passphrase != "" || s.IPv4.Address.IsValid() ||
		len(s.IPv4.DNS) != 1 || s.IPv6.Address.IsValid() || s.IPv6.Enabled != nil ||
		strings.Join(s.DisabledTransitionModes, ",") != "personal" {
		t.Errorf("settings: %+v", s)
	}
	var all []string
	for _, w := range warns {
		msg := w.Error()
		all = append(all, msg)
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, "escape\"") {
			t.Errorf("secret in warning: %s", msg)
		}
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{
		"Corp Net.psk line 2: [Settings] AutoConnect: not a boolean (\"yes\")",
		"line 3: [Settings] AddressOverride: not a valid station address",
		"line 5: [Settings] Priority: not an integer",
		"line 6: [Settings] DisabledTransitionModes: unknown mode \"bogus\"",
		"line 8: [Security] PreSharedKey: not 64 hex digits",
		"line 9: [Security] Passphrase: invalid escape",
		"line 11: [IPv4] Address: not an IPv4 address",
		"line 12: [IPv4] DNS: \"nope\" is not an address",
		"line 14: [IPv6] Address: not an IPv6",
		"line 15: [IPv6] Enabled: not a boolean",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing warning %q in\n%s", want, joined)
		}
	}

	// Both MAC settings valid: AddressOverride wins, as in iwd.
	f = mustParse(t, "x.psk", "[Settings]\nAddressOverride=02:00:00:00:00:01\nAlwaysRandomizeAddress=true\n")
	s, _ = ParseSettings(f)
	if s.AddressOverride == nil || s.AlwaysRandomizeAddress {
		t.Errorf("override vs random: %+v", s)
	}
}
