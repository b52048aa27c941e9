package ie

import "encoding/binary"

// NeighborReport is a Neighbor Report element (IEEE 802.11-2020
// 9.4.2.36), as found in Neighbor Report Responses and BSS Transition
// Management Requests.
type NeighborReport struct {
	BSSID          [6]byte
	BSSIDInfo      uint32
	OperatingClass uint8
	Channel        uint8
	PHYType        uint8
	// Subelements in order; Preference reads the BSS Transition
	// Candidate Preference one.
	Subelements []NeighborSubelement
}

// NeighborSubelement is one optional subelement of a Neighbor Report.
type NeighborSubelement struct {
	ID   uint8
	Data []byte
}

// Neighbor Report subelement IDs (IEEE 802.11-2020 Table 9-156).
const (
	NeighborSubTSFInfo             = 1
	NeighborSubCandidatePreference = 3
	NeighborSubTerminationDuration = 4
)

// BSSID Information bits.
const (
	NeighborInfoSecurity       = 1 << 2
	NeighborInfoKeyScope       = 1 << 3
	NeighborInfoMobilityDomain = 1 << 10
	NeighborInfoHT             = 1 << 11
	NeighborInfoVHT            = 1 << 12
	NeighborInfoFTM            = 1 << 13
	NeighborInfoHE             = 1 << 14
)

// Reachability returns the AP Reachability field: 1 not reachable,
// 2 unknown, 3 reachable.
func (n *NeighborReport) Reachability() uint8 { return uint8(n.BSSIDInfo & 3) }

// Preference returns the BSS Transition Candidate Preference, if present.
func (n *NeighborReport) Preference() (uint8, bool) {
	for _, s := range n.Subelements {
		if s.ID == NeighborSubCandidatePreference && len(s.Data) == 1 {
			return s.Data[0], true
		}
	}
	return 0, false
}

// ParseNeighborReport parses the body of a Neighbor Report element.
func ParseNeighborReport(b []byte) (*NeighborReport, error) {
	const id = IDNeighborReport
	if len(b) < 13 {
		return nil, errf(id, 0, "length %d, want at least 13", len(b))
	}
	n := &NeighborReport{
		BSSID:          [6]byte(b[:6]),
		BSSIDInfo:      binary.LittleEndian.Uint32(b[6:]),
		OperatingClass: b[10],
		Channel:        b[11],
		PHYType:        b[12],
	}
	for off := 13; off < len(b); {
		if off+2 > len(b) {
			return nil, errf(id, off, "subelement header truncated")
		}
		sid, l := b[off], int(b[off+1])
		if off+2+l > len(b) {
			return nil, errf(id, off, "subelement %d length %d exceeds the %d bytes left", sid, l, len(b)-off-2)
		}
		if sid == NeighborSubCandidatePreference && l != 1 {
			return nil, errf(id, off, "candidate preference length %d, want 1", l)
		}
		n.Subelements = append(n.Subelements, NeighborSubelement{sid, b[off+2 : off+2+l : off+2+l]})
		off += 2 + l
	}
	return n, nil
}

// Timeout Interval types (IEEE 802.11-2020 Table 9-225).
const (
	TimeoutReassociationDeadline = 1 // time units
	TimeoutKeyLifetime           = 2 // seconds
	TimeoutAssociationComeback   = 3 // time units
)

// ParseTimeoutInterval parses the 5-octet body of a Timeout Interval
// element: the interval type and its value.
func ParseTimeoutInterval(b []byte) (typ uint8, value uint32, err error) {
	if len(b) != 5 {
		return 0, 0, errf(IDTimeoutInterval, 0, "length %d, want 5", len(b))
	}
	return b[0], binary.LittleEndian.Uint32(b[1:]), nil
}

// MarshalTimeoutInterval encodes a whole Timeout Interval element.
func MarshalTimeoutInterval(typ uint8, value uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{byte(IDTimeoutInterval), 5, typ}, value)
}

// OWETransition is the Wi-Fi Alliance OWE Transition Mode element
// (vendor 50-6F-9A, type 0x1C): the open BSS names its OWE twin and
// the OWE BSS its open twin.
type OWETransition struct {
	BSSID [6]byte
	SSID  []byte
	// OperatingClass and Channel are present when HasBand.
	OperatingClass, Channel uint8
	HasBand                 bool
}

// ParseOWETransition parses the body of the vendor element (starting with
// the OUI).
func ParseOWETransition(b []byte) (*OWETransition, error) {
	const id = IDVendorSpecific
	if len(b) < 4 || OUI(b[:3]) != OUIWFA || b[3] != VendorTypeOWETransition {
		return nil, errf(id, 0, "not an OWE Transition Mode element (want OUI 50-6F-9A type 0x1c)")
	}
	if len(b) < 4+7 {
		return nil, errf(id, 4, "BSSID and SSID length truncated: %d of 7 bytes", len(b)-4)
	}
	o := &OWETransition{BSSID: [6]byte(b[4:10])}
	n := int(b[10])
	if n > MaxSSIDLen || 11+n > len(b) {
		return nil, errf(id, 10, "SSID length %d exceeds %d or the %d bytes left", n, MaxSSIDLen, len(b)-11)
	}
	o.SSID = b[11 : 11+n : 11+n]
	switch rest := b[11+n:]; len(rest) {
	case 0:
	case 2:
		o.OperatingClass, o.Channel, o.HasBand = rest[0], rest[1], true
	default:
		return nil, errf(id, 11+n, "%d bytes after the SSID, want 0 or 2", len(rest))
	}
	return o, nil
}

// OperatingClassFreq is the centre frequency in MHz of channel in a global
// operating class (IEEE 802.11-2020 Table E-4): 81-84 on 2.4 GHz, 115-130
// on 5 GHz, 131-137 on 6 GHz. A country-specific class (below 81) is
// judged by the channel number alone: 1-14 on 2.4 GHz, 32-177 on 5 GHz,
// as the tables of Annex E number them. 0 means unknown.
func OperatingClassFreq(class, channel uint8) uint32 {
	ch := uint32(channel)
	switch {
	case class == 82 || class < 81 && ch == 14:
		if ch == 14 {
			return 2484
		}
	case class >= 81 && class <= 84 || class < 81 && ch >= 1 && ch <= 13:
		if ch >= 1 && ch <= 13 {
			return 2407 + 5*ch
		}
	case class >= 115 && class <= 130 || class < 81 && ch >= 32 && ch <= 177:
		if ch >= 32 && ch <= 177 {
			return 5000 + 5*ch
		}
	case class == 136:
		if ch == 2 {
			return 5935
		}
	case class >= 131 && class <= 137:
		if ch >= 1 && ch <= 233 {
			return 5950 + 5*ch
		}
	}
	return 0
}

// Freq is the report's channel in MHz (OperatingClassFreq), 0 if unknown.
func (n *NeighborReport) Freq() uint32 { return OperatingClassFreq(n.OperatingClass, n.Channel) }
