package eaptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"wifid/eapol/eap"
	"wifid/eapol/eap/mschap"
)

// MSCHAPv2 is the server side of EAP-MSCHAPv2
// (draft-kamath-pppext-eap-mschapv2-02), on package mschap's RFC 2759 and
// RFC 3079 functions, which their published vectors pin.
type MSCHAPv2 struct {
	User     string
	Password string
	// Challenge is the authenticator challenge; zero means 16 octets
	// of 0x5a.
	Challenge [mschap.ChallengeLen]byte
	Name      string // the server's Name field

	// Hostile knobs: WrongAuthenticator sends a Success Request whose
	// authenticator response is not the right one (a server that does
	// not know the password); Refuse sends a Failure Request
	// (E=691) whatever the peer answered.
	WrongAuthenticator bool
	Refuse             bool
	// ShortMSLength sends MS-Length one below the Type-Data length.
	ShortMSLength bool

	msID    uint8
	step    int
	nt      [mschap.NTResponseLen]byte
	msk     []byte
	PeerSaw string // the user name the peer sent
}

func (m *MSCHAPv2) Type() eap.Type { return eap.TypeMSCHAPv2 }

func (m *MSCHAPv2) Keys() (msk, emsk []byte) { return m.msk, nil }

func (m *MSCHAPv2) request(op byte, body []byte) []byte {
	n := 4 + len(body)
	ms := n
	if m.ShortMSLength {
		ms--
	}
	out := []byte{op, m.msID, byte(ms >> 8), byte(ms)}
	return append(out, body...)
}

func (m *MSCHAPv2) Start(id uint8, identity string) ([]byte, error) {
	if m.Challenge == [mschap.ChallengeLen]byte{} {
		m.Challenge = [mschap.ChallengeLen]byte(bytes.Repeat([]byte{0x5a}, mschap.ChallengeLen))
	}
	m.msID = id
	body := append([]byte{mschap.ChallengeLen}, m.Challenge[:]...)
	return m.request(1, append(body, m.Name...)), nil
}

func (m *MSCHAPv2) Process(id uint8, data []byte) ([]byte, Verdict, error) {
	m.step++
	switch m.step {
	case 1:
		// Response: 2, id, MS-Length, 49, peer challenge, 8 reserved,
		// NT-Response, flags, name.
		if len(data) < 54 || data[0] != 2 || data[1] != m.msID || data[4] != 49 ||
			int(binary.BigEndian.Uint16(data[2:4])) != len(data) {
			return nil, Reject, fmt.Errorf("eaptest: MSCHAPv2 Response malformed: % x", data)
		}
		peer := [mschap.ChallengeLen]byte(data[5:21])
		copy(m.nt[:], data[29:53])
		m.PeerSaw = string(data[54:])
		hash := mschap.NTPasswordHash(m.Password)
		m.msID++
		if m.Refuse || m.PeerSaw != m.User || mschap.GenerateNTResponse(m.Challenge, peer, m.PeerSaw, hash) != m.nt {
			return m.request(4, []byte("E=691 R=0 C=00000000000000000000000000000000 V=3 M=Authentication failed")), Continue, nil
		}
		auth := mschap.AuthenticatorResponse(hash, m.nt, peer, m.Challenge, m.PeerSaw)
		if m.WrongAuthenticator {
			auth = mschap.AuthenticatorResponse(mschap.NTPasswordHash("not the password"), m.nt, peer, m.Challenge, m.PeerSaw)
		}
		// Server's MSK: its receive key then its send key.
		mk := mschap.MasterKey(mschap.HashNTPasswordHash(hash), m.nt)
		m.msk = append(mschap.AsymmetricStartKey(mk, 16, false, true), mschap.AsymmetricStartKey(mk, 16, true, true)...)
		return m.request(3, []byte(auth+" M=Welcome")), Continue, nil
	case 2:
		switch {
		case len(data) == 1 && data[0] == 3:
			return nil, Accept, nil
		case len(data) == 1 && data[0] == 4:
			return nil, Reject, errors.New("eaptest: MSCHAPv2 peer acknowledged the failure")
		}
		return nil, Reject, fmt.Errorf("eaptest: MSCHAPv2 second response % x", data)
	}
	return nil, Reject, errors.New("eaptest: MSCHAPv2 response after the end")
}
