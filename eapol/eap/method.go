package eap

import (
	"context"
	"fmt"
)

// Method is the peer side of one EAP method for one conversation (a fresh
// value per attempt). The Peer hands it every Request of its Type once the
// method is selected, and reads its State and Decision to judge a
// Success or Failure that follows (RFC 4137 3.2, methodState and
// decision).
//
// Methods that carry other methods (PEAP, TTLS) run an inner Peer or an
// inner Method over their tunnel; methods that fragment (TLS and its
// kin) keep their reassembly buffers themselves and answer each fragment
// with the Response the next one needs. Process is called by one
// goroutine at a time and must not keep data past its return.
type Method interface {
	// Type is the method's EAP Type: what the Peer answers a Nak with
	// and which Requests it hands to Process.
	Type() Type

	// Process answers one Request of the method's Type: id is its
	// Identifier (EAP-MD5 hashes it), data its Type-Data. On nil error
	// the Peer sends a Response of the method's Type carrying resp as
	// Type-Data (resp may be empty). On error nothing is sent: the
	// Request is dropped (RFC 4137's ignore) and the conversation goes
	// on, unless the method has now ended with State Done and Decision
	// Fail, which ends it (a server that could not prove itself). ctx
	// bounds what the method asks of its Secrets.
	Process(ctx context.Context, id uint8, data []byte) (resp []byte, err error)

	// State is RFC 4137's methodState after the last Process.
	State() MethodState

	// Decision is RFC 4137's decision after the last Process: whether
	// an EAP-Success may be taken now. It must stay DecisionFail until
	// the method has authenticated the server as far as it can (e.g.
	// MSCHAPv2's authenticator response checked, a TLS tunnel's
	// inner method finished).
	Decision() Decision

	// Keys are the MSK and EMSK (64 octets each for the methods that
	// make keys), nil for methods that make none (MD5, GTC) or before
	// they are derived.
	Keys() (msk, emsk []byte)
}

// SessionIDer is a Method that names its session once done: RFC 5247
// 1.4's Session-Id (Type-Code | Method-Id), which ERP (RFC 6696) derives
// the EMSK's name from.
type SessionIDer interface {
	SessionID() []byte
}

// MethodState is RFC 4137's methodState: where a method is.
type MethodState int

// States of RFC 4137 3.2 (INIT is a method not yet called: Continue).
const (
	// Continue: the method has more to do; a Success or Failure now
	// is not taken as the end.
	Continue MethodState = iota
	// MayContinue: the method could end here or go on, as the server
	// says.
	MayContinue
	// Done: the method has ended; Decision says how.
	Done
)

func (s MethodState) String() string {
	switch s {
	case Continue:
		return "continue"
	case MayContinue:
		return "may-continue"
	case Done:
		return "done"
	}
	return fmt.Sprintf("MethodState(%d)", int(s))
}

// Decision is RFC 4137's decision: whether the method would take an
// EAP-Success.
type Decision int

// Decisions of RFC 4137 3.2.
const (
	// DecisionFail: a Success is refused (the zero value, so a method
	// must raise it on purpose).
	DecisionFail Decision = iota
	// DecisionCondSucc: a Success is taken if the server sends one.
	DecisionCondSucc
	// DecisionUncondSucc: the method has succeeded whatever the server
	// sends (a Failure is then not believed).
	DecisionUncondSucc
)

func (d Decision) String() string {
	switch d {
	case DecisionFail:
		return "fail"
	case DecisionCondSucc:
		return "cond-succ"
	case DecisionUncondSucc:
		return "uncond-succ"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Reasoner is implemented by methods that can say why they failed beyond
// the server's EAP-Failure (MSCHAPv2's "error 691 authentication
// failure", a TLS alert): the Peer's error then names it.
type Reasoner interface {
	Err() error
}

// reason is m's Err, nil if it has none.
func reason(m Method) error {
	if r, ok := m.(Reasoner); ok {
		return r.Err()
	}
	return nil
}
