package eaptest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"wifid/eapol/eap"
	eaptls "wifid/eapol/eap/tls"
)

// Tunnel is the server side of what runs inside a TLS tunnel (PEAP's and
// TTLS's phase 2): plaintext in, plaintext out.
type Tunnel interface {
	// Begin is the first plaintext the server sends once the handshake
	// is over and the peer has acknowledged its last flight (nil to wait
	// for the peer, as TTLS does).
	Begin(t *TLS) ([]byte, error)
	// Process takes the peer's plaintext (nil for an empty Response)
	// and returns the next plaintext, or the end.
	Process(t *TLS, plain []byte) ([]byte, Verdict, error)
	// Keys are the MSK and EMSK the server derives at the end.
	Keys(t *TLS) (msk, emsk []byte)
}

// TLS is the server side of EAP-TLS, PEAP and TTLS over crypto/tls: it
// sends the Start, runs the handshake with fragmentation both ways
// (eaptls.Framer), and hands the tunnel to Inner. Without Inner it is
// EAP-TLS: after the handshake (and TLS 1.3's Commitment Message) the
// peer's acknowledgement is answered with Success. Close it when done.
type TLS struct {
	MethodType eap.Type    // TypeTLS, TypePEAP or TypeTTLS
	Version    uint8       // the version offered in the Start
	Config     *tls.Config // the server's TLS config
	MTU        int         // the largest EAP packet the server sends
	Inner      Tunnel      // phase 2; nil for EAP-TLS

	// Hostile knobs.
	//
	// NoCommitment leaves out TLS 1.3's Commitment Message: the EAP-TLS
	// server goes straight to Success after the peer's Finished.
	NoCommitment bool
	// CloseNotify ends a TLS 1.3 EAP-TLS handshake with close_notify
	// in place of the Commitment Message (as servers of RFC 9190's
	// drafts did).
	CloseNotify bool
	// HugeLength announces this TLS Message Length on the first
	// fragment of every message instead of the real one.
	HugeLength uint32
	// EndlessFragments sets M on every fragment, the last too, and
	// keeps sending fragments of garbage.
	EndlessFragments bool

	framer    eaptls.Framer
	engine    *eaptls.Engine
	endlessOn bool
	respID    uint8 // the Identifier of the Response being processed
	phase     int   // 0 handshake, 1 final flight sent, 2 inner running
	keysOut   [2][]byte
}

func (s *TLS) Type() eap.Type { return s.MethodType }

// Keys are the server's MSK and EMSK.
func (s *TLS) Keys() (msk, emsk []byte) {
	if s.Inner != nil {
		return s.Inner.Keys(s)
	}
	return s.keysOut[0], s.keysOut[1]
}

// ConnectionState is the server's TLS state once the handshake is
// complete, the zero state before (crypto/tls holds the state's lock for
// the whole handshake).
func (s *TLS) ConnectionState() tls.ConnectionState {
	if s.engine == nil || !s.engine.HandshakeComplete() {
		return tls.ConnectionState{}
	}
	return s.engine.Conn().ConnectionState()
}

// ResponseID is the Identifier of the peer's Response being processed;
// the next Request's is one more.
func (s *TLS) ResponseID() uint8 { return s.respID }

// Negotiated is the version the peer answered the Start with.
func (s *TLS) Negotiated() uint8 { return s.framer.Version }

// Export is the server's keying material.
func (s *TLS) Export(label string, context []byte, n int) ([]byte, error) {
	cs := s.ConnectionState()
	return cs.ExportKeyingMaterial(label, context, n)
}

// Write sends plaintext through the tunnel with the next Request.
func (s *TLS) Write(plain []byte) error { return s.engine.Write(plain) }

// Close ends the server's TLS goroutine.
func (s *TLS) Close() {
	if s.engine != nil {
		s.engine.Close()
	}
}

func (s *TLS) Start(id uint8, identity string) ([]byte, error) {
	s.framer.MTU = s.MTU
	s.framer.Version = s.Version
	s.engine = eaptls.NewEngine(func(c net.Conn) *tls.Conn { return tls.Server(c, s.Config) })
	return []byte{eaptls.FlagStart | s.Version}, nil
}

func (s *TLS) Process(id uint8, data []byte) ([]byte, Verdict, error) {
	s.respID = id
	h, err := eaptls.ParseHeader(data)
	if err != nil {
		return nil, Reject, err
	}
	if s.phase == 0 && s.engine != nil && !s.engine.HandshakeComplete() && s.framer.Version != h.Flags&eaptls.VersionMask {
		// The peer's first answer sets the version.
		s.framer.Version = h.Flags & eaptls.VersionMask
	}
	if s.endlessOn {
		return s.endless(), Continue, nil
	}
	if s.framer.Sending() {
		next, err := s.framer.Acked(h)
		if err != nil {
			return nil, Reject, err
		}
		return s.tamper(next), Continue, nil
	}
	msg, done, err := s.framer.Receive(h)
	if err != nil {
		return nil, Reject, err
	}
	if !done {
		return s.framer.Ack(), Continue, nil
	}
	ctx := context.Background()
	switch s.phase {
	case 0:
		out, plain, _, err := s.engine.Feed(ctx, msg)
		if err != nil {
			return nil, Reject, err
		}
		if len(plain) > 0 && (s.Inner == nil || !s.engine.HandshakeComplete()) {
			return nil, Reject, errors.New("eaptest: application data during the handshake")
		}
		if s.engine.HandshakeComplete() && len(out) == 0 && s.ConnectionState().Version != tls.VersionTLS13 {
			// A resumed TLS 1.2 session: the peer's Finished came
			// last (RFC 5216 2.1.2).
			if s.Inner == nil {
				if err := s.deriveTLSKeys(); err != nil {
					return nil, Reject, err
				}
				return nil, Accept, nil
			}
			s.phase = 2
			if len(plain) > 0 {
				next, v, err := s.Inner.Process(s, plain)
				if v != Continue || err != nil {
					return nil, v, err
				}
				if next != nil {
					if err := s.engine.Write(next); err != nil {
						return nil, Reject, err
					}
				}
				return s.send(s.engine.Output())
			}
			first, err := s.Inner.Begin(s)
			if err != nil {
				return nil, Reject, err
			}
			if first != nil {
				if err := s.engine.Write(first); err != nil {
					return nil, Reject, err
				}
			}
			return s.send(s.engine.Output())
		}
		if s.engine.HandshakeComplete() {
			s.phase = 1
			if s.Inner == nil && s.ConnectionState().Version == tls.VersionTLS13 {
				if err := s.deriveTLSKeys(); err != nil {
					return nil, Reject, err
				}
				if s.NoCommitment {
					return nil, Accept, nil
				}
				commit := func() error { return s.engine.Write([]byte{0}) }
				if s.CloseNotify {
					commit = s.engine.CloseNotify
				}
				if err := commit(); err != nil {
					return nil, Reject, err
				}
				out = append(out, s.engine.Output()...)
			}
		}
		return s.send(out)
	case 1:
		if len(msg) != 0 {
			// TTLS: the peer speaks first in the tunnel.
			if s.Inner == nil {
				return nil, Reject, fmt.Errorf("eaptest: %d octets where the acknowledgement was due", len(msg))
			}
			s.phase = 2
			return s.inner(ctx, msg)
		}
		if s.Inner == nil {
			if s.keysOut[0] == nil {
				if err := s.deriveTLSKeys(); err != nil {
					return nil, Reject, err
				}
			}
			return nil, Accept, nil
		}
		s.phase = 2
		first, err := s.Inner.Begin(s)
		if err != nil {
			return nil, Reject, err
		}
		if first == nil {
			return s.send(nil)
		}
		if err := s.engine.Write(first); err != nil {
			return nil, Reject, err
		}
		return s.send(s.engine.Output())
	}
	return s.inner(ctx, msg)
}

func (s *TLS) inner(ctx context.Context, msg []byte) ([]byte, Verdict, error) {
	out, plain, _, err := s.engine.Feed(ctx, msg)
	if err != nil {
		return nil, Reject, err
	}
	next, v, err := s.Inner.Process(s, plain)
	if v != Continue {
		return nil, v, err
	}
	if err != nil {
		return nil, Reject, err
	}
	if next != nil {
		if err := s.engine.Write(next); err != nil {
			return nil, Reject, err
		}
	}
	return s.send(append(out, s.engine.Output()...))
}

func (s *TLS) deriveTLSKeys() error {
	var k []byte
	var err error
	if s.ConnectionState().Version == tls.VersionTLS13 {
		k, err = s.Export(eaptls.LabelEAPTLS13, []byte{byte(eap.TypeTLS)}, 128)
	} else {
		k, err = s.Export(eaptls.LabelEAPTLS12, nil, 128)
	}
	if err != nil {
		return err
	}
	s.keysOut = [2][]byte{k[:64], k[64:]}
	return nil
}

func (s *TLS) send(out []byte) ([]byte, Verdict, error) {
	if len(out) == 0 {
		return s.framer.Ack(), Continue, nil
	}
	if s.EndlessFragments {
		s.endlessOn = true
		return s.endless(), Continue, nil
	}
	first, err := s.framer.Send(out)
	if err != nil {
		return nil, Reject, err
	}
	return s.tamper(first), Continue, nil
}

// tamper applies HugeLength to a first fragment.
func (s *TLS) tamper(b []byte) []byte {
	if s.HugeLength != 0 && len(b) >= 5 && b[0]&eaptls.FlagLength != 0 {
		b[1], b[2], b[3], b[4] = byte(s.HugeLength>>24), byte(s.HugeLength>>16), byte(s.HugeLength>>8), byte(s.HugeLength)
	}
	return b
}

// endless is a fragment of garbage with M set, and no length.
func (s *TLS) endless() []byte {
	b := make([]byte, 1000)
	b[0] = s.framer.Version | eaptls.FlagMore
	for i := 1; i < len(b); i++ {
		b[i] = 0x16
	}
	return b
}

// Scripted is a Tunnel that answers everything with Plain: for fuzzing
// what a peer does with a server's phase 2 plaintext.
type Scripted struct{ Plain []byte }

func (s *Scripted) Begin(*TLS) ([]byte, error) { return s.Plain, nil }
func (s *Scripted) Process(*TLS, []byte) ([]byte, Verdict, error) {
	return s.Plain, Continue, nil
}
func (s *Scripted) Keys(*TLS) (msk, emsk []byte) { return nil, nil }
