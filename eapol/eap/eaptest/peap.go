package eaptest

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"wifid/eapol/eap"
	"wifid/eapol/eap/peap"
	eaptls "wifid/eapol/eap/tls"
)

// PEAP is the server side of PEAP's phase 2 (a Tunnel for TLS with
// MethodType TypePEAP): it runs Inner, an EAP server, inside the tunnel,
// without the inner headers in version 0, and ends v0 with the
// Extensions method's Result TLV (and a Crypto-Binding TLV when
// CryptoBinding is set), v1 with an inner EAP-Success or Failure.
type PEAP struct {
	Inner         *Server
	CryptoBinding bool

	// Hostile knobs.
	//
	// SkipPhase2 sends a success Result TLV at once, no inner method run.
	SkipPhase2 bool
	// LieSuccess reports success in the Result TLV even when the inner
	// method failed.
	LieSuccess bool
	// BadMAC spoils the Crypto-Binding Compound MAC.
	BadMAC bool
	// Extensions, if set, is sent as the Extensions Request's TLVs.
	Extensions []byte
	// IgnoreResult accepts whatever Result the peer answers.
	IgnoreResult bool
	// InnerSuccessV1 sends an inner EAP-Success at once in version 1.
	InnerSuccessV1 bool

	tlsKey   []byte
	imck     []byte
	nonce    []byte
	msk      []byte
	ended    bool // the result was sent
	innerOK  bool
	resultID uint8
}

func (p *PEAP) Keys(*TLS) (msk, emsk []byte) { return p.msk, nil }

func (p *PEAP) Begin(t *TLS) ([]byte, error) {
	k, err := t.Export(eaptls.LabelEAPTLS12, nil, 128)
	if err != nil {
		return nil, err
	}
	p.tlsKey = k
	if p.SkipPhase2 {
		p.innerOK = true
		return p.result(t)
	}
	if p.InnerSuccessV1 {
		p.ended = true
		p.msk = k[:64]
		return eap.Packet{Code: eap.CodeSuccess, ID: 1}.Marshal()
	}
	first, err := p.Inner.First()
	if err != nil {
		return nil, err
	}
	// As hostapd: the inner Request takes the outer one's Identifier
	// (PEAPv0's headerless packets leave the peer no other).
	p.Inner.id = t.ResponseID() + 1
	first[1] = p.Inner.id
	return p.wrap(t, first)
}

// wrap strips the header of a v0 inner Request.
func (p *PEAP) wrap(t *TLS, pkt []byte) ([]byte, error) {
	if t.Negotiated() == 0 {
		return pkt[4:], nil
	}
	return pkt, nil
}

func (p *PEAP) Process(t *TLS, plain []byte) ([]byte, Verdict, error) {
	if p.ended {
		if t.Negotiated() == 1 && p.resultID == 0 {
			// v1: the peer's acknowledgement of the inner result.
			if len(plain) != 0 {
				return nil, Reject, fmt.Errorf("eaptest: %d octets after the inner result", len(plain))
			}
			if p.innerOK || p.msk != nil {
				return nil, Accept, nil
			}
			return nil, Reject, errors.New("eaptest: inner method failed")
		}
		return p.resultResponse(plain)
	}
	pkt := plain
	if t.Negotiated() == 0 {
		p.Inner.id = t.ResponseID()
		n := len(plain) + 4
		pkt = append([]byte{byte(eap.CodeResponse), p.Inner.id, byte(n >> 8), byte(n)}, plain...)
	}
	next, err := p.Inner.Handle(pkt)
	if err != nil {
		return nil, Reject, err
	}
	if p.Inner.Verdict == Continue {
		out, err := p.wrap(t, next)
		return out, Continue, err
	}
	p.innerOK = p.Inner.Verdict == Accept
	if t.Negotiated() == 1 {
		p.ended = true
		if p.innerOK {
			p.msk = p.tlsKey[:64]
		}
		return next, Continue, nil // the inner Success or Failure, whole
	}
	out, err := p.result(t)
	return out, Continue, err
}

// result is the Extensions Request ending phase 2.
func (p *PEAP) result(t *TLS) ([]byte, error) {
	p.ended = true
	p.resultID = p.Inner.id + 1
	ok := p.innerOK || p.LieSuccess
	var tlvs []byte
	if p.Extensions != nil {
		tlvs = p.Extensions
	} else {
		r := uint16(peap.ResultFailure)
		if ok {
			r = peap.ResultSuccess
		}
		tlvs = peap.AppendTLV(nil, peap.TLVResult, true, binary.BigEndian.AppendUint16(nil, r))
		if p.CryptoBinding && ok {
			var isk []byte
			if p.Inner.Method != nil {
				isk, _ = p.Inner.Method.Keys()
			}
			p.imck = peap.IMCK(p.tlsKey, isk)
			p.nonce = make([]byte, 32)
			rand.Read(p.nonce)
			cb := peap.CryptoBindingTLV(0, p.nonce, p.imck)
			if p.BadMAC {
				cb[len(cb)-1] ^= 1
			}
			tlvs = append(tlvs, cb...)
		}
	}
	return peap.ExtensionsPacket(eap.CodeRequest, p.resultID, tlvs)
}

// resultResponse checks the peer's Extensions Response.
func (p *PEAP) resultResponse(plain []byte) ([]byte, Verdict, error) {
	pkt, err := eap.Parse(plain)
	if err != nil || pkt.Code != eap.CodeResponse || pkt.Type != eap.TypeTLV || pkt.ID != p.resultID {
		return nil, Reject, fmt.Errorf("eaptest: %v where the Extensions Response was due (%v)", pkt, err)
	}
	tlvs, err := peap.ParseTLVs(pkt.Data)
	if err != nil {
		return nil, Reject, err
	}
	var result uint16
	var cb []byte
	for _, t := range tlvs {
		switch t.Type {
		case peap.TLVResult:
			if len(t.Value) == 2 {
				result = binary.BigEndian.Uint16(t.Value)
			}
		case peap.TLVCryptoBinding:
			cb = peap.AppendTLV(nil, peap.TLVCryptoBinding, false, t.Value)
		}
	}
	if p.IgnoreResult {
		p.msk = p.tlsKey[:64]
		return nil, Accept, nil
	}
	if result != peap.ResultSuccess {
		return nil, Reject, fmt.Errorf("eaptest: the peer's Result is %d", result)
	}
	if p.imck == nil {
		p.msk = p.tlsKey[:64]
		return nil, Accept, nil
	}
	if cb == nil {
		return nil, Reject, errors.New("eaptest: no Crypto-Binding in the response")
	}
	want := peap.CryptoBindingTLV(1, p.nonce, p.imck)
	if string(cb) != string(want) {
		return nil, Reject, errors.New("eaptest: the peer's Crypto-Binding is wrong")
	}
	p.msk = peap.CSK(p.imck)[:64]
	return nil, Accept, nil
}
