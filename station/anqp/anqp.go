package anqp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// InfoID values (IEEE 802.11-2020 9.4.5.1, Table 9-331): the ANQP
// elements a query asks for and a response holds.
const (
	InfoQueryList         uint16 = 256
	InfoCapabilityList    uint16 = 257
	InfoVenueName         uint16 = 258
	InfoRoamingConsortium uint16 = 261
	InfoNAIRealm          uint16 = 263
	InfoDomainName        uint16 = 268
	InfoVendorSpecific    uint16 = 56797
)

// Hotspot 2.0 ANQP element subtypes (Wi-Fi Alliance Hotspot 2.0
// specification, section 4), in a vendor specific ANQP element of OUI
// 50-6F-9A type 0x11.
const (
	HS20QueryList           uint8 = 1
	HS20OSUProvidersNAIList uint8 = 13
)

// ErrMalformed is matched by errors.Is for every error about bytes this
// package cannot accept (from Handle, Elements and ParseNAIRealms).
var ErrMalformed = errors.New("anqp: malformed")

// malformed is an error naming what was wrong that matches ErrMalformed.
type malformed struct{ msg string }

func (e *malformed) Error() string        { return "anqp: " + e.msg }
func (e *malformed) Is(target error) bool { return target == ErrMalformed }

func malformedf(format string, args ...any) error {
	return &malformed{fmt.Sprintf(format, args...)}
}

// Element is one ANQP element of a query response: its Info ID and body.
type Element struct {
	ID   uint16
	Body []byte
}

// Elements splits an ANQP query response into its elements, in order.
// Bodies alias resp. A truncated header or body is an error.
func Elements(resp []byte) ([]Element, error) {
	var es []Element
	for off := 0; off < len(resp); {
		if len(resp)-off < 4 {
			return nil, malformedf("element header at offset %d truncated: %d of 4 bytes", off, len(resp)-off)
		}
		id := binary.LittleEndian.Uint16(resp[off:])
		n := int(binary.LittleEndian.Uint16(resp[off+2:]))
		if n > len(resp)-off-4 {
			return nil, malformedf("element %d at offset %d: length %d exceeds the %d bytes left", id, off, n, len(resp)-off-4)
		}
		es = append(es, Element{ID: id, Body: resp[off+4 : off+4+n : off+4+n]})
		off += 4 + n
	}
	return es, nil
}
