package ttls

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// AVP flags (RFC 5281 10.1).
const (
	FlagVendor    = 0x80
	FlagMandatory = 0x40
)

// AVP codes: RADIUS attributes (RFC 2865, RFC 3579) and Microsoft's
// vendor-specific ones (RFC 2548, vendor 311).
const (
	CodeUserName      = 1
	CodeUserPassword  = 2
	CodeCHAPPassword  = 3
	CodeReplyMessage  = 18
	CodeCHAPChallenge = 60
	CodeEAPMessage    = 79

	VendorMicrosoft     = 311
	CodeMSCHAPResponse  = 1
	CodeMSCHAPError     = 2
	CodeMSCHAPChallenge = 11
	CodeMSCHAP2Response = 25
	CodeMSCHAP2Success  = 26
)

const avpHeaderLen = 8

// maxAVPLen is the 24-bit Length field's limit.
const maxAVPLen = 1<<24 - 1

// ErrAVP is wrapped by the errors of AVPs that break RFC 5281 10.
var ErrAVP = errors.New("malformed TTLS AVP")

// AVP is one Diameter-style attribute-value pair of TTLS's phase 2.
type AVP struct {
	Code   uint32
	Flags  uint8  // FlagVendor is set from Vendor when encoding
	Vendor uint32 // 0 for none
	Data   []byte
}

// Mandatory tells whether the M bit is set: an AVP the peer does not
// know must end the conversation.
func (a AVP) Mandatory() bool { return a.Flags&FlagMandatory != 0 }

// ParseAVPs reads the AVPs of a phase 2 message. Each is padded to four
// octets except, leniently, the last.
func ParseAVPs(b []byte) ([]AVP, error) {
	var avps []AVP
	for len(b) > 0 {
		if len(b) < avpHeaderLen {
			return nil, fmt.Errorf("%w: %d octets left, below an AVP header", ErrAVP, len(b))
		}
		a := AVP{Code: binary.BigEndian.Uint32(b), Flags: b[4]}
		n := int(binary.BigEndian.Uint32(b[4:]) & maxAVPLen)
		hdr := avpHeaderLen
		if a.Flags&FlagVendor != 0 {
			hdr += 4
		}
		if n < hdr || n > len(b) {
			return nil, fmt.Errorf("%w: AVP %d of length %d, header %d, %d octets left", ErrAVP, a.Code, n, hdr, len(b))
		}
		if a.Flags&FlagVendor != 0 {
			a.Vendor = binary.BigEndian.Uint32(b[8:])
			if a.Vendor == 0 {
				return nil, fmt.Errorf("%w: AVP %d with V set and Vendor-ID 0", ErrAVP, a.Code)
			}
		}
		a.Data = b[hdr:n]
		avps = append(avps, a)
		b = b[min(len(b), (n+3)&^3):]
	}
	return avps, nil
}

// AppendAVP appends a's encoding, padded to four octets.
func AppendAVP(b []byte, a AVP) []byte {
	flags := a.Flags &^ FlagVendor
	hdr := avpHeaderLen
	if a.Vendor != 0 {
		flags |= FlagVendor
		hdr += 4
	}
	n := hdr + len(a.Data)
	b = binary.BigEndian.AppendUint32(b, a.Code)
	b = binary.BigEndian.AppendUint32(b, uint32(flags)<<24|uint32(n))
	if a.Vendor != 0 {
		b = binary.BigEndian.AppendUint32(b, a.Vendor)
	}
	b = append(b, a.Data...)
	for n%4 != 0 {
		b = append(b, 0)
		n++
	}
	return b
}

// Find returns the first AVP with code and vendor.
func Find(avps []AVP, vendor, code uint32) (AVP, bool) {
	for _, a := range avps {
		if a.Vendor == vendor && a.Code == code {
			return a, true
		}
	}
	return AVP{}, false
}
