package ie

import "encoding/binary"

// ParseDSParameterSet parses the body of a DS Parameter Set element: the
// current channel.
func ParseDSParameterSet(b []byte) (uint8, error) {
	if len(b) != 1 {
		return 0, errf(IDDSParameterSet, 0, "length %d, want 1", len(b))
	}
	return b[0], nil
}

// BSSLoad is a BSS Load element (IEEE 802.11-2020 9.4.2.27).
type BSSLoad struct {
	StationCount uint16
	// ChannelUtilization is the share of time the AP sensed the medium
	// busy, scaled to 0..255.
	ChannelUtilization uint8
	// AvailableAdmissionCapacity is in units of 32 µs/s.
	AvailableAdmissionCapacity uint16
}

// ParseBSSLoad parses the body of a BSS Load element (5 octets).
func ParseBSSLoad(b []byte) (*BSSLoad, error) {
	if len(b) != 5 {
		return nil, errf(IDBSSLoad, 0, "length %d, want 5", len(b))
	}
	return &BSSLoad{
		StationCount:               binary.LittleEndian.Uint16(b),
		ChannelUtilization:         b[2],
		AvailableAdmissionCapacity: binary.LittleEndian.Uint16(b[3:]),
	}, nil
}

// CountryTriplet is one triplet of a Country element: a subband (first
// channel, number of channels, maximum transmit power in dBm) or, when
// IsOperating, an operating triplet (extension identifier >= 201,
// operating class, coverage class) in the same three octets.
type CountryTriplet struct {
	First, Second, Third uint8
}

// IsOperating reports an Operating triplet (first octet >= 201).
func (t CountryTriplet) IsOperating() bool { return t.First >= 201 }

// Country is a Country element (IEEE 802.11-2020 9.4.2.8).
type Country struct {
	// String is the 3-octet country string: two ISO 3166 letters and an
	// environment octet (' ', 'O', 'I', 'X' or a table number).
	String   [3]byte
	Triplets []CountryTriplet
}

// Alpha2 returns the two-letter country code.
func (c *Country) Alpha2() string { return string(c.String[:2]) }

// ParseCountry parses the body of a Country element: a country string
// and triplets, with an optional pad octet to an even length.
func ParseCountry(b []byte) (*Country, error) {
	if len(b) < 3 {
		return nil, errf(IDCountry, 0, "country string truncated: %d of 3 bytes", len(b))
	}
	c := &Country{String: [3]byte(b[:3])}
	rest := b[3:]
	for len(rest) >= 3 {
		c.Triplets = append(c.Triplets, CountryTriplet{rest[0], rest[1], rest[2]})
		rest = rest[3:]
	}
	if len(rest) == 2 {
		return nil, errf(IDCountry, len(b)-2, "2 bytes after the last triplet")
	}
	return c, nil
}
