package eap

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
)

// Receive takes one EAP packet from the authenticator (the body of an
// EAPOL-EAP frame) and returns the Response to send, nil if none.
//
// An error wrapping ErrDropped means the packet was dropped and the
// conversation goes on; any other error means it has ended in Failure
// (Err returns the same). Success is seen in State; Result holds the keys.
//
// The rules, RFC 4137's with the deviations named:
//   - A Request with the Identifier and octets of the last one answered is
//     a retransmission: the last Response goes again, the method is not
//     called. The same Identifier with other octets is taken as a new
//     Request (some servers reuse Identifiers; wpa_supplicant does the
//     same).
//   - Identity is answered with Config.Identity until the method starts,
//     Notification always (with an empty Response, the text logged), any
//     other type before the method starts with a Nak naming the method
//     (an Expanded Nak for an Expanded Request). Once the method has
//     started, Requests of other types are dropped.
//   - Success and Failure must carry the Identifier of the last Response
//     or the next one (iwd and wpa_supplicant take both for deployed
//     servers that increment it), else they are dropped.
//   - Success is taken only when the method has run and is not Continue
//     and its Decision is not Fail; otherwise the conversation fails with
//     ErrEarlySuccess (RFC 4137 drops a Success during Continue; failing
//     at once tells the user why rather than waiting for a timeout).
//   - Failure ends the conversation, unless the method has finished with
//     DecisionUncondSucc (RFC 4137: then it is not believed).
//   - Responses, codes other than 1 to 4, and malformed packets are
//     dropped, as is anything once the conversation has ended.
func (p *Peer) Receive(ctx context.Context, b []byte) ([]byte, error) {
	if p.state == Success || p.state == Failure {
		return nil, p.drop(fmt.Errorf("conversation already ended in %v", p.state))
	}
	pkt, err := Parse(b)
	if err != nil {
		return nil, p.drop(err)
	}
	switch pkt.Code {
	case CodeRequest:
		raw := b[:binary.BigEndian.Uint16(b[2:4])]
		return p.request(ctx, pkt, raw)
	case CodeSuccess:
		return nil, p.success(pkt)
	case CodeFailure:
		return nil, p.failure(pkt)
	}
	return nil, p.drop(fmt.Errorf("%v is not for a peer", pkt.Code))
}

func (p *Peer) request(ctx context.Context, req Packet, raw []byte) ([]byte, error) {
	if p.haveLast && req.ID == p.lastID {
		if bytes.Equal(raw, p.lastReq) {
			p.log.Debug("eap retransmission", "packet", req)
			return bytes.Clone(p.lastResp), nil
		}
		p.log.Debug("eap request reuses the last identifier with new content: taken as new", "packet", req)
	}
	method := p.cfg.Method
	resp := Packet{Code: CodeResponse, ID: req.ID, Type: req.Type}
	next := p.state
	switch {
	case req.Type == TypeIdentity:
		if p.started {
			return nil, p.drop(fmt.Errorf("%v while %v runs", req, method.Type()))
		}
		resp.Data = []byte(p.cfg.Identity)
		next = Identity
	case req.Type == TypeNotification:
		p.log.Info("eap notification", "text", printable(req.Data, 256))
		resp.Data = nil
	case req.Type == TypeNak:
		return nil, p.drop(fmt.Errorf("%v: Nak is a Response type", req))
	case req.Type == method.Type():
		if p.started && method.State() == Done {
			return nil, p.drop(fmt.Errorf("%v after the method ended", req))
		}
		if !p.started {
			p.log.Debug("eap method starts", "method", method.Type())
		}
		p.started = true
		next = Running
		p.setState(next)
		data, err := method.Process(ctx, req.ID, req.Data)
		if err != nil {
			if method.State() == Done && method.Decision() == DecisionFail {
				return nil, p.fail(fmt.Errorf("eap: %v: %w", method.Type(), err))
			}
			return nil, p.drop(fmt.Errorf("%v: %w", method.Type(), err))
		}
		resp.Data = data
	case p.started:
		return nil, p.drop(fmt.Errorf("%v while %v runs", req, method.Type()))
	case req.Type == TypeExpanded:
		// RFC 3748 5.3.2: an Expanded Nak, Type 254 with Vendor-Id 0
		// and Vendor-Type 3, listing our method as an Expanded Type.
		p.log.Debug("eap nak", "asked", req, "method", method.Type())
		resp.Vendor, resp.VendorType = 0, uint32(TypeNak)
		resp.Data = []byte{byte(TypeExpanded), 0, 0, 0, 0, 0, 0, byte(method.Type())}
	default:
		p.log.Debug("eap nak", "asked", req.Type, "method", method.Type())
		resp.Type = TypeNak
		resp.Data = []byte{byte(method.Type())}
	}
	out, err := resp.Marshal()
	if err != nil {
		return nil, p.fail(fmt.Errorf("eap: %v: %w", method.Type(), err))
	}
	p.haveLast, p.lastID = true, req.ID
	p.lastReq = append(p.lastReq[:0], raw...)
	p.lastResp = out
	p.setState(next)
	return bytes.Clone(out), nil
}

// idMatches tells whether a Success or Failure answers the last Response.
func (p *Peer) idMatches(pkt Packet) bool {
	return !p.haveLast || pkt.ID == p.lastID || pkt.ID == p.lastID+1
}

func (p *Peer) success(pkt Packet) error {
	if !p.idMatches(pkt) {
		return p.drop(fmt.Errorf("%v, the last Response was id=%d", pkt, p.lastID))
	}
	m := p.cfg.Method
	switch {
	case !p.started:
		return p.fail(fmt.Errorf("eap: %w: no method ran", ErrEarlySuccess))
	case m.State() == Continue || m.Decision() == DecisionFail:
		return p.fail(fmt.Errorf("eap: %w: %v is %v with decision %v", ErrEarlySuccess, m.Type(), m.State(), m.Decision()))
	}
	p.result = resultOf(m)
	p.setState(Success)
	return nil
}

func (p *Peer) failure(pkt Packet) error {
	if !p.idMatches(pkt) {
		return p.drop(fmt.Errorf("%v, the last Response was id=%d", pkt, p.lastID))
	}
	m := p.cfg.Method
	if p.started && m.State() != Continue && m.Decision() == DecisionUncondSucc {
		return p.drop(fmt.Errorf("%v after %v succeeded unconditionally", pkt, m.Type()))
	}
	if p.started {
		if why := reason(m); why != nil {
			return p.fail(fmt.Errorf("eap: %w: %v: %w", ErrServerFailure, m.Type(), why))
		}
		return p.fail(fmt.Errorf("eap: %w (%v %v)", ErrServerFailure, m.Type(), m.State()))
	}
	return p.fail(fmt.Errorf("eap: %w before any method ran", ErrServerFailure))
}

// AltAccept is RFC 4137's altAccept: the lower layer has seen success
// without an EAP-Success (on Wi-Fi, EAPOL-Key message 1 of the 4-way
// after a lost Success). It succeeds as a Success would, under the same
// rule; otherwise it changes nothing and says why.
func (p *Peer) AltAccept() error {
	m := p.cfg.Method
	if p.state != Running || m.State() == Continue || m.Decision() == DecisionFail {
		return fmt.Errorf("eap: no success to take: %v, %v %v with decision %v", p.state, m.Type(), m.State(), m.Decision())
	}
	p.result = resultOf(m)
	p.setState(Success)
	return nil
}

func (p *Peer) drop(err error) error {
	err = fmt.Errorf("eap: %w: %w", ErrDropped, err)
	p.log.Debug("eap packet dropped", "state", p.state, "err", err)
	return err
}

func (p *Peer) fail(err error) error {
	p.err = err
	p.setState(Failure)
	return err
}

func (p *Peer) setState(s PeerState) {
	if s == p.state {
		return
	}
	attrs := []any{"from", p.state, "to", s, "method", p.cfg.Method.Type()}
	if s == Failure {
		attrs = append(attrs, "err", p.err)
	}
	p.log.Debug("eap state", attrs...)
	p.state = s
}

// printable is at most n octets of a server's text with control and
// non-ASCII octets escaped, for a log line.
func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return fmt.Sprintf("%q", b)
}

// resultOf is the Result of method m, finished.
func resultOf(m Method) Result {
	msk, emsk := m.Keys()
	r := Result{Method: m.Type(), MSK: bytes.Clone(msk), EMSK: bytes.Clone(emsk)}
	if s, ok := m.(SessionIDer); ok {
		r.SessionID = bytes.Clone(s.SessionID())
	}
	return r
}
