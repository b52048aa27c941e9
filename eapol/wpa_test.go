package eapol_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
	"wifid/eapol/eapoltest"
	"wifid/nl80211/ie"

	"wifid/eapol"
	"wifid/unit"
)

var wpaTKIP = authConfig{akm: ie.AKMPSK, pairwise: ie.CipherTKIP, group: ie.CipherTKIP, wpa: true}

// wpaConnect plays a WPA 4-way handshake and the group key handshake
// that completes it.
func (p *pair) wpaConnect() {
	p.t.Helper()
	p.fourWay()
	if p.sta.State() != eapol.StateWaitGroupKey || p.sta.Complete() {
		p.t.Fatalf("after the WPA 4-way handshake: state %v, complete %v", p.sta.State(), p.sta.Complete())
	}
	if err := p.groupRekey(nil); err != nil {
		p.t.Fatalf("first group key handshake: %v", err)
	}
	if p.sta.State() != eapol.StateComplete || !p.sta.Complete() {
		p.t.Fatalf("after the WPA group key handshake: state %v", p.sta.State())
	}
}

// TestWPACapturedHandshakes replays two captured WPA (descriptor 254,
// TKIP, HMAC-MD5, ARC4) handshakes: every frame we send must equal the
// captured one octet for octet, the PTK is installed after message 3,
// the GTK (key ID 2) after group message 1, and only then is the
// handshake complete.
func TestWPACapturedHandshakes(t *testing.T) {
	for _, name := range []string{"wpa-psk-tkip", "wpa-psk-tkip-2"} {
		t.Run(name, func(t *testing.T) {
			v := unit.Handshake(t, name)
			psk, err := eapol.PSKFromPassphrase(v.Passphrase, v.SSID)
			if err != nil || !bytes.Equal(psk, v.PSK) {
				t.Fatalf("PSK %x, %v; want %x", psk, err, v.PSK)
			}
			msg2 := v.Msg2
			port := &fakePort{}
			s, err := eapol.New(eapol.Config{
				SPA: v.SPA, AA: v.AA, PMK: psk,
				OwnRSNE: msg2[4+95:], APRSNE: v.APWPAIE,
				AKM: ie.AKMPSK, Pairwise: ie.CipherTKIP, Group: ie.CipherTKIP,
				EAPOLVersion: v.EAPOLVersion,
				Rand:         bytes.NewReader(msg2[17:49]),
				Logger:       quiet,
				OnEvent:      func(e eapol.Event) { port.events = append(port.events, e) },
			}, port)
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				in, out string
				frame   []byte
				reply   []byte
			}{{"msg1", "msg2", v.Msg1, v.Msg2}, {"msg3", "msg4", v.Msg3, v.Msg4}, {"gmsg1", "gmsg2", v.GMsg1, v.GMsg2}} {
				if err := s.Receive(step.frame); err != nil {
					t.Fatalf("%s: %v", step.in, err)
				}
				if !bytes.Equal(port.last(), step.reply) {
					t.Fatalf("%s\n got %x\nwant %x", step.out, port.last(), step.reply)
				}
				if step.in == "msg3" {
					if s.State() != eapol.StateWaitGroupKey || s.Complete() || len(port.events) != 0 {
						t.Fatalf("after message 3: state %v, events %+v", s.State(), port.events)
					}
					if port.count("ptk") != 1 || port.count("gtk") != 0 {
						t.Fatalf("installs after message 3: %+v", port.installs)
					}
				}
			}
			if s.State() != eapol.StateComplete || !s.Complete() {
				t.Fatalf("state %v after group message 1", s.State())
			}
			g := port.installs[len(port.installs)-1]
			if port.count("ptk") != 1 || port.count("gtk") != 1 || g.kind != "gtk" || g.keyID != 2 || len(g.key) != 32 || g.cipher != ie.CipherTKIP {
				t.Fatalf("installs %+v", port.installs)
			}
			if len(port.events) != 1 || port.events[0].Type != eapol.EventHandshakeComplete {
				t.Fatalf("events %+v", port.events)
			}
		})
	}
}

// TestWPAHandshakeMatrix runs WPA handshakes against the test
// authenticator with TKIP and CCMP (descriptor versions 1 and 2), then a
// group rekey.
func TestWPAHandshakeMatrix(t *testing.T) {
	for _, c := range []authConfig{
		wpaTKIP,
		{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherTKIP, wpa: true},
		{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherCCMP128, wpa: true},
		{akm: ie.AKM8021X, pairwise: ie.CipherTKIP, group: ie.CipherTKIP, wpa: true},
	} {
		t.Run(c.akm.String()+"/"+c.pairwise.String()+"/group-"+c.group.String(), func(t *testing.T) {
			p := newPair(t, c)
			p.wpaConnect()
			ptk, gtk := p.lastInstall("ptk"), p.lastInstall("gtk")
			if ptk == nil || !bytes.Equal(ptk.key, p.ap.TK) || ptk.cipher != c.pairwise {
				t.Fatalf("PTK install %+v", ptk)
			}
			if gtk == nil || gtk.keyID != 1 || !bytes.Equal(gtk.key, p.ap.GTK) || !bytes.Equal(gtk.seq, p.ap.RSC[:]) || gtk.cipher != c.group {
				t.Fatalf("GTK install %+v", gtk)
			}
			if len(p.port.events) != 1 || p.port.events[0].Type != eapol.EventHandshakeComplete {
				t.Fatalf("events %+v", p.port.events)
			}
			p.ap.NewGTK()
			if err := p.groupRekey(nil); err != nil {
				t.Fatal(err)
			}
			if g := p.lastInstall("gtk"); g.keyID != 2 || !bytes.Equal(g.key, p.ap.GTK) {
				t.Fatalf("rekeyed GTK %+v", g)
			}
			if ev := p.port.events[len(p.port.events)-1]; ev.Type != eapol.EventGroupRekeyed {
				t.Fatalf("events %+v", p.port.events)
			}
			// A PTK rekey: a new 4-way handshake, no GTK in it.
			p.ap.ANonce = [32]byte(p.ap.Random(32))
			p.fourWay()
			if p.port.count("ptk") != 2 || p.sta.State() != eapol.StateComplete {
				t.Fatalf("PTK rekey: installs %+v, state %v", p.port.installs, p.sta.State())
			}
			if ev := p.port.events[len(p.port.events)-1]; ev.Type != eapol.EventPTKRekeyed {
				t.Fatalf("events %+v", p.port.events)
			}
		})
	}
}

// TestWPAMessage3IEMismatchDowngrade: the WPA element in message 3 must be
// the Beacon/Probe Response WPA element octet for octet (a forged beacon
// that advertised another cipher is found out here); a different one, an
// RSNE in its place or beside it (a downgrade from RSN by a forged
// Beacon) or none fails the handshake with reason 17 and installs
// nothing.
func TestWPAMessage3IEMismatchDowngrade(t *testing.T) {
	for _, c := range []struct {
		name  string
		plain func(a *eapoltest.Authenticator) []byte
	}{
		{"other pairwise", func(a *eapoltest.Authenticator) []byte {
			return wpaIEFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherTKIP})
		}},
		{"other AKM", func(a *eapoltest.Authenticator) []byte {
			return wpaIEFor(authConfig{akm: ie.AKM8021X, pairwise: ie.CipherTKIP, group: ie.CipherTKIP})
		}},
		{"RSNE instead", func(a *eapoltest.Authenticator) []byte {
			return rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherTKIP, group: ie.CipherTKIP}, 0)
		}},
		{"no WPA element", func(a *eapoltest.Authenticator) []byte { return []byte{0xdd, 4, 0x00, 0x50, 0xf2, 2} }},
		// The AP does RSN too, but a forged Beacon showed only the WPA
		// element: message 3's RSNE gives the downgrade away.
		{"WPA element and an RSNE", func(a *eapoltest.Authenticator) []byte {
			return append(bytes.Clone(a.RSNE), rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherTKIP}, 0)...)
		}},
		{"RSNE and the WPA element", func(a *eapoltest.Authenticator) []byte {
			return append(rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherTKIP}, 0), a.RSNE...)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(t, wpaTKIP)
			m2, _ := p.deliver(p.ap.Msg1())
			if err := p.ap.HandleMsg2(m2); err != nil {
				t.Fatal(err)
			}
			out, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) { m.Plain = c.plain(p.ap) }))
			var herr *eapol.HandshakeError
			if !errors.As(err, &herr) || herr.Reason != ie.ReasonHandshakeElementMismatch {
				t.Fatalf("error %v, want a failure with reason 17", err)
			}
			if out != nil || len(p.port.installs) != 0 || p.sta.State() != eapol.StateFailed {
				t.Fatal("mismatched WPA element was acted on")
			}
			if ev := p.port.events[len(p.port.events)-1]; ev.Type != eapol.EventFailed || ev.Reason != ie.ReasonHandshakeElementMismatch {
				t.Fatalf("event %+v", ev)
			}
		})
	}
	// A forged message 3 (bad MIC) with another element is dropped for
	// its MIC and cannot tear the association down.
	p := newPair(t, wpaTKIP)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	_, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) {
		m.Plain = wpaIEFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherTKIP})
		m.AfterMIC = func(f []byte) []byte { f[81] ^= 1; return f }
	}))
	wantDrop(t, err, eapol.ErrMIC)
	p.wpaConnect2(p.ap.Msg3(nil))
}

// wpaConnect2 completes a WPA connection from a message 3 already built.
func (p *pair) wpaConnect2(m3 []byte) {
	p.t.Helper()
	m4, err := p.deliver(m3)
	if err != nil || m4 == nil {
		p.t.Fatalf("message 3: %v", err)
	}
	if err := p.ap.CheckMsg4(m4); err != nil {
		p.t.Fatal(err)
	}
	if err := p.groupRekey(nil); err != nil {
		p.t.Fatal(err)
	}
	if !p.sta.Complete() {
		p.t.Fatal("not complete")
	}
}

// TestWPAReplayedGroupMessage1NotReinstalled: a WPA group message 1 seen
// before (same replay counter) is dropped; one with a higher counter that
// carries the GTK already installed under its key ID is answered but
// installs nothing (no key reinstallation, KRACK); a new GTK is installed.
func TestWPAReplayedGroupMessage1NotReinstalled(t *testing.T) {
	p := newPair(t, wpaTKIP)
	p.fourWay()
	g1 := p.ap.GroupMsg1(nil)
	g2, err := p.deliver(g1)
	if err != nil || p.ap.CheckGroupMsg2(g2) != nil {
		t.Fatalf("group message 1: %v", err)
	}
	sent := len(p.port.sent)
	for i := 0; i < 3; i++ {
		out, err := p.deliver(g1)
		wantDrop(t, err, eapol.ErrReplay)
		if out != nil || len(p.port.sent) != sent {
			t.Fatal("replayed group message 1 answered")
		}
	}
	// The AP retransmits (its message 2 was lost): higher counter, same key.
	for i := 0; i < 2; i++ {
		if err := p.groupRekey(nil); err != nil {
			t.Fatal(err)
		}
	}
	if p.port.count("gtk") != 1 {
		t.Fatalf("GTK reinstalled: %+v", p.port.installs)
	}
	if n := len(p.port.events); n != 3 || p.port.events[0].Type != eapol.EventHandshakeComplete {
		t.Fatalf("events %+v", p.port.events)
	}
	p.ap.NewGTK()
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	if p.port.count("gtk") != 2 || p.lastInstall("gtk").keyID != 2 {
		t.Fatalf("installs %+v", p.port.installs)
	}
}

// TestWPANoReinstallOnRetransmittedMessage3: a retransmitted WPA message 3
// (before or after the group key handshake) is answered with message 4
// again and installs nothing again.
func TestWPANoReinstallOnRetransmittedMessage3(t *testing.T) {
	p := newPair(t, wpaTKIP)
	p.fourWay()
	m4, err := p.deliver(p.ap.Msg3(nil))
	if err != nil || p.ap.CheckMsg4(m4) != nil {
		t.Fatalf("retransmitted message 3 while waiting for the GTK: %v", err)
	}
	if p.sta.State() != eapol.StateWaitGroupKey {
		t.Fatalf("state %v", p.sta.State())
	}
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	m4, err = p.deliver(p.ap.Msg3(nil))
	if err != nil || p.ap.CheckMsg4(m4) != nil {
		t.Fatalf("retransmitted message 3 after the GTK: %v", err)
	}
	if p.port.count("ptk") != 1 || p.port.count("gtk") != 1 || len(p.port.events) != 1 {
		t.Fatalf("installs %+v events %+v", p.port.installs, p.port.events)
	}
}

// TestWPAKeyInfoRules: WPA's own Key Information rules.
func TestWPAKeyInfoRules(t *testing.T) {
	p := newPair(t, wpaTKIP)
	p.ap.Replay++
	_, err := p.deliver(p.ap.Build(eapoltest.KeyMsg{Info: eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | 1<<4, KeyLen: 32, Replay: p.ap.Replay, Nonce: p.ap.ANonce}))
	wantDrop(t, err, eapol.ErrKeyInfo)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*eapoltest.KeyMsg){
		"secure":     func(m *eapoltest.KeyMsg) { m.Info |= eapoltest.KeyInfoSecure },
		"encrypted":  func(m *eapoltest.KeyMsg) { m.Info |= eapoltest.KeyInfoEncrypted },
		"key index":  func(m *eapoltest.KeyMsg) { m.Info |= 2 << 4 },
		"no install": func(m *eapoltest.KeyMsg) { m.Info &^= eapoltest.KeyInfoInstall },
	} {
		out, err := p.deliver(p.ap.Msg3(mod))
		wantDrop(t, err, eapol.ErrKeyInfo)
		if out != nil || len(p.port.installs) != 0 {
			t.Fatalf("message 3 with %s acted on", name)
		}
	}
	if _, err := p.deliver(p.ap.Msg3(nil)); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*eapoltest.KeyMsg){
		"key index 0": func(m *eapoltest.KeyMsg) { m.Info &^= 3 << 4 },
		"no secure":   func(m *eapoltest.KeyMsg) { m.Info &^= eapoltest.KeyInfoSecure },
		"no ack":      func(m *eapoltest.KeyMsg) { m.Info &^= eapoltest.KeyInfoAck },
		"GTK too short": func(m *eapoltest.KeyMsg) {
			m.Plain = m.Plain[:16]
		},
		"GTK too long": func(m *eapoltest.KeyMsg) { m.Plain = append(m.Plain, 1, 2, 3, 4, 5, 6, 7, 8) },
		"no key data":  func(m *eapoltest.KeyMsg) { m.Plain = nil },
	} {
		out, err := p.deliver(p.ap.GroupMsg1(mod))
		var d *eapol.DropError
		if !errors.As(err, &d) || !(errors.Is(err, eapol.ErrKeyInfo) || errors.Is(err, eapol.ErrKeyData)) {
			t.Fatalf("group message 1 with %s: %v", name, err)
		}
		if out != nil || p.port.count("gtk") != 0 || p.sta.Complete() {
			t.Fatalf("group message 1 with %s acted on", name)
		}
	}
	// The Tx bit (Install's place) is allowed in a group message.
	if err := p.groupRekey(func(m *eapoltest.KeyMsg) { m.Info |= eapoltest.KeyInfoInstall }); err != nil {
		t.Fatal(err)
	}
	if !p.sta.Complete() {
		t.Fatal("not complete")
	}
	// RSN frames are not WPA's.
	p.ap.Desc = 2
	p.ap.NewGTK()
	_, err = p.deliver(p.ap.GroupMsg1(nil))
	wantDrop(t, err, eapol.ErrUnexpected)
}

// TestWPAGroupKeyTimeout: a WPA 4-way handshake done, the group key
// handshake never comes: reason 16.
func TestWPAGroupKeyTimeout(t *testing.T) {
	p := newPair(t, wpaTKIP)
	p.fourWay()
	err := p.sta.Run(context.Background(), make(chan []byte), 20*time.Millisecond)
	var herr *eapol.HandshakeError
	if !errors.As(err, &herr) || herr.Reason != ie.ReasonGKHandshakeTimeout {
		t.Fatalf("Run: %v, want a group key timeout", err)
	}
}

func TestWPAConfigRejected(t *testing.T) {
	good := eapol.Config{
		OwnRSNE: wpaIEFor(wpaTKIP), APRSNE: wpaIEFor(wpaTKIP),
		AKM: ie.AKMPSK, Pairwise: ie.CipherTKIP, Group: ie.CipherTKIP,
		PMK: make([]byte, 32),
	}
	if _, err := eapol.New(good, &fakePort{}); err != nil {
		t.Fatal(err)
	}
	rsne := rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherTKIP, group: ie.CipherTKIP}, 0)
	for name, mod := range map[string]func(*eapol.Config){
		"AP RSNE, own WPA":  func(c *eapol.Config) { c.APRSNE = rsne },
		"AP WPA, own RSNE":  func(c *eapol.Config) { c.OwnRSNE = rsne },
		"truncated WPA":     func(c *eapol.Config) { c.APRSNE = c.APRSNE[:6] },
		"SHA-256 AKM":       func(c *eapol.Config) { c.AKM = ie.AKMPSKSHA256 },
		"GCMP pairwise":     func(c *eapol.Config) { c.Pairwise = ie.CipherGCMP128 },
		"GCMP group":        func(c *eapol.Config) { c.Group = ie.CipherGCMP256 },
		"no group traffic":  func(c *eapol.Config) { c.Group = ie.CipherNoGroupTraffic },
		"MFP":               func(c *eapol.Config) { c.MFP = true },
		"RSNXE":             func(c *eapol.Config) { c.OwnRSNXE = []byte{244, 1, 0x20} },
		"WPS vendor IE own": func(c *eapol.Config) { c.OwnRSNE = []byte{0xdd, 6, 0x00, 0x50, 0xf2, 4, 1, 0} },
	} {
		c := good
		mod(&c)
		if _, err := eapol.New(c, &fakePort{}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// FuzzWPASupplicantReceive feeds arbitrary frames to a WPA supplicant in
// each state: nothing may panic, and a frame from no one who holds the
// PMK never installs a key.
func FuzzWPASupplicantReceive(f *testing.F) {
	seed := newPair(f, wpaTKIP)
	m1 := seed.ap.Msg1()
	m2, _ := seed.deliver(m1)
	seed.ap.HandleMsg2(m2)
	m3 := seed.ap.Msg3(nil)
	seed.deliver(m3)
	f.Add(m1, uint8(0))
	f.Add(m3, uint8(1))
	f.Add(seed.ap.GroupMsg1(nil), uint8(2))
	f.Add([]byte{2, 3, 0, 0}, uint8(2))
	f.Fuzz(func(t *testing.T, frame []byte, stage uint8) {
		p := newPair(t, wpaTKIP)
		if stage%3 >= 1 {
			m2, _ := p.deliver(p.ap.Msg1())
			if err := p.ap.HandleMsg2(m2); err != nil {
				t.Fatal(err)
			}
		}
		if stage%3 == 2 {
			if _, err := p.deliver(p.ap.Msg3(nil)); err != nil {
				t.Fatal(err)
			}
		}
		installs := len(p.port.installs)
		p.sta.Receive(frame)
		if len(p.port.installs) != installs {
			t.Fatalf("fuzzed frame installed a key: %+v", p.port.installs[installs:])
		}
	})
}
