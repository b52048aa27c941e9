package anqp

// ParseRoamingConsortiumList parses the body of a Roaming Consortium ANQP
// element (InfoRoamingConsortium, IEEE 802.11-2020 9.4.5.7): OI Duples,
// each a length octet and the OI. It lists every OI of the hotspot,
// beyond the three the beacon's Roaming Consortium element has room for.
// The OIs alias body.
func ParseRoamingConsortiumList(body []byte) ([][]byte, error) {
	return lengthPrefixed("Roaming Consortium", "OI", body)
}

// ParseDomainNames parses the body of a Domain Name ANQP element
// (InfoDomainName, IEEE 802.11-2020 9.4.5.15): Domain Name subfields,
// each a length octet and the name.
func ParseDomainNames(body []byte) ([]string, error) {
	parts, err := lengthPrefixed("Domain Name", "name", body)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = string(p)
	}
	return names, nil
}

// lengthPrefixed splits body into fields of a length octet and that many
// octets, none empty.
func lengthPrefixed(element, field string, body []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(body); {
		n := int(body[off])
		if n == 0 {
			return nil, malformedf("%s: empty %s at offset %d", element, field, off)
		}
		if n > len(body)-off-1 {
			return nil, malformedf("%s: %s at offset %d: length %d exceeds the %d bytes left", element, field, off, n, len(body)-off-1)
		}
		out = append(out, body[off+1:off+1+n:off+1+n])
		off += 1 + n
	}
	return out, nil
}
