package eapol

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// PacketType is the Packet Type field of an EAPOL header (IEEE 802.1X-2010
// 11.3.2).
type PacketType uint8

// EAPOL packet types.
const (
	PacketEAP      PacketType = 0
	PacketStart    PacketType = 1
	PacketLogoff   PacketType = 2
	PacketKey      PacketType = 3
	PacketASFAlert PacketType = 4
)

func (t PacketType) String() string {
	switch t {
	case PacketEAP:
		return "EAP-Packet"
	case PacketStart:
		return "EAPOL-Start"
	case PacketLogoff:
		return "EAPOL-Logoff"
	case PacketKey:
		return "EAPOL-Key"
	case PacketASFAlert:
		return "EAPOL-Encapsulated-ASF-Alert"
	}
	return fmt.Sprintf("EAPOL type %d", uint8(t))
}

// EAPOL protocol versions.
const (
	Version2001 uint8 = 1 // IEEE 802.1X-2001
	Version2004 uint8 = 2 // IEEE 802.1X-2004
	Version2010 uint8 = 3 // IEEE 802.1X-2010
)

// HeaderLen is the length of the EAPOL header.
const HeaderLen = 4

// Header is the EAPOL header: protocol version, packet type, body length.
type Header struct {
	Version uint8
	Type    PacketType
	Length  uint16 // of the body that follows
}

// ParseError says which field of a frame was wrong.
type ParseError struct {
	Field string // e.g. "EAPOL-Key Key Data Length"
	Msg   string
}

func (e *ParseError) Error() string { return "eapol: " + e.Field + ": " + e.Msg }

func perr(field, format string, a ...any) error {
	return &ParseError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// ParseHeader reads the EAPOL header of b and returns it with the body,
// cut to the header's Body Length (octets after it, such as Ethernet
// padding, are ignored).
func ParseHeader(b []byte) (Header, []byte, error) {
	if len(b) < HeaderLen {
		return Header{}, nil, perr("EAPOL header", "%d octets, need %d", len(b), HeaderLen)
	}
	h := Header{Version: b[0], Type: PacketType(b[1]), Length: binary.BigEndian.Uint16(b[2:4])}
	if h.Version == 0 {
		return Header{}, nil, perr("EAPOL Protocol Version", "0 is not a version")
	}
	if int(h.Length) > len(b)-HeaderLen {
		return Header{}, nil, perr("EAPOL Packet Body Length", "%d exceeds the %d octets that follow", h.Length, len(b)-HeaderLen)
	}
	return h, b[HeaderLen : HeaderLen+int(h.Length)], nil
}

// DescriptorType is the Descriptor Type of an EAPOL-Key frame.
type DescriptorType uint8

// EAPOL-Key descriptor types.
const (
	DescriptorRSN DescriptorType = 2   // IEEE 802.11 key descriptor
	DescriptorWPA DescriptorType = 254 // WPA (pre-RSN) key descriptor
)

// KeyInfo is the Key Information field of an EAPOL-Key frame (IEEE
// 802.11-2020 Figure 12-33).
type KeyInfo uint16

// Key Information bits.
const (
	KeyInfoDescriptorVersionMask KeyInfo = 0x0007
	KeyInfoKeyType               KeyInfo = 0x0008 // 1: pairwise, 0: group
	// KeyInfoKeyIndexMask is the Key Index of WPA (descriptor 254) frames,
	// bits 4 and 5: the key ID of the GTK a WPA group message carries
	// (reserved, zero, in RSN frames).
	KeyInfoKeyIndexMask KeyInfo = 0x0030
	// KeyInfoInstall is Install in pairwise messages; in a WPA group
	// message the same bit is Tx (the GTK is also used to transmit).
	KeyInfoInstall          KeyInfo = 0x0040
	KeyInfoAck              KeyInfo = 0x0080
	KeyInfoMIC              KeyInfo = 0x0100
	KeyInfoSecure           KeyInfo = 0x0200
	KeyInfoError            KeyInfo = 0x0400
	KeyInfoRequest          KeyInfo = 0x0800
	KeyInfoEncryptedKeyData KeyInfo = 0x1000
	KeyInfoSMKMessage       KeyInfo = 0x2000
)

// DescriptorVersion is the Key Descriptor Version subfield.
func (k KeyInfo) DescriptorVersion() KeyDescriptorVersion {
	return KeyDescriptorVersion(k & KeyInfoDescriptorVersionMask)
}

// KeyIndex is the WPA Key Index subfield (0..3).
func (k KeyInfo) KeyIndex() int { return int(k&KeyInfoKeyIndexMask) >> 4 }

// Has reports whether all bits of f are set.
func (k KeyInfo) Has(f KeyInfo) bool { return k&f == f }

// Pairwise reports whether the Key Type bit says pairwise.
func (k KeyInfo) Pairwise() bool { return k.Has(KeyInfoKeyType) }

func (k KeyInfo) String() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("ver=%d", k.DescriptorVersion()))
	if k.Pairwise() {
		parts = append(parts, "pairwise")
	} else {
		parts = append(parts, "group")
	}
	if i := k.KeyIndex(); i != 0 {
		parts = append(parts, fmt.Sprintf("keyidx=%d", i))
	}
	for _, n := range []struct {
		f KeyInfo
		s string
	}{{KeyInfoInstall, "install"}, {KeyInfoAck, "ack"}, {KeyInfoMIC, "mic"},
		{KeyInfoSecure, "secure"}, {KeyInfoError, "error"}, {KeyInfoRequest, "request"},
		{KeyInfoEncryptedKeyData, "encrypted"}, {KeyInfoSMKMessage, "smk"}} {
		if k.Has(n.f) {
			parts = append(parts, n.s)
		}
	}
	return strings.Join(parts, "|")
}

// keyFixedLen is the EAPOL-Key body up to the MIC field: descriptor type
// (1), key information (2), key length (2), replay counter (8), nonce
// (32), IV (16), RSC (8), reserved (8).
const keyFixedLen = 77

// micOffset is the offset of the Key MIC field within a whole EAPOL frame.
const micOffset = HeaderLen + keyFixedLen

// KeyFrame is an EAPOL-Key frame: the EAPOL header's version and the
// EAPOL-Key body (IEEE 802.11-2020 12.7.2).
type KeyFrame struct {
	Version        uint8 // EAPOL protocol version of the header
	DescriptorType DescriptorType
	Info           KeyInfo
	KeyLength      uint16
	ReplayCounter  uint64
	Nonce          [32]byte
	IV             [16]byte
	RSC            [8]byte
	Reserved       [8]byte
	MIC            []byte // len is the AKM's MIC length (0, 16 or 24)
	KeyData        []byte

	raw []byte // header and body as received, for MIC checking
}

// ParseKeyFrame parses a whole EAPOL frame (header and body) that must be
// an EAPOL-Key frame with a Key MIC field of micLen octets (see
// AKM.MICLen). The returned frame's slices alias b.
func ParseKeyFrame(b []byte, micLen int) (*KeyFrame, error) {
	h, body, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if h.Type != PacketKey {
		return nil, perr("EAPOL Packet Type", "%v, want EAPOL-Key", h.Type)
	}
	if micLen < 0 || micLen > 32 {
		return nil, perr("EAPOL-Key Key MIC", "MIC length %d not supported", micLen)
	}
	need := keyFixedLen + micLen + 2
	if len(body) < need {
		return nil, perr("EAPOL-Key body", "%d octets, need at least %d", len(body), need)
	}
	f := &KeyFrame{
		Version:        h.Version,
		DescriptorType: DescriptorType(body[0]),
		Info:           KeyInfo(binary.BigEndian.Uint16(body[1:3])),
		KeyLength:      binary.BigEndian.Uint16(body[3:5]),
		ReplayCounter:  binary.BigEndian.Uint64(body[5:13]),
		raw:            b[:HeaderLen+len(body)],
	}
	copy(f.Nonce[:], body[13:45])
	copy(f.IV[:], body[45:61])
	copy(f.RSC[:], body[61:69])
	copy(f.Reserved[:], body[69:77])
	f.MIC = body[77 : 77+micLen]
	kdl := int(binary.BigEndian.Uint16(body[77+micLen : need]))
	rest := body[need:]
	if kdl > len(rest) {
		return nil, perr("EAPOL-Key Key Data Length", "%d, but %d octets follow", kdl, len(rest))
	}
	// Octets after the Key Data are ignored, as wpa_supplicant ignores
	// them: hostapd's FILS-SHA256 frames carry the key wrap's padding and
	// 8 octets beyond their AES-SIV Key Data. A MIC or the AES-SIV's
	// associated data (the body length) still covers them.
	f.KeyData = rest[:kdl:kdl]
	if f.DescriptorType != DescriptorRSN && f.DescriptorType != DescriptorWPA {
		return nil, perr("EAPOL-Key Descriptor Type", "%d is neither RSN (2) nor WPA (254)", f.DescriptorType)
	}
	return f, nil
}

// Raw returns the frame as received (header and body), or nil for a frame
// that was not parsed.
func (f *KeyFrame) Raw() []byte { return f.raw }

// Marshal encodes the frame, header included, with the header's Body
// Length computed. The MIC field is written as f.MIC (use zeros, then
// SetMIC after computing it).
func (f *KeyFrame) Marshal() []byte {
	bodyLen := keyFixedLen + len(f.MIC) + 2 + len(f.KeyData)
	b := make([]byte, HeaderLen+bodyLen)
	b[0] = f.Version
	b[1] = byte(PacketKey)
	binary.BigEndian.PutUint16(b[2:4], uint16(bodyLen))
	p := b[HeaderLen:]
	p[0] = byte(f.DescriptorType)
	binary.BigEndian.PutUint16(p[1:3], uint16(f.Info))
	binary.BigEndian.PutUint16(p[3:5], f.KeyLength)
	binary.BigEndian.PutUint64(p[5:13], f.ReplayCounter)
	copy(p[13:45], f.Nonce[:])
	copy(p[45:61], f.IV[:])
	copy(p[61:69], f.RSC[:])
	copy(p[69:77], f.Reserved[:])
	copy(p[77:], f.MIC)
	binary.BigEndian.PutUint16(p[77+len(f.MIC):], uint16(len(f.KeyData)))
	copy(p[79+len(f.MIC):], f.KeyData)
	return b
}
