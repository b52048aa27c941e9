package eap

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"wifid/eapol/eap/mschap"
)

// MS-CHAPv2 OpCodes (draft-kamath-pppext-eap-mschapv2-02 2).
const (
	mschapChallenge = 1
	mschapResponse  = 2
	mschapSuccess   = 3
	mschapFailure   = 4
)

// MSCHAPv2Config is EAP-MSCHAPv2's settings.
type MSCHAPv2Config struct {
	// Credentials are the user (iwd's EAP-MSCHAPV2-Identity) and the
	// password (EAP-MSCHAPV2-Password), asked for if missing.
	Credentials Credentials
	// PasswordHash, if set, is the password's NT hash (16 octets,
	// EAP-MSCHAPV2-Password-Hash) and the password is not used.
	PasswordHash []byte
	// Rand is the source of the peer challenge; nil means crypto/rand.
	Rand io.Reader
}

// MSCHAPv2 is EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2-02 framing,
// RFC 2759 exchange): Challenge, Response, then the server's Success
// Request, whose authenticator response must prove the server knows the
// password before the method takes a Success; the MSK is RFC 3079's (see
// mschap.MSK). A Failure Request (wrong password, expired password) ends
// the method; retry and password change are not offered.
type MSCHAPv2 struct {
	cfg      MSCHAPv2Config
	state    MethodState
	decision Decision
	err      error

	user       string
	hash       [mschap.HashLen]byte
	auth, peer [mschap.ChallengeLen]byte
	nt         [mschap.NTResponseLen]byte
	responded  bool
	msk        []byte
}

// NewMSCHAPv2 returns EAP-MSCHAPv2 for one conversation.
func NewMSCHAPv2(cfg MSCHAPv2Config) (*MSCHAPv2, error) {
	if cfg.PasswordHash != nil && len(cfg.PasswordHash) != mschap.HashLen {
		return nil, fmt.Errorf("eap: MSCHAPv2 password hash of %d octets, want %d", len(cfg.PasswordHash), mschap.HashLen)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &MSCHAPv2{cfg: cfg}, nil
}

func (m *MSCHAPv2) Type() Type         { return TypeMSCHAPv2 }
func (m *MSCHAPv2) State() MethodState { return m.state }
func (m *MSCHAPv2) Decision() Decision { return m.decision }

// Keys is the 32-octet MSK once the server has proved itself; no EMSK.
func (m *MSCHAPv2) Keys() (msk, emsk []byte) { return m.msk, nil }

// Err is why the method failed: the server's Failure Request (its error
// code and message) or a server that could not prove itself.
func (m *MSCHAPv2) Err() error { return m.err }

// Close wipes the password's hash and the MSK (Peer.Close calls it).
func (m *MSCHAPv2) Close() error {
	clear(m.hash[:])
	clear(m.msk)
	m.msk = nil
	return nil
}

// Process handles Challenge, Success and Failure Requests.
func (m *MSCHAPv2) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, errors.New("empty request")
	}
	op := data[0]
	if op != mschapChallenge && op != mschapSuccess && op != mschapFailure {
		return nil, fmt.Errorf("OpCode %d", op)
	}
	if len(data) < 4 {
		return nil, fmt.Errorf("OpCode %d: %d octets, below the MS-CHAPv2 header", op, len(data))
	}
	msID := data[1]
	msLen := int(binary.BigEndian.Uint16(data[2:4]))
	if msLen < 4 || msLen > len(data) {
		return nil, fmt.Errorf("MS-Length %d, the packet has %d octets", msLen, len(data))
	}
	body := data[4:msLen]
	switch op {
	case mschapChallenge:
		return m.challenge(ctx, msID, body)
	case mschapSuccess:
		return m.success(body)
	}
	return m.failure(body)
}

func (m *MSCHAPv2) challenge(ctx context.Context, msID uint8, body []byte) ([]byte, error) {
	if m.responded {
		return nil, errors.New("a second Challenge")
	}
	if len(body) < 1+mschap.ChallengeLen || body[0] != mschap.ChallengeLen {
		return nil, errors.New("Challenge without a 16-octet value")
	}
	copy(m.auth[:], body[1:])
	if m.cfg.PasswordHash != nil {
		m.user = m.cfg.Credentials.User
		if m.user == "" {
			return nil, m.end(fmt.Errorf("password hash given without a user: %w", ErrNoSecret))
		}
		m.hash = [mschap.HashLen]byte(m.cfg.PasswordHash)
	} else {
		user, password, err := m.cfg.Credentials.Resolve(ctx)
		if err != nil {
			return nil, m.end(err)
		}
		m.user, m.hash = user, mschap.NTPasswordHash(password) // the password stays a string (Credentials)
	}
	if _, err := io.ReadFull(m.cfg.Rand, m.peer[:]); err != nil {
		return nil, m.end(fmt.Errorf("peer challenge: %w", err))
	}
	m.nt = mschap.GenerateNTResponse(m.auth, m.peer, m.user, m.hash)
	m.responded = true

	const valueSize = mschap.ChallengeLen + 8 + mschap.NTResponseLen + 1 // 49
	n := 4 + 1 + valueSize + len(m.user)
	if n > 0xffff {
		return nil, m.end(errors.New("user name too long"))
	}
	resp := make([]byte, 0, n)
	resp = append(resp, mschapResponse, msID, byte(n>>8), byte(n), valueSize)
	resp = append(resp, m.peer[:]...)
	resp = append(resp, make([]byte, 8)...) // Reserved
	resp = append(resp, m.nt[:]...)
	resp = append(resp, 0) // Flags
	return append(resp, m.user...), nil
}

func (m *MSCHAPv2) success(body []byte) ([]byte, error) {
	if !m.responded {
		return nil, errors.New("Success Request before a Challenge was answered")
	}
	if len(body) < mschap.AuthResponseLen ||
		!mschap.CheckAuthenticatorResponse(m.hash, m.nt, m.peer, m.auth, m.user, body[:mschap.AuthResponseLen]) {
		return nil, m.end(errors.New("the server's authenticator response is wrong: it does not know the password, refused"))
	}
	m.msk = mschap.MSK(mschap.HashNTPasswordHash(m.hash), m.nt)
	m.state, m.decision = Done, DecisionUncondSucc
	return []byte{mschapSuccess}, nil
}

// failure takes the server's Failure Request ("E=eeeeeeeeee R=r C=...
// V=... M=<msg>"), answers it with a Failure Response and ends.
func (m *MSCHAPv2) failure(body []byte) ([]byte, error) {
	code, msg := "", ""
	for f := range strings.FieldsSeq(string(body)) {
		if v, ok := strings.CutPrefix(f, "E="); ok {
			code = v
		}
	}
	if _, after, ok := bytes.Cut(body, []byte("M=")); ok {
		msg = printable(after, 128)
	}
	m.end(fmt.Errorf("server refused: error %s (%s) %s", code, mschapErrorName(code), msg))
	return []byte{mschapFailure}, nil
}

// mschapErrorName names RFC 2759 6's failure codes.
func mschapErrorName(code string) string {
	switch code {
	case "646":
		return "restricted logon hours"
	case "647":
		return "account disabled"
	case "648":
		return "password expired"
	case "649":
		return "no dial-in permission"
	case "691":
		return "authentication failure"
	case "709":
		return "changing password"
	}
	return "unknown"
}

// end makes the method Done with DecisionFail for err.
func (m *MSCHAPv2) end(err error) error {
	m.state, m.decision, m.err = Done, DecisionFail, err
	return err
}
