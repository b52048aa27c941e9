package anqp

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// NAIRealm is one NAI Realm Data field of an NAI Realm element: the
// realms it names and the EAP methods (EAP type numbers, in order) they
// authenticate with.
type NAIRealm struct {
	Names      []string
	EAPMethods []uint8
}

// naiEncodingUTF8 is bit 0 of the NAI Realm Encoding field: the realm is
// UTF-8 (clear: the realm follows RFC 4282).
const naiEncodingUTF8 = 0x01

// ParseNAIRealms parses the body of an NAI Realm element (InfoNAIRealm,
// IEEE 802.11-2020 9.4.5.10): a count (LE16), then per NAI Realm Data
// field its length (LE16), the encoding octet, the realm length and realm
// (several realms separated by ';', split here; empty ones dropped), the
// EAP method count and per method its length, EAP type, authentication
// parameter count and parameters (ID, length, value). Octets left over
// inside a field or a method are skipped, as the length says; a length
// that overruns is an error, as is a realm flagged UTF-8 that is not.
func ParseNAIRealms(body []byte) ([]NAIRealm, error) {
	if len(body) < 2 {
		return nil, malformedf("NAI Realm: count truncated: %d of 2 bytes", len(body))
	}
	count := int(binary.LittleEndian.Uint16(body))
	var out []NAIRealm
	off := 2
	for i := range count {
		if len(body)-off < 2 {
			return nil, malformedf("NAI Realm: realm %d of %d: length truncated at offset %d", i+1, count, off)
		}
		n := int(binary.LittleEndian.Uint16(body[off:]))
		if n > len(body)-off-2 {
			return nil, malformedf("NAI Realm: realm %d of %d at offset %d: length %d exceeds the %d bytes left", i+1, count, off, n, len(body)-off-2)
		}
		r, err := parseRealmData(body[off+2:off+2+n], off+2)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		off += 2 + n
	}
	return out, nil
}

// parseRealmData parses one NAI Realm Data field after its length; base
// is its offset in the element body, for errors.
func parseRealmData(b []byte, base int) (NAIRealm, error) {
	var r NAIRealm
	if len(b) < 2 {
		return r, malformedf("NAI Realm: field at offset %d: encoding and realm length truncated", base)
	}
	enc, n := b[0], int(b[1])
	if n > len(b)-2 {
		return r, malformedf("NAI Realm: field at offset %d: realm length %d exceeds the %d bytes left", base, n, len(b)-2)
	}
	realm := b[2 : 2+n]
	if enc&naiEncodingUTF8 != 0 && !utf8.Valid(realm) {
		return r, malformedf("NAI Realm: field at offset %d: realm flagged UTF-8 is not", base)
	}
	for name := range strings.SplitSeq(string(realm), ";") {
		if name != "" {
			r.Names = append(r.Names, name)
		}
	}
	off := 2 + n
	if off >= len(b) {
		return r, malformedf("NAI Realm: field at offset %d: EAP method count missing", base)
	}
	methods := int(b[off])
	off++
	for j := range methods {
		if off >= len(b) {
			return r, malformedf("NAI Realm: field at offset %d: EAP method %d of %d missing", base, j+1, methods)
		}
		m := int(b[off])
		if m > len(b)-off-1 {
			return r, malformedf("NAI Realm: field at offset %d: EAP method %d length %d exceeds the %d bytes left", base, j+1, m, len(b)-off-1)
		}
		method, err := parseEAPMethod(b[off+1:off+1+m], base+off+1)
		if err != nil {
			return r, err
		}
		r.EAPMethods = append(r.EAPMethods, method)
		off += 1 + m
	}
	return r, nil
}

// parseEAPMethod checks one EAP Method field after its length (EAP type,
// parameter count, parameters) and returns its EAP type.
func parseEAPMethod(b []byte, base int) (uint8, error) {
	if len(b) < 2 {
		return 0, malformedf("NAI Realm: EAP method at offset %d: %d bytes, want at least 2", base, len(b))
	}
	params := int(b[1])
	off := 2
	for k := range params {
		if len(b)-off < 2 {
			return 0, malformedf("NAI Realm: EAP method %d at offset %d: parameter %d of %d truncated", b[0], base, k+1, params)
		}
		if l := int(b[off+1]); l > len(b)-off-2 {
			return 0, malformedf("NAI Realm: EAP method %d at offset %d: parameter %d length %d exceeds the %d bytes left", b[0], base, k+1, l, len(b)-off-2)
		}
		off += 2 + int(b[off+1])
	}
	return b[0], nil
}
