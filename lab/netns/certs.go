package netns

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certs is a throwaway PKI for one test, written as PEM files: a CA, a
// server certificate it signed (for hostapd's EAP server) and a client
// certificate it signed (for EAP-TLS). Keys are ECDSA P-256 (NewCerts),
// ECDSA P-384 (NewCertsP384) or RSA 2048 (NewCertsRSA), in PKCS#8.
type Certs struct {
	// ServerName is the server certificate's DNS name (and subject CN);
	// ClientName the client certificate's subject CN (the EAP-TLS
	// identity the eap_user file should name).
	ServerName, ClientName string
	// PEM files.
	CAFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile string
	// The parsed certificates, for a test that checks them itself.
	CA, Server, Client *x509.Certificate
}

// NewCerts makes the PKI in dir (created if missing). It fails the test on
// error.
func NewCerts(t testing.TB, dir string) *Certs {
	t.Helper()
	return newCerts(t, dir, ecKey(elliptic.P256()))
}

// NewCertsP384 is NewCerts with P-384 keys, the certificates signed with
// ECDSA-SHA384, as WPA3-Enterprise 192-bit mode's TLS wants them.
func NewCertsP384(t testing.TB, dir string) *Certs {
	t.Helper()
	return newCerts(t, dir, ecKey(elliptic.P384()))
}

// NewCertsRSA is NewCerts with RSA keys, as most RADIUS servers have them:
// iwd 2.3 (ell's TLS) refuses an ECDSA server certificate.
func NewCertsRSA(t testing.TB, dir string) *Certs {
	t.Helper()
	return newCerts(t, dir, newRSAKey)
}

func newCerts(t testing.TB, dir string, newKey func(testing.TB) crypto.Signer) *Certs {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("netns: certs: %v", err)
	}
	c := &Certs{
		ServerName:     "radius.wifid.test",
		ClientName:     "client@wifid.test",
		CAFile:         filepath.Join(dir, "ca.pem"),
		ServerCertFile: filepath.Join(dir, "server.pem"),
		ServerKeyFile:  filepath.Join(dir, "server-key.pem"),
		ClientCertFile: filepath.Join(dir, "client.pem"),
		ClientKeyFile:  filepath.Join(dir, "client-key.pem"),
	}
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "wifid test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	c.CA = sign(t, caTmpl, caTmpl, caKey, caKey, c.CAFile, "")
	srvKey := newKey(t)
	c.Server = sign(t, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: c.ServerName},
		DNSNames:     []string{c.ServerName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, c.CA, srvKey, caKey, c.ServerCertFile, c.ServerKeyFile)
	cliKey := newKey(t)
	c.Client = sign(t, &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: c.ClientName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, c.CA, cliKey, caKey, c.ClientCertFile, c.ClientKeyFile)
	return c
}

// ecKey makes ECDSA keys on curve.
func ecKey(curve elliptic.Curve) func(testing.TB) crypto.Signer {
	return func(t testing.TB) crypto.Signer {
		t.Helper()
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatalf("netns: certs: %v", err)
		}
		return k
	}
}

func newRSAKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("netns: certs: %v", err)
	}
	return k
}

// sign makes tmpl's certificate signed by parent's key, writes it (and its
// key, if keyFile is set) as PEM and returns it parsed.
func sign(t testing.TB, tmpl, parent *x509.Certificate, key, parentKey crypto.Signer, certFile, keyFile string) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatalf("netns: certs: %s: %v", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("netns: certs: %v", err)
	}
	writePEM(t, certFile, "CERTIFICATE", der)
	if keyFile != "" {
		p8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatalf("netns: certs: %v", err)
		}
		writePEM(t, keyFile, "PRIVATE KEY", p8)
	}
	return cert
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatalf("netns: certs: %v", err)
	}
}
