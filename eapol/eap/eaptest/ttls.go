package eaptest

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"

	"wifid/eapol/eap/mschap"
	"wifid/eapol/eap/ttls"
)

// TTLS is the server side of EAP-TTLS's phase 2 (a Tunnel for TLS with
// MethodType TypeTTLS): it checks the non-EAP credentials of Phase2, or
// runs Inner, an EAP server, over EAP-Message AVPs.
type TTLS struct {
	Phase2   ttls.Tunneled
	User     string
	Password string
	Inner    *Server // for ttls.InnerEAP

	// Hostile knobs.
	//
	// WrongAuthenticator answers MS-CHAPv2 with a wrong MS-CHAP2-Success.
	WrongAuthenticator bool
	// NoSuccessAVP accepts MS-CHAPv2 without sending MS-CHAP2-Success.
	NoSuccessAVP bool
	// AVPs, if set, is sent as the first phase 2 answer.
	AVPs []byte

	// What the peer sent, for the test to read.
	UserName string

	mschapDone bool
}

func (s *TTLS) Keys(t *TLS) (msk, emsk []byte) {
	k, err := t.Export(ttls.LabelKeys, nil, 128)
	if err != nil {
		return nil, nil
	}
	return k[:64], k[64:]
}

// Begin waits for the peer: it speaks first in TTLS.
func (s *TTLS) Begin(*TLS) ([]byte, error) { return nil, nil }

func (s *TTLS) Process(t *TLS, plain []byte) ([]byte, Verdict, error) {
	if s.AVPs != nil {
		a := s.AVPs
		s.AVPs = nil
		return a, Continue, nil
	}
	if s.mschapDone {
		if len(plain) != 0 {
			return nil, Reject, fmt.Errorf("eaptest: %d octets after MS-CHAP2-Success", len(plain))
		}
		return nil, Accept, nil
	}
	avps, err := ttls.ParseAVPs(plain)
	if err != nil {
		return nil, Reject, err
	}
	if s.Phase2 == ttls.InnerEAP {
		return s.eap(avps)
	}
	name, ok := ttls.Find(avps, 0, ttls.CodeUserName)
	if !ok {
		return nil, Reject, errors.New("eaptest: no User-Name")
	}
	s.UserName = string(name.Data)
	if s.UserName != s.User {
		return nil, Reject, fmt.Errorf("eaptest: user %q", s.UserName)
	}
	challenge := func(n int) []byte {
		c, _ := t.Export(ttls.LabelChallenge, nil, n)
		return c
	}
	switch s.Phase2 {
	case ttls.PAP:
		pw, _ := ttls.Find(avps, 0, ttls.CodeUserPassword)
		if len(pw.Data)%16 != 0 || string(bytes.TrimRight(pw.Data, "\x00")) != s.Password {
			return nil, Reject, errors.New("eaptest: PAP password wrong")
		}
		return nil, Accept, nil
	case ttls.CHAP:
		c := challenge(17)
		ch, _ := ttls.Find(avps, 0, ttls.CodeCHAPChallenge)
		pw, _ := ttls.Find(avps, 0, ttls.CodeCHAPPassword)
		want := md5.Sum(append(append([]byte{c[16]}, s.Password...), c[:16]...))
		if !bytes.Equal(ch.Data, c[:16]) || !bytes.Equal(pw.Data, append([]byte{c[16]}, want[:]...)) {
			return nil, Reject, errors.New("eaptest: CHAP response wrong")
		}
		return nil, Accept, nil
	case ttls.MSCHAP:
		c := challenge(9)
		ch, _ := ttls.Find(avps, ttls.VendorMicrosoft, ttls.CodeMSCHAPChallenge)
		r, _ := ttls.Find(avps, ttls.VendorMicrosoft, ttls.CodeMSCHAPResponse)
		want := mschap.ChallengeResponse([8]byte(c[:8]), mschap.NTPasswordHash(s.Password))
		if !bytes.Equal(ch.Data, c[:8]) || len(r.Data) != 50 || r.Data[0] != c[8] || r.Data[1] != 1 || !bytes.Equal(r.Data[26:], want[:]) {
			return nil, Reject, errors.New("eaptest: MS-CHAP response wrong")
		}
		return nil, Accept, nil
	case ttls.MSCHAPv2:
		c := challenge(17)
		ch, _ := ttls.Find(avps, ttls.VendorMicrosoft, ttls.CodeMSCHAPChallenge)
		r, _ := ttls.Find(avps, ttls.VendorMicrosoft, ttls.CodeMSCHAP2Response)
		if !bytes.Equal(ch.Data, c[:16]) || len(r.Data) != 50 || r.Data[0] != c[16] {
			return nil, Reject, errors.New("eaptest: MS-CHAP2-Response malformed")
		}
		auth, peer := [16]byte(c[:16]), [16]byte(r.Data[2:18])
		hash := mschap.NTPasswordHash(s.Password)
		nt := mschap.GenerateNTResponse(auth, peer, mschap.UserName(s.User), hash)
		if !bytes.Equal(r.Data[26:], nt[:]) {
			return nil, Reject, errors.New("eaptest: MS-CHAPv2 response wrong")
		}
		if s.NoSuccessAVP {
			return nil, Accept, nil
		}
		resp := mschap.AuthenticatorResponse(hash, nt, peer, auth, mschap.UserName(s.User))
		if s.WrongAuthenticator {
			resp = mschap.AuthenticatorResponse(mschap.NTPasswordHash("other"), nt, peer, auth, mschap.UserName(s.User))
		}
		s.mschapDone = true
		return ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeMSCHAP2Success, Flags: ttls.FlagMandatory, Vendor: ttls.VendorMicrosoft,
			Data: append([]byte{c[16]}, resp...)}), Continue, nil
	}
	return nil, Reject, fmt.Errorf("eaptest: %v", s.Phase2)
}

// eap runs the inner EAP server on the peer's EAP-Message AVPs.
func (s *TTLS) eap(avps []ttls.AVP) ([]byte, Verdict, error) {
	var msg []byte
	for _, a := range avps {
		if a.Vendor == 0 && a.Code == ttls.CodeEAPMessage {
			msg = append(msg, a.Data...)
		}
	}
	if msg == nil {
		return nil, Reject, errors.New("eaptest: no EAP-Message")
	}
	if s.Inner.id == 0 && s.Inner.Method == nil && s.Inner.Identity == "" {
		// The peer answers an Identity Request of its own making
		// (Identifier 0): set the server up as if it had sent it.
		if _, err := s.Inner.First(); err != nil {
			return nil, Reject, err
		}
		s.Inner.id = 0
	}
	next, err := s.Inner.Handle(msg)
	if err != nil {
		return nil, Reject, err
	}
	switch s.Inner.Verdict {
	case Accept:
		return nil, Accept, nil
	case Reject:
		return nil, Reject, s.Inner.Err
	}
	return ttls.AppendAVP(nil, ttls.AVP{Code: ttls.CodeEAPMessage, Flags: ttls.FlagMandatory, Data: next}), Continue, nil
}
