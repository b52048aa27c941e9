package eap

import "context"

// GTC is EAP-GTC, Generic Token Card (RFC 3748 5.6): the server shows a
// message, the peer answers with the password or token in the clear. It
// makes no keys and is meant for the inside of a tunnel (PEAP, TTLS).
type GTC struct {
	cred     Credentials
	state    MethodState
	decision Decision
}

// NewGTC returns EAP-GTC answering with the password in c (iwd's
// EAP-GTC-Password; c.User is the identity to ask Secrets for it with).
func NewGTC(c Credentials) *GTC { return &GTC{cred: c} }

func (g *GTC) Type() Type               { return TypeGTC }
func (g *GTC) State() MethodState       { return g.state }
func (g *GTC) Keys() (msk, emsk []byte) { return nil, nil }

// Decision is CondSucc once the response is sent.
func (g *GTC) Decision() Decision { return g.decision }

// Process answers the server's message (which is not looked at) with the
// password.
func (g *GTC) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	_, password, err := g.cred.Resolve(ctx)
	g.state = Done
	if err != nil {
		return nil, err
	}
	g.decision = DecisionCondSucc
	return []byte(password), nil
}
