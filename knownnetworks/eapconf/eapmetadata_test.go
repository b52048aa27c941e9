package eapconf

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"wifid/knownnetworks"
)

// eapConfig builds an eap-config as CAT and letswifi write them (CRLF,
// tabs, the xsi attributes).
func eapConfig(methods string, ssids ...string) []byte {
	var nets strings.Builder
	for _, s := range ssids {
		fmt.Fprintf(&nets, "\t\t\t<IEEE80211>\r\n\t\t\t\t<SSID>%s</SSID>\r\n\t\t\t\t<MinRSNProto>CCMP</MinRSNProto>\r\n\t\t\t</IEEE80211>\r\n", s)
	}
	return []byte(`<?xml version="1.0" encoding="utf-8"?>` + "\r\n" +
		`<EAPIdentityProviderList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="eap-metadata.xsd">` + "\r\n" +
		`	<EAPIdentityProvider ID="example.org" namespace="urn:RFC4282:realm" lang="en" version="1">` + "\r\n" +
		"\t\t<ValidUntil>2030-01-01T00:00:00Z</ValidUntil>\r\n" +
		"\t\t<AuthenticationMethods>\r\n" + methods + "\t\t</AuthenticationMethods>\r\n" +
		"\t\t<CredentialApplicability>\r\n" + nets.String() +
		"\t\t\t<IEEE80211>\r\n\t\t\t\t<ConsortiumOID>001bc50460</ConsortiumOID>\r\n\t\t\t</IEEE80211>\r\n" +
		"\t\t</CredentialApplicability>\r\n" +
		"\t\t<ProviderInfo>\r\n\t\t\t<DisplayName lang=\"en\">Example University</DisplayName>\r\n\t\t</ProviderInfo>\r\n" +
		"\t</EAPIdentityProvider>\r\n</EAPIdentityProviderList>\r\n")
}

func serverSide(cas ...*x509.Certificate) string {
	var b strings.Builder
	b.WriteString("\t\t\t\t<ServerSideCredential>\r\n")
	for _, c := range cas {
		fmt.Fprintf(&b, "\t\t\t\t\t<CA format=\"X.509\" encoding=\"base64\">%s</CA>\r\n", base64.StdEncoding.EncodeToString(c.Raw))
	}
	b.WriteString("\t\t\t\t\t<ServerID>radius.example.org</ServerID>\r\n\t\t\t\t</ServerSideCredential>\r\n")
	return b.String()
}

func TestImportPEAPAndTTLS(t *testing.T) {
	p := newPKI(t)
	methods := "\t\t\t<AuthenticationMethod>\r\n\t\t\t\t<EAPMethod><Type>52</Type></EAPMethod>\r\n\t\t\t</AuthenticationMethod>\r\n" + // EAP-pwd? no: unknown first
		"\t\t\t<AuthenticationMethod>\r\n\t\t\t\t<EAPMethod>\r\n\t\t\t\t\t<Type>25</Type>\r\n\t\t\t\t</EAPMethod>\r\n" + serverSide(p.root) +
		"\t\t\t\t<ClientSideCredential>\r\n\t\t\t\t\t<OuterIdentity>anonymous@example.org</OuterIdentity>\r\n" +
		"\t\t\t\t\t<InnerIdentitySuffix>@example.org</InnerIdentitySuffix>\r\n\t\t\t\t</ClientSideCredential>\r\n" +
		"\t\t\t\t<InnerAuthenticationMethod>\r\n\t\t\t\t\t<EAPMethod><Type>26</Type></EAPMethod>\r\n\t\t\t\t</InnerAuthenticationMethod>\r\n" +
		"\t\t\t</AuthenticationMethod>\r\n" +
		"\t\t\t<AuthenticationMethod>\r\n\t\t\t\t<EAPMethod><Type>21</Type></EAPMethod>\r\n" + serverSide(p.root) +
		"\t\t\t\t<InnerAuthenticationMethod><NonEAPAuthMethod><Type>1</Type></NonEAPAuthMethod></InnerAuthenticationMethod>\r\n" +
		"\t\t\t</AuthenticationMethod>\r\n"
	provs, err := ParseEAPMetadata(eapConfig(methods, "eduroam", "example-secure"))
	if err != nil {
		t.Fatal(err)
	}
	if len(provs) != 1 {
		t.Fatalf("%d providers", len(provs))
	}
	pr := provs[0]
	if pr.ID != "example.org" || pr.DisplayName != "Example University" || len(pr.Methods) != 3 ||
		strings.Join(pr.SSIDs, ",") != "eduroam,example-secure" || len(pr.ConsortiumOIDs) != 1 {
		t.Fatalf("provider = %+v", pr)
	}

	if _, _, err := pr.NetworkFile("eduroam.8021x", ImportOptions{UserName: "alice@other.org"}); !errors.Is(err, errBadUser) {
		t.Errorf("user outside the realm: %v", err)
	}
	f, m, err := pr.NetworkFile("eduroam.8021x", ImportOptions{UserName: "alice@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if m.EAPType != eapTypePEAP {
		t.Errorf("chose EAP type %d", m.EAPType)
	}
	c, err := Parse(f, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, f.Bytes())
	}
	if c.Method != MethodPEAP || c.Identity != "anonymous@example.org" || c.Phase2.Method != MethodMSCHAPV2 ||
		c.Phase2.Identity != "alice@example.org" || c.Phase2.Password != "" || c.TLS.CACert != "embed:ca_cert" ||
		strings.Join(c.TLS.ServerDomainMask, ";") != "radius.example.org;*.radius.example.org" {
		t.Errorf("config: %s %v", dump(c), c.TLS.ServerDomainMask)
	}
	missing, err := c.Missing()
	if err != nil || len(missing) != 1 || missing[0].Kind != UserPassword {
		t.Errorf("Missing = %+v %v", missing, err)
	}
	mat, err := c.TLS.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := mat.VerifyPeer([][]byte{p.server.Raw, p.inter.Raw}, nil); err == nil ||
		!strings.Contains(err.Error(), "radius.corp.example.com") {
		t.Errorf("VerifyPeer against the imported mask: %v", err)
	}

	// With the PEAP method gone, TTLS-PAP with a password.
	pr.Methods = pr.Methods[2:]
	f, _, err = pr.NetworkFile("eduroam.8021x", ImportOptions{UserName: "bob", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	c, err = Parse(f, nil)
	if err != nil || c.Method != MethodTTLS || c.Phase2.Method != TunneledPAP || c.Phase2.Password != "pw" {
		t.Errorf("TTLS: %s %v", dump(c), err)
	}
}

func TestImportTLS(t *testing.T) {
	p := newPKI(t)
	bundle, err := pkcs12.Modern.Encode(p.clientKey, p.client, []*x509.Certificate{p.root}, "pkcs12")
	if err != nil {
		t.Fatal(err)
	}
	method := func(passphrase string) string {
		s := "\t\t\t<AuthenticationMethod>\r\n\t\t\t\t<EAPMethod><Type>13</Type></EAPMethod>\r\n" + serverSide(p.root) +
			"\t\t\t\t<ClientSideCredential>\r\n\t\t\t\t\t<OuterIdentity>user@example.org</OuterIdentity>\r\n" +
			"\t\t\t\t\t<ClientCertificate format=\"PKCS12\" encoding=\"base64\">" + base64.StdEncoding.EncodeToString(bundle) + "</ClientCertificate>\r\n"
		if passphrase != "" {
			s += "\t\t\t\t\t<Passphrase>" + passphrase + "</Passphrase>\r\n"
		}
		return s + "\t\t\t\t</ClientSideCredential>\r\n\t\t\t</AuthenticationMethod>\r\n"
	}

	// The passphrase in the file (letswifi's way): kept in the network file.
	provs, err := ParseEAPMetadata(eapConfig(method("pkcs12"), "eduroam"))
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := provs[0].NetworkFile("eduroam.8021x", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := string(f.Bytes())
	if !strings.Contains(text, "[@pem@client_key]\n-----BEGIN ENCRYPTED PRIVATE KEY-----") || strings.Count(text, "BEGIN CERTIFICATE") != 2 {
		t.Errorf("file:\n%s", text)
	}
	c, err := Parse(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Missing(); err != nil || len(m) != 0 || c.TLS.ClientKeyPassphrase != "pkcs12" {
		t.Fatalf("Missing = %+v %v", m, err)
	}
	mat, err := c.TLS.Load()
	if err != nil || mat.ClientCertificate() == nil || !mat.ClientCertificate().Leaf.Equal(p.client) {
		t.Fatalf("Load: %+v %v", mat, err)
	}

	// Without it: the user gives it, it is not stored, the agent asks.
	provs, _ = ParseEAPMetadata(eapConfig(method(""), "eduroam"))
	if _, _, err := provs[0].NetworkFile("eduroam.8021x", ImportOptions{}); !errors.Is(err, ErrNeedPassphrase) {
		t.Errorf("no passphrase: %v", err)
	}
	if _, _, err := provs[0].NetworkFile("eduroam.8021x", ImportOptions{Passphrase: "wrong"}); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	f, _, err = provs[0].NetworkFile("eduroam.8021x", ImportOptions{Passphrase: "pkcs12"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(f.Bytes()), "pkcs12") {
		t.Error("the user's passphrase was written")
	}
	c, _ = Parse(f, nil)
	if m, err := c.Missing(); err != nil || len(m) != 1 || m[0].Kind != PrivateKeyPassphrase {
		t.Fatalf("Missing = %+v %v", m, err)
	}
	c, _ = Parse(f, Answers{"EAP-TLS-ClientKeyPassphrase": "pkcs12"})
	if _, err := c.TLS.Load(); err != nil {
		t.Fatalf("Load with the agent's answer: %v", err)
	}
}

func TestParseEAPMetadataErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "not EAP metadata"},
		{"<foo/>", "not EAP metadata"},
		{"<EAPIdentityProviderList></EAPIdentityProviderList>", "no EAPIdentityProvider"},
		{`<?xml version="1.0" encoding="iso-8859-1"?><EAPIdentityProviderList/>`, "charset"},
		{string(eapConfig("<AuthenticationMethod><EAPMethod><Type>25</Type></EAPMethod><ServerSideCredential><CA>!!</CA></ServerSideCredential></AuthenticationMethod>", "x")),
			"method 1: CA 1: not base64"},
		{string(eapConfig("<AuthenticationMethod><EAPMethod><Type>25</Type></EAPMethod><ServerSideCredential><CA>AAAA</CA></ServerSideCredential></AuthenticationMethod>", "x")),
			"method 1: CA 1: x509"},
	} {
		if _, err := ParseEAPMetadata([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%.60q: %v, want %q", tc.in, err, tc.msg)
		}
	}
	provs, err := ParseEAPMetadata(eapConfig("<AuthenticationMethod><EAPMethod><Type>18</Type></EAPMethod></AuthenticationMethod>", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := provs[0].NetworkFile("x.8021x", ImportOptions{}); err == nil || !strings.Contains(err.Error(), "EAP type 18") {
		t.Errorf("SIM only: %v", err)
	}
}

func FuzzParseEAPMetadata(f *testing.F) {
	f.Add(eapConfig("<AuthenticationMethod><EAPMethod><Type>25</Type></EAPMethod>"+
		"<InnerAuthenticationMethod><EAPMethod><Type>26</Type></EAPMethod></InnerAuthenticationMethod></AuthenticationMethod>", "eduroam"))
	f.Add(eapConfig("<AuthenticationMethod><EAPMethod><Type>13</Type></EAPMethod><ClientSideCredential>"+
		"<ClientCertificate>MAA=</ClientCertificate></ClientSideCredential></AuthenticationMethod>", "a", "b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		provs, err := ParseEAPMetadata(data)
		if err != nil {
			return
		}
		for _, p := range provs {
			file, _, err := p.NetworkFile("fuzz.8021x", ImportOptions{UserName: "u", Passphrase: "p"})
			if err != nil {
				continue
			}
			if _, err := knownnetworks.ParseFile("fuzz.8021x", file.Bytes()); err != nil {
				t.Fatalf("imported file does not parse: %v\n%s", err, file.Bytes())
			}
		}
	})
}
