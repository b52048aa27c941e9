package nl80211

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
)

// errShort and friends are wrapped into an AttrError naming the attribute.
var (
	errTruncated = errors.New("truncated attribute header")
	errOverrun   = errors.New("attribute length exceeds message")
)

// An AttrError reports an attribute that could not be decoded: which one
// (by its uapi name without the NL80211_ prefix, e.g. "BSS_FREQUENCY") and
// what was wrong with it.
type AttrError struct {
	Attr string
	Err  error
}

func (e *AttrError) Error() string { return e.Attr + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *AttrError) Unwrap() error { return e.Err }

// attrErr builds an AttrError; nested decoders prefix the outer name.
func attrErr(name string, err error) error {
	var ae *AttrError
	if errors.As(err, &ae) {
		return &AttrError{Attr: name + "/" + ae.Attr, Err: ae.Err}
	}
	return &AttrError{Attr: name, Err: err}
}

// Attr is one netlink attribute of an nl80211 message, its type with the
// NLA_F_NESTED and NLA_F_NET_BYTEORDER bits masked off. Data aliases the
// message.
type Attr struct {
	Type uint16 // NL80211_ATTR_* (or the nested set's own numbering)
	Data []byte
}

// Name names a top-level attribute as the uapi header does, without the
// NL80211_ prefix, e.g. "ATTR_IFINDEX".
func (a Attr) Name() string { return AttrName(a.Type) }

// ParseAttrs splits an nl80211 message's attributes (the payload after
// the generic netlink header), or a nested attribute's. It never panics:
// a short header or a length running past the end of b is an error.
func ParseAttrs(b []byte) ([]Attr, error) { return parseAttrs(b) }

const nlaHdrLen = 4

// parseAttrs splits b into netlink attributes. It never panics: a short
// header or a length running past the end of b is an error. Zero octets
// after the last attribute are padding and end the list (the kernel, whose
// walk stops at a zero length, takes such a message: iwd sends some).
func parseAttrs(b []byte) ([]Attr, error) {
	var out []Attr
	for off := 0; off < len(b); {
		if allZero(b[off:]) {
			break
		}
		if len(b)-off < nlaHdrLen {
			return nil, fmt.Errorf("%w at offset %d (%d bytes left)", errTruncated, off, len(b)-off)
		}
		l := int(binary.NativeEndian.Uint16(b[off:]))
		t := binary.NativeEndian.Uint16(b[off+2:]) & 0x3fff
		if l < nlaHdrLen || l > len(b)-off {
			return nil, fmt.Errorf("type %d at offset %d: %w (length %d, %d bytes left)", t, off, errOverrun, l, len(b)-off)
		}
		out = append(out, Attr{Type: t, Data: b[off+nlaHdrLen : off+l]})
		off += (l + 3) &^ 3
	}
	return out, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseNested parses a nested attribute, naming it on error.
func parseNested(name string, b []byte) ([]Attr, error) {
	as, err := parseAttrs(b)
	if err != nil {
		return nil, attrErr(name, err)
	}
	return as, nil
}

func wantLen(name string, b []byte, n int) error {
	if len(b) != n {
		return &AttrError{Attr: name, Err: fmt.Errorf("want %d bytes, got %d", n, len(b))}
	}
	return nil
}

func getU8(name string, b []byte) (uint8, error) {
	if err := wantLen(name, b, 1); err != nil {
		return 0, err
	}
	return b[0], nil
}

func getU16(name string, b []byte) (uint16, error) {
	if err := wantLen(name, b, 2); err != nil {
		return 0, err
	}
	return binary.NativeEndian.Uint16(b), nil
}

func getU32(name string, b []byte) (uint32, error) {
	if err := wantLen(name, b, 4); err != nil {
		return 0, err
	}
	return binary.NativeEndian.Uint32(b), nil
}

func getU64(name string, b []byte) (uint64, error) {
	if err := wantLen(name, b, 8); err != nil {
		return 0, err
	}
	return binary.NativeEndian.Uint64(b), nil
}

func getS32(name string, b []byte) (int32, error) {
	v, err := getU32(name, b)
	return int32(v), err
}

// getMAC returns a copy of a 6-byte hardware address.
func getMAC(name string, b []byte) (net.HardwareAddr, error) {
	if err := wantLen(name, b, 6); err != nil {
		return nil, err
	}
	return net.HardwareAddr(clone(b)), nil
}

// getString decodes a NUL-terminated (or unterminated) string.
func getString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// getU32s decodes an array of u32 values (cipher and AKM suites).
func getU32s[T ~uint32](name string, b []byte) ([]T, error) {
	if len(b)%4 != 0 {
		return nil, &AttrError{Attr: name, Err: fmt.Errorf("length %d is not a multiple of 4", len(b))}
	}
	out := make([]T, 0, len(b)/4)
	for i := 0; i < len(b); i += 4 {
		out = append(out, T(binary.NativeEndian.Uint32(b[i:])))
	}
	return out, nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// encoder is a thin wrapper over a byte slice building netlink attributes.
// It is simpler than netlink.AttributeEncoder for our needs and never fails.
type encoder struct{ b []byte }

func (e *encoder) put(typ uint16, data []byte) {
	l := nlaHdrLen + len(data)
	var hdr [nlaHdrLen]byte
	binary.NativeEndian.PutUint16(hdr[0:], uint16(l))
	binary.NativeEndian.PutUint16(hdr[2:], typ)
	e.b = append(e.b, hdr[:]...)
	e.b = append(e.b, data...)
	for len(e.b)%4 != 0 {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) u8(typ uint16, v uint8) { e.put(typ, []byte{v}) }

func (e *encoder) u16(typ uint16, v uint16) {
	e.put(typ, binary.NativeEndian.AppendUint16(nil, v))
}

func (e *encoder) u32(typ uint16, v uint32) {
	e.put(typ, binary.NativeEndian.AppendUint32(nil, v))
}

func (e *encoder) u64(typ uint16, v uint64) {
	e.put(typ, binary.NativeEndian.AppendUint64(nil, v))
}

func (e *encoder) s32(typ uint16, v int32) { e.u32(typ, uint32(v)) }

func (e *encoder) flag(typ uint16) { e.put(typ, nil) }

func (e *encoder) bytes(typ uint16, b []byte) { e.put(typ, b) }

// u32Array encodes u32 values (cipher and AKM suites) as an array attribute.
func u32Array[T ~uint32](vs []T) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.NativeEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// nested encodes fn's attributes inside typ, with NLA_F_NESTED set as
// modern kernels' strict validation wants.
func (e *encoder) nested(typ uint16, fn func(n *encoder)) {
	var n encoder
	fn(&n)
	e.put(typ|nlaFNested, n.b)
}

const nlaFNested = 0x8000

var (
	errMissing = errors.New("missing")
	errBadBand = errors.New("band number out of range")
)

var errNoReply = errors.New("kernel sent no reply message")
