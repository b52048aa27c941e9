package eapconf

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net"
	"strings"
	"testing"
)

// TestMatchMask pins each rule of ell's tls_domain_match_mask.
func TestMatchMask(t *testing.T) {
	tests := []struct {
		name, mask string
		want       bool
		rule       string
	}{
		{"radius.example.com", "radius.example.com", true, "exact"},
		{"Radius.example.com", "radius.example.com", false, "case-sensitive"},
		{"radius.example.com", "example.com", false, "no suffix match"},
		{"example.com", "radius.example.com", false, "mask longer"},
		{"radius.example.com", "radius.example.com.", false, "trailing dot is an empty label"},
		{"a.example.com", "*.example.com", true, "* one label"},
		{"a.b.example.com", "*.example.com", true, "leading * several labels"},
		{"example.com", "*.example.com", false, "leading * at least one label"},
		{"radius.a.example.com", "radius.*.example.com", true, "inner * one label"},
		{"radius.a.b.example.com", "radius.*.example.com", false, "inner * only one label"},
		{"radius.example.com", "radius.example.*", true, "trailing * one label"},
		{"radius.example.co.uk", "radius.example.*", false, "trailing * only one label"},
		{"a.b.c", "*.*", true, "two stars, leading one takes more"},
		{"a", "*", true, "lone *"},
		{"a.b", "*", true, "lone * at start takes all"},
		{"rad.example.com", "r*.example.com", false, "* inside a label is literal"},
		{"r*.example.com", "r*.example.com", true, "literal * matches itself"},
		{"", "", true, "empty mask matches empty name"},
		{"a", "", false, "empty mask"},
	}
	for _, tc := range tests {
		if got := matchMask(tc.name, tc.mask); got != tc.want {
			t.Errorf("%s: matchMask(%q, %q) = %v, want %v", tc.rule, tc.name, tc.mask, got, tc.want)
		}
	}
}

func TestMatchDomainMask(t *testing.T) {
	k := newKey(t)
	mk := func(tmpl *x509.Certificate) *x509.Certificate { return issue(t, tmpl, k.Public(), nil, k) }
	san := mk(&x509.Certificate{Subject: pkix.Name{CommonName: "cn.example.com"},
		DNSNames: []string{"a.example.com", "b.example.org"}})
	cnOnly := mk(&x509.Certificate{Subject: pkix.Name{CommonName: "cn.example.com"}})
	// SAN with only an IP address: no DNSName, so the CN is used.
	ipOnly := mk(&x509.Certificate{Subject: pkix.Name{CommonName: "cn.example.com"}, IPAddresses: []net.IP{{10, 0, 0, 1}}})
	// Two CNs: ell takes the first, crypto/x509's CommonName the last.
	twoCN := mk(&x509.Certificate{Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "first.example.com"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "second.example.com"},
	}}})
	noName := mk(&x509.Certificate{Subject: pkix.Name{Organization: []string{"x"}}})

	tests := []struct {
		cert  *x509.Certificate
		masks []string
		ok    bool
		msg   string
	}{
		{san, []string{"*.example.com"}, true, ""},
		{san, []string{"nope", "b.example.org"}, true, ""},
		{san, []string{"cn.example.com"}, false, "tried DNSName(s) a.example.com, b.example.org"},
		{cnOnly, []string{"*.example.com"}, true, ""},
		{cnOnly, []string{"other.example.com"}, false, "tried CommonName(s) cn.example.com"},
		{ipOnly, []string{"cn.example.com"}, true, ""},
		{twoCN, []string{"first.example.com"}, true, ""},
		{twoCN, []string{"second.example.com"}, false, "first.example.com"},
		{noName, []string{"*"}, false, "no DNSName or CommonName"},
	}
	for i, tc := range tests {
		err := MatchDomainMask(tc.cert, tc.masks)
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%d: MatchDomainMask(%v) = %v, want ok=%v %q", i, tc.masks, err, tc.ok, tc.msg)
		}
	}

	many := &x509.Certificate{}
	for i := 0; i < 25; i++ {
		many.DNSNames = append(many.DNSNames, "n.example.com")
	}
	if err := MatchDomainMask(many, []string{"x"}); err == nil || !strings.Contains(err.Error(), "and 5 other") {
		t.Errorf("25 names: %v", err)
	}
}

func FuzzMatchMask(f *testing.F) {
	f.Add("a.b.example.com", "*.example.com")
	f.Add("a..b", "*.*.")
	f.Fuzz(func(t *testing.T, name, mask string) {
		if matchMask(name, name) != true && !strings.Contains(name, "*") {
			t.Fatalf("%q does not match itself", name)
		}
		_ = matchMask(name, mask)
	})
}
