package eap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Config is one EAP conversation's settings, from the peer's side.
type Config struct {
	// Identity is the Identity Response's text: iwd's EAP-Identity
	// (the outer, often anonymous, identity for tunnelled methods).
	Identity string
	// Method is the one method the Peer will run: Requests of other
	// types before it starts are answered with a Nak naming it. A fresh
	// Method per conversation.
	Method Method
	// Logger gets one line per state change and per dropped packet
	// (Debug) and per Notification (Info); nil means slog.Default().
	// Give it the interface as an attribute. It never sees secrets.
	Logger *slog.Logger
}

// PeerState is where a Peer is: a coarse view of RFC 4137's peer states
// (IDLE, IDENTITY, METHOD, SUCCESS, FAILURE; the momentary ones, RECEIVED,
// GET_METHOD, SEND_RESPONSE, DISCARD, are inside Receive).
type PeerState int

// Peer states.
const (
	// Idle: nothing received yet, or only Notifications and Naks.
	Idle PeerState = iota
	// Identity: the Identity Response sent, no method started.
	Identity
	// Running: the method has been given its first Request.
	Running
	// Success: the server sent EAP-Success and the method's decision
	// took it; Result holds the keys.
	Success
	// Failure: the conversation ended without success; Err says why.
	Failure
)

func (s PeerState) String() string {
	switch s {
	case Idle:
		return "idle"
	case Identity:
		return "identity"
	case Running:
		return "method"
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return fmt.Sprintf("PeerState(%d)", int(s))
}

// ErrDropped is wrapped by the errors Receive returns for a packet it
// dropped (malformed, unexpected, not for the peer): the conversation
// goes on, nothing is sent. Any other error from Receive ends the
// conversation (State is Failure).
var ErrDropped = errors.New("EAP packet dropped")

// ErrEarlySuccess is wrapped by the failure of a conversation in which the
// server sent EAP-Success before the method could take it: no method run,
// or the method not finished or not satisfied with the server (the
// CVE-2023-52160 class). No keys come out.
var ErrEarlySuccess = errors.New("EAP-Success before the method allowed it")

// ErrServerFailure is wrapped by the failure of a conversation the server
// ended with EAP-Failure.
var ErrServerFailure = errors.New("server sent EAP-Failure")

// Result is the outcome of a successful conversation.
type Result struct {
	Method Type
	// MSK and EMSK are the method's keys (RFC 5247): 64 octets each
	// for the TLS methods and PWD, 32 octets of MSK and no EMSK for
	// MSCHAPv2, none for MD5 and GTC.
	MSK, EMSK []byte
	// SessionID is the method's Session-Id (RFC 5247 1.4) when it
	// names one (SessionIDer): with the EMSK, what ERP (RFC 6696) needs.
	SessionID []byte
}

// PMK is the PMK of an 802.1X AKM: the first n octets of the MSK (IEEE
// 802.11-2020 12.7.1.3: 32 for the 802.1X and 802.1X-SHA256 AKMs, 48 for
// the SHA-384 ones). It fails when the method made no key or too short a
// one: a Wi-Fi connection must not go on with it.
func (r Result) PMK(n int) ([]byte, error) {
	if len(r.MSK) < n {
		return nil, fmt.Errorf("eap: %v gave a %d-octet MSK, the PMK needs %d", r.Method, len(r.MSK), n)
	}
	return bytes.Clone(r.MSK[:n]), nil
}

// Peer is the peer side of one EAP conversation (RFC 3748, RFC 4137). Give
// it each EAP packet from the authenticator with Receive and send what it
// returns. Not safe for concurrent use.
type Peer struct {
	cfg   Config
	log   *slog.Logger
	state PeerState
	err   error

	started  bool   // the method was selected (RFC 4137 selectedMethod)
	haveLast bool   // a Response was sent: lastID, lastReq, lastResp valid
	lastID   uint8  // the Identifier of the last Request answered
	lastReq  []byte // that Request's octets (up to its Length)
	lastResp []byte // the Response sent to it

	result Result
}

// NewPeer returns a Peer in state Idle.
func NewPeer(cfg Config) (*Peer, error) {
	if cfg.Method == nil {
		return nil, errors.New("eap: no method configured")
	}
	switch cfg.Method.Type() {
	case TypeIdentity, TypeNotification, TypeNak, TypeExpanded, TypeExperimental, 0:
		return nil, fmt.Errorf("eap: %v is not a method", cfg.Method.Type())
	}
	p := &Peer{cfg: cfg, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p, nil
}

// Close ends the conversation's secrets: it wipes the Result's MSK and
// EMSK (take the PMK first) and the last Response (EAP-GTC's holds the
// password in clear), and closes the method if it is an io.Closer (the
// methods that hold keys wipe them there). Call it once the conversation
// is over, however it ended; it may be called more than once.
func (p *Peer) Close() error {
	clear(p.result.MSK)
	clear(p.result.EMSK)
	clear(p.lastResp)
	p.result.MSK, p.result.EMSK, p.lastResp, p.lastReq, p.haveLast = nil, nil, nil, nil, false
	if c, ok := p.cfg.Method.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// State is where the conversation is.
func (p *Peer) State() PeerState { return p.state }

// Err is why the conversation failed (nil unless State is Failure).
func (p *Peer) Err() error { return p.err }

// Method is the configured method, for a tunnelled method running this
// Peer inside its tunnel to read its State, Decision and Keys.
func (p *Peer) Method() Method { return p.cfg.Method }

// Result is the method and its keys once State is Success.
func (p *Peer) Result() (Result, error) {
	if p.state != Success {
		return Result{}, fmt.Errorf("eap: no result in state %v", p.state)
	}
	return p.result, nil
}
