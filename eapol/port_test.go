package eapol_test

import (
	"bytes"
	"errors"
	"wifid/nl80211/ie"

	"wifid/eapol"
)

// installed is one key handed to the port.
type installed struct {
	kind   string // "ptk", "gtk", "igtk"
	keyID  int
	key    []byte
	seq    []byte
	cipher ie.CipherSuite
}

// fakePort records what the supplicant sends and installs.
type fakePort struct {
	sent     [][]byte
	installs []installed
	sendErr  error
	events   []eapol.Event
}

func (p *fakePort) SendEAPOL(frame []byte) error {
	if p.sendErr != nil {
		return p.sendErr
	}
	p.sent = append(p.sent, bytes.Clone(frame))
	return nil
}

func (p *fakePort) InstallPTK(tk []byte, c ie.CipherSuite) error {
	p.installs = append(p.installs, installed{kind: "ptk", key: tk, cipher: c})
	return nil
}

func (p *fakePort) InstallGTK(id int, gtk, rsc []byte, c ie.CipherSuite) error {
	p.installs = append(p.installs, installed{kind: "gtk", keyID: id, key: gtk, seq: rsc, cipher: c})
	return nil
}

func (p *fakePort) InstallIGTK(id int, igtk, ipn []byte, c ie.CipherSuite) error {
	p.installs = append(p.installs, installed{kind: "igtk", keyID: id, key: igtk, seq: ipn, cipher: c})
	return nil
}

func (p *fakePort) last() []byte {
	if len(p.sent) == 0 {
		return nil
	}
	return p.sent[len(p.sent)-1]
}

func (p *fakePort) count(kind string) int {
	n := 0
	for _, i := range p.installs {
		if i.kind == kind {
			n++
		}
	}
	return n
}

var errSend = errors.New("send failed")
