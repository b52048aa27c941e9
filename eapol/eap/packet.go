package eap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by the errors of packets that break RFC 3748's
// format: too short, a Length field that disagrees with the octets, a
// Request or Response without a Type.
var ErrMalformed = errors.New("malformed EAP packet")

// HeaderLen is the length of the Code, Identifier and Length fields.
const HeaderLen = 4

// Packet is one EAP packet (RFC 3748 4). Type, Vendor, VendorType and Data
// belong to Requests and Responses only; Success and Failure carry none.
type Packet struct {
	Code Code
	ID   uint8 // the Identifier field
	Type Type
	// Vendor and VendorType are the Expanded Type's fields (RFC 3748
	// 5.7), set when Type is TypeExpanded: Vendor is 24 bits, 0 for
	// IETF types (as in an Expanded Nak).
	Vendor     uint32
	VendorType uint32
	// Data is the Type-Data: what follows the Type field (or the
	// Expanded Type's 8 octets). Parse leaves it pointing into the
	// octets it was given.
	Data []byte
}

// Parse reads one EAP packet. Octets past the Length field are link-layer
// padding and are ignored (RFC 3748 4); a Length beyond the octets given,
// below the header, or too short for a Type is an error wrapping
// ErrMalformed. Success and Failure with octets after the header are taken
// (the octets ignored), as wpa_supplicant and hostapd do.
func Parse(b []byte) (Packet, error) {
	if len(b) < HeaderLen {
		return Packet{}, fmt.Errorf("eap: %w: %d octets, below the 4-octet header", ErrMalformed, len(b))
	}
	p := Packet{Code: Code(b[0]), ID: b[1]}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < HeaderLen {
		return Packet{}, fmt.Errorf("eap: %w: Length %d below the header", ErrMalformed, n)
	}
	if n > len(b) {
		return Packet{}, fmt.Errorf("eap: %w: Length %d beyond the %d octets received", ErrMalformed, n, len(b))
	}
	b = b[:n]
	switch p.Code {
	case CodeRequest, CodeResponse:
	default:
		// Success, Failure, and codes this package does not know:
		// the header is all a Peer looks at.
		return p, nil
	}
	if n < HeaderLen+1 {
		return Packet{}, fmt.Errorf("eap: %w: %v without a Type", ErrMalformed, p.Code)
	}
	p.Type = Type(b[4])
	p.Data = b[5:]
	if p.Type == TypeExpanded {
		if len(p.Data) < 7 {
			return Packet{}, fmt.Errorf("eap: %w: Expanded Type of %d octets, below 8", ErrMalformed, len(p.Data)+1)
		}
		p.Vendor = uint32(p.Data[0])<<16 | uint32(p.Data[1])<<8 | uint32(p.Data[2])
		p.VendorType = binary.BigEndian.Uint32(p.Data[3:7])
		p.Data = p.Data[7:]
	}
	return p, nil
}

// Len is the packet's length on the wire (its Length field).
func (p Packet) Len() int {
	switch p.Code {
	case CodeRequest, CodeResponse:
		n := HeaderLen + 1 + len(p.Data)
		if p.Type == TypeExpanded {
			n += 7
		}
		return n
	}
	return HeaderLen
}

// Marshal returns the packet's octets. It fails if the packet does not fit
// the 16-bit Length field or the Vendor the 24-bit Vendor-Id.
func (p Packet) Marshal() ([]byte, error) {
	n := p.Len()
	if n > 0xffff {
		return nil, fmt.Errorf("eap: %v of %d octets does not fit the Length field", p.Code, n)
	}
	if p.Vendor > 0xffffff {
		return nil, fmt.Errorf("eap: Vendor-Id %#x is above 24 bits", p.Vendor)
	}
	b := make([]byte, HeaderLen, n)
	b[0], b[1] = byte(p.Code), p.ID
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	if p.Code != CodeRequest && p.Code != CodeResponse {
		return b, nil
	}
	b = append(b, byte(p.Type))
	if p.Type == TypeExpanded {
		b = append(b, byte(p.Vendor>>16), byte(p.Vendor>>8), byte(p.Vendor))
		b = binary.BigEndian.AppendUint32(b, p.VendorType)
	}
	return append(b, p.Data...), nil
}

// String names the packet for logs: code, identifier, type and length,
// never its data (which may hold credentials).
func (p Packet) String() string {
	switch p.Code {
	case CodeRequest, CodeResponse:
		if p.Type == TypeExpanded {
			return fmt.Sprintf("%v id=%d Expanded(%d/%d) len=%d", p.Code, p.ID, p.Vendor, p.VendorType, p.Len())
		}
		return fmt.Sprintf("%v id=%d %v len=%d", p.Code, p.ID, p.Type, p.Len())
	}
	return fmt.Sprintf("%v id=%d", p.Code, p.ID)
}
