package ttls

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"wifid/eapol/eap"
	"wifid/eapol/eap/mschap"
	"wifid/eapol/eap/tls"
)

// Labels of RFC 5281 8 (keys) and 11.2.2 (the CHAP-style challenges).
const (
	LabelKeys      = "ttls keying material"
	LabelChallenge = "ttls challenge"
)

// Tunneled is a non-EAP phase 2 method (iwd's EAP-TTLS-Phase2-Method
// Tunneled-*).
type Tunneled int

// Non-EAP phase 2 methods.
const (
	// InnerEAP: phase 2 is an EAP method (Config.EAP).
	InnerEAP Tunneled = iota
	PAP
	CHAP
	MSCHAP
	MSCHAPv2
)

func (t Tunneled) String() string {
	switch t {
	case InnerEAP:
		return "EAP"
	case PAP:
		return "Tunneled-PAP"
	case CHAP:
		return "Tunneled-CHAP"
	case MSCHAP:
		return "Tunneled-MSCHAP"
	case MSCHAPv2:
		return "Tunneled-MSCHAPv2"
	}
	return fmt.Sprintf("Tunneled(%d)", int(t))
}

// Config is EAP-TTLS's settings.
type Config struct {
	// TLS is the tunnel's; TTLS runs TLS 1.2 at most (iwd speaks no
	// TLS 1.3; RFC 9427's TTLS keying is not done here): a higher
	// MaxVersion is refused.
	TLS tls.Config
	// Phase2 is the non-EAP method, or InnerEAP.
	Phase2 Tunneled
	// Credentials are the non-EAP method's user and password
	// (EAP-TTLS-Phase2-Identity and -Password), asked for if missing,
	// and only once the server has proved itself.
	Credentials eap.Credentials
	// EAP and Identity are the inner EAP method and its Identity
	// Response (Phase2 InnerEAP).
	EAP      eap.Method
	Identity string
	// Rand is MS-CHAPv2's peer challenge source; crypto/rand if nil.
	Rand io.Reader
	// Logger as in package eap.
	Logger *slog.Logger
}

// Method is EAP-TTLS (RFC 5281), version 0. Its decision stays Fail until
// phase 2 has done its part: the credentials sent (PAP, CHAP, MS-CHAP,
// which have no answer but the server's EAP-Success), the server's
// MS-CHAP2-Success checked (MS-CHAPv2), the inner EAP method finished
// well (EAP). Close it when the conversation is over.
type Method struct {
	cfg   Config
	t     *tls.Tunnel
	inner *eap.Peer
	log   *slog.Logger

	keys     []byte // the tunnel's 128 octets, taken at the end
	started  bool   // phase 2 began
	state    eap.MethodState
	decision eap.Decision
	err      error

	// MS-CHAPv2's exchange, kept to check the server's answer.
	user       string
	hash       [mschap.HashLen]byte
	auth, peer [mschap.ChallengeLen]byte
	nt         [mschap.NTResponseLen]byte
	ident      uint8
}

// New returns EAP-TTLS with cfg.
func New(cfg Config) (*Method, error) {
	if cfg.Phase2 < InnerEAP || cfg.Phase2 > MSCHAPv2 {
		return nil, fmt.Errorf("ttls: %v unknown", cfg.Phase2)
	}
	if cfg.TLS.MaxVersion > stdtls.VersionTLS12 {
		return nil, errors.New("ttls: TLS 1.3 (RFC 9427's TTLS keying) is not supported")
	}
	t, err := tls.NewTunnel(eap.TypeTTLS, 0, stdtls.VersionTLS12, cfg.TLS)
	if err != nil {
		return nil, fmt.Errorf("ttls: %w", err)
	}
	m := &Method{cfg: cfg, t: t, log: cfg.Logger}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.cfg.Rand == nil {
		m.cfg.Rand = rand.Reader
	}
	if cfg.Phase2 == InnerEAP {
		if cfg.EAP == nil {
			return nil, errors.New("ttls: no inner EAP method")
		}
		m.inner, err = eap.NewPeer(eap.Config{Identity: cfg.Identity, Method: cfg.EAP, Logger: m.log.With("phase", 2)})
		if err != nil {
			return nil, fmt.Errorf("ttls: %w", err)
		}
	}
	return m, nil
}

func (m *Method) Type() eap.Type         { return eap.TypeTTLS }
func (m *Method) State() eap.MethodState { return m.state }
func (m *Method) Decision() eap.Decision { return m.decision }

// Keys are the MSK and EMSK, once the decision allows a Success.
func (m *Method) Keys() (msk, emsk []byte) {
	if m.decision == eap.DecisionFail || m.keys == nil {
		return nil, nil
	}
	return m.keys[:64], m.keys[64:]
}

// Err is why the method failed.
func (m *Method) Err() error { return m.err }

// Close ends the TLS connection and its goroutine, closes the inner EAP
// conversation and wipes the keys and MS-CHAPv2's password hash; a cached
// session is forgotten unless the method succeeded.
func (m *Method) Close() error {
	if m.decision == eap.DecisionFail {
		m.t.Forget()
	}
	m.t.Close()
	if m.inner != nil {
		m.inner.Close()
	}
	clear(m.keys)
	clear(m.hash[:])
	m.keys = nil
	return nil
}

// Process takes one EAP-TTLS Request.
func (m *Method) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	resp, err := m.process(ctx, data)
	if errors.Is(err, eap.ErrDropped) {
		return nil, fmt.Errorf("inner packet: %w", err)
	}
	if err != nil {
		m.state, m.decision, m.err = eap.Done, eap.DecisionFail, err
		clear(m.keys)
		m.keys = nil
		m.t.Close()
		return nil, err
	}
	return resp, nil
}

func (m *Method) process(ctx context.Context, data []byte) ([]byte, error) {
	reply, rcv, err := m.t.Receive(ctx, data)
	if err != nil || reply != nil {
		return reply, err
	}
	if !rcv.Established {
		return m.t.Respond()
	}
	if rcv.Closed {
		return nil, errors.New("the server closed the tunnel")
	}
	if !m.started {
		m.started = true
		k, err := m.t.ExportKeys(LabelKeys, nil, 128)
		if err != nil {
			return nil, err
		}
		m.keys = k
		m.log.Debug("ttls phase 2 starts", "method", m.cfg.Phase2)
		first, err := m.begin(ctx)
		if err != nil {
			return nil, err
		}
		if err := m.t.Write(first); err != nil {
			return nil, err
		}
		if m.t.Resumed() {
			// A resumed session: the server may end at once with
			// EAP-Success, as it authenticated us before.
			m.state, m.decision = eap.MayContinue, eap.DecisionCondSucc
		}
		if len(rcv.Plain) == 0 {
			return m.t.Respond()
		}
	}
	if len(rcv.Plain) == 0 {
		return m.t.Respond()
	}
	avps, err := ParseAVPs(rcv.Plain)
	if err != nil {
		return nil, err
	}
	out, err := m.phase2(ctx, avps)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := m.t.Write(out); err != nil {
			return nil, err
		}
	}
	return m.t.Respond()
}

// challenge is RFC 5281 11.2.2's: n octets of the TLS PRF, the last the
// CHAP Identifier.
func (m *Method) challenge(n int) ([]byte, error) {
	return m.t.ExportKeys(LabelChallenge, nil, n)
}

// begin is phase 2's first message: the credentials of a non-EAP method,
// the Identity Response of an inner EAP method.
func (m *Method) begin(ctx context.Context) ([]byte, error) {
	if m.cfg.Phase2 == InnerEAP {
		// iwd: the inner Peer answers an Identity Request of our own
		// making; the server's first word is its answer.
		resp, err := m.inner.Receive(ctx, []byte{byte(eap.CodeRequest), 0, 0, 5, byte(eap.TypeIdentity)})
		if err != nil {
			return nil, err
		}
		m.state = eap.Continue
		return AppendAVP(nil, AVP{Code: CodeEAPMessage, Flags: FlagMandatory, Data: resp}), nil
	}
	user, password, err := m.cfg.Credentials.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	out := AppendAVP(nil, AVP{Code: CodeUserName, Flags: FlagMandatory, Data: []byte(user)})
	switch m.cfg.Phase2 {
	case PAP:
		// Zero-padded to a multiple of 16 to hide its length (iwd).
		pw := make([]byte, (len(password)+15)&^15)
		copy(pw, password)
		out = AppendAVP(out, AVP{Code: CodeUserPassword, Flags: FlagMandatory, Data: pw})
	case CHAP:
		c, err := m.challenge(17)
		if err != nil {
			return nil, err
		}
		ident := c[16]
		h := md5.New()
		h.Write([]byte{ident})
		h.Write([]byte(password))
		h.Write(c[:16])
		out = AppendAVP(out, AVP{Code: CodeCHAPChallenge, Flags: FlagMandatory, Data: c[:16]})
		out = AppendAVP(out, AVP{Code: CodeCHAPPassword, Flags: FlagMandatory, Data: h.Sum([]byte{ident})})
	case MSCHAP:
		c, err := m.challenge(9)
		if err != nil {
			return nil, err
		}
		var ch [8]byte
		copy(ch[:], c)
		nt := mschap.ChallengeResponse(ch, mschap.NTPasswordHash(password))
		// Ident, Flags 1 (use the NT-Response), an empty LM-Response.
		r := append([]byte{c[8], 1}, make([]byte, 24)...)
		out = AppendAVP(out, AVP{Code: CodeMSCHAPChallenge, Flags: FlagMandatory, Vendor: VendorMicrosoft, Data: c[:8]})
		out = AppendAVP(out, AVP{Code: CodeMSCHAPResponse, Flags: FlagMandatory, Vendor: VendorMicrosoft, Data: append(r, nt[:]...)})
	case MSCHAPv2:
		c, err := m.challenge(17)
		if err != nil {
			return nil, err
		}
		copy(m.auth[:], c)
		m.ident = c[16]
		if _, err := io.ReadFull(m.cfg.Rand, m.peer[:]); err != nil {
			return nil, fmt.Errorf("peer challenge: %w", err)
		}
		m.user = user
		m.hash = mschap.NTPasswordHash(password)
		m.nt = mschap.GenerateNTResponse(m.auth, m.peer, mschap.UserName(user), m.hash)
		// Ident, Flags 0, Peer-Challenge, 8 reserved, NT-Response.
		r := append([]byte{c[16], 0}, m.peer[:]...)
		r = append(r, make([]byte, 8)...)
		out = AppendAVP(out, AVP{Code: CodeMSCHAPChallenge, Flags: FlagMandatory, Vendor: VendorMicrosoft, Data: c[:16]})
		out = AppendAVP(out, AVP{Code: CodeMSCHAP2Response, Flags: FlagMandatory, Vendor: VendorMicrosoft, Data: append(r, m.nt[:]...)})
		// The server must still prove itself with MS-CHAP2-Success.
		return out, nil
	}
	// Nothing comes back but the server's verdict.
	m.state, m.decision = eap.MayContinue, eap.DecisionCondSucc
	return out, nil
}

// phase2 takes the server's AVPs.
func (m *Method) phase2(ctx context.Context, avps []AVP) ([]byte, error) {
	var eapMsg []byte
	for _, a := range avps {
		switch {
		case a.Vendor == 0 && a.Code == CodeEAPMessage && m.cfg.Phase2 == InnerEAP:
			// RFC 5281 11.2.1: a long packet comes in several.
			eapMsg = append(eapMsg, a.Data...)
		case a.Vendor == 0 && a.Code == CodeReplyMessage:
			m.log.Info("ttls server message", "text", fmt.Sprintf("%.256q", a.Data))
		case a.Vendor == VendorMicrosoft && a.Code == CodeMSCHAP2Success && m.cfg.Phase2 == MSCHAPv2:
			if len(a.Data) < 1+mschap.AuthResponseLen {
				return nil, fmt.Errorf("%w: MS-CHAP2-Success of %d octets", ErrAVP, len(a.Data))
			}
			if a.Data[0] != m.ident {
				return nil, fmt.Errorf("%w: MS-CHAP2-Success for ident %d, ours was %d", ErrAVP, a.Data[0], m.ident)
			}
			if !mschap.CheckAuthenticatorResponse(m.hash, m.nt, m.peer, m.auth, mschap.UserName(m.user), a.Data[1:1+mschap.AuthResponseLen]) {
				return nil, errors.New("the server's MS-CHAP2-Success is wrong: it does not know the password")
			}
			m.state, m.decision = eap.MayContinue, eap.DecisionCondSucc
			m.log.Info("ttls phase 2 succeeded", "method", m.cfg.Phase2)
		case a.Vendor == VendorMicrosoft && a.Code == CodeMSCHAPError && m.cfg.Phase2 == MSCHAPv2:
			return nil, fmt.Errorf("the server refused the MS-CHAPv2 credentials (%.64q)", a.Data)
		case a.Mandatory():
			return nil, fmt.Errorf("%w: mandatory AVP %d (vendor %d) unknown", ErrAVP, a.Code, a.Vendor)
		}
	}
	if eapMsg == nil {
		return nil, nil
	}
	resp, err := m.inner.Receive(ctx, eapMsg)
	switch m.inner.State() {
	case eap.Failure:
		return nil, fmt.Errorf("inner %v: %w", m.cfg.EAP.Type(), m.inner.Err())
	case eap.Success:
		m.state, m.decision = eap.MayContinue, eap.DecisionCondSucc
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if im := m.cfg.EAP; im.State() != eap.Continue && im.Decision() != eap.DecisionFail {
		// The inner method is done; the server's Success (inside or
		// out) may follow.
		m.state, m.decision = eap.MayContinue, eap.DecisionCondSucc
	}
	if resp == nil {
		return nil, nil
	}
	return AppendAVP(nil, AVP{Code: CodeEAPMessage, Flags: FlagMandatory, Data: bytes.Clone(resp)}), nil
}
