package eapconf

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"wifid/knownnetworks"
)

// maxMetadata bounds an eap-config file.
const maxMetadata = 4 << 20

// EAP method types of the EAP metadata (IANA numbers) and CAT's non-EAP
// inner methods.
const (
	eapTypeMD5      = 4
	eapTypeGTC      = 6
	eapTypeTLS      = 13
	eapTypeTTLS     = 21
	eapTypePEAP     = 25
	eapTypeMSCHAPV2 = 26

	nonEAPPAP      = 1
	nonEAPMSCHAP   = 2
	nonEAPMSCHAPv2 = 3
)

// Provider is one EAPIdentityProvider of an "eap-config" file: the EAP
// metadata XML that eduroam CAT, geteduroam and letswifi hand out
// (draft-winter-opsawg-eap-metadata, CAT's eap-metadata.xsd).
type Provider struct {
	ID          string // the realm
	DisplayName string
	ValidUntil  string
	// Methods in the provider's order of preference.
	Methods []AuthMethod
	// SSIDs are the networks the credentials are for; ConsortiumOIDs the
	// Hotspot 2.0 roaming consortium OIs (wifictl writes a profile each).
	SSIDs          []string
	ConsortiumOIDs []string
}

// AuthMethod is one AuthenticationMethod.
type AuthMethod struct {
	EAPType             int // 13 TLS, 21 TTLS, 25 PEAP ...
	CAs                 []*x509.Certificate
	ServerIDs           []string
	OuterIdentity       string
	InnerIdentitySuffix string
	UserName            string
	Password            knownnetworks.Secret
	ClientPKCS12        []byte // EAP-TLS: the client certificate and key
	Passphrase          knownnetworks.Secret
	InnerEAPType        int // the inner EAP method, 0 if none
	InnerNonEAPType     int // TTLS's inner non-EAP method (1 PAP, 2 MSCHAP, 3 MSCHAPv2), 0 if none
}

type xmlList struct {
	XMLName   xml.Name      `xml:"EAPIdentityProviderList"`
	Providers []xmlProvider `xml:"EAPIdentityProvider"`
}

type xmlProvider struct {
	ID          string        `xml:"ID,attr"`
	ValidUntil  string        `xml:"ValidUntil"`
	Methods     []xmlMethod   `xml:"AuthenticationMethods>AuthenticationMethod"`
	Networks    []xmlIEEE8021 `xml:"CredentialApplicability>IEEE80211"`
	DisplayName []string      `xml:"ProviderInfo>DisplayName"`
}

type xmlIEEE8021 struct {
	SSID          string `xml:"SSID"`
	ConsortiumOID string `xml:"ConsortiumOID"`
}

type xmlType struct {
	Type int `xml:"Type"`
}

type xmlBlob struct {
	Format   string `xml:"format,attr"`
	Encoding string `xml:"encoding,attr"`
	Data     string `xml:",chardata"`
}

type xmlMethod struct {
	EAPMethod xmlType `xml:"EAPMethod"`
	Server    struct {
		CAs       []xmlBlob `xml:"CA"`
		ServerIDs []string  `xml:"ServerID"`
	} `xml:"ServerSideCredential"`
	Client struct {
		OuterIdentity       string  `xml:"OuterIdentity"`
		AnonymousIdentity   string  `xml:"AnonymousIdentity"`
		InnerIdentitySuffix string  `xml:"InnerIdentitySuffix"`
		UserName            string  `xml:"UserName"`
		Password            string  `xml:"Password"`
		ClientCertificate   xmlBlob `xml:"ClientCertificate"`
		Passphrase          string  `xml:"Passphrase"`
	} `xml:"ClientSideCredential"`
	Inner struct {
		EAPMethod    xmlType `xml:"EAPMethod"`
		NonEAPMethod xmlType `xml:"NonEAPAuthMethod"`
	} `xml:"InnerAuthenticationMethod"`
}

// ParseEAPMetadata reads an eap-config file. Errors name the provider and
// method at fault; secrets in it are never quoted.
func ParseEAPMetadata(data []byte) ([]Provider, error) {
	if len(data) > maxMetadata {
		return nil, fmt.Errorf("eap-config: larger than %d bytes", maxMetadata)
	}
	var l xmlList
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("charset %q", charset)
	}
	if err := d.Decode(&l); err != nil {
		return nil, fmt.Errorf("eap-config: not EAP metadata XML: %w", err)
	}
	if len(l.Providers) == 0 {
		return nil, errors.New("eap-config: no EAPIdentityProvider")
	}
	var out []Provider
	for i, xp := range l.Providers {
		p := Provider{ID: strings.TrimSpace(xp.ID), ValidUntil: strings.TrimSpace(xp.ValidUntil)}
		if len(xp.DisplayName) > 0 {
			p.DisplayName = strings.TrimSpace(xp.DisplayName[0])
		}
		for _, n := range xp.Networks {
			if s := n.SSID; s != "" {
				p.SSIDs = append(p.SSIDs, s)
			}
			if o := strings.TrimSpace(n.ConsortiumOID); o != "" {
				p.ConsortiumOIDs = append(p.ConsortiumOIDs, o)
			}
		}
		for j, xm := range xp.Methods {
			m, err := parseXMLMethod(xm)
			if err != nil {
				return nil, fmt.Errorf("eap-config: provider %d (%s) method %d: %w", i+1, p.ID, j+1, err)
			}
			p.Methods = append(p.Methods, m)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseXMLMethod(xm xmlMethod) (AuthMethod, error) {
	m := AuthMethod{
		EAPType:             xm.EAPMethod.Type,
		OuterIdentity:       strings.TrimSpace(xm.Client.OuterIdentity),
		InnerIdentitySuffix: strings.TrimSpace(xm.Client.InnerIdentitySuffix),
		UserName:            strings.TrimSpace(xm.Client.UserName),
		Password:            knownnetworks.Secret(xm.Client.Password),
		Passphrase:          knownnetworks.Secret(xm.Client.Passphrase),
		InnerEAPType:        xm.Inner.EAPMethod.Type,
		InnerNonEAPType:     xm.Inner.NonEAPMethod.Type,
	}
	if m.OuterIdentity == "" {
		m.OuterIdentity = strings.TrimSpace(xm.Client.AnonymousIdentity) // the draft's name
	}
	for _, s := range xm.Server.ServerIDs {
		if s = strings.TrimSpace(s); s != "" {
			m.ServerIDs = append(m.ServerIDs, s)
		}
	}
	for k, ca := range xm.Server.CAs {
		der, err := decodeBlob(ca)
		if err != nil {
			return m, fmt.Errorf("CA %d: %w", k+1, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return m, fmt.Errorf("CA %d: %w", k+1, err)
		}
		m.CAs = append(m.CAs, c)
	}
	if strings.TrimSpace(xm.Client.ClientCertificate.Data) != "" {
		der, err := decodeBlob(xm.Client.ClientCertificate)
		if err != nil {
			return m, fmt.Errorf("ClientCertificate: %w", err)
		}
		m.ClientPKCS12 = der
	}
	return m, nil
}

// decodeBlob reads base64 content (the only encoding CAT writes); a PEM
// certificate is taken too.
func decodeBlob(b xmlBlob) ([]byte, error) {
	s := strings.TrimSpace(b.Data)
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		return blk.Bytes, nil
	}
	if b.Encoding != "" && !strings.EqualFold(b.Encoding, "base64") {
		return nil, fmt.Errorf("encoding %q (only base64)", b.Encoding)
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, errors.New("not base64")
	}
	return der, nil
}

// ImportOptions are what the user adds to an eap-config when importing.
type ImportOptions struct {
	// UserName is the inner identity for PEAP and TTLS; the file's
	// UserName if empty.
	UserName string
	// Password is stored if not empty (else the agent asks at each
	// connect), unless the file carries one.
	Password knownnetworks.Secret
	// Passphrase opens the PKCS#12 client certificate when the file does
	// not carry it; it is not stored.
	Passphrase knownnetworks.Secret
	// Rand is the source for the embedded key's encryption; crypto/rand if
	// nil.
	Rand io.Reader
}

// NetworkFile builds the .8021x file for ssid from the provider's first
// method wifid can use: EAP-TLS with a PKCS#12 client certificate, PEAP
// with MSCHAPv2, GTC or MD5 inside, or TTLS with PAP, MSCHAP, MSCHAPv2 or
// an EAP method inside. The CA certificates and a client certificate are
// embedded ([@pem@...] groups), the client key encrypted with its
// PKCS#12 passphrase; each ServerID becomes the masks "name" and "*.name"
// (the domain suffix match CAT's clients apply). It returns the method
// used.
func (p Provider) NetworkFile(name string, o ImportOptions) (*knownnetworks.File, AuthMethod, error) {
	var why []string
	for _, m := range p.Methods {
		f, err := m.networkFile(name, o)
		if err == nil {
			return f, m, nil
		}
		if errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrNeedPassphrase) || errors.Is(err, errBadUser) {
			return nil, m, err
		}
		why = append(why, err.Error())
	}
	if len(why) == 0 {
		return nil, AuthMethod{}, fmt.Errorf("eap-config: provider %s has no authentication method", p.ID)
	}
	return nil, AuthMethod{}, fmt.Errorf("eap-config: provider %s: no method wifid can use (%s)", p.ID, strings.Join(why, "; "))
}

var errBadUser = errors.New("user name does not fit the provider")

func (m AuthMethod) networkFile(name string, o ImportOptions) (*knownnetworks.File, error) {
	f := knownnetworks.NewFile(name)
	var errs []error
	set := func(key, v string) {
		if v != "" {
			errs = append(errs, f.SetString(knownnetworks.GroupSecurity, key, v))
		}
	}
	var method, tlsPrefix, inner, innerPrefix string
	switch m.EAPType {
	case eapTypeTLS:
		method, tlsPrefix = string(MethodTLS), Prefix+"TLS-"
	case eapTypePEAP:
		method, tlsPrefix = string(MethodPEAP), Prefix+"PEAP-"
		switch m.InnerEAPType {
		case eapTypeMSCHAPV2:
			inner = string(MethodMSCHAPV2)
		case eapTypeGTC:
			inner = string(MethodGTC)
		case eapTypeMD5:
			inner = string(MethodMD5)
		default:
			return nil, fmt.Errorf("PEAP with inner EAP type %d", m.InnerEAPType)
		}
	case eapTypeTTLS:
		method, tlsPrefix = string(MethodTTLS), Prefix+"TTLS-"
		switch {
		case m.InnerNonEAPType == nonEAPPAP:
			inner = string(TunneledPAP)
		case m.InnerNonEAPType == nonEAPMSCHAP:
			inner = string(TunneledMSCHAP)
		case m.InnerNonEAPType == nonEAPMSCHAPv2:
			inner = string(TunneledMSCHAPv2)
		case m.InnerEAPType == eapTypeMSCHAPV2:
			inner = string(MethodMSCHAPV2)
		case m.InnerEAPType == eapTypeGTC:
			inner = string(MethodGTC)
		case m.InnerEAPType == eapTypeMD5:
			inner = string(MethodMD5)
		default:
			return nil, fmt.Errorf("TTLS with inner type %d/%d", m.InnerNonEAPType, m.InnerEAPType)
		}
	default:
		return nil, fmt.Errorf("EAP type %d", m.EAPType)
	}
	set(Prefix+KeyMethod, method)
	set(Prefix+KeyIdentity, m.OuterIdentity)

	if len(m.CAs) > 0 {
		var b strings.Builder
		for _, c := range m.CAs {
			pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		errs = append(errs, f.SetEmbedded("ca_cert", b.String()))
		set(tlsPrefix+KeyCACert, EmbedPrefix+"ca_cert")
		if len(m.ServerIDs) > 0 {
			var masks []string
			for _, s := range m.ServerIDs {
				masks = append(masks, s, "*."+s)
			}
			set(tlsPrefix+KeyServerDomainMask, strings.Join(masks, ";"))
		}
	}

	if inner != "" {
		innerPrefix = tlsPrefix + phase2
		set(innerPrefix+KeyMethod, inner)
		user := o.UserName
		if user == "" {
			user = m.UserName
		}
		if user != "" && m.InnerIdentitySuffix != "" && !strings.HasSuffix(user, m.InnerIdentitySuffix) {
			return nil, fmt.Errorf("%w: %q must end in %q", errBadUser, user, m.InnerIdentitySuffix)
		}
		set(innerPrefix+KeyIdentity, user)
		pw := m.Password
		if pw == "" {
			pw = o.Password
		}
		set(innerPrefix+KeyPassword, string(pw))
		return f, errors.Join(errs...)
	}

	// EAP-TLS: the client certificate and key from the PKCS#12 bundle.
	if m.ClientPKCS12 == nil {
		return nil, errors.New("EAP-TLS without a client certificate")
	}
	pass, fromFile := m.Passphrase, m.Passphrase != ""
	if !fromFile {
		pass = o.Passphrase
	}
	ct, err := DecodeContainer(m.ClientPKCS12, string(pass), pass != "" || fromFile)
	if errors.Is(err, ErrWrongPassphrase) && pass == "" {
		err = fmt.Errorf("PKCS#12 client certificate: %w", ErrNeedPassphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	if len(ct.Certs) == 0 || ct.Key == nil {
		return nil, errors.New("client certificate: the PKCS#12 lacks the certificate or the key")
	}
	var chain strings.Builder
	for _, c := range ct.Certs {
		if c.IsCA && len(ct.Certs) > 1 && c != ct.Certs[0] && isSelfSigned(c) {
			continue // a root in the bundle is no part of the chain sent
		}
		pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	errs = append(errs, f.SetEmbedded("client_cert", chain.String()))
	set(tlsPrefix+KeyClientCert, EmbedPrefix+"client_cert")
	var keyPEM []byte
	if pass == "" {
		der, err := x509.MarshalPKCS8PrivateKey(ct.Key)
		if err != nil {
			return nil, err
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	} else {
		r := o.Rand
		if r == nil {
			r = rand.Reader
		}
		der, err := EncryptPKCS8(ct.Key, []byte(pass), r)
		if err != nil {
			return nil, err
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
	}
	errs = append(errs, f.SetEmbedded("client_key", string(keyPEM)))
	set(tlsPrefix+KeyClientKey, EmbedPrefix+"client_key")
	if fromFile {
		// The file carried it in the clear; the network file keeps it.
		set(tlsPrefix+KeyClientKeyPassphrase, string(pass))
	}
	return f, errors.Join(errs...)
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}
