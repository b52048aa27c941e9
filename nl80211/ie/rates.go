package ie

import "fmt"

// Rate is one octet of a Supported Rates or Extended Supported Rates
// element: bit 7 marks a basic rate, bits 0-6 the rate in 500 kb/s units
// or a BSS membership selector (IEEE 802.11-2020 9.4.2.3).
type Rate uint8

// BSS membership selectors (IEEE 802.11-2020 Table 9-78), carried with
// the basic bit set.
const (
	SelectorHTPHY      = 127
	SelectorVHTPHY     = 126
	SelectorGLKPHY     = 125
	SelectorEPD        = 124
	SelectorSAEH2EOnly = 123
	SelectorHEPHY      = 122
)

// Basic reports whether the rate is in the BSS basic rate set.
func (r Rate) Basic() bool { return r&0x80 != 0 }

// Value returns bits 0-6: the rate in 500 kb/s units or a selector.
func (r Rate) Value() uint8 { return uint8(r) & 0x7f }

// IsSelector reports whether the octet is a BSS membership selector
// rather than a rate.
func (r Rate) IsSelector() bool { return r.Basic() && r.Value() >= SelectorHEPHY }

// BitsPerSecond returns the rate in bit/s (0 for a selector).
func (r Rate) BitsPerSecond() uint64 {
	if r.IsSelector() {
		return 0
	}
	return uint64(r.Value()) * 500000
}

func (r Rate) String() string {
	if r.IsSelector() {
		return fmt.Sprintf("selector %d", r.Value())
	}
	s := fmt.Sprintf("%g", float64(r.Value())/2)
	if r.Basic() {
		s += "*"
	}
	return s
}

// ParseSupportedRates parses the body of a Supported Rates element
// (1 to 8 octets).
func ParseSupportedRates(b []byte) ([]Rate, error) {
	if len(b) == 0 || len(b) > 8 {
		return nil, errf(IDSupportedRates, 0, "length %d, want 1 to 8", len(b))
	}
	return toRates(b), nil
}

// ParseExtendedSupportedRates parses the body of an Extended Supported
// Rates element (at least 1 octet).
func ParseExtendedSupportedRates(b []byte) ([]Rate, error) {
	if len(b) == 0 {
		return nil, errf(IDExtendedSupportedRates, 0, "empty")
	}
	return toRates(b), nil
}

func toRates(b []byte) []Rate {
	out := make([]Rate, len(b))
	for i, c := range b {
		out[i] = Rate(c)
	}
	return out
}
