package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/daemon/dbusapi"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
)

// add runs wifictl with no terminal and STATE_DIRECTORY set to dir.
func add(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, env{
		getenv: func(k string) string {
			if k == "STATE_DIRECTORY" {
				return dir
			}
			return ""
		},
		stdout: &out, stderr: &errOut,
	})
	return out.String(), errOut.String(), code
}

func writeCA(t *testing.T, dir string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Corp CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readNetwork(t *testing.T, path string) *eapconf.Config {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := knownnetworks.ParseFile(filepath.Base(path), data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := eapconf.Parse(f, nil)
	if err != nil {
		t.Fatalf("the written file does not parse: %v\n%s", err, data)
	}
	return c
}

func TestAddPEAP(t *testing.T) {
	dir, certs := t.TempDir(), t.TempDir()
	ca := writeCA(t, certs)
	out, errOut, code := add(t, dir, "--json", "known-networks", "add", "Corp Net", "--method", "peap",
		"--identity", "anonymous@corp.example", "--username", "alice", "--password", "s3cret",
		"--ca-cert", ca, "--domain-mask", "radius.corp.example", "--no-autoconnect")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Error("the password was printed")
	}
	var res addResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	path := filepath.Join(dir, "Corp Net.8021x")
	if res.Path != path || res.Method != "PEAP" || res.Phase2 != "MSCHAPV2" || len(res.AskAtConnect) != 0 || len(res.Warnings) != 0 {
		t.Errorf("result = %+v", res)
	}
	c := readNetwork(t, path)
	if c.Identity != "anonymous@corp.example" || c.TLS.CACert != ca || c.TLS.ServerDomainMask[0] != "radius.corp.example" ||
		c.Phase2.Identity != "alice" || c.Phase2.Password != "s3cret" {
		t.Errorf("written config: %+v %+v %+v", c, c.TLS, c.Phase2)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "AutoConnect=false") {
		t.Errorf("no AutoConnect=false:\n%s", data)
	}

	// Not again without --force.
	if _, errOut, code := add(t, dir, "known-networks", "add", "Corp Net", "--method", "PWD", "--username", "u"); code == 0 ||
		!strings.Contains(errOut, "--force") {
		t.Errorf("overwrote: exit %d %s", code, errOut)
	}
	out, errOut, code = add(t, dir, "known-networks", "add", "Corp Net", "--method", "TTLS", "--phase2", "Tunneled-PAP",
		"--username", "bob", "--force")
	if code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "no EAP-TTLS-CACert") || !strings.Contains(out, "RequestUserPassword") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
	if c := readNetwork(t, path); c.Method != eapconf.MethodTTLS || c.Phase2.Method != eapconf.TunneledPAP || c.Phase2.Password != "" {
		t.Errorf("replaced config: %+v %+v", c, c.Phase2)
	}
}

func TestAddTLS(t *testing.T) {
	dir := t.TempDir()
	cert, _ := filepath.Abs("../../knownnetworks/eapconf/testdata/cert.pem")
	key, _ := filepath.Abs("../../knownnetworks/eapconf/testdata/key-pkcs8-des3.pem")
	ca := writeCA(t, t.TempDir())
	base := []string{"known-networks", "add", "eduroam", "--method", "TLS", "--client-cert", cert, "--client-key", key,
		"--ca-cert", ca, "--identity", "me@example.org"}

	// A wrong passphrase is refused and nothing is written.
	_, errOut, code := add(t, dir, append(base, "--key-passphrase", "wrong")...)
	if code == 0 || !strings.Contains(errOut, "wrong private key passphrase") || strings.Contains(errOut, "wrong\n") {
		t.Errorf("wrong passphrase: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "eduroam.8021x")); err == nil {
		t.Error("written despite the wrong passphrase")
	}

	// Without one, the agent will be asked.
	out, errOut, code := add(t, dir, append(base, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	var res addResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.AskAtConnect) != 1 || res.AskAtConnect[0].AgentMethod != "RequestPrivateKeyPassphrase" {
		t.Errorf("result = %+v", res)
	}
	c := readNetwork(t, filepath.Join(dir, "eduroam.8021x"))
	if c.TLS.ClientCert != cert || c.TLS.ClientKey != key || c.TLS.ClientKeyPassphrase != "" {
		t.Errorf("TLS = %+v", c.TLS)
	}
}

func TestAddErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"known-networks", "add"}, "name an SSID"},
		{[]string{"known-networks", "add", "x"}, "--method is required"},
		{[]string{"known-networks", "add", "x", "--method", "FOO"}, "unknown method"},
		{[]string{"known-networks", "add", "x", "--method", "PEAP", "--ca-cert", "/nonexistent/ca.pem"}, "EAP-PEAP-CACert"},
		{[]string{"known-networks", "add", "x", "--method", "PWD", "--ca-cert", "/ca.pem"}, "not PWD"},
		{[]string{"known-networks", "add", "x", "--method", "PEAP", "--domain-mask", "a"}, "no EAP-PEAP-CACert"},
		{[]string{"known-networks", "add", "x", "--frob"}, "flag provided but not defined"},
		{[]string{"known-networks", "add", "", "--method", "PWD"}, "SSID"},
	} {
		_, errOut, code := add(t, dir, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}
}

func TestAddPrompts(t *testing.T) {
	answers := map[string]string{
		"EAP method":         "ttls",
		"Outer identity":     "anon@x",
		"User name":          "carol",
		"CA certificate":     "/etc/ca.pem",
		"Server domain":      "*.x.org",
		"Password (empty:":   "pw",
		"Client certificate": "unexpected",
	}
	var asked []string
	ask := func(prompt string, secret bool) (string, error) {
		for k, v := range answers {
			if strings.HasPrefix(prompt, k) {
				asked = append(asked, k)
				if (k == "Password (empty:") != secret {
					t.Errorf("%q asked with secret=%v", prompt, secret)
				}
				return v, nil
			}
		}
		t.Errorf("unexpected prompt %q", prompt)
		return "", nil
	}
	o := addOptions{username: "given"}
	if err := o.complete(ask); err != nil {
		t.Fatal(err)
	}
	if o.method != "TTLS" || o.phase2 != "MSCHAPV2" || o.identity != "anon@x" || o.username != "given" ||
		o.caCert != "/etc/ca.pem" || o.domainMask != "*.x.org" || o.password == nil || *o.password != "pw" {
		t.Errorf("options = %+v (asked %v)", o, asked)
	}
	for _, a := range asked {
		if a == "User name" {
			t.Error("asked for a user name the flags gave")
		}
	}
}

// TestAddInShell adds a network from the interactive shell, which prompts
// on its own terminal.
func TestAddInShell(t *testing.T) {
	addr, _ := start(t, dbusapi.Config{})
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	dir := t.TempDir()
	var out syncBuffer
	script := strings.Join([]string{
		"known-networks add Office --method pwd --dir " + dir,
		"bob",    // User name
		"sesame", // Password
		"known-networks add Office --method PWD --dir " + dir, // exists now
		"quit",
	}, "\r") + "\r"
	s := &session{c: c, e: env{getenv: func(string) string { return "" }}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.shellOn(ctx, pipeTerm{strings.NewReader(script), &out}, &history{}, func() int { return 60 }); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	contains(t, "shell", got, "User name: ", "Added Office (PWD)", "exists (--force replaces it)")
	if strings.Contains(got, "sesame") {
		t.Error("the shell echoed the password")
	}
	cfg := readNetwork(t, filepath.Join(dir, "Office.8021x"))
	if cfg.Identity != "bob" || cfg.Password != "sesame" {
		t.Errorf("written: %s / %v", cfg.Identity, cfg.Password == "sesame")
	}
}

func TestAddEmbed(t *testing.T) {
	dir := t.TempDir()
	cert, _ := filepath.Abs("../../knownnetworks/eapconf/testdata/cert.pem")
	key, _ := filepath.Abs("../../knownnetworks/eapconf/testdata/key-pkcs8-aes256.pem")
	ca := writeCA(t, t.TempDir())
	_, errOut, code := add(t, dir, "known-networks", "add", "Lab", "--method", "TLS", "--embed", "--client-cert", cert,
		"--client-key", key, "--ca-cert", ca, "--key-passphrase", "abc", "--domain-mask", "*.example.com")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	path := filepath.Join(dir, "Lab.8021x")
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "=/") {
		t.Errorf("paths in an embedded file:\n%s", data)
	}
	for _, want := range []string{"[@pem@ca_cert]", "[@pem@client_cert]", "[@pem@client_key]", "EAP-TLS-CACert=embed:ca_cert",
		"EAP-TLS-ClientKey=embed:client_key", "-----BEGIN ENCRYPTED PRIVATE KEY-----"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lacks %q:\n%s", want, data)
		}
	}
	c := readNetwork(t, path)
	m, err := c.TLS.Load()
	if err != nil || len(m.Certificates) != 1 || m.RootCAs == nil {
		t.Fatalf("Load of the embedded file: %+v %v", m, err)
	}
	// The certificate files can go: the network file stands alone.
	if _, _, code := add(t, dir, "known-networks", "add", "Bundle", "--method", "TLS", "--embed",
		"--client-key-bundle", "/x.p12"); code == 0 {
		t.Error("embedded a PKCS#12 bundle")
	}
	notPEM := filepath.Join(t.TempDir(), "der")
	os.WriteFile(notPEM, []byte{0x30, 0x00}, 0o600)
	if _, errOut, code := add(t, dir, "known-networks", "add", "Der", "--method", "PEAP", "--embed", "--ca-cert", notPEM); code == 0 ||
		!strings.Contains(errOut, "no PEM block to embed") {
		t.Errorf("DER CA embedded: %d %s", code, errOut)
	}
}
