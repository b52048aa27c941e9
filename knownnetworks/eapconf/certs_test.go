package eapconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"wifid/knownnetworks"
)

// pki is test material made in the test: a root CA, an intermediate, a
// server certificate under the intermediate and a client certificate under
// the root.
type pki struct {
	root, inter, server, client *x509.Certificate
	rootKey, interKey           *ecdsa.PrivateKey
	serverKey, clientKey        *ecdsa.PrivateKey
}

var serial int64

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(time.Hour)
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
}

func newPKI(t testing.TB) *pki {
	p := &pki{rootKey: newKey(t), interKey: newKey(t), serverKey: newKey(t), clientKey: newKey(t)}
	p.root = issue(t, caTemplate("Test Root"), p.rootKey.Public(), nil, p.rootKey)
	p.inter = issue(t, caTemplate("Test Intermediate"), p.interKey.Public(), p.root, p.rootKey)
	p.server = issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ignored.example.com"},
		DNSNames: []string{"radius.corp.example.com"}}, p.serverKey.Public(), p.inter, p.interKey)
	p.client = issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client@example.com"}},
		p.clientKey.Public(), p.root, p.rootKey)
	return p
}

func certPEM(cs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range cs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.String()
}

func keyPEM(t testing.TB, k crypto.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadTLS(t *testing.T, text string, answers Answers) (*TLSMaterial, error) {
	t.Helper()
	c, err := parseText(t, text, answers)
	if err != nil {
		return nil, err
	}
	if _, err := c.Missing(); err != nil {
		return nil, err
	}
	return c.TLS.Load()
}

func TestLoadFiles(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	// A CA file with several certificates: the server verifies through
	// the root, the intermediate comes from the server's chain.
	other := newKey(t)
	otherCA := issue(t, caTemplate("Other"), other.Public(), nil, other)
	ca := writeFile(t, dir, "ca.pem", []byte(certPEM(otherCA, p.root)))
	cert := writeFile(t, dir, "client.pem", []byte(certPEM(p.client)))
	key := writeFile(t, dir, "client-key.pem", []byte(keyPEM(t, p.clientKey)))

	m, err := loadTLS(t, "[Security]\nEAP-Method=TLS\nEAP-TLS-CACert="+ca+"\nEAP-TLS-ClientCert="+cert+
		"\nEAP-TLS-ClientKey="+key+"\nEAP-TLS-ServerDomainMask=*.example.com\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Certificates) != 1 || !m.Certificates[0].Leaf.Equal(p.client) || len(m.Certificates[0].Certificate) != 1 {
		t.Fatalf("client certificates = %+v", m.Certificates)
	}
	if err := m.VerifyPeer([][]byte{p.server.Raw, p.inter.Raw}, nil); err != nil {
		t.Errorf("VerifyPeer(good chain) = %v", err)
	}
	if err := m.VerifyPeer([][]byte{p.server.Raw}, nil); err == nil {
		t.Error("VerifyPeer without the intermediate passed")
	}
	// A server from another CA fails; so does a good chain whose name
	// misses the mask.
	rogueKey := newKey(t)
	rogueCA := issue(t, caTemplate("Test Intermediate"), rogueKey.Public(), nil, rogueKey)
	rogue := issue(t, &x509.Certificate{DNSNames: []string{"radius.corp.example.com"}}, newKey(t).Public(), rogueCA, rogueKey)
	if err := m.VerifyPeer([][]byte{rogue.Raw, rogueCA.Raw}, nil); err == nil {
		t.Error("VerifyPeer(badly signed) passed")
	}
	m.ServerDomainMask = []string{"radius.other.org"}
	if err := m.VerifyPeer([][]byte{p.server.Raw, p.inter.Raw}, nil); err == nil || !strings.Contains(err.Error(), "radius.corp.example.com") {
		t.Errorf("VerifyPeer(mask miss) = %v", err)
	}
	// The mask check alone, for a client that verified the chain.
	if check := m.ServerCheck(); check == nil || check([]*x509.Certificate{p.server, p.inter}) == nil ||
		check(nil) == nil {
		t.Error("ServerCheck passed a name outside the mask")
	}
	m.ServerDomainMask = []string{"*.example.com"}
	if err := m.ServerCheck()([]*x509.Certificate{p.server}); err != nil {
		t.Errorf("ServerCheck: %v", err)
	}
	if c := m.ClientCertificate(); c == nil || !c.Leaf.Equal(p.client) {
		t.Errorf("ClientCertificate = %+v", c)
	}
	// Usable by crypto/tls.
	_ = &tls.Config{RootCAs: m.RootCAs, Certificates: m.Certificates, VerifyPeerCertificate: m.VerifyPeer}

	// No CACert: nothing to verify against.
	m, err = loadTLS(t, "[Security]\nEAP-Method=PEAP\nEAP-PEAP-Phase2-Method=MD5\nEAP-PEAP-Phase2-Identity=u\nEAP-PEAP-Phase2-Password=p\n", nil)
	if err != nil || m.RootCAs != nil || len(m.Certificates) != 0 || m.VerifyPeer([][]byte{rogue.Raw}, nil) != nil ||
		m.ServerCheck() != nil || m.ClientCertificate() != nil {
		t.Errorf("no CACert: %+v, %v", m, err)
	}
}

func TestLoadEmbedded(t *testing.T) {
	p := newPKI(t)
	text := "[Security]\nEAP-Method=TLS\nEAP-TLS-CACert=embed:cert_ca\nEAP-TLS-ClientCert=embed:cert_client\n" +
		"EAP-TLS-ClientKey=embed:cert_client_key\nEAP-Identity=tls@example.com\n\n" +
		"[@pem@cert_ca]\n" + certPEM(p.root) + "\n[@pem@cert_client]\n" + certPEM(p.client, p.root) +
		"\n[@pem@cert_client_key]\n" + keyPEM(t, p.clientKey) + "\n[Settings]\nAutoConnect=false\n"
	m, err := loadTLS(t, text, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Certificates) != 1 || len(m.Certificates[0].Certificate) != 2 {
		t.Fatalf("client chain = %+v", m.Certificates)
	}
	if err := m.VerifyPeer([][]byte{p.server.Raw, p.inter.Raw}, nil); err != nil {
		t.Error(err)
	}
}

func TestLoadErrors(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	ca := writeFile(t, dir, "ca.pem", []byte(certPEM(p.root)))
	cert := writeFile(t, dir, "client.pem", []byte(certPEM(p.client)))
	key := writeFile(t, dir, "client-key.pem", []byte(keyPEM(t, p.clientKey)))
	wrongKey := writeFile(t, dir, "other-key.pem", []byte(keyPEM(t, newKey(t))))
	keyAsCA := writeFile(t, dir, "key-as-ca.pem", []byte(keyPEM(t, p.clientKey)))
	junk := writeFile(t, dir, "junk", []byte("not a certificate"))
	brokenChain := writeFile(t, dir, "broken.pem", []byte(certPEM(p.client, p.inter)))
	big := writeFile(t, dir, "big", make([]byte, maxCertFile+1))
	tests := []struct {
		in, key, msg string
	}{
		{"EAP-TLS-CACert=" + dir + "/nope.pem\n", "EAP-TLS-CACert", "no such file"},
		{"EAP-TLS-CACert=" + keyAsCA + "\n", "EAP-TLS-CACert", `"PRIVATE KEY", not a CERTIFICATE`},
		{"EAP-TLS-CACert=" + junk + "\n", "EAP-TLS-CACert", "no PEM certificate"},
		{"EAP-TLS-CACert=" + big + "\n", "EAP-TLS-CACert", "larger than"},
		{"EAP-TLS-ClientCert=" + cert + "\nEAP-TLS-ClientKey=" + wrongKey + "\n", "EAP-TLS-ClientKey", "does not match"},
		{"EAP-TLS-ClientCert=" + key + "\nEAP-TLS-ClientKey=" + key + "\n", "EAP-TLS-ClientCert", "no certificate"},
		{"EAP-TLS-ClientCert=" + cert + "\nEAP-TLS-ClientKey=" + cert + "\n", "EAP-TLS-ClientKey", "no private key"},
		{"EAP-TLS-ClientCert=" + junk + "\nEAP-TLS-ClientKey=" + key + "\n", "EAP-TLS-ClientCert", "neither PEM"},
		{"EAP-TLS-ClientCert=" + brokenChain + "\nEAP-TLS-ClientKey=" + key + "\n", "EAP-TLS-ClientCert", "not signed by certificate 2"},
		{"EAP-TLS-ClientCert=" + cert + "\nEAP-TLS-ClientKey=" + key + "\nEAP-TLS-ClientKeyPassphrase=abc\n",
			"EAP-TLS-ClientKeyPassphrase", "not encrypted"},
	}
	for _, tc := range tests {
		_, err := loadTLS(t, "[Security]\nEAP-Method=TLS\n"+tc.in, nil)
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != tc.key || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: err = %v, want key %s and %q", tc.in, err, tc.key, tc.msg)
		}
	}
	_ = ca
}

// TestEncryptedKeys reads OpenSSL-made keys in each encrypted form
// (testdata/gen.sh), with the right, a wrong and no passphrase.
func TestEncryptedKeys(t *testing.T) {
	cert, _ := filepath.Abs("testdata/cert.pem")
	for _, name := range []string{
		"key-pkcs8.pem", "key-pkcs1.pem",
		"key-pkcs8-aes256.pem", "key-pkcs8-des3.pem", "key-pkcs8-aes128-sha256.pem",
		"key-pkcs8-md5-des.pem", "key-pkcs8-sha1-des.pem", "key-pkcs8-pkcs12-3des.pem", "key-pkcs8-pkcs12-2des.pem",
		"key-legacy-aes256.pem", "key-legacy-des3.pem",
	} {
		t.Run(name, func(t *testing.T) {
			key, _ := filepath.Abs("testdata/" + name)
			encrypted := name != "key-pkcs8.pem" && name != "key-pkcs1.pem"
			base := "[Security]\nEAP-Method=TLS\nEAP-TLS-ClientCert=" + cert + "\nEAP-TLS-ClientKey=" + key + "\n"
			checkKeyForms(t, base, key, encrypted)
		})
	}
}

func TestBundles(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	modern, err := pkcs12.Modern.Encode(p.clientKey, p.client, []*x509.Certificate{p.root}, "abc")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := pkcs12.LegacyDES.Encode(p.clientKey, p.client, nil, "abc")
	if err != nil {
		t.Fatal(err)
	}
	open, err := pkcs12.Passwordless.Encode(p.clientKey, p.client, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go-modern.p12": writeFile(t, dir, "m.p12", modern),
		"go-legacy.p12": writeFile(t, dir, "l.p12", legacy),
	}
	for _, n := range []string{"bundle-aes.p12", "bundle-legacy.p12"} {
		files["openssl-"+n], _ = filepath.Abs("testdata/" + n)
	}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			checkKeyForms(t, "[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKeyBundle="+path+"\n", path, true)
		})
	}
	t.Run("passwordless", func(t *testing.T) {
		path := writeFile(t, dir, "open.p12", open)
		checkKeyForms(t, "[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKeyBundle="+path+"\n", path, false)
	})
	t.Run("chain", func(t *testing.T) {
		m, err := loadTLS(t, "[Security]\nEAP-Method=TLS\nEAP-TLS-ClientKeyBundle="+files["go-modern.p12"]+
			"\nEAP-TLS-ClientKeyPassphrase=abc\n", nil)
		if err != nil || len(m.Certificates[0].Certificate) != 2 {
			t.Fatalf("%+v %v", m, err)
		}
	})
	t.Run("p12 as ClientCert and ClientKey", func(t *testing.T) {
		path := files["go-modern.p12"]
		checkKeyForms(t, "[Security]\nEAP-Method=TLS\nEAP-TLS-ClientCert="+path+"\nEAP-TLS-ClientKey="+path+"\n", path, true)
	})
}

// checkKeyForms loads a TLS configuration without a passphrase (an
// encrypted one must be reported missing), with the agent's right and wrong
// answers, and with the passphrase in the file.
func checkKeyForms(t *testing.T, base, file string, encrypted bool) {
	t.Helper()
	c, err := parseText(t, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := c.Missing()
	if err != nil {
		t.Fatalf("Missing: %v", err)
	}
	if !encrypted {
		if len(missing) != 0 {
			t.Fatalf("Missing = %+v for a plain key", missing)
		}
		if _, err := c.TLS.Load(); err != nil {
			t.Fatalf("Load: %v", err)
		}
		return
	}
	want := SecretRequest{Kind: PrivateKeyPassphrase, Key: "EAP-TLS-ClientKeyPassphrase", File: file}
	if len(missing) != 1 || missing[0] != want {
		t.Fatalf("Missing = %+v, want %+v", missing, want)
	}
	if _, err := c.TLS.Load(); err == nil {
		t.Fatal("Load without the passphrase passed")
	}
	for _, pass := range []string{"wrong", "abd", ""} {
		c, err := parseText(t, base, Answers{want.Key: knownnetworks.Secret(pass)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Missing(); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("passphrase %q: Missing = %v, want ErrWrongPassphrase", pass, err)
		}
	}
	c, err = parseText(t, base, Answers{want.Key: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Missing(); err != nil || len(m) != 0 {
		t.Fatalf("with the answer: Missing = %+v, %v", m, err)
	}
	m, err := c.TLS.Load()
	if err != nil {
		t.Fatalf("Load with the answer: %v", err)
	}
	if len(m.Certificates) != 1 || m.Certificates[0].PrivateKey == nil {
		t.Fatalf("Load = %+v", m)
	}
	if _, err := loadTLS(t, base+"EAP-TLS-ClientKeyPassphrase=abc\n", nil); err != nil {
		t.Fatalf("passphrase in the file: %v", err)
	}
	_, err = loadTLS(t, base+"EAP-TLS-ClientKeyPassphrase=nope\n", nil)
	var ke *KeyError
	if !errors.Is(err, ErrWrongPassphrase) || !errors.As(err, &ke) || strings.Contains(err.Error(), "nope") {
		t.Fatalf("wrong passphrase in the file: %v", err)
	}
}

func TestDecodeContainerPEM(t *testing.T) {
	p := newPKI(t)
	// A file holding the chain and the key, as some users keep them.
	ct, err := DecodeContainer([]byte("comment\n"+certPEM(p.client, p.root)+keyPEM(t, p.clientKey)), "", false)
	if err != nil || len(ct.Certs) != 2 || ct.Key == nil || ct.Encrypted {
		t.Fatalf("%+v %v", ct, err)
	}
	ct, err = DecodeContainer(p.client.Raw, "", false) // DER certificate
	if err != nil || len(ct.Certs) != 1 {
		t.Fatalf("DER: %+v %v", ct, err)
	}
	for _, bad := range []string{
		keyPEM(t, p.clientKey) + keyPEM(t, p.clientKey),
		"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN nothing",
	} {
		if _, err := DecodeContainer([]byte(bad), "", false); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func FuzzDecodeContainer(f *testing.F) {
	for _, n := range []string{"cert.pem", "key-pkcs8-aes256.pem", "key-pkcs8-md5-des.pem", "key-legacy-des3.pem", "bundle-aes.p12"} {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "abc")
	}
	f.Add([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"), "x")
	f.Fuzz(func(t *testing.T, data []byte, pass string) {
		ct, err := DecodeContainer(data, pass, true)
		if err == nil && len(ct.Certs) == 0 && ct.Key == nil {
			t.Fatal("no error and nothing decoded")
		}
		_, _ = ParseCertificateList(data)
	})
}

// FuzzParseEmbedded runs whole network files with embedded PEMs through
// Parse, Missing and Load: nothing may panic, and nothing is read from
// disk (every value is embed:).
func FuzzParseEmbedded(f *testing.F) {
	cert, _ := os.ReadFile("testdata/cert.pem")
	key, _ := os.ReadFile("testdata/key-pkcs8-des3.pem")
	f.Add([]byte("[Security]\nEAP-Method=TLS\nEAP-TLS-CACert=embed:ca\nEAP-TLS-ClientCert=embed:ca\n" +
		"EAP-TLS-ClientKey=embed:k\nEAP-TLS-ClientKeyPassphrase=abc\n[@pem@ca]\n" + string(cert) + "[@pem@k]\n" + string(key)))
	f.Add([]byte("[Security]\nEAP-Method=PEAP\nEAP-PEAP-CACert=embed:ca\nEAP-PEAP-ServerDomainMask=*.a;b\n" +
		"EAP-PEAP-Phase2-Method=MSCHAPV2\n[@pem@ca]\n" + string(cert)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := knownnetworksParse(data)
		if err != nil {
			return
		}
		c, err := Parse(file, nil)
		if err != nil {
			return
		}
		for x := c; x != nil; x = x.Phase2 {
			if x.TLS == nil {
				continue
			}
			for _, v := range []string{x.TLS.CACert, x.TLS.ClientCert, x.TLS.ClientKey, x.TLS.ClientKeyBundle} {
				if v != "" && !strings.HasPrefix(v, EmbedPrefix) {
					return // would read a file
				}
			}
		}
		if _, err := c.Missing(); err != nil {
			return
		}
		for x := c; x != nil; x = x.Phase2 {
			if x.TLS != nil {
				_, _ = x.TLS.Load()
			}
		}
	})
}

func knownnetworksParse(data []byte) (*knownnetworks.File, error) {
	return knownnetworks.ParseFile("fuzz.8021x", data)
}
