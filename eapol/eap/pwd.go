package eap

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"wifid/eapol/internal/ecgroup"
)

// EAP-pwd's values (RFC 5931 3).
const (
	pwdExchID      = 1
	pwdExchCommit  = 2
	pwdExchConfirm = 3

	pwdFlagL = 0x80 // Total-Length follows
	pwdFlagM = 0x40 // more fragments follow

	pwdRandomFunction = 1 // HMAC-SHA256
	pwdPRF            = 1 // HMAC-SHA256
	pwdPrepNone       = 0

	// pwdMaxMessage bounds a reassembled message: group 19's longest
	// is the ID Request with the server's identity.
	pwdMaxMessage = 4096
	pwdMinRounds  = 40
	pwdMaxRounds  = 200
)

// PWDConfig is EAP-pwd's settings.
type PWDConfig struct {
	// Credentials are the identity sent as the peer ID (iwd's
	// EAP-PWD-Identity) and the password (EAP-PWD-Password), asked for
	// if missing.
	Credentials Credentials
	// Rand is the source of the private value and mask; nil means
	// crypto/rand.
	Rand io.Reader
}

// PWD is EAP-pwd (RFC 5931) over group 19 (NIST P-256) with HMAC-SHA256
// as random function and PRF, the password used as it is (prep none),
// as iwd offers it: ID, Commit and Confirm exchanges, fragments of the
// server's messages reassembled (up to 4096 octets) and acknowledged. The
// method takes a Success only after the server's Confirm proved that it
// knows the password; MSK and EMSK are 64 octets each. The password
// element is found by hunting-and-pecking (ecgroup.HuntAndPeck, at least
// 40 rounds).
type PWD struct {
	cfg      PWDConfig
	g        *ecgroup.Group
	state    MethodState
	decision Decision
	err      error
	exch     int // the exchange expected next

	frag      []byte // reassembly of a fragmented message
	fragTotal int
	fragExch  int

	token             [4]byte
	peerID, serverID  []byte
	pwe               []byte
	private           *big.Int
	scalarP, elementP []byte // ours, as sent
	scalarS, elementS []byte // the server's, as received
	kx                []byte
	msk, emsk         []byte
	sessionID         []byte
	ciphersuite       [4]byte
}

// NewPWD returns EAP-pwd for one conversation.
func NewPWD(cfg PWDConfig) *PWD {
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &PWD{cfg: cfg, g: ecgroup.ByID(19), exch: pwdExchID}
}

func (p *PWD) Type() Type               { return TypePWD }
func (p *PWD) State() MethodState       { return p.state }
func (p *PWD) Decision() Decision       { return p.decision }
func (p *PWD) Keys() (msk, emsk []byte) { return p.msk, p.emsk }

// SessionID implements SessionIDer (RFC 5931 2.8.5: Type | H(Ciphersuite
// | Scalar_P | Scalar_S)), nil until the exchange is done.
func (p *PWD) SessionID() []byte { return p.sessionID }

// Err is why the method failed.
func (p *PWD) Err() error { return p.err }

// Close wipes PWE, the private scalar, the shared secret and the keys
// (Peer.Close calls it).
func (p *PWD) Close() error {
	clear(p.pwe)
	clear(p.kx)
	clear(p.msk)
	clear(p.emsk)
	p.pwe, p.kx, p.msk, p.emsk = nil, nil, nil, nil
	if p.private != nil {
		clear(p.private.Bits())
		p.private = nil
	}
	return nil
}

// Process takes one EAP-pwd Request: a whole message, or a fragment of
// one, which is acknowledged until the last arrives.
func (p *PWD) Process(ctx context.Context, id uint8, data []byte) ([]byte, error) {
	if len(data) < 1 {
		return nil, errors.New("no EAP-pwd header")
	}
	flags, exch := data[0]&(pwdFlagL|pwdFlagM), int(data[0]&0x3f)
	data = data[1:]
	if flags&pwdFlagL != 0 {
		if len(data) < 2 {
			return nil, errors.New("L bit without Total-Length")
		}
		total := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if p.frag != nil {
			return nil, errors.New("Total-Length in the middle of a fragmented message")
		}
		if flags&pwdFlagM == 0 {
			// A whole message with its length: it must agree.
			if total != len(data) {
				return nil, fmt.Errorf("Total-Length %d, the message has %d octets", total, len(data))
			}
		} else {
			if total > pwdMaxMessage || total <= len(data) {
				return nil, fmt.Errorf("Total-Length %d for a first fragment of %d octets", total, len(data))
			}
			p.frag, p.fragTotal, p.fragExch = append([]byte(nil), data...), total, exch
			return []byte{byte(exch)}, nil
		}
	} else if p.frag != nil {
		if exch != p.fragExch {
			return nil, fmt.Errorf("fragment of exchange %d inside exchange %d", exch, p.fragExch)
		}
		if len(p.frag)+len(data) > p.fragTotal {
			return nil, p.end(fmt.Errorf("fragments beyond the Total-Length %d", p.fragTotal))
		}
		p.frag = append(p.frag, data...)
		if flags&pwdFlagM != 0 {
			return []byte{byte(exch)}, nil
		}
		if len(p.frag) != p.fragTotal {
			return nil, p.end(fmt.Errorf("fragments of %d octets, Total-Length %d", len(p.frag), p.fragTotal))
		}
		data, p.frag = p.frag, nil
	} else if flags&pwdFlagM != 0 {
		return nil, errors.New("M bit on a first fragment without Total-Length")
	}
	if exch != p.exch {
		return nil, fmt.Errorf("exchange %d, expected %d", exch, p.exch)
	}
	var resp []byte
	var err error
	switch exch {
	case pwdExchID:
		resp, err = p.id(ctx, data)
	case pwdExchCommit:
		resp, err = p.commit(data)
	case pwdExchConfirm:
		resp, err = p.confirm(data)
	}
	if err != nil {
		return nil, err
	}
	return append([]byte{byte(exch)}, resp...), nil
}

// id takes the ID Request: Group Description, Random Function, PRF, Token,
// Prep, the server's identity; and answers with the same choices and ours.
func (p *PWD) id(ctx context.Context, data []byte) ([]byte, error) {
	if len(data) < 9 {
		return nil, fmt.Errorf("ID Request of %d octets", len(data))
	}
	group := binary.BigEndian.Uint16(data)
	if group != 19 || data[2] != pwdRandomFunction || data[3] != pwdPRF || data[8] != pwdPrepNone {
		return nil, p.end(fmt.Errorf("server offers group %d, random function %d, PRF %d, prep %d; only group 19 with HMAC-SHA256 and no prep are supported",
			group, data[2], data[3], data[8]))
	}
	user, password, err := p.cfg.Credentials.Resolve(ctx)
	if err != nil {
		return nil, p.end(err)
	}
	if password == "" {
		return nil, p.end(errors.New("empty password"))
	}
	copy(p.token[:], data[4:8])
	copy(p.ciphersuite[:], data[:4])
	p.serverID = bytes.Clone(data[9:])
	p.peerID = []byte(user)
	p.pwe, err = pwdPWE(p.g, p.token, p.peerID, p.serverID, []byte(password))
	if err != nil {
		return nil, p.end(err)
	}
	p.exch = pwdExchCommit
	resp := append(bytes.Clone(data[:9]), p.peerID...)
	return resp, nil
}

// pwdPWE is RFC 5931 2.8.3's hunting-and-pecking:
//
//	pwd-seed  = H(token | peer-ID | server-ID | password | counter)
//	pwd-value = KDF(pwd-seed, "EAP-pwd Hunting And Pecking", len(p))
func pwdPWE(g *ecgroup.Group, token [4]byte, peerID, serverID, password []byte) ([]byte, error) {
	pwe, err := ecgroup.HuntAndPeck(g, password, pwdMinRounds, pwdMaxRounds, func(counter int, secret []byte) ([]byte, []byte) {
		seed := pwdH(token[:], peerID, serverID, secret, []byte{byte(counter)})
		return seed, pwdKDF(seed, []byte("EAP-pwd Hunting And Pecking"), g.Bits)
	})
	if err != nil {
		return nil, fmt.Errorf("password element: %w", err)
	}
	return pwe, nil
}

// pwdH is RFC 5931 2.4's random function H: HMAC-SHA256 keyed with 32
// zero octets.
func pwdH(parts ...[]byte) []byte {
	h := hmac.New(sha256.New, make([]byte, sha256.Size))
	for _, b := range parts {
		h.Write(b)
	}
	return h.Sum(nil)
}

// pwdKDF is RFC 5931 2.5's KDF of bits bits: K(i) = HMAC-SHA256(key,
// K(i-1) | i | label | bits), i and bits as 16-bit big-endian numbers, the
// K(i) concatenated and cut.
func pwdKDF(key, label []byte, bits int) []byte {
	n := (bits + 7) / 8
	var out, k []byte
	for i := uint16(1); len(out) < n; i++ {
		h := hmac.New(sha256.New, key)
		h.Write(k)
		h.Write(binary.BigEndian.AppendUint16(nil, i))
		h.Write(label)
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(bits)))
		k = h.Sum(nil)
		out = append(out, k...)
	}
	out = out[:n]
	if r := bits % 8; r != 0 {
		out[n-1] &= byte(0xff << (8 - r))
	}
	return out
}

// commit takes the server's Commit (Element_S, Scalar_S), checks them and
// answers with ours (Element_P, Scalar_P).
func (p *PWD) commit(data []byte) ([]byte, error) {
	g := p.g
	if len(data) != 3*g.Len {
		return nil, fmt.Errorf("Commit of %d octets, want %d", len(data), 3*g.Len)
	}
	elementS := append([]byte{4}, data[:2*g.Len]...)
	scalarS := new(big.Int).SetBytes(data[2*g.Len:])
	if scalarS.Cmp(big.NewInt(1)) <= 0 || scalarS.Cmp(g.R) >= 0 {
		return nil, p.end(errors.New("server's scalar out of range"))
	}
	if err := g.Check(elementS); err != nil {
		return nil, p.end(errors.New("server's element is not a point on the curve"))
	}
	var mask, scalarP *big.Int
	for {
		var err error
		if p.private, err = pwdRandom(p.cfg.Rand, g.R); err != nil {
			return nil, p.end(err)
		}
		if mask, err = pwdRandom(p.cfg.Rand, g.R); err != nil {
			return nil, p.end(err)
		}
		scalarP = new(big.Int).Add(p.private, mask)
		scalarP.Mod(scalarP, g.R)
		if scalarP.Cmp(big.NewInt(1)) > 0 {
			break
		}
	}
	m, err := g.Mul(p.pwe, g.Fixed(mask))
	if err != nil {
		return nil, p.end(err)
	}
	elementP, err := g.Neg(m)
	if err != nil {
		return nil, p.end(err)
	}
	if scalarS.Cmp(scalarP) == 0 && bytes.Equal(elementS, elementP) {
		return nil, p.end(errors.New("server reflected our commit"))
	}
	// K = private · (Scalar_S · PWE + Element_S)
	t, err := g.Mul(p.pwe, g.Fixed(scalarS))
	if err == nil {
		t, err = g.Add(t, elementS)
	}
	if err == nil {
		t, err = g.Mul(t, g.Fixed(p.private))
	}
	xy, xyErr := g.XY(t)
	if err != nil || xyErr != nil {
		return nil, p.end(errors.New("shared secret K is the point at infinity"))
	}
	p.kx = bytes.Clone(xy[:g.Len])
	p.scalarS, p.elementS = g.Fixed(scalarS), elementS[1:]
	p.scalarP = g.Fixed(scalarP)
	p.elementP, _ = g.XY(elementP)
	p.exch = pwdExchConfirm
	return append(bytes.Clone(p.elementP), p.scalarP...), nil
}

// pwdRandom is a uniform number in [1, r).
func pwdRandom(rnd io.Reader, r *big.Int) (*big.Int, error) {
	max := new(big.Int).Sub(r, big.NewInt(1))
	v, err := rand.Int(rnd, max)
	if err != nil {
		return nil, fmt.Errorf("random: %w", err)
	}
	return v.Add(v, big.NewInt(1)), nil
}

// confirm checks the server's Confirm and answers with ours, then derives
// the keys (RFC 5931 2.8.5):
//
//	Confirm_S = H(k | Element_S | Scalar_S | Element_P | Scalar_P | Ciphersuite)
//	Confirm_P = H(k | Element_P | Scalar_P | Element_S | Scalar_S | Ciphersuite)
//	MK = H(k | Confirm_P | Confirm_S)
//	Session-ID = Type | H(Ciphersuite | Scalar_P | Scalar_S)
//	MSK | EMSK = KDF(MK, Session-ID, 1024)
func (p *PWD) confirm(data []byte) ([]byte, error) {
	if len(data) != sha256.Size {
		return nil, fmt.Errorf("Confirm of %d octets", len(data))
	}
	cs := p.ciphersuite[:]
	want := pwdH(p.kx, p.elementS, p.scalarS, p.elementP, p.scalarP, cs)
	if subtle.ConstantTimeCompare(want, data) != 1 {
		return nil, p.end(errors.New("server's Confirm is wrong: it does not know the password, refused"))
	}
	confirmP := pwdH(p.kx, p.elementP, p.scalarP, p.elementS, p.scalarS, cs)
	mk := pwdH(p.kx, confirmP, data)
	sessionID := append([]byte{byte(TypePWD)}, pwdH(cs, p.scalarP, p.scalarS)...)
	keys := pwdKDF(mk, sessionID, 1024)
	clear(mk)
	p.msk, p.emsk, p.sessionID = keys[:64], keys[64:], sessionID
	p.state, p.decision = Done, DecisionUncondSucc
	p.exch = 0
	return confirmP, nil
}

func (p *PWD) end(err error) error {
	p.state, p.decision, p.err = Done, DecisionFail, err
	return err
}
