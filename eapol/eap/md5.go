package eap

import (
	"context"
	"crypto/md5"
	"errors"
)

// MD5 is EAP-MD5-Challenge (RFC 3748 5.4): CHAP (RFC 1994) over EAP. It
// proves the password to the server and nothing to the peer, and makes no
// keys: fit for wired ports, not for a Wi-Fi network (Result.PMK fails).
type MD5 struct {
	cred     Credentials
	state    MethodState
	decision Decision
}

// NewMD5 returns EAP-MD5 with the password in c (iwd's EAP-MD5-Password;
// c.User is the EAP identity, used only to ask Secrets for a missing
// password).
func NewMD5(c Credentials) *MD5 { return &MD5{cred: c} }

func (m *MD5) Type() Type               { return TypeMD5 }
func (m *MD5) State() MethodState       { return m.state }
func (m *MD5) Keys() (msk, emsk []byte) { return nil, nil }

// Decision is CondSucc once the response is sent: only the server knows
// whether it was right.
func (m *MD5) Decision() Decision { return m.decision }

// Process answers the challenge: Value-Size, Value, Name in; 16, the hash
// MD5(Identifier || password || challenge) out, no Name.
func (m *MD5) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	if len(data) < 1 || int(data[0]) > len(data)-1 || data[0] == 0 {
		return nil, errors.New("Value-Size disagrees with the packet")
	}
	challenge := data[1 : 1+int(data[0])]
	_, password, err := m.cred.Resolve(ctx)
	if err != nil {
		m.state = Done
		return nil, err
	}
	h := md5.New()
	h.Write([]byte{id})
	h.Write([]byte(password))
	h.Write(challenge)
	m.state, m.decision = Done, DecisionCondSucc
	return h.Sum([]byte{md5.Size}), nil
}
