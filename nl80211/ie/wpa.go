package ie

import "encoding/binary"

// WPA vendor element: OUI 00-50-F2, type 1 (the pre-RSN Wi-Fi Protected
// Access element).
const wpaOUIType = 1

// IsWPA reports whether a vendor specific element body (starting with the
// OUI) is the WPA element.
func IsWPA(vendorBody []byte) bool {
	return len(vendorBody) >= 4 && OUI(vendorBody[:3]) == OUIMicrosoft && vendorBody[3] == wpaOUIType
}

// ParseWPA parses the body of a WPA vendor element (starting with the
// OUI 00-50-F2 and type 1). The result uses the RSN suite constants
// (00-50-F2:4 becomes CipherCCMP128, 00-50-F2:2 AKMPSK, ...), so callers treat
// WPA and RSN alike. Absent fields take WPA's defaults: TKIP group and
// pairwise cipher, 802.1X AKM.
func ParseWPA(b []byte) (*RSN, error) {
	const id = IDVendorSpecific
	if !IsWPA(b) {
		return nil, errf(id, 0, "not a WPA element (want OUI 00-50-F2 type 1)")
	}
	c := cursor{b: b, off: 4, id: id}
	v, err := c.u16("WPA version")
	if err != nil {
		return nil, err
	}
	if v != 1 {
		return nil, errf(id, 4, "WPA version %d, want 1", v)
	}
	r := &RSN{
		Version:         1,
		GroupCipher:     CipherTKIP,
		PairwiseCiphers: []CipherSuite{CipherTKIP},
		AKMs:            []AKMSuite{AKM8021X},
	}
	if c.done() {
		return r, nil
	}
	g, err := c.selector("WPA group cipher")
	if err != nil {
		return nil, err
	}
	if r.GroupCipher, err = wpaCipher(g, c.off-4); err != nil {
		return nil, err
	}
	if c.done() {
		return r, nil
	}
	start := c.off
	pw, err := c.selectorList("WPA pairwise")
	if err != nil {
		return nil, err
	}
	r.PairwiseCiphers = r.PairwiseCiphers[:0]
	for i, s := range pw {
		cs, err := wpaCipher(s, start+2+4*i)
		if err != nil {
			return nil, err
		}
		r.PairwiseCiphers = append(r.PairwiseCiphers, cs)
	}
	if c.done() {
		return r, nil
	}
	start = c.off
	akms, err := c.selectorList("WPA AKM")
	if err != nil {
		return nil, err
	}
	r.AKMs = r.AKMs[:0]
	for i, s := range akms {
		switch s {
		case wpaAKM8021X:
			r.AKMs = append(r.AKMs, AKM8021X)
		case wpaAKMPSK:
			r.AKMs = append(r.AKMs, AKMPSK)
		default:
			return nil, errf(id, start+2+4*i, "unknown WPA AKM %s", selectorString(s))
		}
	}
	if c.left() >= 2 {
		caps, _ := c.u16("WPA capabilities")
		r.Capabilities = RSNCapabilities(caps)
	}
	return r, nil
}

func wpaCipher(s uint32, off int) (CipherSuite, error) {
	switch s {
	case wpaCipherNone:
		return CipherUseGroup, nil
	case wpaCipherWEP40:
		return CipherWEP40, nil
	case wpaCipherTKIP:
		return CipherTKIP, nil
	case wpaCipherCCMP:
		return CipherCCMP128, nil
	case wpaCipherWEP104:
		return CipherWEP104, nil
	}
	return 0, errf(IDVendorSpecific, off, "unknown WPA cipher %s", selectorString(s))
}

func toWPACipher(c CipherSuite) (uint32, bool) {
	switch c {
	case CipherUseGroup:
		return wpaCipherNone, true
	case CipherWEP40:
		return wpaCipherWEP40, true
	case CipherTKIP:
		return wpaCipherTKIP, true
	case CipherCCMP128:
		return wpaCipherCCMP, true
	case CipherWEP104:
		return wpaCipherWEP104, true
	}
	return 0, false
}

// MarshalWPA encodes r as a whole WPA vendor element (ID 221, length,
// 00-50-F2, type 1, ...), mapping the RSN suite constants back to WPA's.
// Capabilities are written only when non-zero.
func (r *RSN) MarshalWPA() ([]byte, error) {
	const id = IDVendorSpecific
	if len(r.PairwiseCiphers) == 0 || len(r.AKMs) == 0 {
		return nil, errf(id, 0, "encode WPA: no pairwise cipher or AKM")
	}
	b := []byte{byte(id), 0, 0x00, 0x50, 0xf2, wpaOUIType, 1, 0}
	g, ok := toWPACipher(r.GroupCipher)
	if !ok {
		return nil, errf(id, 0, "encode WPA: group cipher %s has no WPA selector", r.GroupCipher)
	}
	b = putSelector(b, g)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.PairwiseCiphers)))
	for _, p := range r.PairwiseCiphers {
		s, ok := toWPACipher(p)
		if !ok {
			return nil, errf(id, 0, "encode WPA: pairwise cipher %s has no WPA selector", p)
		}
		b = putSelector(b, s)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.AKMs)))
	for _, a := range r.AKMs {
		switch a {
		case AKM8021X:
			b = putSelector(b, wpaAKM8021X)
		case AKMPSK:
			b = putSelector(b, wpaAKMPSK)
		default:
			return nil, errf(id, 0, "encode WPA: AKM %s has no WPA selector", a)
		}
	}
	if r.Capabilities != 0 {
		b = binary.LittleEndian.AppendUint16(b, uint16(r.Capabilities))
	}
	if len(b)-2 > 255 {
		return nil, errf(id, 0, "encode WPA: body of %d bytes exceeds 255", len(b)-2)
	}
	b[1] = byte(len(b) - 2)
	return b, nil
}
