package tls

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Flags of the octet that starts the Type-Data of EAP-TLS, PEAP and TTLS
// (RFC 5216 3.1; RFC 5281 9.1 and PEAP add the version in the low bits).
const (
	FlagLength  = 0x80 // L: the four-octet TLS Message Length follows
	FlagMore    = 0x40 // M: more fragments follow
	FlagStart   = 0x20 // S: the server's Start
	VersionMask = 0x07 // PEAP's and TTLS's version
)

// MaxMessage is the largest TLS message (the reassembled octets of one
// round) taken from a server or sent to it: 64 KiB, as iwd's
// EAP_TLS_PDU_MAX_LEN. A certificate chain of a few certificates is far
// below it.
const MaxMessage = 65536

// DefaultMTU is the largest EAP packet sent when the caller names none:
// iwd's [EAP] MTU default (the 802.11 MSDU allows about 2304).
const DefaultMTU = 1400

// minMTU leaves room for the EAP header, type, flags, length and a few
// octets of data in each fragment.
const minMTU = 32

// headerOverhead is what an EAP Response carries before its Type-Data
// (Code, Identifier, Length, Type).
const headerOverhead = 5

// ErrFraming is wrapped by the errors of Type-Data that breaks RFC 5216's
// framing: a bad TLS Message Length, fragments beyond it or without end,
// a fragment where an acknowledgement was due.
var ErrFraming = errors.New("TLS-over-EAP framing")

// Header is the flags octet and, with L set, the TLS Message Length of one
// EAP-TLS, PEAP or TTLS packet.
type Header struct {
	Flags  uint8
	Length uint32 // valid when Flags has FlagLength
	Data   []byte // the TLS data after the header
}

// ParseHeader reads the flags and the TLS Message Length of Type-Data.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < 1 {
		return Header{}, fmt.Errorf("%w: no flags octet", ErrFraming)
	}
	h := Header{Flags: b[0], Data: b[1:]}
	if h.Flags&FlagLength != 0 {
		if len(h.Data) < 4 {
			return Header{}, fmt.Errorf("%w: L set and %d octets for the 4-octet TLS Message Length", ErrFraming, len(h.Data))
		}
		h.Length = binary.BigEndian.Uint32(h.Data)
		h.Data = h.Data[4:]
	}
	return h, nil
}

// Framer is RFC 5216 3.1 for one conversation: it reassembles the
// server's fragmented TLS messages into a bounded buffer, acknowledging
// each fragment, and splits the peer's own into fragments of at most MTU
// octets per EAP packet, sending each after the server's
// acknowledgement of the one before. The server side of a test uses it
// too (Server set).
type Framer struct {
	MTU     int   // the largest EAP packet; DefaultMTU if 0
	Version uint8 // the version bits put in every flags octet
	// AlwaysLength sets L and the TLS Message Length even on an
	// unfragmented message (iwd does it for PEAPv0 during the handshake:
	// Windows NPS computes a wrong Crypto-Binding MAC without it).
	AlwaysLength bool

	in      []byte // reassembly buffer
	inWant  int    // the announced TLS Message Length, 0 if none
	inBusy  bool   // a fragmented message is being received
	out     []byte // the message being sent in fragments
	outOff  int    // octets of out already sent
	outBusy bool   // an acknowledgement is due before the next fragment
}

// Sending tells whether the Framer is in the middle of sending a
// fragmented message: the next packet must be an acknowledgement.
func (f *Framer) Sending() bool { return f.outBusy }

// Receiving tells whether a fragmented message is being reassembled.
func (f *Framer) Receiving() bool { return f.inBusy }

func (f *Framer) mtu() int {
	if f.MTU == 0 {
		return DefaultMTU
	}
	return max(f.MTU, minMTU)
}

// Ack is the Type-Data of an acknowledgement (and of an empty Response):
// the flags octet with the version alone.
func (f *Framer) Ack() []byte { return []byte{f.Version} }

// Receive takes the header of one incoming packet (after the version has
// been checked). It returns the whole message once its last fragment is
// in (done true; msg may be empty for an acknowledgement-like packet),
// or done false when the packet was a fragment that needs an
// acknowledgement (send Ack). The returned message is the Framer's until
// the next Receive.
func (f *Framer) Receive(h Header) (msg []byte, done bool, err error) {
	if f.outBusy {
		return nil, false, fmt.Errorf("%w: a %d-octet message where the acknowledgement of our fragment was due", ErrFraming, len(h.Data))
	}
	more := h.Flags&FlagMore != 0
	first := !f.inBusy
	if h.Flags&FlagLength != 0 {
		switch {
		case !first:
			// RFC 5216 puts L on the first fragment only; iwd and
			// wpa_supplicant take a repeated one that agrees.
			if f.inWant == 0 || int(h.Length) != f.inWant {
				return nil, false, f.abort("TLS Message Length %d in a later fragment, the first said %d", h.Length, f.inWant)
			}
		case h.Length == 0 || h.Length > MaxMessage:
			return nil, false, f.abort("TLS Message Length %d outside [1, %d]", h.Length, MaxMessage)
		case int(h.Length) < len(h.Data):
			return nil, false, f.abort("TLS Message Length %d below the %d octets of the packet", h.Length, len(h.Data))
		case int(h.Length) == len(h.Data) && !more:
			// Unfragmented, the length given anyway (RFC 5281 9.2.2
			// allows it; PEAP servers do it).
			return h.Data, true, nil
		default:
			f.in, f.inWant, f.inBusy = f.in[:0], int(h.Length), true
		}
	} else if first {
		if !more {
			return h.Data, true, nil
		}
		// M without L on a first fragment: no length announced, so
		// only MaxMessage bounds the message.
		f.in, f.inWant, f.inBusy = f.in[:0], 0, true
	}
	if more && len(h.Data) == 0 {
		return nil, false, f.abort("an empty fragment with M set")
	}
	limit := f.inWant
	if limit == 0 {
		limit = MaxMessage
	}
	if len(f.in)+len(h.Data) > limit {
		return nil, false, f.abort("fragments add up to more than the %d octets announced", limit)
	}
	f.in = append(f.in, h.Data...)
	switch {
	case f.inWant == 0 && more, f.inWant != 0 && len(f.in) < f.inWant && (more || first):
		// More to come. A first fragment without M is taken when its
		// length says more follows: some servers leave M off it (iwd
		// takes that too).
		return nil, false, nil
	case f.inWant != 0 && len(f.in) < f.inWant:
		return nil, false, f.abort("the last fragment ends at %d octets, %d were announced", len(f.in), f.inWant)
	case more:
		return nil, false, f.abort("M set on the fragment that completes the %d octets announced", f.inWant)
	}
	f.inBusy = false
	return f.in, true, nil
}

// abort drops a message being reassembled and says why.
func (f *Framer) abort(format string, args ...any) error {
	f.in, f.inWant, f.inBusy = f.in[:0], 0, false
	return fmt.Errorf("%w: %s", ErrFraming, fmt.Sprintf(format, args...))
}

// Send starts sending msg (which the Framer keeps) and returns the
// Type-Data of its first or only packet.
func (f *Framer) Send(msg []byte) ([]byte, error) {
	if len(msg) > MaxMessage {
		return nil, fmt.Errorf("%w: a %d-octet TLS message is above %d", ErrFraming, len(msg), MaxMessage)
	}
	f.out, f.outOff, f.outBusy = msg, 0, false
	room := f.mtu() - headerOverhead - 1
	if len(msg) <= room-4 || (len(msg) <= room && !f.AlwaysLength) {
		f.out = nil
		if f.AlwaysLength {
			b := binary.BigEndian.AppendUint32([]byte{f.Version | FlagLength}, uint32(len(msg)))
			return append(b, msg...), nil
		}
		return append([]byte{f.Version}, msg...), nil
	}
	return f.next(), nil
}

// Acked takes the server's acknowledgement of the last fragment (its Type-
// Data had no data) and returns the next fragment's Type-Data.
func (f *Framer) Acked(h Header) ([]byte, error) {
	if !f.outBusy {
		return nil, fmt.Errorf("%w: no fragment to acknowledge", ErrFraming)
	}
	if len(h.Data) != 0 || h.Flags&(FlagLength|FlagMore|FlagStart) != 0 {
		return nil, fmt.Errorf("%w: flags %#02x and %d octets where the acknowledgement of our fragment was due", ErrFraming, h.Flags, len(h.Data))
	}
	return f.next(), nil
}

func (f *Framer) next() []byte {
	room := f.mtu() - headerOverhead - 1
	b := []byte{f.Version}
	if f.outOff == 0 {
		b[0] |= FlagLength
		b = binary.BigEndian.AppendUint32(b, uint32(len(f.out)))
		room -= 4
	}
	n := min(room, len(f.out)-f.outOff)
	b = append(b, f.out[f.outOff:f.outOff+n]...)
	f.outOff += n
	f.outBusy = f.outOff < len(f.out)
	if f.outBusy {
		b[0] |= FlagMore
	} else {
		f.out, f.outOff = nil, 0
	}
	return b
}
