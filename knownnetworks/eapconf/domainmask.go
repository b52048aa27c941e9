package eapconf

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
)

// MatchDomainMask checks a server certificate against ServerDomainMask
// masks as ell's TLS does (ell/tls.c tls_cert_domains_match_mask), which
// iwd 2.3 uses:
//   - the names tried are the certificate's SAN dNSName entries; only when
//     it has none, the first Common Name of its subject (a PrintableString,
//     UTF8String or IA5String);
//   - a name matches a mask label by label (split at '.'), octet for octet:
//     no case folding, no suffix match: both end together;
//   - a mask label "*" matches any one label; a "*" that starts the mask
//     matches one or more labels ("*.example.com" matches a.b.example.com
//     but not example.com); a '*' inside a label is an ordinary octet.
//
// The error lists the names tried.
func MatchDomainMask(cert *x509.Certificate, masks []string) error {
	names := cert.DNSNames
	kind := "DNSName"
	if len(names) == 0 {
		cn, ok := firstCommonName(cert.RawSubject)
		if !ok {
			return fmt.Errorf("eapconf: server certificate has no DNSName or CommonName to match the ServerDomainMask")
		}
		names, kind = []string{cn}, "CommonName"
	}
	for _, n := range names {
		for _, m := range masks {
			if matchMask(n, m) {
				return nil
			}
		}
	}
	const maxShown = 20
	shown := names
	more := ""
	if len(shown) > maxShown {
		shown, more = shown[:maxShown], fmt.Sprintf(" and %d other", len(names)-maxShown)
	}
	return fmt.Errorf("eapconf: server certificate does not match the ServerDomainMask: tried %s(s) %s%s",
		kind, strings.Join(shown, ", "), more)
}

// matchMask is ell's tls_domain_match_mask.
func matchMask(name, mask string) bool {
	atStart := true
	for {
		nseg, nrest, nmore := strings.Cut(name, ".")
		mseg, mrest, mmore := strings.Cut(mask, ".")
		if mseg == "*" {
			if atStart && nmore && matchMask(nrest, mask) {
				return true
			}
		} else if nseg != mseg {
			return false
		}
		if !nmore || !mmore {
			return !nmore && !mmore
		}
		atStart = false
		name, mask = nrest, mrest
	}
}

type attributeTypeAndValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// firstCommonName walks a subject DN in order and returns the first Common
// Name that is a PrintableString, UTF8String or IA5String (crypto/x509's
// Subject.CommonName keeps the last, of more string types).
func firstCommonName(rawSubject []byte) (string, bool) {
	var rdns []asn1.RawValue
	if rest, err := asn1.Unmarshal(rawSubject, &rdns); err != nil || len(rest) != 0 {
		return "", false
	}
	for _, set := range rdns {
		var atvs []attributeTypeAndValue
		if _, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set"); err != nil || len(atvs) == 0 {
			return "", false
		}
		a := atvs[0] // ell reads the first element of each set
		if !a.Type.Equal(oidCommonName) || a.Value.Class != asn1.ClassUniversal {
			continue
		}
		switch a.Value.Tag {
		case asn1.TagPrintableString, asn1.TagUTF8String, asn1.TagIA5String:
			return string(a.Value.Bytes), true
		}
	}
	return "", false
}
