package ie

import "encoding/binary"

// HTCapabilities is an HT Capabilities element (IEEE 802.11-2020
// 9.4.2.55), 26 octets.
type HTCapabilities struct {
	Info        uint16 // HT Capability Information
	AMPDUParams uint8
	// MCS is the Supported MCS Set: Rx MCS bitmask (bits 0-76), Rx
	// highest supported data rate (bits 80-89), Tx MCS Set Defined (96),
	// Tx Rx MCS Set Not Equal (97), Tx Maximum Number of Spatial Streams
	// Supported (98-99), Tx Unequal Modulation Supported (100).
	MCS     [16]byte
	ExtCaps uint16
	TxBF    uint32
	ASEL    uint8
}

// ParseHTCapabilities parses the 26-octet body.
func ParseHTCapabilities(b []byte) (*HTCapabilities, error) {
	if len(b) != 26 {
		return nil, errf(IDHTCapabilities, 0, "length %d, want 26", len(b))
	}
	return &HTCapabilities{
		Info:        binary.LittleEndian.Uint16(b),
		AMPDUParams: b[2],
		MCS:         [16]byte(b[3:19]),
		ExtCaps:     binary.LittleEndian.Uint16(b[19:]),
		TxBF:        binary.LittleEndian.Uint32(b[21:]),
		ASEL:        b[25],
	}, nil
}

// Marshal encodes the whole element (ID, length, body).
func (h *HTCapabilities) Marshal() []byte {
	b := []byte{byte(IDHTCapabilities), 26}
	b = binary.LittleEndian.AppendUint16(b, h.Info)
	b = append(b, h.AMPDUParams)
	b = append(b, h.MCS[:]...)
	b = binary.LittleEndian.AppendUint16(b, h.ExtCaps)
	b = binary.LittleEndian.AppendUint32(b, h.TxBF)
	return append(b, h.ASEL)
}

// HT Capability Information bits.
const (
	HTCapLDPC            = 1 << 0
	HTCapChannelWidth    = 1 << 1 // 20/40 MHz supported
	HTCapGreenfield      = 1 << 4
	HTCapSGI20           = 1 << 5
	HTCapSGI40           = 1 << 6
	HTCapDSSSCCK40       = 1 << 12
	HTCap40MHzIntolerant = 1 << 14
)

// ChannelWidth40 reports support for 40 MHz operation.
func (h *HTCapabilities) ChannelWidth40() bool { return h.Info&HTCapChannelWidth != 0 }

// SGI20 reports Short GI for 20 MHz.
func (h *HTCapabilities) SGI20() bool { return h.Info&HTCapSGI20 != 0 }

// SGI40 reports Short GI for 40 MHz.
func (h *HTCapabilities) SGI40() bool { return h.Info&HTCapSGI40 != 0 }

// RxMCS reports whether MCS i (0-76) is in the Rx MCS bitmask.
func (h *HTCapabilities) RxMCS(i int) bool { return i >= 0 && i <= 76 && bitField(h.MCS[:]).bit(i) }

// TxMCSSetDefined reports bit 96 of the Supported MCS Set.
func (h *HTCapabilities) TxMCSSetDefined() bool { return bitField(h.MCS[:]).bit(96) }

// TxRxMCSSetNotEqual reports bit 97.
func (h *HTCapabilities) TxRxMCSSetNotEqual() bool { return bitField(h.MCS[:]).bit(97) }

// TxMaxSpatialStreams returns Tx Maximum Number of Spatial Streams
// Supported plus one (1-4); meaningful when TxRxMCSSetNotEqual.
func (h *HTCapabilities) TxMaxSpatialStreams() int { return int(h.MCS[12]>>2&3) + 1 }

// RxSpatialStreams returns the number of spatial streams with any MCS
// 0-31 in the Rx MCS bitmask.
func (h *HTCapabilities) RxSpatialStreams() int {
	n := 0
	for i := range 4 {
		if h.MCS[i] != 0 {
			n = i + 1
		}
	}
	return n
}

// HTOperation is an HT Operation element (IEEE 802.11-2020 9.4.2.56),
// 22 octets.
type HTOperation struct {
	PrimaryChannel uint8
	Info           [5]byte // HT Operation Information
	BasicMCS       [16]byte
}

// ParseHTOperation parses the 22-octet body.
func ParseHTOperation(b []byte) (*HTOperation, error) {
	if len(b) != 22 {
		return nil, errf(IDHTOperation, 0, "length %d, want 22", len(b))
	}
	return &HTOperation{PrimaryChannel: b[0], Info: [5]byte(b[1:6]), BasicMCS: [16]byte(b[6:22])}, nil
}

// Secondary channel offsets.
const (
	SecondaryNone  = 0 // SCN
	SecondaryAbove = 1 // SCA
	SecondaryBelow = 3 // SCB
)

// SecondaryChannelOffset returns bits 0-1: 0 none, 1 above, 3 below.
func (o *HTOperation) SecondaryChannelOffset() uint8 { return o.Info[0] & 3 }

// STAChannelWidth reports bit 2: any channel width in the supported
// channel width set may be used (40 MHz when an offset is given).
func (o *HTOperation) STAChannelWidth() bool { return o.Info[0]&0x04 != 0 }

// Width40 reports a 40 MHz BSS: STA Channel Width set and a secondary
// channel above or below.
func (o *HTOperation) Width40() bool {
	off := o.SecondaryChannelOffset()
	return o.STAChannelWidth() && (off == SecondaryAbove || off == SecondaryBelow)
}

// HTProtection returns bits 8-9 (0 none, 1 non-member, 2 20 MHz, 3
// non-HT mixed).
func (o *HTOperation) HTProtection() uint8 { return o.Info[1] & 3 }

// CCFS2 returns Channel Center Frequency Segment 2 (bits 13-20), used for
// 160 and 80+80 MHz with Extended NSS BW support.
func (o *HTOperation) CCFS2() uint8 { return o.Info[1]>>5 | o.Info[2]<<3 }
