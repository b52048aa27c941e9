package ie

import (
	"encoding/binary"
	"math/bits"
)

// HEMCSPair is one Rx/Tx pair of HE-MCS maps.
type HEMCSPair struct {
	Rx, Tx MCSMap
}

// HECapabilities is an HE Capabilities element (element 255, extension
// 35; IEEE 802.11ax-2021 9.4.2.248).
type HECapabilities struct {
	MAC [6]byte  // HE MAC Capabilities Information
	PHY [11]byte // HE PHY Capabilities Information
	// MCS80 is the "<= 80 MHz" map pair, always present; MCS160 and
	// MCS8080 are present when the channel width set says so.
	MCS80, MCS160, MCS8080 HEMCSPair
	Has160, Has8080        bool
	// PPEThresholds is present when PHY bit 55 is set.
	PPEThresholds []byte
}

// HE PHY Channel Width Set bits (PHY bits 1-7, returned shifted down by
// one by ChannelWidthSet).
const (
	HEWidth40In24   = 1 << 0 // 40 MHz in 2.4 GHz
	HEWidth40And80  = 1 << 1 // 40 and 80 MHz in 5/6 GHz
	HEWidth160      = 1 << 2 // 160 MHz in 5/6 GHz
	HEWidth80Plus80 = 1 << 3 // 160/80+80 MHz in 5/6 GHz
)

// ChannelWidthSet returns the Channel Width Set subfield (PHY B1-B7).
func (h *HECapabilities) ChannelWidthSet() uint8 { return h.PHY[0] >> 1 }

// ParseHECapabilities parses the body of an HE Capabilities element
// (after the extension ID octet).
func ParseHECapabilities(b []byte) (*HECapabilities, error) {
	const ext = ExtHECapabilities
	if len(b) < 6+11+4 {
		return nil, extErrf(ext, 0, "length %d, want at least 21", len(b))
	}
	h := &HECapabilities{MAC: [6]byte(b[:6]), PHY: [11]byte(b[6:17])}
	le := binary.LittleEndian
	off := 17
	pair := func() HEMCSPair {
		p := HEMCSPair{MCSMap(le.Uint16(b[off:])), MCSMap(le.Uint16(b[off+2:]))}
		off += 4
		return p
	}
	h.MCS80 = pair()
	ws := h.ChannelWidthSet()
	if ws&HEWidth160 != 0 {
		if len(b) < off+4 {
			return nil, extErrf(ext, off, "160 MHz HE-MCS maps truncated: %d of 4 bytes", len(b)-off)
		}
		h.MCS160, h.Has160 = pair(), true
	}
	if ws&HEWidth80Plus80 != 0 {
		if len(b) < off+4 {
			return nil, extErrf(ext, off, "80+80 MHz HE-MCS maps truncated: %d of 4 bytes", len(b)-off)
		}
		h.MCS8080, h.Has8080 = pair(), true
	}
	if h.PHY[6]&0x80 != 0 { // PPE Thresholds Present
		if off >= len(b) {
			return nil, extErrf(ext, off, "PPE thresholds missing")
		}
		nsts := int(b[off]&7) + 1
		ru := bits.OnesCount8(b[off] >> 3 & 0x0f)
		n := (7 + nsts*ru*6 + 7) / 8
		if len(b)-off < n {
			return nil, extErrf(ext, off, "PPE thresholds truncated: %d of %d bytes", len(b)-off, n)
		}
		h.PPEThresholds = b[off : off+n : off+n]
	}
	return h, nil
}

// HEOperation is an HE Operation element (element 255, extension 36;
// IEEE 802.11ax-2021 9.4.2.249).
type HEOperation struct {
	Params       uint32 // HE Operation Parameters, 24 bits
	BSSColorInfo uint8
	BasicMCSMap  MCSMap
	// VHTInfo (channel width, CCFS0, CCFS1) when Params bit 14 is set.
	VHTInfo *[3]byte
	// MaxCoHostedBSSID when Params bit 15 is set.
	MaxCoHostedBSSID *uint8
	// SixGHz when Params bit 17 is set.
	SixGHz *HE6GHzOperation
}

// HE6GHzOperation is the 6 GHz Operation Information of HE Operation.
type HE6GHzOperation struct {
	PrimaryChannel uint8
	// Control bits 0-1: channel width 0 20, 1 40, 2 80, 3 160/80+80 MHz.
	Control      uint8
	CCFS0, CCFS1 uint8
	MinRate      uint8
}

// WidthMHz returns the 6 GHz BSS bandwidth.
func (s *HE6GHzOperation) WidthMHz() int { return 20 << (s.Control & 3) }

// HE Operation Parameters bits.
const (
	HEOpTWTRequired     = 1 << 3
	HEOpVHTInfoPresent  = 1 << 14
	HEOpCoHostedBSS     = 1 << 15
	HEOpERSUDisable     = 1 << 16
	HEOp6GHzInfoPresent = 1 << 17
)

// BSSColor returns the BSS color (bits 0-5 of BSS Color Information).
func (o *HEOperation) BSSColor() uint8 { return o.BSSColorInfo & 0x3f }

// ParseHEOperation parses the body of an HE Operation element (after the
// extension ID octet).
func ParseHEOperation(b []byte) (*HEOperation, error) {
	const ext = ExtHEOperation
	if len(b) < 6 {
		return nil, extErrf(ext, 0, "length %d, want at least 6", len(b))
	}
	o := &HEOperation{
		Params:       uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16,
		BSSColorInfo: b[3],
		BasicMCSMap:  MCSMap(binary.LittleEndian.Uint16(b[4:])),
	}
	off := 6
	if o.Params&HEOpVHTInfoPresent != 0 {
		if len(b) < off+3 {
			return nil, extErrf(ext, off, "VHT Operation Information truncated: %d of 3 bytes", len(b)-off)
		}
		v := [3]byte(b[off:])
		o.VHTInfo = &v
		off += 3
	}
	if o.Params&HEOpCoHostedBSS != 0 {
		if len(b) < off+1 {
			return nil, extErrf(ext, off, "Max Co-Hosted BSSID Indicator missing")
		}
		v := b[off]
		o.MaxCoHostedBSSID = &v
		off++
	}
	if o.Params&HEOp6GHzInfoPresent != 0 {
		if len(b) < off+5 {
			return nil, extErrf(ext, off, "6 GHz Operation Information truncated: %d of 5 bytes", len(b)-off)
		}
		o.SixGHz = &HE6GHzOperation{b[off], b[off+1], b[off+2], b[off+3], b[off+4]}
	}
	return o, nil
}
