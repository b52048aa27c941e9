package ie

import (
	"bytes"
	"encoding/binary"
)

// The elements of Hotspot 2.0 (Passpoint) in beacons and probe responses:
// Interworking and Roaming Consortium (IEEE 802.11-2020 9.4.2.92 and
// 9.4.2.95) and the Wi-Fi Alliance's Hotspot 2.0 Indication, and the two
// the station adds to its (Re)Association Request.

// Interworking is the Interworking element: the network's access type and
// venue, and the HESSID that names the hotspot across its BSSs.
type Interworking struct {
	// AccessNetworkType: 0 private, 1 private with guest access,
	// 2 chargeable public, 3 free public, 4 personal device,
	// 5 emergency services only, 14 test, 15 wildcard.
	AccessNetworkType uint8
	// Internet: the network reaches the Internet. ASRA: additional step
	// required for access. ESR: emergency services reachable. UESA:
	// unauthenticated emergency service accessible.
	Internet, ASRA, ESR, UESA bool
	// VenueGroup and VenueType are present when HasVenue.
	VenueGroup, VenueType uint8
	HasVenue              bool
	// HESSID is nil when the element carries none. It aliases the
	// parsed bytes.
	HESSID []byte
}

// ParseInterworking parses the body of an Interworking element. No bit
// says which optional fields are present: the length does (1 options,
// 3 with the venue, 7 with the HESSID, 9 with both).
func ParseInterworking(b []byte) (*Interworking, error) {
	switch len(b) {
	case 1, 3, 7, 9:
	default:
		return nil, errf(IDInterworking, 0, "length %d, want 1, 3, 7 or 9", len(b))
	}
	o := b[0]
	iw := &Interworking{
		AccessNetworkType: o & 0x0f,
		Internet:          o&0x10 != 0,
		ASRA:              o&0x20 != 0,
		ESR:               o&0x40 != 0,
		UESA:              o&0x80 != 0,
	}
	rest := b[1:]
	if len(rest) == 2 || len(rest) == 8 {
		iw.VenueGroup, iw.VenueType, iw.HasVenue = rest[0], rest[1], true
		rest = rest[2:]
	}
	if len(rest) == 6 {
		iw.HESSID = rest[:6:6]
	}
	return iw, nil
}

// RoamingConsortium is the Roaming Consortium element: up to three of the
// OIs (organization identifiers) whose members may authenticate here, and
// how many more the AP lists over ANQP.
type RoamingConsortium struct {
	// NumANQPOIs is the number of OIs only ANQP gives (beyond those here).
	NumANQPOIs uint8
	// OIs are OI #1 and, when present, #2 and #3, in order. They alias
	// the parsed bytes.
	OIs [][]byte
}

// ParseRoamingConsortium parses the body of a Roaming Consortium element:
// the number of ANQP OIs, the lengths of OI #1 (low nibble) and OI #2
// (high nibble), then the OIs; OI #3 is what is left.
func ParseRoamingConsortium(b []byte) (*RoamingConsortium, error) {
	const id = IDRoamingConsortium
	if len(b) < 2 {
		return nil, errf(id, 0, "length %d, want at least 2", len(b))
	}
	l1, l2 := int(b[1]&0x0f), int(b[1]>>4)
	if l1 == 0 {
		return nil, errf(id, 1, "OI #1 length 0")
	}
	if 2+l1+l2 > len(b) {
		return nil, errf(id, 1, "OI lengths %d and %d exceed the %d bytes left", l1, l2, len(b)-2)
	}
	rc := &RoamingConsortium{NumANQPOIs: b[0]}
	off := 2
	for _, l := range []int{l1, l2, len(b) - 2 - l1 - l2} {
		if l == 0 {
			continue
		}
		rc.OIs = append(rc.OIs, b[off:off+l:off+l])
		off += l
	}
	return rc, nil
}

// Contains reports whether oi is one of the element's OIs (false for a
// nil element).
func (rc *RoamingConsortium) Contains(oi []byte) bool {
	if rc == nil {
		return false
	}
	for _, o := range rc.OIs {
		if bytes.Equal(o, oi) {
			return true
		}
	}
	return false
}

// HS20Indication is the Wi-Fi Alliance Hotspot 2.0 Indication element
// (vendor 50-6F-9A, type 0x10).
type HS20Indication struct {
	// Version is the Release Number field (bits 4-7): 0 for release 1,
	// 1 for release 2, 2 for release 3.
	Version      uint8
	DGAFDisabled bool
	// PPSMOID is present when HasPPSMOID, ANQPDomainID when
	// HasANQPDomainID; never both.
	PPSMOID         uint16
	HasPPSMOID      bool
	ANQPDomainID    uint16
	HasANQPDomainID bool
}

// Hotspot 2.0 Indication configuration bits.
const (
	hs20DGAFDisabled    = 1 << 0
	hs20PPSMOIDPresent  = 1 << 1
	hs20DomainIDPresent = 1 << 2
)

// ParseHS20Indication parses the body of the Hotspot 2.0 Indication vendor
// element after the OUI and type octet: the configuration octet, then the
// PPS MO ID or the ANQP Domain ID when one is flagged. Offsets in its
// errors count from that body.
func ParseHS20Indication(body []byte) (*HS20Indication, error) {
	const id = IDVendorSpecific
	if len(body) == 0 {
		return nil, errf(id, 0, "Hotspot 2.0 Indication: configuration octet missing")
	}
	c := body[0]
	h := &HS20Indication{Version: c >> 4, DGAFDisabled: c&hs20DGAFDisabled != 0}
	pps, dom := c&hs20PPSMOIDPresent != 0, c&hs20DomainIDPresent != 0
	if pps && dom {
		return nil, errf(id, 0, "Hotspot 2.0 Indication: both PPS MO ID and ANQP Domain ID flagged")
	}
	want := 1
	if pps || dom {
		want = 3
	}
	if len(body) != want {
		return nil, errf(id, 0, "Hotspot 2.0 Indication: length %d, want %d for configuration 0x%02x", len(body), want, c)
	}
	switch {
	case pps:
		h.PPSMOID, h.HasPPSMOID = binary.LittleEndian.Uint16(body[1:]), true
	case dom:
		h.ANQPDomainID, h.HasANQPDomainID = binary.LittleEndian.Uint16(body[1:]), true
	}
	return h, nil
}

// MaxHS20Version is the highest Release Number field iwd sends (release 3).
const MaxHS20Version = 2

// MarshalHS20Indication encodes the whole Hotspot 2.0 Indication element
// for a (Re)Association Request, as iwd builds it: DGAF bit 0, no PPS MO
// ID, no ANQP Domain ID. A version above MaxHS20Version is sent as
// MaxHS20Version.
func MarshalHS20Indication(version uint8) []byte {
	version = min(version, MaxHS20Version)
	return []byte{byte(IDVendorSpecific), 5, OUIWFA[0], OUIWFA[1], OUIWFA[2], VendorTypeHS20, version << 4}
}

// MarshalRoamingConsortiumSelection encodes the whole Hotspot 2.0 Roaming
// Consortium Selection element (vendor 50-6F-9A, type 0x1D) naming the OI
// the station chose, for its (Re)Association Request. It returns nil for
// an empty OI or one too long for an element (over 251 octets).
func MarshalRoamingConsortiumSelection(oi []byte) []byte {
	if len(oi) == 0 || len(oi) > 255-4 {
		return nil
	}
	b := []byte{byte(IDVendorSpecific), byte(4 + len(oi)), OUIWFA[0], OUIWFA[1], OUIWFA[2], VendorTypeHS20RCSelect}
	return append(b, oi...)
}
