package ie

// bitField is a little-endian bit string as used by capability elements:
// bit n is bit n%8 of octet n/8; bits past the end read as 0.
type bitField []byte

func (f bitField) bit(n int) bool {
	if n < 0 || n/8 >= len(f) {
		return false
	}
	return f[n/8]&(1<<(n%8)) != 0
}

// ExtendedCapabilities is the body of an Extended Capabilities element
// (IEEE 802.11-2020 9.4.2.26). Bits beyond the received length are 0, as
// the standard says.
type ExtendedCapabilities []byte

// Extended Capabilities bit numbers (IEEE 802.11-2020 Table 9-153).
const (
	ExtCap2040Coexistence       = 0
	ExtCapExtendedChannelSwitch = 2
	ExtCapProxyARP              = 12
	ExtCapBSSTransition         = 19
	ExtCapMultipleBSSID         = 22
	ExtCapInterworking          = 31
	ExtCapQoSMap                = 32
	ExtCapTDLSSupport           = 37
	ExtCapWNMNotification       = 46
	ExtCapUTF8SSID              = 48
	ExtCapOperatingModeNotif    = 62
	ExtCapFTMResponder          = 70
	ExtCapFTMInitiator          = 71
	ExtCapSAEPasswordIDsInUse   = 81
	ExtCapSAEPasswordIDsOnly    = 82
	ExtCapBeaconProtection      = 84
)

// ParseExtendedCapabilities accepts the body of an Extended Capabilities
// element (at least 1 octet).
func ParseExtendedCapabilities(b []byte) (ExtendedCapabilities, error) {
	if len(b) == 0 {
		return nil, errf(IDExtendedCapabilities, 0, "empty")
	}
	return ExtendedCapabilities(b), nil
}

// Bit reports capability bit n.
func (e ExtendedCapabilities) Bit(n int) bool { return bitField(e).bit(n) }

// BSSTransition reports BSS Transition Management support (802.11v).
func (e ExtendedCapabilities) BSSTransition() bool { return e.Bit(ExtCapBSSTransition) }

// ProxyARP reports the Proxy ARP service.
func (e ExtendedCapabilities) ProxyARP() bool { return e.Bit(ExtCapProxyARP) }

// Interworking reports Interworking (802.11u / Hotspot 2.0).
func (e ExtendedCapabilities) Interworking() bool { return e.Bit(ExtCapInterworking) }

// BeaconProtection reports Beacon Protection Enabled.
func (e ExtendedCapabilities) BeaconProtection() bool { return e.Bit(ExtCapBeaconProtection) }

// RMEnabledCapabilities is the body of an RM Enabled Capabilities element
// (IEEE 802.11-2020 9.4.2.44), 5 octets.
type RMEnabledCapabilities [5]byte

// RM Enabled Capabilities bit numbers (IEEE 802.11-2020 Table 9-173).
const (
	RMCapLinkMeasurement     = 0
	RMCapNeighborReport      = 1
	RMCapParallelMeasurement = 2
	RMCapRepeatedMeasurement = 3
	RMCapBeaconPassive       = 4
	RMCapBeaconActive        = 5
	RMCapBeaconTable         = 6
)

// ParseRMEnabledCapabilities parses the 5-octet body.
func ParseRMEnabledCapabilities(b []byte) (RMEnabledCapabilities, error) {
	if len(b) != 5 {
		return RMEnabledCapabilities{}, errf(IDRMEnabledCapabilities, 0, "length %d, want 5", len(b))
	}
	return RMEnabledCapabilities(b), nil
}

// Bit reports capability bit n.
func (r RMEnabledCapabilities) Bit(n int) bool { return bitField(r[:]).bit(n) }

// NeighborReport reports Neighbor Report support.
func (r RMEnabledCapabilities) NeighborReport() bool { return r.Bit(RMCapNeighborReport) }

// LinkMeasurement reports Link Measurement support.
func (r RMEnabledCapabilities) LinkMeasurement() bool { return r.Bit(RMCapLinkMeasurement) }

// BeaconReport reports any of the beacon measurement modes (passive,
// active, table).
func (r RMEnabledCapabilities) BeaconReport() bool {
	return r.Bit(RMCapBeaconPassive) || r.Bit(RMCapBeaconActive) || r.Bit(RMCapBeaconTable)
}

// RSNX is the Extended RSN Capabilities field of an RSNX element (IEEE
// 802.11-2020 9.4.2.241). Bits 0-3 of the first octet hold the field
// length minus 1; named bits follow.
type RSNX []byte

// RSNX capability bit numbers (IEEE 802.11-2020 9.4.2.241; SAE-PK from WPA3).
const (
	RSNXProtectedTWT       = 4
	RSNXSAEH2E             = 5
	RSNXSAEPK              = 6
	RSNXSecureLTF          = 8
	RSNXSecureRTT          = 9
	RSNXProtRangeNegotiate = 10
)

// ParseRSNX parses the body of an RSNX element. The length subfield must
// not claim more octets than present; octets after it are ignored.
func ParseRSNX(b []byte) (RSNX, error) {
	if len(b) == 0 {
		return nil, errf(IDRSNX, 0, "empty")
	}
	n := int(b[0]&0x0f) + 1
	if n > len(b) {
		return nil, errf(IDRSNX, 0, "field length %d exceeds element length %d", n, len(b))
	}
	return RSNX(b[:n:n]), nil
}

// Bit reports capability bit n.
func (r RSNX) Bit(n int) bool { return bitField(r).bit(n) }

// SAEH2E reports SAE hash-to-element support.
func (r RSNX) SAEH2E() bool { return r.Bit(RSNXSAEH2E) }

// SAEPK reports SAE public key support.
func (r RSNX) SAEPK() bool { return r.Bit(RSNXSAEPK) }

// ProtectedTWT reports protected TWT operations support.
func (r RSNX) ProtectedTWT() bool { return r.Bit(RSNXProtectedTWT) }

// MarshalRSNX encodes an RSNX element (ID, length, body) with the given
// capability bits set (bit numbers as above, 4 and up); the length
// subfield is filled in. It returns nil when no bit is set, since a
// station then sends no RSNXE.
func MarshalRSNX(bits ...int) []byte {
	maxBit := -1
	for _, b := range bits {
		if b >= 4 && b < 16*8 && b > maxBit {
			maxBit = b
		}
	}
	if maxBit < 0 {
		return nil
	}
	n := maxBit/8 + 1
	out := make([]byte, 2+n)
	out[0], out[1] = byte(IDRSNX), byte(n)
	out[2] = byte(n - 1)
	for _, b := range bits {
		if b >= 4 && b < 16*8 {
			out[2+b/8] |= 1 << (b % 8)
		}
	}
	return out
}
