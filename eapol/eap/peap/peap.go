package peap

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"log/slog"

	"wifid/eapol/eap"
	"wifid/eapol/eap/tls"
)

// Config is PEAP's settings.
type Config struct {
	// TLS is the tunnel's: CA certificates, server check, MTU. PEAP
	// runs TLS 1.2 at most (iwd speaks no TLS 1.3, and RFC 9427's PEAP
	// keying is not done here): a higher MaxVersion is refused.
	TLS tls.Config
	// Identity is the inner Identity Response (iwd's
	// EAP-PEAP-Phase2-Identity), sent only inside the tunnel.
	Identity string
	// Inner is the phase 2 method, fresh per conversation.
	Inner eap.Method
	// OnlyV0 answers a server offering PEAPv1 with v0; otherwise the
	// version is the server's (0 or 1).
	OnlyV0 bool
	// Logger as in package eap; nil means slog.Default().
	Logger *slog.Logger
}

// Method is PEAP. Close it when the conversation is over.
type Method struct {
	t     *tls.Tunnel
	inner *eap.Peer
	log   *slog.Logger

	tlsKey    []byte // PRF(master, "client EAP encryption"), 128 octets
	state     eap.MethodState
	decision  eap.Decision
	doneAfter bool // Done once the last fragment has gone
	msk       []byte
	err       error
}

// New returns PEAP with cfg.
func New(cfg Config) (*Method, error) {
	if cfg.Inner == nil {
		return nil, errors.New("peap: no inner method")
	}
	if cfg.TLS.MaxVersion > stdtls.VersionTLS12 {
		return nil, errors.New("peap: TLS 1.3 (RFC 9427's PEAP keying) is not supported")
	}
	maxV := uint8(1)
	if cfg.OnlyV0 {
		maxV = 0
	}
	t, err := tls.NewTunnel(eap.TypePEAP, maxV, stdtls.VersionTLS12, cfg.TLS)
	if err != nil {
		return nil, fmt.Errorf("peap: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	inner, err := eap.NewPeer(eap.Config{Identity: cfg.Identity, Method: cfg.Inner, Logger: log.With("phase", 2)})
	if err != nil {
		return nil, fmt.Errorf("peap: %w", err)
	}
	return &Method{t: t, inner: inner, log: log}, nil
}

func (m *Method) Type() eap.Type           { return eap.TypePEAP }
func (m *Method) State() eap.MethodState   { return m.state }
func (m *Method) Decision() eap.Decision   { return m.decision }
func (m *Method) Keys() (msk, emsk []byte) { return m.msk, nil }

// Err is why the method failed.
func (m *Method) Err() error { return m.err }

// Version is the negotiated PEAP version, -1 before the Start.
func (m *Method) Version() int { return m.t.Version() }

// Close ends the TLS connection and its goroutine, closes the inner
// conversation and wipes the tunnel's key and the MSK; a cached session
// is forgotten unless the method succeeded.
func (m *Method) Close() error {
	if m.decision == eap.DecisionFail {
		m.t.Forget()
	}
	m.t.Close()
	m.inner.Close()
	clear(m.tlsKey)
	clear(m.msk)
	m.tlsKey, m.msk = nil, nil
	return nil
}

// Process takes one PEAP Request.
func (m *Method) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	if m.doneAfter && !m.t.Sending() {
		return nil, errors.New("peap: a Request after the method ended")
	}
	resp, err := m.process(ctx, id, data)
	if errors.Is(err, eap.ErrDropped) {
		return nil, fmt.Errorf("inner packet: %w", err)
	}
	if err != nil {
		return nil, m.fail(err)
	}
	if m.doneAfter && !m.t.Sending() {
		m.state = eap.Done
		m.t.Close()
	}
	return resp, nil
}

func (m *Method) fail(err error) error {
	m.state, m.decision, m.err = eap.Done, eap.DecisionFail, err
	clear(m.msk)
	m.msk = nil
	m.t.Close()
	return err
}

func (m *Method) process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	reply, rcv, err := m.t.Receive(ctx, data)
	if err != nil || reply != nil {
		return reply, err
	}
	if rcv.Start && m.t.Version() == 0 {
		// iwd: Windows NPS computes a wrong Compound MAC unless every
		// handshake packet carries the TLS Message Length.
		m.t.SetAlwaysLength(true)
	}
	if !rcv.Established {
		return m.t.Respond()
	}
	if m.tlsKey == nil {
		m.t.SetAlwaysLength(false)
		k, err := m.t.ExportKeys(tls.LabelEAPTLS12, nil, 128)
		if err != nil {
			return nil, err
		}
		m.tlsKey = k
	}
	if rcv.Closed {
		return nil, errors.New("the server closed the tunnel before phase 2 ended")
	}
	if len(rcv.Plain) == 0 {
		return m.t.Respond()
	}
	if isExtensions(rcv.Plain) {
		return m.extensions(rcv.Plain)
	}
	return m.phase2(ctx, id, rcv.Plain)
}

// phase2 hands an inner packet to the inner Peer and sends its answer.
func (m *Method) phase2(ctx context.Context, id uint8, plain []byte) ([]byte, error) {
	pkt := plain
	if m.t.Version() == 0 {
		// Headerless: the outer Identifier stands in.
		pkt = append([]byte{byte(eap.CodeRequest), id, byte((len(plain) + 4) >> 8), byte(len(plain) + 4)}, plain...)
	}
	resp, err := m.inner.Receive(ctx, pkt)
	switch m.inner.State() {
	case eap.Failure:
		return nil, fmt.Errorf("inner %v: %w", m.inner.Method().Type(), m.inner.Err())
	case eap.Success:
		// PEAPv1: the inner EAP-Success. Acknowledge in the clear
		// (iwd: servers want it) and take the outer Success.
		m.log.Info("peap phase 2 succeeded", "version", m.t.Version(), "inner", m.inner.Method().Type())
		m.succeed(m.tlsKey[:64])
		return m.t.Respond()
	}
	if err != nil {
		return nil, err // dropped: nothing is sent
	}
	if m.t.Version() == 0 && resp != nil {
		resp = resp[4:]
	}
	if err := m.t.Write(resp); err != nil {
		return nil, err
	}
	return m.t.Respond()
}

// innerDone tells whether the inner method has finished well (RFC 4137:
// not Continue, decision not Fail).
func (m *Method) innerDone() bool {
	im := m.inner.Method()
	return m.inner.State() == eap.Success ||
		m.inner.State() == eap.Running && im.State() != eap.Continue && im.Decision() != eap.DecisionFail
}

// extensions answers an Extensions Request: the Result TLV (success only
// if the inner method succeeded too) and, when the server sent one, the
// Crypto-Binding TLV.
func (m *Method) extensions(plain []byte) ([]byte, error) {
	pkt, err := eap.Parse(plain)
	if err != nil || pkt.Code != eap.CodeRequest || pkt.Len() != len(plain) {
		return nil, fmt.Errorf("%w: an Extensions packet that is not a whole Request", ErrTLV)
	}
	tlvs, err := ParseTLVs(pkt.Data)
	if err != nil {
		return nil, err
	}
	var result *TLV
	var cb *TLV
	for i, t := range tlvs {
		switch t.Type {
		case TLVResult:
			result = &tlvs[i]
		case TLVCryptoBinding:
			cb = &tlvs[i]
		default:
			if t.Mandatory {
				return nil, fmt.Errorf("%w: mandatory TLV %d unknown", ErrTLV, t.Type)
			}
		}
	}
	if result == nil {
		return nil, fmt.Errorf("%w: an Extensions Request without a Result TLV", ErrTLV)
	}
	if len(result.Value) != 2 {
		return nil, fmt.Errorf("%w: Result TLV of %d octets", ErrTLV, len(result.Value))
	}
	said := uint16(result.Value[0])<<8 | uint16(result.Value[1])
	if said != ResultSuccess && said != ResultFailure {
		return nil, fmt.Errorf("%w: Result %d", ErrTLV, said)
	}
	ours := uint16(ResultFailure)
	var why error
	switch {
	case said == ResultFailure:
		why = errors.New("the server's Result TLV says failure")
	case m.t.Resumed() && m.inner.State() != eap.Running:
		// A resumed session: the server authenticated us in the
		// conversation that made it and runs no phase 2 (iwd takes
		// it so). Nothing is cached without a full success first.
		ours = ResultSuccess
	case m.inner.State() != eap.Running:
		why = errors.New("the server reported success without running the inner method (phase 2 skipped)")
	case !m.innerDone():
		why = fmt.Errorf("the server reported success, the inner %v did not finish well", m.inner.Method().Type())
	default:
		ours = ResultSuccess
	}
	out := AppendTLV(nil, TLVResult, true, []byte{0, byte(ours)})
	var msk []byte
	if cb != nil && ours == ResultSuccess {
		innerMSK, _ := m.inner.Method().Keys()
		imck := IMCK(m.tlsKey, innerMSK)
		defer clear(imck)
		nonce, err := checkCryptoBinding(cb.Value, imck)
		if err != nil {
			return nil, err
		}
		out = append(out, CryptoBindingTLV(cbSubResponse, nonce, imck)...)
		csk := CSK(imck)
		defer clear(csk)
		msk = csk[:64]
	}
	resp, err := ExtensionsPacket(eap.CodeResponse, pkt.ID, out)
	if err != nil {
		return nil, err
	}
	if err := m.t.Write(resp); err != nil {
		return nil, err
	}
	if ours != ResultSuccess {
		// The Failure Result goes out; the method has failed, so a
		// Success that follows is refused.
		m.log.Warn("peap phase 2 failed", "err", why)
		m.state, m.decision, m.err = eap.Done, eap.DecisionFail, why
		return m.t.Respond()
	}
	if msk == nil {
		msk = m.tlsKey[:64]
	}
	m.log.Info("peap phase 2 succeeded", "version", m.t.Version(), "inner", m.inner.Method().Type(), "crypto_binding", cb != nil)
	m.succeed(msk)
	return m.t.Respond()
}

func (m *Method) succeed(msk []byte) {
	m.msk = bytes.Clone(msk)
	m.decision = eap.DecisionCondSucc
	m.doneAfter = true
}
