// Package eaptest is the authenticator's side of EAP for tests of package
// eap and its methods: a Server that asks for the identity, runs one of
// its server-side Methods and ends with Success or Failure, with knobs to
// play a hostile server. Each method's server side is a Method here or in
// the test files of the method's package; the Server knows nothing of
// what they carry.
package eaptest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"wifid/eapol/eap"
)

// Verdict is where a server Method is after a Response.
type Verdict int

// Verdicts.
const (
	// Continue: send the Request returned.
	Continue Verdict = iota
	// Accept: the peer authenticated: send Success.
	Accept
	// Reject: the peer failed (the error says why): send Failure.
	Reject
)

// Method is the server side of one EAP method.
type Method interface {
	Type() eap.Type
	// Start is the Type-Data of the method's first Request, whose
	// Identifier is id; identity is what the peer's Identity Response
	// said.
	Start(id uint8, identity string) ([]byte, error)
	// Process takes the Type-Data of the peer's Response to Request id
	// and returns the next Request's Type-Data (Verdict Continue) or
	// the end.
	Process(id uint8, data []byte) (next []byte, v Verdict, err error)
	// Keys are the MSK and EMSK the server derived, to compare with
	// the peer's.
	Keys() (msk, emsk []byte)
}

// Server is the authenticator and EAP server in one. Set the fields, then
// Run a Peer against it, or drive it by hand with First and Handle.
type Server struct {
	// Methods are offered in order: the first is proposed, a Nak moves
	// to the first one it lists.
	Methods []Method
	// NoIdentity skips the Identity Request: the first Request is the
	// method's.
	NoIdentity bool

	// Hostile knobs.
	//
	// SuccessAfterIdentity sends Success in answer to the Identity
	// Response: no method runs.
	SuccessAfterIdentity bool
	// SuccessAt, if not 0, sends Success in place of the method's n-th
	// Request (1 is the first).
	SuccessAt int
	// Tamper, if set, sees every packet the Server sends and returns
	// what goes out instead.
	Tamper func(pkt []byte) []byte

	// What happened, for the test to read.
	Identity string     // the peer's Identity Response
	Method   Method     // the method running, nil before
	Naks     []eap.Type // types listed by the peer's Naks
	Verdict  Verdict    // Continue until the Server sent Success or Failure
	Err      error      // why it rejected
	Sent     int        // method Requests sent

	id      uint8
	pending eap.Type // the type of the Request outstanding
}

// First is the first packet: an Identity Request, or with NoIdentity the
// first method's first Request.
func (s *Server) First() ([]byte, error) {
	s.id = 1
	if s.NoIdentity {
		return s.startMethod(s.Methods[0])
	}
	return s.send(eap.Packet{Code: eap.CodeRequest, ID: s.id, Type: eap.TypeIdentity})
}

// Handle takes the peer's Response and returns the next packet.
func (s *Server) Handle(b []byte) ([]byte, error) {
	p, err := eap.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("eaptest: %w", err)
	}
	if p.Code != eap.CodeResponse {
		return nil, fmt.Errorf("eaptest: peer sent %v", p)
	}
	if p.ID != s.id {
		return nil, fmt.Errorf("eaptest: %v answers id %d, the Request was %d", p, p.ID, s.id)
	}
	switch {
	case p.Type == eap.TypeIdentity && s.pending == eap.TypeIdentity:
		s.Identity = string(p.Data)
		if s.SuccessAfterIdentity {
			return s.end(eap.CodeSuccess)
		}
		s.id++
		return s.startMethod(s.Methods[0])
	case p.Type == eap.TypeNak || p.Type == eap.TypeExpanded && p.VendorType == uint32(eap.TypeNak):
		var want []eap.Type
		if p.Type == eap.TypeNak {
			for _, t := range p.Data {
				want = append(want, eap.Type(t))
			}
		} else {
			for d := p.Data; len(d) >= 8; d = d[8:] {
				want = append(want, eap.Type(binary.BigEndian.Uint32(d[4:8])))
			}
		}
		s.Naks = append(s.Naks, want...)
		for _, m := range s.Methods {
			if slices.Contains(want, m.Type()) && (s.Method == nil || m != s.Method) {
				s.id++
				return s.startMethod(m)
			}
		}
		s.Err = fmt.Errorf("eaptest: peer wants %v, the server has none of them", want)
		return s.end(eap.CodeFailure)
	case s.Method != nil && p.Type == s.Method.Type():
		next, v, err := s.Method.Process(p.ID, p.Data)
		switch v {
		case Accept:
			return s.end(eap.CodeSuccess)
		case Reject:
			s.Err = err
			return s.end(eap.CodeFailure)
		}
		if err != nil {
			return nil, err
		}
		s.id++
		return s.methodRequest(next)
	}
	return nil, fmt.Errorf("eaptest: unexpected %v", p)
}

func (s *Server) startMethod(m Method) ([]byte, error) {
	s.Method = m
	data, err := m.Start(s.id, s.Identity)
	if err != nil {
		return nil, err
	}
	return s.methodRequest(data)
}

func (s *Server) methodRequest(data []byte) ([]byte, error) {
	s.Sent++
	if s.SuccessAt != 0 && s.Sent == s.SuccessAt {
		s.id--
		return s.end(eap.CodeSuccess)
	}
	return s.send(eap.Packet{Code: eap.CodeRequest, ID: s.id, Type: s.Method.Type(), Data: data})
}

func (s *Server) end(c eap.Code) ([]byte, error) {
	s.Verdict = Reject
	if c == eap.CodeSuccess {
		s.Verdict = Accept
	}
	return s.send(eap.Packet{Code: c, ID: s.id})
}

func (s *Server) send(p eap.Packet) ([]byte, error) {
	if p.Code == eap.CodeRequest {
		s.pending = p.Type
	}
	b, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	if s.Tamper != nil {
		b = s.Tamper(b)
	}
	return b, nil
}

// ErrStalled is returned by Run when the peer sent nothing and had not
// ended: the conversation would wait for a timeout.
var ErrStalled = errors.New("eaptest: peer sent nothing and did not end")

// Run plays a whole conversation between peer and s, up to 100 packets,
// and returns the peer's end: nil when it reached Success, its error
// otherwise (or ErrStalled).
func Run(ctx context.Context, peer *eap.Peer, s *Server) error {
	pkt, err := s.First()
	if err != nil {
		return err
	}
	for range 100 {
		resp, err := peer.Receive(ctx, pkt)
		switch peer.State() {
		case eap.Success:
			return nil
		case eap.Failure:
			return peer.Err()
		}
		if resp == nil {
			if err != nil {
				return fmt.Errorf("%w: %w", ErrStalled, err)
			}
			return ErrStalled
		}
		if pkt, err = s.Handle(resp); err != nil {
			return err
		}
	}
	return errors.New("eaptest: no end after 100 packets")
}
