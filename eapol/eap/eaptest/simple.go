package eaptest

import (
	"bytes"
	"crypto/md5"
	"errors"

	"wifid/eapol/eap"
)

// MD5 is the server side of EAP-MD5-Challenge (RFC 3748 5.4, RFC 1994).
type MD5 struct {
	Password  string
	Challenge []byte // nil: 16 octets of 0x42
	id        uint8
}

func (m *MD5) Type() eap.Type { return eap.TypeMD5 }
func (m *MD5) Keys() (msk, emsk []byte) {
	return nil, nil
}

func (m *MD5) Start(id uint8, identity string) ([]byte, error) {
	if m.Challenge == nil {
		m.Challenge = bytes.Repeat([]byte{0x42}, 16)
	}
	m.id = id
	return append([]byte{byte(len(m.Challenge))}, m.Challenge...), nil
}

func (m *MD5) Process(id uint8, data []byte) ([]byte, Verdict, error) {
	want := md5.Sum(append(append([]byte{m.id}, m.Password...), m.Challenge...))
	if len(data) < 17 || data[0] != 16 || !bytes.Equal(data[1:17], want[:]) {
		return nil, Reject, errors.New("eaptest: MD5 response wrong")
	}
	return nil, Accept, nil
}

// GTC is the server side of EAP-GTC (RFC 3748 5.6).
type GTC struct {
	Password string
	Message  string
}

func (g *GTC) Type() eap.Type { return eap.TypeGTC }
func (g *GTC) Keys() (msk, emsk []byte) {
	return nil, nil
}

func (g *GTC) Start(id uint8, identity string) ([]byte, error) {
	return []byte(g.Message), nil
}

func (g *GTC) Process(id uint8, data []byte) ([]byte, Verdict, error) {
	if string(data) != g.Password {
		return nil, Reject, errors.New("eaptest: GTC password wrong")
	}
	return nil, Accept, nil
}
