package eaptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// PKI is a throwaway certificate authority with a server and a client
// certificate (ECDSA P-256), made fresh for a test: no keys in the tree.
type PKI struct {
	CA     *x509.Certificate
	Pool   *x509.CertPool // holding CA
	Server tls.Certificate
	Client tls.Certificate
}

// ServerName is the DNS name in the PKI's server certificate.
const ServerName = "radius.example.org"

// NewPKI makes a CA and a server and client certificate it signed.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "wifid test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := &PKI{CA: ca, Pool: x509.NewCertPool()}
	p.Pool.AddCert(ca)
	p.Server = p.Issue(t, ServerName, x509.ExtKeyUsageServerAuth, ca, caKey)
	p.Client = p.Issue(t, "user@example.org", x509.ExtKeyUsageClientAuth, ca, caKey)
	return p
}

// SelfSigned is a server certificate no CA vouches for.
func SelfSigned(t testing.TB, name string) tls.Certificate {
	t.Helper()
	return issue(t, name, x509.ExtKeyUsageServerAuth, nil, nil)
}

// Issue makes a certificate for name with usage, signed by ca.
func (p *PKI) Issue(t testing.TB, name string, usage x509.ExtKeyUsage, ca *x509.Certificate, caKey *ecdsa.PrivateKey) tls.Certificate {
	t.Helper()
	return issue(t, name, usage, ca, caKey)
}

// issue makes a certificate for name signed by ca, or self-signed if ca
// is nil.
func issue(t testing.TB, name string, usage x509.ExtKeyUsage, ca *x509.Certificate, caKey *ecdsa.PrivateKey) tls.Certificate {
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.DNSNames = []string{name}
	}
	if ca == nil {
		ca, caKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// ServerConfig is a TLS server config with the PKI's server certificate
// between the TLS versions given; clientCert asks for and checks the
// client's certificate.
func (p *PKI) ServerConfig(minV, maxV uint16, clientCert bool) *tls.Config {
	c := &tls.Config{
		Certificates:           []tls.Certificate{p.Server},
		MinVersion:             minV,
		MaxVersion:             maxV,
		SessionTicketsDisabled: true,
	}
	if clientCert {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = p.Pool
	}
	return c
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
