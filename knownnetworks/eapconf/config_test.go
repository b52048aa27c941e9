package eapconf

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"wifid/knownnetworks"
)

func parseText(t *testing.T, text string, answers Answers) (*Config, error) {
	t.Helper()
	f, err := knownnetworks.ParseFile("Corp.8021x", []byte(text))
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	return Parse(f, answers)
}

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := parseText(t, text, nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// TestParseKeys reads each key iwd 2.3 reads, under each prefix it is read.
func TestParseKeys(t *testing.T) {
	sec := "[Security]\n"
	tests := []struct {
		name string
		in   string
		want *Config
	}{
		{"PWD", "EAP-Method=PWD\nEAP-Identity=user@domain.com\nEAP-Password=secret123\n",
			&Config{Prefix: "EAP-", Method: MethodPWD, Identity: "user@domain.com", Password: "secret123"}},
		{"method case-insensitive", "EAP-Method=mschapv2\nEAP-Identity=u\nEAP-Password=p\n",
			&Config{Prefix: "EAP-", Method: MethodMSCHAPV2, Identity: "u", Password: "p"}},
		{"MSCHAPV2 hash", "EAP-Method=MSCHAPV2\nEAP-Identity=mschapv2@example.com\nEAP-Password-Hash=a4f49c406510bdcab6824ee7c30fd852\n",
			&Config{Prefix: "EAP-", Method: MethodMSCHAPV2, Identity: "mschapv2@example.com",
				PasswordHash: &NTHash{0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca, 0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52}}},
		{"TLS", "EAP-Method=TLS\nEAP-Identity=tls@example.com\nEAP-TLS-CACert=/c/ca.pem\nEAP-TLS-ClientCert=/c/cert.pem\n" +
			"EAP-TLS-ClientKey=/c/key.pem\nEAP-TLS-ClientKeyPassphrase=abc\nEAP-TLS-ServerDomainMask=*.domain.com;radius.example.org\n" +
			"EAP-TLS-FastReauthentication=false\n",
			&Config{Prefix: "EAP-", Method: MethodTLS, Identity: "tls@example.com", TLS: &TLSSettings{
				Prefix: "EAP-TLS-", CACert: "/c/ca.pem", ClientCert: "/c/cert.pem", ClientKey: "/c/key.pem",
				ClientKeyPassphrase: "abc", ServerDomainMask: []string{"*.domain.com", "radius.example.org"},
				passphraseInFile: true, passphraseGiven: true,
			}}},
		{"WFA-TLS bundle", "EAP-Method=WFA-TLS\nEAP-TLS-ClientKeyBundle=/c/b.p12\n",
			&Config{Prefix: "EAP-", Method: MethodWFATLS, TLS: &TLSSettings{
				Prefix: "EAP-TLS-", ClientKeyBundle: "/c/b.p12", FastReauthentication: true}}},
		{"TTLS PAP", "EAP-Method=TTLS\nEAP-Identity=open@identity.com\nEAP-TTLS-CACert=/c/ca.pem\n" +
			"EAP-TTLS-Phase2-Method=Tunneled-PAP\nEAP-TTLS-Phase2-Identity=username\nEAP-TTLS-Phase2-Password=password\n" +
			"EAP-TTLS-ServerDomainMask=*.domain.com\nEAP-TTLS-FastReauthentication=1\n",
			&Config{Prefix: "EAP-", Method: MethodTTLS, Identity: "open@identity.com",
				TLS:    &TLSSettings{Prefix: "EAP-TTLS-", CACert: "/c/ca.pem", ServerDomainMask: []string{"*.domain.com"}, FastReauthentication: true},
				Phase2: &Config{Prefix: "EAP-TTLS-Phase2-", Method: TunneledPAP, Identity: "username", Password: "password"}}},
		{"TTLS inner EAP MD5", "EAP-Method=TTLS\nEAP-TTLS-Phase2-Method=MD5\nEAP-TTLS-Phase2-Identity=md5\nEAP-TTLS-Phase2-Password=pw\n",
			&Config{Prefix: "EAP-", Method: MethodTTLS,
				TLS:    &TLSSettings{Prefix: "EAP-TTLS-", FastReauthentication: true},
				Phase2: &Config{Prefix: "EAP-TTLS-Phase2-", Method: MethodMD5, Identity: "md5", Password: "pw"}}},
		{"PEAP MSCHAPV2", "EAP-Method=PEAP\nEAP-Identity=open@identity.com\nEAP-PEAP-CACert=embed:ca\n" +
			"EAP-PEAP-Phase2-Method=MSCHAPV2\nEAP-PEAP-Phase2-Identity=username\nEAP-PEAP-Phase2-Password=password\n" +
			"[@pem@ca]\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
			&Config{Prefix: "EAP-", Method: MethodPEAP, Identity: "open@identity.com",
				TLS:    &TLSSettings{Prefix: "EAP-PEAP-", CACert: "embed:ca", FastReauthentication: true},
				Phase2: &Config{Prefix: "EAP-PEAP-Phase2-", Method: MethodMSCHAPV2, Identity: "username", Password: "password"}}},
		{"PEAP GTC secret", "EAP-Method=PEAP\nEAP-PEAP-Phase2-Method=GTC\nEAP-PEAP-Phase2-Identity=u\nEAP-PEAP-Phase2-GTC-Secret=s\n",
			&Config{Prefix: "EAP-", Method: MethodPEAP, TLS: &TLSSettings{Prefix: "EAP-PEAP-", FastReauthentication: true},
				Phase2: &Config{Prefix: "EAP-PEAP-Phase2-", Method: MethodGTC, Identity: "u", Password: "s"}}},
		{"PEAP MD5 secret, password wins", "EAP-Method=PEAP\nEAP-PEAP-Phase2-Method=MD5\nEAP-PEAP-Phase2-Identity=u\nEAP-PEAP-Phase2-MD5-Secret=s\nEAP-PEAP-Phase2-Password=p\n",
			&Config{Prefix: "EAP-", Method: MethodPEAP, TLS: &TLSSettings{Prefix: "EAP-PEAP-", FastReauthentication: true},
				Phase2: &Config{Prefix: "EAP-PEAP-Phase2-", Method: MethodMD5, Identity: "u", Password: "p"}}},
		{"PEAP with inner TLS", "EAP-Method=PEAP\nEAP-PEAP-Phase2-Method=TLS\nEAP-PEAP-Phase2-TLS-CACert=/ca\nEAP-PEAP-Phase2-Identity=in\n",
			&Config{Prefix: "EAP-", Method: MethodPEAP, TLS: &TLSSettings{Prefix: "EAP-PEAP-", FastReauthentication: true},
				Phase2: &Config{Prefix: "EAP-PEAP-Phase2-", Method: MethodTLS, Identity: "in",
					TLS: &TLSSettings{Prefix: "EAP-PEAP-Phase2-TLS-", CACert: "/ca", FastReauthentication: true}}}},
		{"escapes unescaped", "EAP-Method=PWD\nEAP-Identity=\\sme\nEAP-Password=a\\\\b\n",
			&Config{Prefix: "EAP-", Method: MethodPWD, Identity: " me", Password: `a\b`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, sec+tc.in)
			clear := func(c *Config) {
				for ; c != nil; c = c.Phase2 {
					c.needs = nil
					if c.TLS != nil {
						c.TLS.file = nil
					}
				}
			}
			clear(c)
			c.Unused = nil
			if !reflect.DeepEqual(c, tc.want) {
				t.Errorf("got  %+v\nwant %+v", dump(c), dump(tc.want))
			}
		})
	}
}

func dump(c *Config) string {
	var b strings.Builder
	for ; c != nil; c = c.Phase2 {
		b.WriteString(strings.ReplaceAll(
			strings.Join([]string{c.Prefix, string(c.Method), c.Identity, string(c.Password)}, "|"), "\n", ""))
		if c.TLS != nil {
			t := *c.TLS
			t.file = nil
			b.WriteString(" TLS{" + t.Prefix + " " + t.CACert + " " + t.ClientCert + " " + t.ClientKey + " " + t.ClientKeyBundle +
				" " + strings.Join(t.ServerDomainMask, ";") + "}")
		}
		b.WriteString(" / ")
	}
	return b.String()
}

func TestParseUnused(t *testing.T) {
	// iwd's own autotests carry EAP-PEAP-ClientCert/Key, which no iwd
	// reads; a misspelt key is no error either.
	c := mustParse(t, "[Security]\nEAP-Method=PEAP\nEAP-PEAP-ClientCert=/c\nEAP-PEAP-ClientKey=/k\nEAP-Identiy=x\n"+
		"EAP-PEAP-Phase2-Method=MSCHAPV2\nEAP-PEAP-Phase2-Identity=u\nEAP-PEAP-Phase2-Password=p\nEAP-Password=unused\n")
	want := []string{"EAP-Identiy", "EAP-PEAP-ClientCert", "EAP-PEAP-ClientKey", "EAP-Password"}
	if !reflect.DeepEqual(c.Unused, want) {
		t.Errorf("Unused = %v, want %v", c.Unused, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in      string
		key     string // the key the error must name
		line    int
		wantErr error
		msg     string
	}{
		{"[Security]\nPassphrase=x\n", "EAP-Method", 0, ErrNoMethod, "missing"},
		{"[Security]\nEAP-Method=FOO\n", "EAP-Method", 2, ErrUnsupportedMethod, "unknown method"},
		{"[Security]\nEAP-Method=SIM\n", "EAP-Method", 2, ErrUnsupportedMethod, "SIM card"},
		{"[Security]\nEAP-Method=AKA'\n", "EAP-Method", 2, ErrUnsupportedMethod, "SIM card"},
		{"[Security]\nEAP-Method=MD5\nEAP-Identity=u\nEAP-Password=p\n", "EAP-Method", 2, ErrUnsupportedMethod, "inside PEAP or TTLS"},
		{"[Security]\nEAP-Method=GTC\n", "EAP-Method", 2, ErrUnsupportedMethod, "derives no keys"},
		{"[Security]\nEAP-Method=Tunneled-PAP\n", "EAP-Method", 2, ErrUnsupportedMethod, "unknown"},
		{"[Security]\nEAP-Method=PEAP\nEAP-PEAP-Phase2-Method=Tunneled-PAP\n", "EAP-PEAP-Phase2-Method", 3, ErrUnsupportedMethod, "unknown"},
		{"[Security]\nEAP-Method=TTLS\nEAP-TTLS-Phase2-Method=tunneled-pap\n", "EAP-TTLS-Phase2-Method", 3, ErrUnsupportedMethod, "unknown"},
		{"[Security]\nEAP-Method=TTLS\n", "EAP-TTLS-Phase2-Method", 0, ErrNoMethod, "missing"},
		{"[Security]\nEAP-Method=PEAP\n", "EAP-PEAP-Phase2-Method", 0, ErrNoMethod, "missing"},
		{"[Security]\nEAP-Method=PEAP\nEAP-PEAP-Phase2-Method=PEAP\nEAP-PEAP-Phase2-PEAP-Phase2-Method=PEAP\n" +
			"EAP-PEAP-Phase2-PEAP-Phase2-PEAP-Phase2-Method=PEAP\n", "EAP-PEAP-Phase2-PEAP-Phase2-PEAP-Phase2-Method", 5, ErrUnsupportedMethod, "too deep"},
		{"[Security]\nEAP-Method=PWD\nEAP-Identity=" + strings.Repeat("a", 254) + "\n", "EAP-Identity", 3, nil, "253"},
		{"[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=u\nEAP-Password=p\nEAP-Password-Hash=a4f49c406510bdcab6824ee7c30fd852\n",
			"EAP-Password-Hash", 5, nil, "not both"},
		{"[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=u\nEAP-Password-Hash=a4f49c\n", "EAP-Password-Hash", 4, nil, "32 hex digits"},
		{"[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=u\nEAP-Password-Hash=" + strings.Repeat("ab", 17) + "\n", "EAP-Password-Hash", 4, nil, "32 hex digits"},
		{"[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=u\nEAP-Password-Hash=" + strings.Repeat("zz", 16) + "\n", "EAP-Password-Hash", 4, nil, "32 hex digits"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-ServerDomainMask=*.x\n", "EAP-TLS-ServerDomainMask", 3, nil, "no EAP-TLS-CACert"},
		{"[Security]\nEAP-Method=PEAP\nEAP-PEAP-ServerDomainMask=*.x\n", "EAP-PEAP-ServerDomainMask", 3, nil, "no EAP-PEAP-CACert"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-CACert=embed:nope\n", "EAP-TLS-CACert", 3, nil, "no [@pem@nope]"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKey=/k\n", "EAP-TLS-ClientKey", 3, nil, "no client certificate"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-ClientCert=/c\n", "EAP-TLS-ClientCert", 3, nil, "no client private key"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKeyBundle=/b\nEAP-TLS-ClientCert=/c\nEAP-TLS-ClientKey=/k\n", "EAP-TLS-ClientKeyBundle", 3, nil, "not both"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKeyBundle=embed:x\n", "EAP-TLS-ClientKeyBundle", 3, nil, "file path"},
		{"[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKeyPassphrase=abc\n", "EAP-TLS-ClientKeyPassphrase", 3, nil, "no client key"},
	}
	for _, tc := range tests {
		_, err := parseText(t, tc.in, nil)
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Errorf("%q: err = %v, want a KeyError", tc.in, err)
			continue
		}
		if ke.Key != tc.key || ke.Line != tc.line || !strings.Contains(err.Error(), tc.msg) ||
			!strings.Contains(err.Error(), "Corp.8021x") || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%q: err = %v (key %s line %d), want key %s line %d and %q", tc.in, err, ke.Key, ke.Line, tc.key, tc.line, tc.msg)
		}
		if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
			t.Errorf("%q: err = %v, want it to wrap %v", tc.in, err, tc.wantErr)
		}
	}

	// Errors from the keyfile itself name the key too.
	for _, in := range []string{
		"[Security]\nEAP-Method=TLS\nEAP-TLS-FastReauthentication=maybe\n",
		"[Security]\nEAP-Method=PWD\nEAP-Identity=bad\\qescape\n",
	} {
		_, err := parseText(t, in, nil)
		if err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%q: err = %v, want one naming line 3", in, err)
		}
	}
}

func TestErrorsNeverQuoteSecrets(t *testing.T) {
	_, err := parseText(t, "[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=u\nEAP-Password=hunter2\nEAP-Password-Hash=hunter3\n", nil)
	if err == nil || strings.Contains(err.Error(), "hunter") {
		t.Errorf("err = %v", err)
	}
	c := mustParse(t, "[Security]\nEAP-Method=PWD\nEAP-Identity=u\nEAP-Password=hunter2\n")
	if s := dumpFmt(c); strings.Contains(s, "hunter2") {
		t.Errorf("%%+v shows the password: %s", s)
	}
	h := NTHash{1, 2, 3}
	if s := dumpFmt(h); strings.Contains(s, "1") {
		t.Errorf("NTHash prints %s", s)
	}
}

func TestMissingPasswordSecrets(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		answers Answers
		want    []SecretRequest
	}{
		{"nothing missing", "EAP-Method=PWD\nEAP-Identity=u\nEAP-Password=p\n", nil, nil},
		{"no identity", "EAP-Method=PWD\n", nil,
			[]SecretRequest{{Kind: UserNameAndPassword, Key: "EAP-Identity", PasswordKey: "EAP-Password"}}},
		{"no password", "EAP-Method=MSCHAPV2\nEAP-Identity=me\n", nil,
			[]SecretRequest{{Kind: UserPassword, Key: "EAP-Password", User: "me"}}},
		{"hash is a password", "EAP-Method=MSCHAPV2\nEAP-Identity=me\nEAP-Password-Hash=a4f49c406510bdcab6824ee7c30fd852\n", nil, nil},
		{"hash but no identity", "EAP-Method=MSCHAPV2\nEAP-Password-Hash=a4f49c406510bdcab6824ee7c30fd852\n", nil,
			[]SecretRequest{{Kind: UserNameAndPassword, Key: "EAP-Identity", PasswordKey: "EAP-Password"}}},
		{"answered", "EAP-Method=PWD\n", Answers{"EAP-Identity": "u", "EAP-Password": "p"}, nil},
		{"password answered", "EAP-Method=PWD\nEAP-Identity=u\n", Answers{"EAP-Password": "p"}, nil},
		{"PEAP inner", "EAP-Method=PEAP\nEAP-Identity=anon\nEAP-PEAP-Phase2-Method=MSCHAPV2\n", nil,
			[]SecretRequest{{Kind: UserNameAndPassword, Key: "EAP-PEAP-Phase2-Identity", PasswordKey: "EAP-PEAP-Phase2-Password"}}},
		{"PEAP inner password", "EAP-Method=PEAP\nEAP-PEAP-Phase2-Method=GTC\nEAP-PEAP-Phase2-Identity=bob\n", nil,
			[]SecretRequest{{Kind: UserPassword, Key: "EAP-PEAP-Phase2-Password", User: "bob"}}},
		{"TTLS tunneled", "EAP-Method=TTLS\nEAP-TTLS-Phase2-Method=Tunneled-MSCHAPv2\nEAP-TTLS-Phase2-Identity=bob\n", nil,
			[]SecretRequest{{Kind: UserPassword, Key: "EAP-TTLS-Phase2-Password", User: "bob"}}},
		{"TTLS tunneled CHAP none", "EAP-Method=TTLS\nEAP-TTLS-Phase2-Method=Tunneled-CHAP\n", nil,
			[]SecretRequest{{Kind: UserNameAndPassword, Key: "EAP-TTLS-Phase2-Identity", PasswordKey: "EAP-TTLS-Phase2-Password"}}},
		{"TLS needs none", "EAP-Method=TLS\n", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseText(t, "[Security]\n"+tc.in, tc.answers)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Missing()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Missing = %+v, want %+v", got, tc.want)
			}
			if tc.answers != nil {
				if c.Identity == "" && (c.Phase2 == nil || c.Phase2.Identity == "") {
					t.Errorf("answers not used: %s", dump(c))
				}
			}
		})
	}
	if UserNameAndPassword.AgentMethod() != "RequestUserNameAndPassword" || UserPassword.String() != "RequestUserPassword" ||
		PrivateKeyPassphrase.AgentMethod() != "RequestPrivateKeyPassphrase" {
		t.Error("agent method names")
	}
}

func dumpFmt(v any) string {
	if c, ok := v.(*Config); ok {
		v = *c
	}
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, v)
}

func TestWarnings(t *testing.T) {
	c := mustParse(t, "[Security]\nEAP-Method=PEAP\nEAP-PEAP-ClientCert=/c\nEAP-PEAP-Phase2-Method=MD5\n")
	w := c.Warnings()
	if len(w) != 2 || !strings.Contains(w[0], "no EAP-PEAP-CACert") || !strings.Contains(w[0], "inner method") ||
		!strings.Contains(w[1], "EAP-PEAP-ClientCert is not used with EAP-Method=PEAP") {
		t.Errorf("Warnings = %q", w)
	}
	c = mustParse(t, "[Security]\nEAP-Method=TTLS\nEAP-TTLS-CACert=/ca\nEAP-TTLS-Phase2-Method=Tunneled-PAP\n")
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("Warnings = %q", w)
	}
}

// TestAnswersRoundTrip answers what Missing asks, as the daemon will, and
// parses again: nothing is missing then.
func TestAnswersRoundTrip(t *testing.T) {
	text := "[Security]\nEAP-Method=PEAP\nEAP-PEAP-Phase2-Method=MSCHAPV2\n"
	c := mustParse(t, text)
	missing, err := c.Missing()
	if err != nil || len(missing) != 1 {
		t.Fatalf("Missing = %+v, %v", missing, err)
	}
	a := Answers{}
	a.Put(missing[0], "alice", "pw")
	c, err = parseText(t, text, a)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Missing(); err != nil || len(m) != 0 || c.Phase2.Identity != "alice" || c.Phase2.Password != "pw" {
		t.Errorf("after answers: %+v %v %s", m, err, dump(c))
	}
}

func TestParseWired(t *testing.T) {
	in := "[Security]\nEAP-Method=MD5\nEAP-Identity=u\nEAP-Password=p\n"
	if _, err := parseText(t, in, nil); !errors.Is(err, ErrUnsupportedMethod) {
		t.Errorf("Wi-Fi MD5: %v", err)
	}
	f, _ := knownnetworks.ParseFile("default.8021x", []byte(in))
	if c, err := ParseWired(f, nil); err != nil || c.Method != MethodMD5 {
		t.Errorf("wired MD5: %+v %v", c, err)
	}
}

func TestEmptyPaths(t *testing.T) {
	for _, k := range []string{"EAP-TLS-CACert", "EAP-TLS-ClientCert", "EAP-TLS-ClientKey", "EAP-TLS-ClientKeyBundle"} {
		_, err := parseText(t, "[Security]\nEAP-Method=TLS\n"+k+"=\n", nil)
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != k || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s empty: %v", k, err)
		}
	}
}
