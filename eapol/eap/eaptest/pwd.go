package eaptest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"

	"wifid/eapol/eap"
	"wifid/eapol/internal/ecgroup"
)

// PWD is the server side of EAP-pwd (RFC 5931) over group 19 with
// HMAC-SHA256, written from the RFC apart from the peer's code (it shares
// only ecgroup's curve and hunting-and-pecking loop).
type PWD struct {
	Password string
	ServerID string
	Token    [4]byte

	// Group, if not 0, is the group offered in place of 19.
	Group uint16
	// Fragment, if not 0, cuts every server message into fragments of
	// this many octets of payload (the L and M bits of RFC 5931 3.3).
	Fragment int
	// Hostile knobs: WrongConfirm sends a Confirm that does not prove
	// the password; BadElement a Commit whose element is not on the
	// curve.
	WrongConfirm bool
	BadElement   bool

	PeerID    string // as the peer sent it
	Fragments int    // fragments sent
	SessionID []byte // once done (RFC 5931 2.8.5)
	g         *ecgroup.Group
	pwe       []byte
	private   *big.Int
	scalarS   []byte
	elementS  []byte
	scalarP   []byte
	elementP  []byte
	kx        []byte
	confirmS  []byte
	cs        []byte
	step      int
	pending   []byte // the rest of a fragmented message
	exch      byte
	msk, emsk []byte
}

func (s *PWD) Type() eap.Type           { return eap.TypePWD }
func (s *PWD) Keys() (msk, emsk []byte) { return s.msk, s.emsk }

func pwdHMAC(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// kdf is RFC 5931 2.5 for whole octets.
func kdf(key, label []byte, octets int) []byte {
	var out, k []byte
	for i := 1; len(out) < octets; i++ {
		k = pwdHMAC(key, k, []byte{byte(i >> 8), byte(i)}, label, []byte{byte(octets * 8 >> 8), byte(octets * 8)})
		out = append(out, k...)
	}
	return out[:octets]
}

func (s *PWD) Start(id uint8, identity string) ([]byte, error) {
	s.g = ecgroup.ByID(19)
	group := s.Group
	if group == 0 {
		group = 19
	}
	s.cs = []byte{byte(group >> 8), byte(group), 1, 1}
	body := append(bytes.Clone(s.cs), s.Token[:]...)
	body = append(body, 0)
	return s.send(1, append(body, s.ServerID...)), nil
}

// send returns the first fragment of message m of exchange exch, keeping
// the rest.
func (s *PWD) send(exch byte, m []byte) []byte {
	s.exch = exch
	if s.Fragment == 0 || len(m) <= s.Fragment {
		return append([]byte{exch}, m...)
	}
	s.Fragments++
	s.pending = m[s.Fragment:]
	out := []byte{exch | 0xc0, byte(len(m) >> 8), byte(len(m))}
	return append(out, m[:s.Fragment]...)
}

func (s *PWD) nextFragment() []byte {
	s.Fragments++
	n := min(s.Fragment, len(s.pending))
	out := []byte{s.exch}
	if n < len(s.pending) {
		out[0] |= 0x40
	}
	out = append(out, s.pending[:n]...)
	s.pending = s.pending[n:]
	if len(s.pending) == 0 {
		s.pending = nil
	}
	return out
}

func (s *PWD) Process(id uint8, data []byte) ([]byte, Verdict, error) {
	if s.pending != nil {
		if len(data) != 1 || data[0] != s.exch {
			return nil, Reject, fmt.Errorf("eaptest: PWD fragment ACK % x", data)
		}
		return s.nextFragment(), Continue, nil
	}
	if len(data) < 1 || data[0] != s.exch {
		return nil, Reject, fmt.Errorf("eaptest: PWD response % x to exchange %d", data, s.exch)
	}
	data = data[1:]
	g := s.g
	switch s.exch {
	case 1:
		if len(data) < 9 || !bytes.Equal(data[:4], s.cs) || !bytes.Equal(data[4:8], s.Token[:]) || data[8] != 0 {
			return nil, Reject, fmt.Errorf("eaptest: PWD ID response % x", data)
		}
		s.PeerID = string(data[9:])
		var err error
		s.pwe, err = ecgroup.HuntAndPeck(g, []byte(s.Password), 1, 200, func(counter int, secret []byte) ([]byte, []byte) {
			seed := pwdHMAC(make([]byte, 32), s.Token[:], []byte(s.PeerID), []byte(s.ServerID), secret, []byte{byte(counter)})
			return seed, kdf(seed, []byte("EAP-pwd Hunting And Pecking"), 32)
		})
		if err != nil {
			return nil, Reject, err
		}
		s.private, _ = rand.Int(rand.Reader, g.R)
		mask, _ := rand.Int(rand.Reader, g.R)
		sc := new(big.Int).Add(s.private, mask)
		s.scalarS = g.Fixed(sc.Mod(sc, g.R))
		m, _ := g.Mul(s.pwe, g.Fixed(mask))
		el, _ := g.Neg(m)
		s.elementS = el[1:]
		if s.BadElement {
			s.elementS = bytes.Repeat([]byte{0x11}, 64)
		}
		return s.send(2, append(bytes.Clone(s.elementS), s.scalarS...)), Continue, nil
	case 2:
		if len(data) != 96 {
			return nil, Reject, fmt.Errorf("eaptest: PWD commit of %d octets", len(data))
		}
		s.elementP, s.scalarP = data[:64], data[64:]
		t, err := g.Mul(s.pwe, s.scalarP)
		if err == nil {
			t, err = g.Add(t, append([]byte{4}, s.elementP...))
		}
		if err == nil {
			t, err = g.Mul(t, g.Fixed(s.private))
		}
		if err != nil || len(t) != 65 {
			return nil, Reject, fmt.Errorf("eaptest: PWD K: %v", err)
		}
		s.kx = t[1:33]
		s.confirmS = pwdHMAC(make([]byte, 32), s.kx, s.elementS, s.scalarS, s.elementP, s.scalarP, s.cs)
		c := bytes.Clone(s.confirmS)
		if s.WrongConfirm {
			c[0] ^= 1
		}
		return s.send(3, c), Continue, nil
	case 3:
		want := pwdHMAC(make([]byte, 32), s.kx, s.elementP, s.scalarP, s.elementS, s.scalarS, s.cs)
		if !hmac.Equal(data, want) {
			return nil, Reject, errors.New("eaptest: PWD peer's confirm wrong")
		}
		mk := pwdHMAC(make([]byte, 32), s.kx, data, s.confirmS)
		sid := append([]byte{byte(eap.TypePWD)}, pwdHMAC(make([]byte, 32), s.cs, s.scalarP, s.scalarS)...)
		keys := kdf(mk, sid, 128)
		s.msk, s.emsk, s.SessionID = keys[:64], keys[64:], sid
		return nil, Accept, nil
	}
	return nil, Reject, fmt.Errorf("eaptest: PWD exchange %d", s.exch)
}
