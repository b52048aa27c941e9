package ie

import "encoding/binary"

// MobilityDomain is a Mobility Domain element (IEEE 802.11-2020 9.4.2.46).
type MobilityDomain struct {
	MDID uint16
	// FTOverDS and ResourceRequest are the FT Capability and Policy bits.
	FTOverDS        bool
	ResourceRequest bool
}

// ParseMobilityDomain parses the 3-octet body of a Mobility Domain element.
func ParseMobilityDomain(b []byte) (*MobilityDomain, error) {
	if len(b) != 3 {
		return nil, errf(IDMobilityDomain, 0, "length %d, want 3", len(b))
	}
	return &MobilityDomain{
		MDID:            binary.LittleEndian.Uint16(b),
		FTOverDS:        b[2]&0x01 != 0,
		ResourceRequest: b[2]&0x02 != 0,
	}, nil
}

// Marshal encodes the whole element (ID, length, body).
func (m *MobilityDomain) Marshal() []byte {
	b := []byte{byte(IDMobilityDomain), 3, byte(m.MDID), byte(m.MDID >> 8), 0}
	if m.FTOverDS {
		b[4] |= 0x01
	}
	if m.ResourceRequest {
		b[4] |= 0x02
	}
	return b
}

// FTE subelement IDs (IEEE 802.11-2020 Table 9-239).
const (
	FTSubR1KHID = 1
	FTSubGTK    = 2
	FTSubR0KHID = 3
	FTSubIGTK   = 4
	FTSubOCI    = 5
	FTSubBIGTK  = 6
)

// FTGTK is the GTK subelement of an FTE. Key is still AES-key-wrapped.
type FTGTK struct {
	KeyID      uint8 // bits 0-1 of Key Info
	KeyLength  uint8
	RSC        [8]byte
	WrappedKey []byte
}

// FTIGTK is the IGTK (or BIGTK) subelement of an FTE. Key is still
// AES-key-wrapped; PN is the IPN (or BIPN).
type FTIGTK struct {
	KeyID      uint16
	PN         [6]byte
	KeyLength  uint8
	WrappedKey []byte
}

// FTSubelement is a subelement this package does not parse.
type FTSubelement struct {
	ID   uint8
	Data []byte
}

// FTE is a Fast BSS Transition element (IEEE 802.11-2020 9.4.2.47).
type FTE struct {
	// MIC Control: RSNXE Used (bit 0) and Element Count (octet 2).
	RSNXEUsed    bool
	ElementCount uint8
	MIC          []byte // 16 or 24 octets, per the AKM
	ANonce       [32]byte
	SNonce       [32]byte
	R1KHID       *[6]byte
	R0KHID       []byte // 1 to 48 octets when present
	GTK          *FTGTK
	IGTK         *FTIGTK
	BIGTK        *FTIGTK
	OCI          []byte // 3 octets when present
	Other        []FTSubelement
}

// ParseFTE parses the body of a Fast BSS Transition element. micLen is
// the MIC length the AKM uses: 16, or 24 for the SHA-384 AKMs
// (AKMSuite.IsSHA384), 32 for SAE-EXT-KEY with group 21.
func ParseFTE(b []byte, micLen int) (*FTE, error) {
	const id = IDFastBSSTransition
	if micLen != 16 && micLen != 24 && micLen != 32 {
		return nil, errf(id, 0, "MIC length %d, want 16, 24 or 32", micLen)
	}
	if len(b) < 2+micLen+64 {
		return nil, errf(id, 0, "length %d, want at least %d for a %d-byte MIC", len(b), 2+micLen+64, micLen)
	}
	f := &FTE{
		RSNXEUsed:    b[0]&0x01 != 0,
		ElementCount: b[1],
		MIC:          b[2 : 2+micLen : 2+micLen],
	}
	off := 2 + micLen
	copy(f.ANonce[:], b[off:])
	copy(f.SNonce[:], b[off+32:])
	off += 64
	for off < len(b) {
		if off+2 > len(b) {
			return nil, errf(id, off, "subelement header truncated")
		}
		sid, n := b[off], int(b[off+1])
		if off+2+n > len(b) {
			return nil, errf(id, off, "subelement %d length %d exceeds the %d bytes left", sid, n, len(b)-off-2)
		}
		d := b[off+2 : off+2+n : off+2+n]
		if err := f.parseSub(sid, d, off); err != nil {
			return nil, err
		}
		off += 2 + n
	}
	return f, nil
}

func (f *FTE) parseSub(sid uint8, d []byte, off int) error {
	const id = IDFastBSSTransition
	switch sid {
	case FTSubR1KHID:
		if len(d) != 6 {
			return errf(id, off, "R1KH-ID length %d, want 6", len(d))
		}
		if f.R1KHID != nil {
			return errf(id, off, "duplicate R1KH-ID")
		}
		k := [6]byte(d)
		f.R1KHID = &k
	case FTSubR0KHID:
		if len(d) < 1 || len(d) > 48 {
			return errf(id, off, "R0KH-ID length %d, want 1 to 48", len(d))
		}
		if f.R0KHID != nil {
			return errf(id, off, "duplicate R0KH-ID")
		}
		f.R0KHID = d
	case FTSubGTK:
		// Key Info 2, Key Length 1, RSC 8, Wrapped Key: the key padded
		// to 8 octets plus the 8-octet key wrap block.
		if len(d) < 11+24 || len(d) > 11+40 {
			return errf(id, off, "GTK subelement length %d, want 35 to 51", len(d))
		}
		g := &FTGTK{KeyID: d[0] & 3, KeyLength: d[2], RSC: [8]byte(d[3:11]), WrappedKey: d[11:]}
		if want := (int(g.KeyLength)+7)/8*8 + 8; want != len(g.WrappedKey) {
			return errf(id, off, "GTK key length %d needs a %d-byte wrapped key, have %d", g.KeyLength, want, len(g.WrappedKey))
		}
		if f.GTK != nil {
			return errf(id, off, "duplicate GTK")
		}
		f.GTK = g
	case FTSubIGTK, FTSubBIGTK:
		name := "IGTK"
		if sid == FTSubBIGTK {
			name = "BIGTK"
		}
		if len(d) < 9+24 || len(d) > 9+40 {
			return errf(id, off, "%s subelement length %d, want 33 to 49", name, len(d))
		}
		k := &FTIGTK{KeyID: binary.LittleEndian.Uint16(d), PN: [6]byte(d[2:8]), KeyLength: d[8], WrappedKey: d[9:]}
		if want := (int(k.KeyLength)+7)/8*8 + 8; want != len(k.WrappedKey) {
			return errf(id, off, "%s key length %d needs a %d-byte wrapped key, have %d", name, k.KeyLength, want, len(k.WrappedKey))
		}
		p := &f.IGTK
		if sid == FTSubBIGTK {
			p = &f.BIGTK
		}
		if *p != nil {
			return errf(id, off, "duplicate %s", name)
		}
		*p = k
	case FTSubOCI:
		if len(d) != 3 {
			return errf(id, off, "OCI length %d, want 3", len(d))
		}
		f.OCI = d
	default:
		f.Other = append(f.Other, FTSubelement{ID: sid, Data: d})
	}
	return nil
}

// Marshal encodes the whole element (ID, length, body) with a MIC field
// of micLen octets: f.MIC, zero-padded (the station computes the MIC over
// the element with the MIC field zeroed and fills it in afterwards).
// Subelements go out in ascending subelement ID order.
func (f *FTE) Marshal(micLen int) ([]byte, error) {
	const id = IDFastBSSTransition
	if micLen != 16 && micLen != 24 && micLen != 32 {
		return nil, errf(id, 0, "encode: MIC length %d, want 16, 24 or 32", micLen)
	}
	if len(f.MIC) > micLen {
		return nil, errf(id, 0, "encode: MIC of %d bytes exceeds %d", len(f.MIC), micLen)
	}
	b := []byte{byte(id), 0, 0, f.ElementCount}
	if f.RSNXEUsed {
		b[2] = 1
	}
	mic := make([]byte, micLen)
	copy(mic, f.MIC)
	b = append(b, mic...)
	b = append(b, f.ANonce[:]...)
	b = append(b, f.SNonce[:]...)
	sub := func(sid uint8, parts ...[]byte) {
		n := 0
		for _, p := range parts {
			n += len(p)
		}
		b = append(b, sid, byte(n))
		for _, p := range parts {
			b = append(b, p...)
		}
	}
	if f.R1KHID != nil {
		sub(FTSubR1KHID, f.R1KHID[:])
	}
	if g := f.GTK; g != nil {
		sub(FTSubGTK, []byte{g.KeyID & 3, 0, g.KeyLength}, g.RSC[:], g.WrappedKey)
	}
	if f.R0KHID != nil {
		if len(f.R0KHID) < 1 || len(f.R0KHID) > 48 {
			return nil, errf(id, 0, "encode: R0KH-ID length %d, want 1 to 48", len(f.R0KHID))
		}
		sub(FTSubR0KHID, f.R0KHID)
	}
	igtk := func(sid uint8, k *FTIGTK) {
		sub(sid, binary.LittleEndian.AppendUint16(nil, k.KeyID), k.PN[:], []byte{k.KeyLength}, k.WrappedKey)
	}
	if f.IGTK != nil {
		igtk(FTSubIGTK, f.IGTK)
	}
	if f.OCI != nil {
		sub(FTSubOCI, f.OCI)
	}
	if f.BIGTK != nil {
		igtk(FTSubBIGTK, f.BIGTK)
	}
	for _, o := range f.Other {
		sub(o.ID, o.Data)
	}
	if len(b)-2 > 255 {
		return nil, errf(id, 0, "encode: body of %d bytes exceeds 255", len(b)-2)
	}
	b[1] = byte(len(b) - 2)
	return b, nil
}
