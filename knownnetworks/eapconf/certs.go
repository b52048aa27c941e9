package eapconf

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"wifid/knownnetworks"
)

// maxCertFile bounds what is read from a certificate or key file.
const maxCertFile = 1 << 20

// ErrNeedPassphrase: the material is encrypted and no passphrase is given
// (Missing reports it as a PrivateKeyPassphrase request instead).
var ErrNeedPassphrase = errors.New("encrypted and no passphrase given")

// TLSMaterial is what a TLS-based method needs, in crypto/tls's terms.
type TLSMaterial struct {
	// RootCAs holds the CACert list; nil if none was configured (the
	// server is then not authenticated: say so in the log and on D-Bus).
	RootCAs *x509.CertPool
	// Certificates holds the client certificate chain and key for EAP-TLS;
	// empty if none.
	Certificates []tls.Certificate
	// ServerDomainMask is the mask list, nil if none.
	ServerDomainMask []string
}

// VerifyPeer checks the server's chain as iwd does and is meant for
// tls.Config.VerifyPeerCertificate with InsecureSkipVerify set (EAP has no
// server name for crypto/tls to check): the chain must lead to one of
// RootCAs (no check without a CA list), and the leaf's names must match the
// ServerDomainMask (MatchDomainMask). Unlike ell it also checks validity
// periods. (eapol/eap/tls validates chains itself and takes ServerCheck.)
func (m *TLSMaterial) VerifyPeer(rawCerts [][]byte, _ [][]*x509.Certificate) error {
	if m.RootCAs == nil {
		return nil
	}
	if len(rawCerts) == 0 {
		return errors.New("eapconf: server sent no certificate")
	}
	certs := make([]*x509.Certificate, len(rawCerts))
	for i, raw := range rawCerts {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return fmt.Errorf("eapconf: server certificate %d: %w", i, err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots: m.RootCAs, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("eapconf: server certificate %q: %w", certs[0].Subject.CommonName, err)
	}
	if check := m.ServerCheck(); check != nil {
		return check(certs)
	}
	return nil
}

// ServerCheck is the ServerDomainMask check alone, for a TLS client that
// validates the chain against RootCAs itself and then calls a hook with the
// verified chain, leaf first (eapol/eap/tls's Config.VerifyServer). It is
// nil when no mask is configured.
func (m *TLSMaterial) ServerCheck() func(chain []*x509.Certificate) error {
	if m.ServerDomainMask == nil {
		return nil
	}
	masks := m.ServerDomainMask
	return func(chain []*x509.Certificate) error {
		if len(chain) == 0 {
			return errors.New("eapconf: no server certificate to match the ServerDomainMask")
		}
		return MatchDomainMask(chain[0], masks)
	}
}

// ClientCertificate is the client certificate and key, nil if none.
func (m *TLSMaterial) ClientCertificate() *tls.Certificate {
	if len(m.Certificates) == 0 {
		return nil
	}
	return &m.Certificates[0]
}

// Load reads the certificates and keys (files and embedded PEMs) into what
// crypto/tls takes. An encrypted key without a passphrase is an error
// (Missing reports it first); a passphrase that does not decrypt it wraps
// ErrWrongPassphrase.
func (t *TLSSettings) Load() (*TLSMaterial, error) {
	pool, err := t.loadCA()
	if err != nil {
		return nil, err
	}
	m := &TLSMaterial{RootCAs: pool, ServerDomainMask: t.ServerDomainMask}
	chain, key, err := t.loadClient()
	if err != nil {
		return nil, err
	}
	if chain != nil {
		c := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
		for _, x := range chain {
			c.Certificate = append(c.Certificate, x.Raw)
		}
		m.Certificates = []tls.Certificate{c}
	}
	return m, nil
}

func (t *TLSSettings) errorf(key string, err error, format string, args ...any) error {
	return &KeyError{
		File: t.file.Name(), Line: t.file.Line(knownnetworks.GroupSecurity, key), Key: key,
		Msg: fmt.Sprintf(format, args...), Err: err,
	}
}

// read returns a value's bytes: an [@pem@name] group's payload or a file's
// contents.
func (t *TLSSettings) read(key, v string) ([]byte, error) {
	if name, ok := strings.CutPrefix(v, EmbedPrefix); ok {
		typ, payload, found := t.file.Embedded(name)
		if !found || typ != "pem" {
			return nil, t.errorf(key, nil, "no [@pem@%s] group in the file", name)
		}
		return []byte(payload), nil
	}
	f, err := os.Open(v)
	if err != nil {
		return nil, t.errorf(key, err, "")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCertFile+1))
	if err != nil {
		return nil, t.errorf(key, err, "%s", v)
	}
	if len(b) > maxCertFile {
		return nil, t.errorf(key, nil, "%s: larger than %d bytes", v, maxCertFile)
	}
	return b, nil
}

// loadCA reads the CACert list; nil if none is configured.
func (t *TLSSettings) loadCA() (*x509.CertPool, error) {
	if t.CACert == "" {
		return nil, nil
	}
	key := t.Prefix + KeyCACert
	data, err := t.read(key, t.CACert)
	if err != nil {
		return nil, err
	}
	certs, err := ParseCertificateList(data)
	if err != nil {
		return nil, t.errorf(key, err, "%s", t.CACert)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// ParseCertificateList reads PEM data holding one or more CERTIFICATE
// blocks and nothing else, as a CA list is (ell's
// l_pem_load_certificate_list).
func ParseCertificateList(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for n := 1; ; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is %q, not a CERTIFICATE", n, b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// clientNeeds says whether the client key needs a passphrase the
// configuration lacks.
func (t *TLSSettings) clientNeeds() (*SecretRequest, error) {
	_, _, err := t.loadClient()
	var ke *KeyError
	if errors.As(err, &ke) && errors.Is(err, ErrNeedPassphrase) {
		v := t.ClientKeyBundle
		switch ke.Key {
		case t.Prefix + KeyClientCert:
			v = t.ClientCert
		case t.Prefix + KeyClientKey:
			v = t.ClientKey
		}
		return &SecretRequest{Kind: PrivateKeyPassphrase, Key: t.Prefix + KeyClientKeyPassphrase, File: v}, nil
	}
	return nil, err
}

// loadClient reads the client certificate chain and key; nil, nil if none
// is configured.
func (t *TLSSettings) loadClient() ([]*x509.Certificate, crypto.PrivateKey, error) {
	pass := string(t.ClientKeyPassphrase)
	var chain []*x509.Certificate
	var key crypto.PrivateKey
	encrypted := false
	switch {
	case t.ClientKeyBundle != "":
		k := t.Prefix + KeyClientKeyBundle
		data, err := t.read(k, t.ClientKeyBundle)
		if err != nil {
			return nil, nil, err
		}
		// data is not wiped: the certificates parsed from it may
		// point into it (DER, PKCS#12).
		ct, err := DecodeContainer(data, pass, t.passphraseGiven)
		if err != nil {
			return nil, nil, t.errorf(k, err, "%s", t.ClientKeyBundle)
		}
		switch {
		case len(ct.Certs) == 0:
			return nil, nil, t.errorf(k, nil, "%s: no certificate in it", t.ClientKeyBundle)
		case ct.Key == nil:
			return nil, nil, t.errorf(k, nil, "%s: no private key in it", t.ClientKeyBundle)
		}
		chain, key, encrypted = ct.Certs, ct.Key, ct.Encrypted
	case t.ClientCert != "":
		ck, kk := t.Prefix+KeyClientCert, t.Prefix+KeyClientKey
		data, err := t.read(ck, t.ClientCert)
		if err != nil {
			return nil, nil, err
		}
		ct, err := DecodeContainer(data, pass, t.passphraseGiven)
		if err != nil {
			return nil, nil, t.errorf(ck, err, "%s", t.ClientCert)
		}
		if len(ct.Certs) == 0 {
			return nil, nil, t.errorf(ck, nil, "%s: no certificate in it", t.ClientCert)
		}
		chain, encrypted = ct.Certs, ct.Encrypted
		if data, err = t.read(kk, t.ClientKey); err != nil {
			return nil, nil, err
		}
		kt, err := DecodeContainer(data, pass, t.passphraseGiven)
		clear(data) // the private key's file: only its key is used, parsed
		if err != nil {
			return nil, nil, t.errorf(kk, err, "%s", t.ClientKey)
		}
		if kt.Key == nil {
			return nil, nil, t.errorf(kk, nil, "%s: no private key in it", t.ClientKey)
		}
		key, encrypted = kt.Key, encrypted || kt.Encrypted
	default:
		return nil, nil, nil
	}
	passKey := t.Prefix + KeyClientKeyPassphrase
	if t.passphraseInFile && !encrypted {
		return nil, nil, t.errorf(passKey, nil, "set but the client key is not encrypted")
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			k := t.Prefix + KeyClientCert
			if t.ClientKeyBundle != "" {
				k = t.Prefix + KeyClientKeyBundle
			}
			return nil, nil, t.errorf(k, err, "certificate chain: certificate %d is not signed by certificate %d", i+1, i+2)
		}
	}
	pub, ok := key.(interface{ Public() crypto.PublicKey })
	eq, ok2 := chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !ok2 || !eq.Equal(pub.Public()) {
		k := t.Prefix + KeyClientKey
		if t.ClientKeyBundle != "" {
			k = t.Prefix + KeyClientKeyBundle
		}
		return nil, nil, t.errorf(k, nil, "the private key does not match the client certificate")
	}
	return chain, key, nil
}

// Container is what one certificate or key file holds.
type Container struct {
	Certs     []*x509.Certificate // leaf first, as the file orders them
	Key       crypto.PrivateKey   // nil if none
	Encrypted bool                // something in it needed the passphrase
}

// DecodeContainer reads a certificate or key file in any form iwd's
// l_cert_load_container_file takes: PEM (CERTIFICATE, PRIVATE KEY, ENCRYPTED
// PRIVATE KEY, RSA PRIVATE KEY and EC PRIVATE KEY, the last two possibly
// with "Proc-Type: 4,ENCRYPTED"), a DER certificate, or PKCS#12. Encrypted
// parts need havePass: without it the error wraps ErrNeedPassphrase; with a
// passphrase that does not fit it wraps ErrWrongPassphrase.
func DecodeContainer(data []byte, pass string, havePass bool) (*Container, error) {
	ct := &Container{}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		rest := data
		for n := 1; ; n++ {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if err := ct.addPEM(b, pass, havePass); err != nil {
				return nil, fmt.Errorf("PEM block %d (%s): %w", n, b.Type, err)
			}
		}
		if len(ct.Certs) == 0 && ct.Key == nil {
			return nil, errors.New("no PEM certificate or key")
		}
		return ct, nil
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		ct.Certs = []*x509.Certificate{c}
		return ct, nil
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, pass)
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) && !havePass:
		return nil, fmt.Errorf("PKCS#12: %w", ErrNeedPassphrase)
	case errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption):
		return nil, fmt.Errorf("PKCS#12: %w", ErrWrongPassphrase)
	case err != nil:
		return nil, fmt.Errorf("neither PEM, a DER certificate nor PKCS#12: %w", err)
	}
	ct.Certs = append([]*x509.Certificate{leaf}, cas...)
	ct.Key = key
	ct.Encrypted = pass != ""
	return ct, nil
}

func (ct *Container) addPEM(b *pem.Block, pass string, havePass bool) error {
	var key crypto.PrivateKey
	var err error
	switch b.Type {
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return err
		}
		ct.Certs = append(ct.Certs, c)
		return nil
	case "ENCRYPTED PRIVATE KEY":
		if !havePass {
			return ErrNeedPassphrase
		}
		ct.Encrypted = true
		pb := []byte(pass)
		key, err = DecryptPKCS8(b.Bytes, pb)
		clear(pb)
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		defer clear(b.Bytes) // the key's DER, parsed below
		der := b.Bytes
		if legacyEncrypted(b) {
			if !havePass {
				return ErrNeedPassphrase
			}
			ct.Encrypted = true
			pb := []byte(pass)
			der, err = decryptLegacyPEM(b, pb)
			clear(pb)
			if err != nil {
				return err
			}
			defer clear(der)
		}
		key, err = parsePlainKey(b.Type, der)
		if err != nil && ct.Encrypted {
			// A wrong passphrase that left valid padding decodes to junk.
			err = fmt.Errorf("%w (%v)", ErrWrongPassphrase, err)
		}
	default:
		return errors.New("not a certificate or private key")
	}
	if err != nil {
		return err
	}
	if ct.Key != nil {
		return errors.New("a second private key")
	}
	ct.Key = key
	return nil
}

func parsePlainKey(typ string, der []byte) (crypto.PrivateKey, error) {
	switch typ {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(der)
	}
	return x509.ParsePKCS8PrivateKey(der)
}
