package knownnetworks

import (
	"errors"
	"strings"
	"testing"
)

const testPEM = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUQm9ndXNDZXJ0aWZpY2F0ZUZvclRlc3RzMAoGCCqGSM49
BAMCMA8xDTALBgNVBAMMBHRlc3QwHhcNMjYwMTAxMDAwMDAwWhcNMzYwMTAxMDAw
-----END CERTIFICATE-----`

func TestParseRoundTripVerbatim(t *testing.T) {
	for name, in := range map[string]string{
		"empty":       "",
		"simple":      "[Security]\nPassphrase=secret123\n",
		"no final nl": "[Settings]\nAutoConnect=false",
		"comments and blanks": "# top comment\n\n[Settings]\n  # indented comment\n" +
			"  AutoConnect = true\n\nHidden=1\n\n[Unknown]\nFoo.Bar-x_y=  value with trailing \n",
		"pem": "[Security]\nEAP-Method=TLS\nEAP-TLS-CACert=embed:ca\n\n[@pem@ca]\n" + testPEM +
			"\n\n[Settings]\nAutoConnect=true\n",
		"two pems": "[@pem@a]\n\n" + testPEM + "\n\n" + testPEM + "\n[X]\nk=v\n",
		"crlf-ish": "[X]\nk=v\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, err := ParseFile("t.psk", []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(f.Bytes()); got != in {
				t.Errorf("round trip:\n got %q\nwant %q", got, in)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	in := "[Settings]\n   AutoConnect   =   false\nHidden=TRUE\n" +
		"[Security]\nPassphrase=\\sa\\tb\\nc\\\\d\\re \n" +
		"[Dup]\nk=first\nk=second\n[Dup]\nk=third\nj=hidden\n"
	f, err := ParseFile("t", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := f.Bool(GroupSettings, KeyAutoConnect); !ok || err != nil || v {
		t.Errorf("AutoConnect = %v %v %v", v, ok, err)
	}
	if v, ok, err := f.Bool(GroupSettings, KeyHidden); !ok || err != nil || !v {
		t.Errorf("Hidden = %v %v %v", v, ok, err)
	}
	if s, _, err := f.String(GroupSecurity, KeyPassphrase); err != nil || s != " a\tb\nc\\d\re " {
		t.Errorf("Passphrase = %q, %v", s, err)
	}
	// ell: first group of a name, first key of a name.
	if v, _ := f.Value("Dup", "k"); v != "first" {
		t.Errorf("Dup.k = %q", v)
	}
	if _, ok := f.Value("Dup", "j"); ok {
		t.Error("key of the second [Dup] group is visible")
	}
	if got := strings.Join(f.Groups(), ","); got != "Settings,Security,Dup,Dup" {
		t.Errorf("Groups = %s", got)
	}
}

func TestEscapes(t *testing.T) {
	for _, tc := range []struct{ raw, val string }{
		{`\s`, " "},
		{`\t`, "\t"},
		{`\n`, "\n"},
		{`\r`, "\r"},
		{`\\`, `\`},
		{`\s\sx y`, "  x y"},
		{`\t\sx`, "\t x"},
		{`a\nb`, "a\nb"},
		{`C:\\dir`, `C:\dir`},
		{`x  `, "x  "},
		{`x\ty`, "x\ty"}, // Unescape accepts it; Escape writes a raw tab
	} {
		got, err := Unescape(tc.raw)
		if err != nil || got != tc.val {
			t.Errorf("Unescape(%q) = %q, %v; want %q", tc.raw, got, err, tc.val)
		}
		back, err := Unescape(Escape(tc.val))
		if err != nil || back != tc.val {
			t.Errorf("Unescape(Escape(%q)) = %q, %v", tc.val, back, err)
		}
	}
	if got := Escape(" \tx \t\\\n"); got != `\s\tx `+"\t"+`\\\n` {
		t.Errorf("Escape = %q", got)
	}
	for _, bad := range []string{`\`, `a\x`, `\0`, `\S`} {
		if _, err := Unescape(bad); err == nil {
			t.Errorf("Unescape(%q) succeeded", bad)
		}
	}
}

func TestBadEscapeErrorHidesSecret(t *testing.T) {
	f, err := ParseFile("Corp Net.psk", []byte("[Security]\nPassphrase=hunter2\\q\n[Settings]\nAutoConnect=maybe\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.String(GroupSecurity, KeyPassphrase)
	if err == nil {
		t.Fatal("no error for bad escape")
	}
	if msg := err.Error(); strings.Contains(msg, "hunter2") || !strings.Contains(msg, "Corp Net.psk line 2") {
		t.Errorf("error = %q", msg)
	}
	_, _, err = f.Bool(GroupSettings, KeyAutoConnect)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("bool error = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		msg  string
	}{
		{"Key=Value\n", 1, "outside of any group"},
		{"[S]\n\n# c\nnovalue\n", 4, "no '='"},
		{"[S]\n=v\n", 2, "empty key"},
		{"[S]\nk y=v\n", 2, "garbage after key"},
		{"[S]\nkéy=v\n", 2, "invalid character"},
		{"[S]\nk=\xff\n", 2, "invalid UTF-8"},
		{"[S\n", 1, "unterminated group"},
		{"[S] x\n", 1, "junk after group"},
		{"[S[]\n", 1, "invalid character"},
		{"[S\x01]\n", 1, "invalid character"},
		{"[S]\n[@pem@ca] \n" + testPEM + "\n", 2, "junk after embedded"},
		{"[@pem@]\n" + testPEM + "\n", 1, "empty embedded"},
		{"[@der@x]\n" + testPEM + "\n", 1, "unknown embedded group type"},
		{"[@pem@x]\n[S]\n", 1, "no PEM block"},
		{"[@pem@x]\n-----BEGIN CERTIFICATE-----\nAAAA\n", 2, "has no END"},
		{"[S]\n[@pem@x]\n-----BEGIN A-----\nAAAA\n[T]\n-----END A-----\n", 5, "unexpected line inside"},
		{"[@pem@x]\n-----BEGIN A-----\nAAAA\n-----END B-----\n", 4, "does not match"},
		{"[@pem@x]\n" + testPEM + "\nk=v\n", 3 + strings.Count(testPEM, "\n"), "outside of any group"},
	} {
		_, err := ParseFile("Corp Net.psk", []byte(tc.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v is not a *ParseError", tc.in, err)
			continue
		}
		if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("%q: got line %d %q; want line %d %q", tc.in, pe.Line, pe.Msg, tc.line, tc.msg)
		}
		if want := "knownnetworks: Corp Net.psk line "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error text %q does not start with %q", err.Error(), want)
		}
	}
}

func TestPEMGroups(t *testing.T) {
	in := "[Security]\nEAP-Method=TLS\n[@pem@ca]\n" + testPEM + "\n\nEAP-Identity=me\n[@pem@client]\n" +
		testPEM + "\n" + testPEM + "\n"
	f, err := ParseFile("t.8021x", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	typ, body, ok := f.Embedded("ca")
	if !ok || typ != "pem" || body != testPEM+"\n" {
		t.Errorf("ca = %q %q %v", typ, body, ok)
	}
	if _, body, _ := f.Embedded("client"); body != testPEM+"\n"+testPEM {
		t.Errorf("client = %q", body)
	}
	// Settings after a PEM payload belong to the group before it.
	if v, _ := f.Value(GroupSecurity, "EAP-Identity"); v != "me" {
		t.Errorf("EAP-Identity = %q", v)
	}
	if got := strings.Join(f.EmbeddedGroups(), ","); got != "ca,client" {
		t.Errorf("EmbeddedGroups = %s", got)
	}
	if got := strings.Join(f.Groups(), ","); got != GroupSecurity {
		t.Errorf("Groups = %s", got)
	}
	if err := f.SetString("ca", "k", "v"); err == nil {
		t.Error("set a key in an embedded group")
	}
	if err := f.SetString(GroupSecurity, "EAP-Identity", "you"); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "EAP-Identity=me", "EAP-Identity=you", 1)
	if got := string(f.Bytes()); got != want {
		t.Errorf("after set:\n%s\nwant\n%s", got, want)
	}
}

func TestSetPreservesOrderAndUnknown(t *testing.T) {
	in := "# written by hand\n[Security]\nSAE-PT-Group19=abcdef\nPassphrase=old\n\n" +
		"[Custom]\nX=1\n\n[Settings]\nAutoConnect=true\n# trailing comment\n"
	f, err := ParseFile("t.psk", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetString(GroupSecurity, KeyPreSharedKey, strings.Repeat("ab", 32)))
	must(f.SetBool(GroupSettings, KeyAutoConnect, false))
	must(f.SetBool(GroupSettings, KeyHidden, true))
	must(f.SetString(GroupIPv4, KeyDomainName, " lead"))
	must(f.SetInt(GroupSettings, KeyPriority, -3))
	if !f.Remove("Custom", "X") || f.Remove("Custom", "X") {
		t.Error("Remove")
	}
	want := "# written by hand\n[Security]\nSAE-PT-Group19=abcdef\nPassphrase=old\nPreSharedKey=" +
		strings.Repeat("ab", 32) + "\n\n[Custom]\n\n[Settings]\nAutoConnect=false\nHidden=true\nPriority=-3\n" +
		"# trailing comment\n\n[IPv4]\nDomainName=\\slead\n"
	if got := string(f.Bytes()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	g, err := ParseFile("t.psk", f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := g.String(GroupIPv4, KeyDomainName); s != " lead" {
		t.Errorf("DomainName = %q", s)
	}
	for _, bad := range [][3]string{
		{"A]", "k", "v"}, {"@pem@x", "k", "v"}, {"G", "k=", "v"}, {"G", "", "v"}, {"G", "k", "a\x00"}, {"G", "k", "\xff"},
	} {
		if err := f.SetString(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("SetString(%q) succeeded", bad)
		}
	}
	if err := f.SetValue("G", "k", `bad\q`); err == nil {
		t.Error("SetValue with a bad escape succeeded")
	}
}

func TestRemoveGroup(t *testing.T) {
	f, _ := ParseFile("x", []byte("[A]\na=1\n# about A\n\n[B]\nb=2\n\n[C]\nc=3\n"))
	if !f.RemoveGroup("B") || f.RemoveGroup("B") {
		t.Fatal("RemoveGroup")
	}
	if got := string(f.Bytes()); got != "[A]\na=1\n# about A\n\n[C]\nc=3\n" {
		t.Errorf("got %q", got)
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte("[Security]\nPassphrase=\\sabc\\n\n[Settings]\nAutoConnect=false\n"))
	f.Add([]byte("# c\n[S]\n k = v \n[@pem@ca]\n" + testPEM + "\n\nx=y\n"))
	f.Add([]byte("[@pem@a]\n-----BEGIN A-----\n-----END A-----\n"))
	f.Add([]byte("[S]\nk=\xff\n"))
	f.Add([]byte("[]\n=\n"))
	f.Add([]byte("[S]\nk=v"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile("fuzz", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		out := file.Bytes()
		if string(out) != string(data) {
			t.Fatalf("round trip changed the file:\n%q\n%q", data, out)
		}
		for _, g := range file.Groups() {
			for _, k := range file.Keys(g) {
				file.String(g, k)
				file.Bool(g, k)
				file.Int(g, k)
			}
		}
		ParseSettings(file) // the typed view must not panic either
		// Every change must keep the file parseable.
		for _, g := range append(file.Groups(), "Fuzz") {
			if _, normal, ok := file.findGroup(g); ok && !normal {
				continue // the name is taken by an embedded group first
			}
			err := file.SetString(g, "Added", " x\\y\n")
			if validGroupName(g) != nil {
				continue
			}
			if err != nil {
				t.Fatalf("SetString(%q): %v", g, err)
			}
			if s, _, err := file.String(g, "Added"); err != nil || s != " x\\y\n" {
				t.Fatalf("%s.Added = %q, %v", g, s, err)
			}
		}
		if _, err := ParseFile("fuzz", file.Bytes()); err != nil {
			t.Fatalf("rewritten file does not parse: %v\n%q", err, file.Bytes())
		}
	})
}

func TestSetEmbedded(t *testing.T) {
	f, err := ParseFile("n.8021x", []byte("[Security]\nEAP-Method=TLS\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetEmbedded("ca", testPEM+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetString(GroupSecurity, "EAP-TLS-CACert", "embed:ca"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetBool(GroupSettings, KeyAutoConnect, false); err != nil {
		t.Fatal(err)
	}
	if err := f.SetEmbedded("two", testPEM+"\n\n"+testPEM); err != nil {
		t.Fatal(err)
	}
	want := "[Security]\nEAP-Method=TLS\nEAP-TLS-CACert=embed:ca\n\n[@pem@ca]\n" + testPEM +
		"\n\n[Settings]\nAutoConnect=false\n\n[@pem@two]\n" + testPEM + "\n\n" + testPEM + "\n"
	if got := string(f.Bytes()); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	back, err := ParseFile("n.8021x", f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ca", "two"} {
		_, a, _ := f.Embedded(name)
		_, b, ok := back.Embedded(name)
		if !ok || strings.TrimRight(a, "\n") != strings.TrimRight(b, "\n") {
			t.Errorf("%s: %q read back as %q", name, a, b)
		}
	}
	if v, _ := back.Value(GroupSecurity, "EAP-TLS-CACert"); v != "embed:ca" {
		t.Errorf("CACert = %q", v)
	}

	// Replacing keeps the place.
	if err := back.SetEmbedded("ca", strings.Replace(testPEM, "CERTIFICATE", "X509 CRL", 2)); err != nil {
		t.Fatal(err)
	}
	if got := string(back.Bytes()); !strings.Contains(got, "embed:ca\n\n[@pem@ca]\n-----BEGIN X509 CRL") {
		t.Errorf("replaced:\n%s", got)
	}

	for _, tc := range []struct{ name, payload, msg string }{
		{"", testPEM, "empty embedded group name"},
		{"a]b", testPEM, "junk after"},
		{"a[b", testPEM, "invalid character"},
		{"x", "", "no PEM block"},
		{"x", "hello", "no PEM block"},
		{"x", testPEM + "\nk=v", "not PEM"},
		{"x", "-----BEGIN A-----\nAAAA", "no END"},
		{"x", "-----BEGIN A-----\n[S]\n-----END A-----", "unexpected line"},
		{"x", "-----BEGIN A-----\n\x00\n-----END A-----", "not text"},
		{"Security", testPEM, "a group [Security] exists"},
	} {
		if err := back.SetEmbedded(tc.name, tc.payload); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("SetEmbedded(%q, %q) = %v, want %q", tc.name, tc.payload, err, tc.msg)
		}
	}
}

func FuzzSetEmbedded(f *testing.F) {
	f.Add("[S]\nk=v\n", "ca", testPEM)
	f.Add("", "a b", "-----BEGIN A-----\n-----END A-----\n\n-----BEGIN B-----\nx\n-----END B-----\n")
	f.Fuzz(func(t *testing.T, file, name, payload string) {
		kf, err := ParseFile("fuzz", []byte(file))
		if err != nil {
			return
		}
		if err := kf.SetEmbedded(name, payload); err != nil {
			return
		}
		back, err := ParseFile("fuzz", kf.Bytes())
		if err != nil {
			t.Fatalf("SetEmbedded(%q, %q) wrote what does not parse: %v\n%q", name, payload, err, kf.Bytes())
		}
		_, got, ok := back.Embedded(name)
		if !ok || strings.TrimRight(got, "\n") != strings.TrimRight(payload, "\n") {
			t.Fatalf("SetEmbedded(%q, %q) read back as %q (found %v)", name, payload, got, ok)
		}
	})
}
