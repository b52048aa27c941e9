package ie

import "encoding/binary"

// MCSMap is a VHT or HE MCS and NSS map: two bits per spatial stream 1-8,
// 0..2 for the top MCS range, 3 for not supported.
type MCSMap uint16

// NotSupported is the MCSMap value for an unsupported stream count.
const NotSupported = 3

// Get returns the two bits for nss (1-8).
func (m MCSMap) Get(nss int) uint8 {
	if nss < 1 || nss > 8 {
		return NotSupported
	}
	return uint8(m>>(2*(nss-1))) & 3
}

// MaxNSS returns the highest stream count with a supported MCS range.
func (m MCSMap) MaxNSS() int {
	for n := 8; n >= 1; n-- {
		if m.Get(n) != NotSupported {
			return n
		}
	}
	return 0
}

// VHTCapabilities is a VHT Capabilities element (IEEE 802.11-2020
// 9.4.2.157), 12 octets.
type VHTCapabilities struct {
	Info      uint32 // VHT Capabilities Information
	RxMCSMap  MCSMap
	RxHighest uint16 // bits 0-12 rate in Mb/s, bit 13 Extended NSS BW Capable
	TxMCSMap  MCSMap
	TxHighest uint16
}

// ParseVHTCapabilities parses the 12-octet body.
func ParseVHTCapabilities(b []byte) (*VHTCapabilities, error) {
	if len(b) != 12 {
		return nil, errf(IDVHTCapabilities, 0, "length %d, want 12", len(b))
	}
	le := binary.LittleEndian
	return &VHTCapabilities{
		Info:      le.Uint32(b),
		RxMCSMap:  MCSMap(le.Uint16(b[4:])),
		RxHighest: le.Uint16(b[6:]),
		TxMCSMap:  MCSMap(le.Uint16(b[8:])),
		TxHighest: le.Uint16(b[10:]),
	}, nil
}

// Marshal encodes the whole element (ID, length, body).
func (v *VHTCapabilities) Marshal() []byte {
	le := binary.LittleEndian
	b := []byte{byte(IDVHTCapabilities), 12}
	b = le.AppendUint32(b, v.Info)
	b = le.AppendUint16(b, uint16(v.RxMCSMap))
	b = le.AppendUint16(b, v.RxHighest)
	b = le.AppendUint16(b, uint16(v.TxMCSMap))
	return le.AppendUint16(b, v.TxHighest)
}

// VHT Capabilities Information bits.
const (
	VHTCapSGI80  = 1 << 5
	VHTCapSGI160 = 1 << 6
)

// SupportedChannelWidthSet returns bits 2-3: 0 no 160 MHz, 1 160 MHz,
// 2 160 and 80+80 MHz.
func (v *VHTCapabilities) SupportedChannelWidthSet() uint8 { return uint8(v.Info>>2) & 3 }

// SGI80 reports Short GI for 80 MHz.
func (v *VHTCapabilities) SGI80() bool { return v.Info&VHTCapSGI80 != 0 }

// SGI160 reports Short GI for 160 and 80+80 MHz.
func (v *VHTCapabilities) SGI160() bool { return v.Info&VHTCapSGI160 != 0 }

// VHTOperation is a VHT Operation element (IEEE 802.11-2020 9.4.2.158),
// 5 octets.
type VHTOperation struct {
	// ChannelWidth: 0 20 or 40 MHz (see HT Operation), 1 80, 160 or
	// 80+80 MHz, 2 160 MHz and 3 80+80 MHz (both deprecated).
	ChannelWidth uint8
	CCFS0, CCFS1 uint8 // channel center frequency segments 0 and 1
	BasicMCSMap  MCSMap
}

// ParseVHTOperation parses the 5-octet body.
func ParseVHTOperation(b []byte) (*VHTOperation, error) {
	if len(b) != 5 {
		return nil, errf(IDVHTOperation, 0, "length %d, want 5", len(b))
	}
	return &VHTOperation{ChannelWidth: b[0], CCFS0: b[1], CCFS1: b[2], BasicMCSMap: MCSMap(binary.LittleEndian.Uint16(b[3:]))}, nil
}

// WidthMHz returns the BSS bandwidth the element announces: 0 when it
// defers to HT Operation (20/40 MHz), else 80 or 160 (80+80 counts as
// 160), following IEEE 802.11-2020 Table 9-274 without Extended NSS BW.
func (o *VHTOperation) WidthMHz() int {
	switch o.ChannelWidth {
	case 0:
		return 0
	case 1:
		if o.CCFS1 != 0 {
			return 160
		}
		return 80
	case 2, 3:
		return 160
	}
	return 0
}
