package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"

	"wifid/eapol/eap"
)

// Key derivation labels and the TLS 1.3 context of EAP-TLS.
const (
	// LabelEAPTLS12 is RFC 5216 2.3's PRF label for the MSK and EMSK
	// (also PEAP's, which takes it from EAP-TLS).
	LabelEAPTLS12 = "client EAP encryption"
	// LabelEAPTLS13 is RFC 9190 2.3's exporter label; its context is
	// the method's Type-Code.
	LabelEAPTLS13 = "EXPORTER_EAP_TLS_Key_Material"
)

// commitment is RFC 9190 2.5's Commitment Message: one octet of
// application data, 0x00, by which a TLS 1.3 server says the handshake
// is over.
const commitment = 0x00

// Method is EAP-TLS (RFC 5216, and RFC 9190 for TLS 1.3): the peer and
// server authenticate each other with certificates inside the TLS
// handshake; the keys come from the TLS keys.
//
// The method ends (Done, DecisionCondSucc, keys set) when the handshake
// is complete and, in TLS 1.3, the server has committed to it with the
// Commitment Message (or closed the connection with close_notify, as
// early TLS 1.3 servers did); a Success before that is refused by the
// Peer. Close the method when the conversation is over, however it ended,
// to end the handshake's goroutine (it also ends by itself when the
// method does, or after IdleTimeout).
type Method struct {
	t         *Tunnel
	state     eap.MethodState
	decision  eap.Decision
	doneAfter bool // Done once the last fragment has gone
	msk, emsk []byte
	err       error
}

// New returns EAP-TLS with cfg (Certificate is the client certificate;
// without one a server that insists on it refuses the peer).
func New(cfg Config) (*Method, error) {
	t, err := NewTunnel(eap.TypeTLS, 0, stdtls.VersionTLS13, cfg)
	if err != nil {
		return nil, err
	}
	return &Method{t: t}, nil
}

func (m *Method) Type() eap.Type           { return eap.TypeTLS }
func (m *Method) State() eap.MethodState   { return m.state }
func (m *Method) Decision() eap.Decision   { return m.decision }
func (m *Method) Keys() (msk, emsk []byte) { return m.msk, m.emsk }
func (m *Method) Err() error               { return m.err }
func (m *Method) Tunnel() *Tunnel          { return m.t }

// Close ends the TLS connection and its goroutine and wipes the MSK and
// EMSK; a cached session is forgotten unless the method succeeded.
func (m *Method) Close() error {
	if m.decision == eap.DecisionFail {
		m.t.Forget()
	}
	m.t.Close()
	m.wipeKeys()
	return nil
}

func (m *Method) wipeKeys() {
	clear(m.msk)
	clear(m.emsk)
	m.msk, m.emsk = nil, nil
}

// Process takes one EAP-TLS Request.
func (m *Method) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	resp, err := m.process(ctx, data)
	if err != nil {
		m.state, m.decision, m.err = eap.Done, eap.DecisionFail, err
		m.wipeKeys()
		m.t.Close()
		return nil, err
	}
	if m.doneAfter && !m.t.Sending() {
		m.state, m.decision = eap.Done, eap.DecisionCondSucc
		m.t.Close()
	}
	return resp, nil
}

func (m *Method) process(ctx context.Context, data []byte) ([]byte, error) {
	reply, rcv, err := m.t.Receive(ctx, data)
	if err != nil || reply != nil {
		return reply, err
	}
	if !rcv.Established || m.doneAfter {
		if m.doneAfter && (len(rcv.Plain) > 0 || rcv.Closed) {
			return nil, errors.New("data from the server after the handshake ended")
		}
		return m.t.Respond()
	}
	cs, _ := m.t.ConnectionState()
	if cs.Version == stdtls.VersionTLS13 {
		switch {
		case len(rcv.Plain) == 0 && !rcv.Closed:
			// The server has not committed yet: our Finished (if
			// not sent already) and wait.
			return m.t.Respond()
		case len(rcv.Plain) == 1 && rcv.Plain[0] == commitment, len(rcv.Plain) == 0 && rcv.Closed:
		default:
			return nil, fmt.Errorf("%d octets of application data where TLS 1.3's Commitment Message was due", len(rcv.Plain))
		}
		k, err := m.t.ExportKeys(LabelEAPTLS13, []byte{byte(eap.TypeTLS)}, 128)
		if err != nil {
			return nil, err
		}
		m.msk, m.emsk = k[:64], k[64:]
	} else {
		if len(rcv.Plain) > 0 || rcv.Closed {
			return nil, errors.New("application data in an EAP-TLS handshake")
		}
		k, err := m.t.ExportKeys(LabelEAPTLS12, nil, 128)
		if err != nil {
			return nil, err
		}
		m.msk, m.emsk = k[:64], k[64:]
	}
	m.doneAfter = true
	return m.t.Respond()
}
