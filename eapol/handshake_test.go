package eapol_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
	"wifid/eapol/eapoltest"
	"wifid/nl80211/ie"

	"wifid/eapol"
)

var pskCCMP = authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128}

func TestHandshakePSKCCMP(t *testing.T) {
	p := newPair(t, pskCCMP)
	p.fourWay()
	if p.sta.State() != eapol.StateComplete {
		t.Fatalf("state %v", p.sta.State())
	}
	ptk, gtk := p.lastInstall("ptk"), p.lastInstall("gtk")
	if ptk == nil || !bytes.Equal(ptk.key, p.ap.TK) || ptk.cipher != ie.CipherCCMP128 {
		t.Fatalf("PTK install %+v, want TK %x", ptk, p.ap.TK)
	}
	if gtk == nil || gtk.keyID != 1 || !bytes.Equal(gtk.key, p.ap.GTK) || !bytes.Equal(gtk.seq, p.ap.RSC[:]) {
		t.Fatalf("GTK install %+v", gtk)
	}
	if len(p.port.events) != 1 || p.port.events[0].Type != eapol.EventHandshakeComplete {
		t.Fatalf("events %+v", p.port.events)
	}
	// Group rekey with a new GTK under key ID 2.
	p.ap.NewGTK()
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	if g := p.lastInstall("gtk"); g.keyID != 2 || !bytes.Equal(g.key, p.ap.GTK) {
		t.Fatalf("rekeyed GTK %+v", g)
	}
	if p.port.events[len(p.port.events)-1].Type != eapol.EventGroupRekeyed {
		t.Fatalf("events %+v", p.port.events)
	}
}

// TestHandshakeMatrix runs complete handshakes and a group rekey for each
// supported AKM with each cipher it may use, with and without MFP.
func TestHandshakeMatrix(t *testing.T) {
	akms := []ie.AKMSuite{ie.AKMPSK, ie.AKMPSKSHA256, ie.AKM8021X, ie.AKM8021XSHA256, ie.AKMSAE}
	ciphers := []ie.CipherSuite{ie.CipherCCMP128, ie.CipherGCMP128, ie.CipherGCMP256, ie.CipherCCMP256, ie.CipherTKIP}
	var cases []authConfig
	for _, akm := range akms {
		for _, c := range ciphers {
			if c == ie.CipherTKIP && akm != ie.AKMPSK && akm != ie.AKM8021X {
				continue
			}
			for _, mfp := range []bool{false, true} {
				cases = append(cases, authConfig{akm: akm, pairwise: c, mfp: mfp})
			}
		}
	}
	cases = append(cases,
		authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherTKIP},
		authConfig{akm: ie.AKM8021XSuiteB192, pairwise: ie.CipherGCMP256, mfp: true, mgmt: ie.CipherBIPGMAC256},
		// OWE's three groups: the PMK's length picks the algorithms.
		authConfig{akm: ie.AKMOWE, pairwise: ie.CipherCCMP128, pmkLen: 32},
		authConfig{akm: ie.AKMOWE, pairwise: ie.CipherCCMP128, pmkLen: 48, mfp: true},
		authConfig{akm: ie.AKMOWE, pairwise: ie.CipherGCMP256, pmkLen: 64},
	)
	for _, c := range cases {
		name := c.akm.String() + "/" + c.pairwise.String()
		if c.pmkLen != 0 {
			name += fmt.Sprintf("/PMK-%d", c.pmkLen)
		}
		if c.group != 0 {
			name += "/group-" + c.group.String()
		}
		if c.mfp {
			name += "/MFP"
		}
		t.Run(name, func(t *testing.T) {
			p := newPair(t, c)
			p.fourWay()
			if ptk := p.lastInstall("ptk"); ptk == nil || !bytes.Equal(ptk.key, p.ap.TK) || len(ptk.key) != c.pairwise.KeyLen() {
				t.Fatalf("PTK install %+v", ptk)
			}
			if c.mfp {
				ig := p.lastInstall("igtk")
				if ig == nil || ig.keyID != 4 || !bytes.Equal(ig.key, p.ap.IGTK) || !bytes.Equal(ig.seq, p.ap.IPN[:]) {
					t.Fatalf("IGTK install %+v", ig)
				}
			} else if p.port.count("igtk") != 0 {
				t.Fatal("IGTK installed without MFP")
			}
			p.ap.NewGTK()
			if err := p.groupRekey(nil); err != nil {
				t.Fatal(err)
			}
			if g := p.lastInstall("gtk"); g.keyID != 2 || !bytes.Equal(g.key, p.ap.GTK) {
				t.Fatalf("GTK after rekey %+v", g)
			}
			if c.mfp {
				if ig := p.lastInstall("igtk"); ig.keyID != 5 || !bytes.Equal(ig.key, p.ap.IGTK) {
					t.Fatalf("IGTK after rekey %+v", ig)
				}
			}
		})
	}
}

func Test8021XPMKAfterMessage1(t *testing.T) {
	c := authConfig{akm: ie.AKM8021X, pairwise: ie.CipherCCMP128, holdPMK: true}
	p := newPair(t, c)
	m2, err := p.deliver(p.ap.Msg1())
	if err != nil || m2 != nil {
		t.Fatalf("message 1 before the PMK: sent %x, %v", m2, err)
	}
	if err := p.sta.SetPMK(p.pmk); err != nil {
		t.Fatal(err)
	}
	if err := p.ap.HandleMsg2(p.port.last()); err != nil {
		t.Fatal(err)
	}
	m4, err := p.deliver(p.ap.Msg3(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ap.CheckMsg4(m4); err != nil {
		t.Fatal(err)
	}
}

func wantDrop(t *testing.T, err error, want error) {
	t.Helper()
	var d *eapol.DropError
	if !errors.As(err, &d) || !errors.Is(err, want) {
		t.Fatalf("error %v, want a drop for %v", err, want)
	}
}

func TestReplayCounterMustIncrease(t *testing.T) {
	p := newPair(t, pskCCMP)
	m1 := p.ap.Msg1()
	m2, _ := p.deliver(m1)
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	m3 := p.ap.Msg3(nil)
	if _, err := p.deliver(m3); err != nil {
		t.Fatal(err)
	}
	sent, installs := len(p.port.sent), len(p.port.installs)
	// The very same message 3 again: its counter is not above the last
	// verified one. No message 4, nothing installed.
	out, err := p.deliver(m3)
	wantDrop(t, err, eapol.ErrReplay)
	if out != nil || len(p.port.sent) != sent || len(p.port.installs) != installs {
		t.Fatal("replayed message 3 was answered")
	}
	// An old message 1 replayed after the handshake.
	_, err = p.deliver(m1)
	wantDrop(t, err, eapol.ErrReplay)
	// A group message 1 whose counter does not increase.
	p.ap.NewGTK()
	g1 := p.ap.GroupMsg1(nil)
	if _, err := p.deliver(g1); err != nil {
		t.Fatal(err)
	}
	_, err = p.deliver(g1)
	wantDrop(t, err, eapol.ErrReplay)
	p.ap.Replay-- // AP reuses the counter of the last group message 1
	p.ap.NewGTK()
	_, err = p.deliver(p.ap.GroupMsg1(nil))
	wantDrop(t, err, eapol.ErrReplay)
	if p.port.count("gtk") != 2 {
		t.Fatalf("%d GTK installs, want 2", p.port.count("gtk"))
	}
}

// TestMessage1Retransmitted: 12.7.2 never updates the replay counter for
// message 1 (it has no MIC), so the AP may repeat message 1 with the same
// counter, or a higher one, before message 3. Each is answered, with the
// same SNonce; message 3 must match the latest ANonce.
func TestMessage1Retransmitted(t *testing.T) {
	p := newPair(t, pskCCMP)
	m1 := p.ap.Msg1()
	first, err := p.deliver(m1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.deliver(m1)
	if err != nil || again == nil {
		t.Fatalf("message 1 with the same counter: %v", err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("retransmitted message 1 got a different message 2")
	}
	// The AP then restarts with a new ANonce and a higher counter.
	p.ap.ANonce[0] ^= 0xff
	m2, err := p.deliver(p.ap.Msg1())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m2[17:49], first[17:49]) {
		t.Fatal("SNonce changed within one handshake")
	}
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	m4, err := p.deliver(p.ap.Msg3(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ap.CheckMsg4(m4); err != nil {
		t.Fatal(err)
	}
}

func TestANonceMismatchInMessage3(t *testing.T) {
	p := newPair(t, pskCCMP)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	out, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) { m.Nonce[5] ^= 1 }))
	wantDrop(t, err, eapol.ErrANonceMismatch)
	if out != nil || len(p.port.installs) != 0 {
		t.Fatal("message 3 with another ANonce was acted on")
	}
	// The genuine message 3 still completes the handshake.
	if _, err := p.deliver(p.ap.Msg3(nil)); err != nil || !p.sta.Complete() {
		t.Fatalf("genuine message 3: %v", err)
	}
}

// TestMessage3RSNEMismatchDowngrade: the RSNE in message 3 must be the
// Beacon/Probe Response RSNE octet for octet; a difference (here: an
// attacker who advertised TKIP-only in a forged beacon, or the other way
// round) fails the handshake with reason 17.
func TestMessage3RSNEMismatchDowngrade(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(a *eapoltest.Authenticator, m *eapoltest.KeyMsg)
	}{
		{"other pairwise", func(a *eapoltest.Authenticator, m *eapoltest.KeyMsg) {
			r := rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherTKIP, group: ie.CipherTKIP}, 0x000c)
			m.Plain = append(r, a.GroupKDEs()...)
		}},
		{"capabilities differ", func(a *eapoltest.Authenticator, m *eapoltest.KeyMsg) {
			r := rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherCCMP128}, 0)
			m.Plain = append(r, a.GroupKDEs()...)
		}},
		{"no RSNE", func(a *eapoltest.Authenticator, m *eapoltest.KeyMsg) { m.Plain = a.GroupKDEs() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(t, pskCCMP)
			m2, _ := p.deliver(p.ap.Msg1())
			if err := p.ap.HandleMsg2(m2); err != nil {
				t.Fatal(err)
			}
			out, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) { c.mod(p.ap, m) }))
			var herr *eapol.HandshakeError
			if !errors.As(err, &herr) || herr.Reason != ie.ReasonHandshakeElementMismatch {
				t.Fatalf("error %v, want a failure with reason 17", err)
			}
			if out != nil || len(p.port.installs) != 0 || p.sta.State() != eapol.StateFailed {
				t.Fatal("mismatched RSNE was acted on")
			}
			ev := p.port.events[len(p.port.events)-1]
			if ev.Type != eapol.EventFailed || ev.Reason != ie.ReasonHandshakeElementMismatch {
				t.Fatalf("event %+v", ev)
			}
			// Nothing more is processed.
			_, err = p.deliver(p.ap.Msg3(nil))
			wantDrop(t, err, eapol.ErrHandshakeFailed)
		})
	}
}

// TestMICVerifiedBeforeAnyField: a message 3 with a bad MIC is dropped for
// its MIC whatever else is wrong with it: its RSNE, ANonce, key data and
// flags are not looked at (a forged mismatched RSNE must not be able to
// tear the association down).
func TestMICVerifiedBeforeAnyField(t *testing.T) {
	p := newPair(t, pskCCMP)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	flip := func(f []byte) []byte { f[81] ^= 1; return f }
	for name, mod := range map[string]func(*eapoltest.KeyMsg){
		"bad MIC": func(m *eapoltest.KeyMsg) { m.AfterMIC = flip },
		"bad MIC, other RSNE": func(m *eapoltest.KeyMsg) {
			m.Plain = append([]byte{48, 2, 1, 0}, p.ap.GroupKDEs()...)
			m.AfterMIC = flip
		},
		"bad MIC, other ANonce": func(m *eapoltest.KeyMsg) { m.Nonce[0] ^= 1; m.AfterMIC = flip },
		"bad MIC, garbage data": func(m *eapoltest.KeyMsg) {
			m.Encrypt = false
			m.Plain = bytes.Repeat([]byte{0xff}, 24)
			m.AfterMIC = flip
		},
		"MIC under another key":    func(m *eapoltest.KeyMsg) { m.KCK = bytes.Repeat([]byte{1}, 16) },
		"frame altered after MIC":  func(m *eapoltest.KeyMsg) { m.AfterMIC = func(f []byte) []byte { f[len(f)-1] ^= 1; return f } },
		"key length altered later": func(m *eapoltest.KeyMsg) { m.AfterMIC = func(f []byte) []byte { f[8] ^= 0x20; return f } },
	} {
		out, err := p.deliver(p.ap.Msg3(mod))
		var d *eapol.DropError
		if !errors.As(err, &d) || !errors.Is(err, eapol.ErrMIC) {
			t.Errorf("%s: error %v, want a MIC drop", name, err)
		}
		if out != nil || len(p.port.installs) != 0 || p.sta.State() != eapol.StateWaitMessage3 {
			t.Fatalf("%s: acted on", name)
		}
	}
	if _, err := p.deliver(p.ap.Msg3(nil)); err != nil || !p.sta.Complete() {
		t.Fatalf("genuine message 3 after the forgeries: %v", err)
	}
	// A group message 1 with a bad MIC installs nothing.
	p.ap.NewGTK()
	_, err := p.deliver(p.ap.GroupMsg1(func(m *eapoltest.KeyMsg) { m.AfterMIC = flip }))
	wantDrop(t, err, eapol.ErrMIC)
	if p.port.count("gtk") != 1 {
		t.Fatal("GTK installed from a frame with a bad MIC")
	}
}

// TestNoReinstallOnRetransmittedMessage3 is the KRACK check: a
// retransmitted message 3 (higher counter, same ANonce, as an AP sends
// when message 4 is lost) is answered with message 4 again, but neither
// the PTK nor the GTK is installed again (which would reset nonces and
// replay counters in the driver).
func TestNoReinstallOnRetransmittedMessage3(t *testing.T) {
	for _, c := range []authConfig{pskCCMP, {akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, mfp: true}} {
		p := newPair(t, c)
		p.fourWay()
		installs := len(p.port.installs)
		for i := 0; i < 3; i++ {
			m4, err := p.deliver(p.ap.Msg3(nil))
			if err != nil {
				t.Fatalf("retransmitted message 3: %v", err)
			}
			if err := p.ap.CheckMsg4(m4); err != nil {
				t.Fatal(err)
			}
		}
		if len(p.port.installs) != installs {
			t.Fatalf("keys reinstalled: %+v", p.port.installs[installs:])
		}
		if p.port.count("ptk") != 1 || p.port.count("gtk") != 1 {
			t.Fatalf("installs %+v", p.port.installs)
		}
		if len(p.port.events) != 1 {
			t.Fatalf("events %+v", p.port.events)
		}
	}
}

// TestNoReinstallOfInstalledGTK: a group message 1 carrying the GTK (and
// IGTK) already installed is answered but installs nothing.
func TestNoReinstallOfInstalledGTK(t *testing.T) {
	p := newPair(t, authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, mfp: true})
	p.fourWay()
	for i := 0; i < 2; i++ {
		if err := p.groupRekey(nil); err != nil {
			t.Fatal(err)
		}
	}
	if p.port.count("gtk") != 1 || p.port.count("igtk") != 1 {
		t.Fatalf("installs %+v", p.port.installs)
	}
	// The same key ID with a new key is a new key.
	p.ap.GTK = p.ap.Random(16)
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	if p.port.count("gtk") != 2 || p.port.count("igtk") != 1 {
		t.Fatalf("installs %+v", p.port.installs)
	}
}

func TestMessage3WithoutMessage1(t *testing.T) {
	p := newPair(t, pskCCMP)
	// The AP (or an attacker) derives keys from an exchange the station
	// never took part in.
	p.ap.KCK, p.ap.KEK, p.ap.TK = p.ap.Derive(p.ap.ANonce[:], make([]byte, 32))
	out, err := p.deliver(p.ap.Msg3(nil))
	wantDrop(t, err, eapol.ErrNoMessage1)
	if out != nil || len(p.port.installs) != 0 {
		t.Fatal("message 3 without message 1 was acted on")
	}
	// A group message 1 before any PTK is dropped as well.
	_, err = p.deliver(p.ap.GroupMsg1(nil))
	wantDrop(t, err, eapol.ErrUnexpected)
}

// TestUnencryptedKeyDataRejected: after the handshake (and in message 3),
// key data must come encrypted; a frame with a valid MIC but the key data
// in the clear, Encrypted Key Data bit clear, installs nothing.
func TestUnencryptedKeyDataRejected(t *testing.T) {
	p := newPair(t, pskCCMP)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	_, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) { m.Encrypt = false; m.Info &^= eapoltest.KeyInfoEncrypted }))
	wantDrop(t, err, eapol.ErrNotEncrypted)
	if _, err := p.deliver(p.ap.Msg3(nil)); err != nil {
		t.Fatal(err)
	}
	p.ap.NewGTK()
	out, err := p.deliver(p.ap.GroupMsg1(func(m *eapoltest.KeyMsg) { m.Encrypt = false; m.Info &^= eapoltest.KeyInfoEncrypted }))
	wantDrop(t, err, eapol.ErrNotEncrypted)
	if out != nil || p.port.count("gtk") != 1 {
		t.Fatal("clear-text GTK was acted on")
	}
	// Encrypted bit set but the data in the clear: unwrap fails.
	_, err = p.deliver(p.ap.GroupMsg1(func(m *eapoltest.KeyMsg) { m.Encrypt = false; m.Plain = append(m.Plain, 0xdd, 0, 0, 0, 0, 0)[:32] }))
	wantDrop(t, err, eapol.ErrKeyData)
	if p.port.count("gtk") != 1 {
		t.Fatal("clear-text GTK installed")
	}
}

// TestKeyDataIntegrity: wrap integrity, wrapped length and the key data
// inside are all checked before anything is installed.
func TestKeyDataIntegrity(t *testing.T) {
	p := newPair(t, pskCCMP)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*eapoltest.KeyMsg){
		"wrapped under another KEK": func(m *eapoltest.KeyMsg) { m.KEK = bytes.Repeat([]byte{9}, 16) },
		"wrapped length not a multiple of 8": func(m *eapoltest.KeyMsg) {
			m.Encrypt = false
			w, _ := eapol.KeyWrap(p.ap.KEK, append(bytes.Clone(m.Plain), make([]byte, 8-len(m.Plain)%8)...))
			m.Plain = w[:len(w)-3]
		},
		"element overruns the key data": func(m *eapoltest.KeyMsg) { m.Plain = append(bytes.Clone(m.Plain), 0x30, 0x40, 1, 0) },
		"bad padding":                   func(m *eapoltest.KeyMsg) { m.Plain = append(bytes.Clone(m.Plain), 0xdd, 0, 0, 1) },
		"GTK of the wrong length": func(m *eapoltest.KeyMsg) {
			m.Plain = append(bytes.Clone(p.ap.RSNE), eapoltest.KDE(1, []byte{1, 0}, make([]byte, 32))...)
		},
		"no GTK": func(m *eapoltest.KeyMsg) { m.Plain = bytes.Clone(p.ap.RSNE) },
		"GTK key ID 0": func(m *eapoltest.KeyMsg) {
			m.Plain = append(bytes.Clone(p.ap.RSNE), eapoltest.KDE(1, []byte{0, 0}, make([]byte, 16))...)
		},
		"IGTK without MFP": func(m *eapoltest.KeyMsg) {
			m.Plain = append(bytes.Clone(m.Plain), eapoltest.KDE(9, []byte{4, 0}, make([]byte, 6), make([]byte, 16))...)
		},
		"key length wrong": func(m *eapoltest.KeyMsg) { m.KeyLen = 32 },
		"empty key data":   func(m *eapoltest.KeyMsg) { m.Plain = nil },
	}
	for name, mod := range cases {
		out, err := p.deliver(p.ap.Msg3(mod))
		var d *eapol.DropError
		if !errors.As(err, &d) || !(errors.Is(err, eapol.ErrKeyData) || errors.Is(err, eapol.ErrKeyLength)) {
			t.Errorf("%s: error %v, want a key data drop", name, err)
		}
		if out != nil || len(p.port.installs) != 0 {
			t.Fatalf("%s: acted on", name)
		}
	}
	if _, err := p.deliver(p.ap.Msg3(nil)); err != nil || !p.sta.Complete() {
		t.Fatalf("genuine message 3: %v", err)
	}
	// A Key Data Length field that claims more than the frame holds.
	_, err := p.deliver(p.ap.GroupMsg1(func(m *eapoltest.KeyMsg) {
		m.AfterMIC = func(f []byte) []byte { f[4+77+16+1]++; return f }
	}))
	wantDrop(t, err, eapol.ErrMalformed)
}

// TestKeyInfoBitRules: each message has its own Install, Ack, Secure,
// MIC, Encrypted, Request and Error bit rules (12.7.6, 12.7.7).
func TestKeyInfoBitRules(t *testing.T) {
	p := newPair(t, authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128})
	// Message 1 with Install, with Encrypted, with Request, without Ack, wrong version.
	for name, info := range map[string]uint16{
		"install":   eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | eapoltest.KeyInfoInstall,
		"encrypted": eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | eapoltest.KeyInfoEncrypted,
		"request":   eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | eapoltest.KeyInfoRequest,
		"error":     eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | eapoltest.KeyInfoError,
		"no ack":    eapoltest.KeyInfoPairwise,
	} {
		p.ap.Replay++
		out, err := p.deliver(p.ap.Build(eapoltest.KeyMsg{Info: info, KeyLen: 16, Replay: p.ap.Replay, Nonce: p.ap.ANonce}))
		wantDrop(t, err, eapol.ErrKeyInfo)
		if out != nil {
			t.Fatalf("message 1 with %s answered", name)
		}
	}
	p.ap.Replay++
	_, err := p.deliver(p.ap.Build(eapoltest.KeyMsg{Info: eapoltest.KeyInfoPairwise | eapoltest.KeyInfoAck | 3, NoVerField: true, KeyLen: 16, Replay: p.ap.Replay, Nonce: p.ap.ANonce}))
	wantDrop(t, err, eapol.ErrKeyInfo)

	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	for name, clearBits := range map[string]uint16{"install": eapoltest.KeyInfoInstall, "secure": eapoltest.KeyInfoSecure, "ack": eapoltest.KeyInfoAck} {
		out, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) { m.Info &^= clearBits }))
		wantDrop(t, err, eapol.ErrKeyInfo)
		if out != nil || len(p.port.installs) != 0 {
			t.Fatalf("message 3 without %s acted on", name)
		}
	}
	out, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) { m.Info |= eapoltest.KeyInfoError }))
	wantDrop(t, err, eapol.ErrKeyInfo)
	if out != nil {
		t.Fatal("message 3 with Error answered")
	}
	if _, err := p.deliver(p.ap.Msg3(nil)); err != nil {
		t.Fatal(err)
	}
	p.ap.NewGTK()
	for name, mod := range map[string]func(*eapoltest.KeyMsg){
		"install":   func(m *eapoltest.KeyMsg) { m.Info |= eapoltest.KeyInfoInstall },
		"no secure": func(m *eapoltest.KeyMsg) { m.Info &^= eapoltest.KeyInfoSecure },
		"no ack":    func(m *eapoltest.KeyMsg) { m.Info &^= eapoltest.KeyInfoAck },
		"request":   func(m *eapoltest.KeyMsg) { m.Info |= eapoltest.KeyInfoRequest },
	} {
		out, err := p.deliver(p.ap.GroupMsg1(mod))
		wantDrop(t, err, eapol.ErrKeyInfo)
		if out != nil || p.port.count("gtk") != 1 {
			t.Fatalf("group message 1 with %s acted on", name)
		}
	}
}

// TestPTKRekey: after the handshake the AP starts a new 4-way handshake
// (hostapd's wpa_ptk_rekey): message 1 with a higher counter and a new
// ANonce. The station answers with a new SNonce and installs the new PTK;
// the next group rekey uses the new KCK/KEK.
func TestPTKRekey(t *testing.T) {
	p := newPair(t, pskCCMP)
	p.fourWay()
	oldTK, oldSNonce := bytes.Clone(p.ap.TK), p.ap.SNonce
	p.ap.ANonce = [32]byte(p.ap.Random(32))
	p.fourWay()
	if p.ap.SNonce == oldSNonce {
		t.Fatal("SNonce reused across handshakes")
	}
	if p.port.count("ptk") != 2 {
		t.Fatalf("installs %+v", p.port.installs)
	}
	if tk := p.lastInstall("ptk").key; !bytes.Equal(tk, p.ap.TK) || bytes.Equal(tk, oldTK) {
		t.Fatal("new PTK not installed")
	}
	if p.port.count("gtk") != 1 {
		t.Fatal("unchanged GTK reinstalled by the PTK rekey")
	}
	if ev := p.port.events[len(p.port.events)-1]; ev.Type != eapol.EventPTKRekeyed {
		t.Fatalf("event %+v", ev)
	}
	p.ap.NewGTK()
	if err := p.groupRekey(nil); err != nil {
		t.Fatal(err)
	}
	if p.port.count("gtk") != 2 {
		t.Fatal("GTK not installed after the PTK rekey")
	}
	// While a rekey waits for message 3, the old PTK still protects group
	// rekeys.
	p.ap.ANonce = [32]byte(p.ap.Random(32))
	oldKCK, oldKEK := p.ap.KCK, p.ap.KEK
	m2, _ := p.deliver(p.ap.Msg1())
	p.ap.NewGTK()
	if err := p.groupRekey(nil); err != nil {
		t.Fatalf("group rekey during PTK rekey: %v", err)
	}
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(oldKCK, p.ap.KCK) || bytes.Equal(oldKEK, p.ap.KEK) {
		t.Fatal("keys did not change")
	}
	m4, err := p.deliver(p.ap.Msg3(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ap.CheckMsg4(m4); err != nil {
		t.Fatal(err)
	}
	if p.port.count("ptk") != 3 {
		t.Fatal("third PTK not installed")
	}
}

// TestSendFailureInstallsNothing: if message 4 cannot be sent, no key is
// installed; the AP's retransmission then completes the handshake once.
func TestSendFailureInstallsNothing(t *testing.T) {
	p := newPair(t, pskCCMP)
	m2, _ := p.deliver(p.ap.Msg1())
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	p.port.sendErr = errSend
	if _, err := p.deliver(p.ap.Msg3(nil)); !errors.Is(err, errSend) {
		t.Fatalf("error %v", err)
	}
	if len(p.port.installs) != 0 || p.sta.Complete() {
		t.Fatal("keys installed without message 4")
	}
	p.port.sendErr = nil
	m4, err := p.deliver(p.ap.Msg3(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ap.CheckMsg4(m4); err != nil {
		t.Fatal(err)
	}
	if p.port.count("ptk") != 1 || p.port.count("gtk") != 1 {
		t.Fatalf("installs %+v", p.port.installs)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	good := eapol.Config{
		OwnRSNE: rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherCCMP128}, 0),
		APRSNE:  rsneFor(authConfig{akm: ie.AKMPSK, pairwise: ie.CipherCCMP128, group: ie.CipherCCMP128}, 0),
		AKM:     ie.AKMPSK, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128,
		PMK: make([]byte, 32),
	}
	if _, err := eapol.New(good, &fakePort{}); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*eapol.Config){
		"FT AKM":           func(c *eapol.Config) { c.AKM = ie.AKMFTPSK },
		"WEP pairwise":     func(c *eapol.Config) { c.Pairwise = ie.CipherWEP104 },
		"BIP as group":     func(c *eapol.Config) { c.Group = ie.CipherBIPCMAC128 },
		"truncated RSNE":   func(c *eapol.Config) { c.APRSNE = c.APRSNE[:5] },
		"no own RSNE":      func(c *eapol.Config) { c.OwnRSNE = nil },
		"short PMK":        func(c *eapol.Config) { c.PMK = make([]byte, 16) },
		"PSK PMK of 48":    func(c *eapol.Config) { c.PMK = make([]byte, 48) },
		"MFP with a TKIP":  func(c *eapol.Config) { c.MFP = true; c.GroupMgmt = ie.CipherTKIP },
		"empty AP RSNXE":   func(c *eapol.Config) { c.APRSNXE = []byte{} },
		"AP RSNXE an RSNE": func(c *eapol.Config) { c.APRSNXE = c.APRSNE },
	} {
		c := good
		mod(&c)
		if _, err := eapol.New(c, &fakePort{}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestRunTimeoutAndCancel(t *testing.T) {
	p := newPair(t, pskCCMP)
	frames := make(chan []byte)
	err := p.sta.Run(context.Background(), frames, 20*time.Millisecond)
	var herr *eapol.HandshakeError
	if !errors.As(err, &herr) || herr.Reason != ie.Reason4WayHandshakeTimeout {
		t.Fatalf("Run: %v, want a 4-way timeout", err)
	}

	p = newPair(t, pskCCMP)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.sta.Run(ctx, frames, time.Minute) }()
	frames <- p.ap.Msg1()
	frames <- []byte{1, 2, 3} // garbage is dropped, not fatal
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v", err)
	}
	if err := p.ap.HandleMsg2(p.port.last()); err != nil {
		t.Fatal(err)
	}
}

// TestSecondRSNE: a second RSNE in message 3 (12.7.6.4) must name exactly
// the pairwise cipher the station chose.
func TestSecondRSNE(t *testing.T) {
	for _, c := range []struct {
		name     string
		pairwise ie.CipherSuite
		ok       bool
	}{{"same pairwise", ie.CipherCCMP128, true}, {"other pairwise", ie.CipherGCMP256, false}} {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(t, pskCCMP)
			m2, _ := p.deliver(p.ap.Msg1())
			if err := p.ap.HandleMsg2(m2); err != nil {
				t.Fatal(err)
			}
			second := rsneFor(authConfig{akm: ie.AKMPSK, pairwise: c.pairwise, group: ie.CipherCCMP128}, 0x000c)
			_, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) {
				m.Plain = bytes.Join([][]byte{p.ap.RSNE, second, p.ap.GroupKDEs()}, nil)
			}))
			var herr *eapol.HandshakeError
			switch {
			case c.ok && err != nil:
				t.Fatal(err)
			case !c.ok && (!errors.As(err, &herr) || herr.Reason != ie.ReasonHandshakeElementMismatch):
				t.Fatalf("error %v, want reason 17", err)
			}
		})
	}
}

// TestMessage3RSNXEMismatch: message 3's RSNXE must be the Beacon's, and
// a Beacon without one means message 3 must carry none (12.7.6.4, as iwd
// has it): a forged Beacon that left the RSNXE out, to make SAE fall back
// from hash-to-element to hunting-and-pecking, is found out here with
// reason 17 and no key installed.
func TestMessage3RSNXEMismatch(t *testing.T) {
	h2e := ie.MarshalRSNX(ie.RSNXSAEH2E)
	other := ie.MarshalRSNX(ie.RSNXSAEH2E, ie.RSNXSAEPK)
	for _, c := range []struct {
		name         string
		beacon, msg3 []byte
		ok           bool
	}{
		{"neither", nil, nil, true},
		{"same", h2e, h2e, true},
		{"beacon had none", nil, h2e, false},
		{"message 3 has none", h2e, nil, false},
		{"different", h2e, other, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ac := pskCCMP
			ac.apRSNXE = c.beacon
			p := newPair(t, ac)
			m2, _ := p.deliver(p.ap.Msg1())
			if err := p.ap.HandleMsg2(m2); err != nil {
				t.Fatal(err)
			}
			out, err := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) {
				m.Plain = bytes.Join([][]byte{p.ap.RSNE, c.msg3, p.ap.GroupKDEs()}, nil)
			}))
			if c.ok {
				if err != nil || out == nil {
					t.Fatalf("message 3: %v", err)
				}
				return
			}
			var herr *eapol.HandshakeError
			if !errors.As(err, &herr) || herr.Reason != ie.ReasonHandshakeElementMismatch {
				t.Fatalf("error %v, want a failure with reason 17", err)
			}
			if out != nil || len(p.port.installs) != 0 || p.sta.State() != eapol.StateFailed {
				t.Fatal("mismatched RSNXE was acted on")
			}
		})
	}
}

func TestOtherFramesDropped(t *testing.T) {
	p := newPair(t, pskCCMP)
	eap := []byte{2, 0, 0, 5, 1, 1, 0, 5, 1} // EAP-Request/Identity
	_, err := p.deliver(eap)
	wantDrop(t, err, eapol.ErrUnexpected)
	wpa := p.ap.Msg1()
	wpa[4] = 254 // WPA descriptor
	_, err = p.deliver(wpa)
	wantDrop(t, err, eapol.ErrUnexpected)
	_, err = p.deliver([]byte{2, 3})
	wantDrop(t, err, eapol.ErrMalformed)
	if len(p.port.sent) != 0 {
		t.Fatal("answered")
	}
}

func TestNames(t *testing.T) {
	for got, want := range map[string]string{
		eapol.StateWaitMessage3.String():      "wait-message-3",
		eapol.EventHandshakeComplete.String(): "handshake-complete",
		eapol.KeyInfo(0x13ca).String():        "ver=2|pairwise|install|ack|mic|secure|encrypted",
		eapol.PacketKey.String():              "EAPOL-Key",
	} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}

func TestSwapTKIPMICKeys(t *testing.T) {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	s := eapol.SwapTKIPMICKeys(k)
	if !bytes.Equal(s[:16], k[:16]) || !bytes.Equal(s[16:24], k[24:]) || !bytes.Equal(s[24:], k[16:24]) {
		t.Fatalf("%x", s)
	}
	if !bytes.Equal(eapol.SwapTKIPMICKeys(k[:16]), k[:16]) {
		t.Fatal("16-octet key changed")
	}
}

// FuzzSupplicantReceive feeds arbitrary frames to a supplicant in each
// state: nothing may panic, and a frame from no one who holds the PMK
// never installs a key.
func FuzzSupplicantReceive(f *testing.F) {
	seedPair := newPair(f, pskCCMP)
	m1 := seedPair.ap.Msg1()
	m2, _ := seedPair.deliver(m1)
	seedPair.ap.HandleMsg2(m2)
	f.Add(m1, uint8(0))
	f.Add(seedPair.ap.Msg3(nil), uint8(1))
	f.Add(seedPair.ap.GroupMsg1(nil), uint8(2))
	f.Add([]byte{2, 3, 0, 0}, uint8(1))
	f.Fuzz(func(t *testing.T, frame []byte, stage uint8) {
		p := newPair(t, pskCCMP)
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
		eapol.ProtectedOnceKeyed(frame) // the station's admission check sees every frame first
		p.sta.Receive(frame)
		if len(p.port.installs) != installs {
			t.Fatalf("fuzzed frame installed a key: %+v", p.port.installs[installs:])
		}
	})
}

// TestSuiteB192PMKLength: 802.1X-Suite-B-192 takes the MSK's first 384
// bits as its PMK (eapol.PMKLen 48): SetPMK refuses 32 octets, as the
// SHA-1 and SHA-256 802.1X AKMs' length, and takes 48.
func TestSuiteB192PMKLength(t *testing.T) {
	if n := eapol.PMKLen(ie.AKM8021XSuiteB192); n != 48 {
		t.Fatalf("PMKLen(802.1X-Suite-B-192) = %d, want 48", n)
	}
	if n := eapol.PMKLen(ie.AKM8021XSHA256); n != 32 {
		t.Fatalf("PMKLen(802.1X-SHA256) = %d, want 32", n)
	}
	p := newPair(t, authConfig{akm: ie.AKM8021XSuiteB192, pairwise: ie.CipherGCMP256, mfp: true,
		mgmt: ie.CipherBIPGMAC256, holdPMK: true})
	if err := p.sta.SetPMK(make([]byte, 32)); err == nil {
		t.Fatal("a 32-octet PMK taken for 802.1X-Suite-B-192")
	}
	if err := p.sta.SetPMK(p.pmk); err != nil {
		t.Fatal(err)
	}
	p.fourWay()
	if ptk := p.lastInstall("ptk"); ptk == nil || len(ptk.key) != 32 {
		t.Fatalf("PTK install %+v", ptk)
	}
}

// TestProtectedOnceKeyed: once a PTK is installed, EAP packets and the
// message 1 of a PTK rekey must come protected; a retransmitted message 3
// (the AP has no PTK before our message 4) and group message 1 need not.
func TestProtectedOnceKeyed(t *testing.T) {
	p := newPair(t, pskCCMP)
	m1 := p.ap.Msg1()
	m2, _ := p.deliver(m1)
	if err := p.ap.HandleMsg2(m2); err != nil {
		t.Fatal(err)
	}
	eap, _ := eapol.EAPFrame(2, []byte{1, 1, 0, 5, 1})
	for name, c := range map[string]struct {
		frame []byte
		want  bool
	}{
		"message 1":       {m1, true},
		"EAP-Request":     {eap, true},
		"message 3":       {p.ap.Msg3(nil), false},
		"group message 1": {p.ap.GroupMsg1(nil), false},
		"EAPOL-Start":     {eapol.StartFrame(2), false},
		"truncated key":   {[]byte{2, 3, 0, 1, 2}, false},
		"garbage":         {[]byte{2}, false},
	} {
		if got := eapol.ProtectedOnceKeyed(c.frame); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

// TestMessage3TransitionDisable: message 3's Transition Disable KDE (WFA
// OUI, type 0x20) reaches the station with the handshake's completion; a
// message 3 without it reports none, and two are refused.
func TestMessage3TransitionDisable(t *testing.T) {
	td := []byte{0xdd, 5, 0x50, 0x6f, 0x9a, 0x20, 0x01}
	for _, c := range []struct {
		name string
		kde  []byte
		want []byte
		ok   bool
	}{
		{"none", nil, nil, true},
		{"WPA3-Personal", td, []byte{0x01}, true},
		{"twice", append(append([]byte(nil), td...), td...), nil, false},
		{"no bitmap", []byte{0xdd, 4, 0x50, 0x6f, 0x9a, 0x20}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(t, pskCCMP)
			m2, _ := p.deliver(p.ap.Msg1())
			if err := p.ap.HandleMsg2(m2); err != nil {
				t.Fatal(err)
			}
			out, _ := p.deliver(p.ap.Msg3(func(m *eapoltest.KeyMsg) {
				m.Plain = bytes.Join([][]byte{p.ap.RSNE, p.ap.GroupKDEs(), c.kde}, nil)
			}))
			if !c.ok {
				if out != nil || len(p.port.installs) != 0 {
					t.Fatal("message 3 with a malformed Transition Disable KDE was acted on")
				}
				return
			}
			if out == nil || len(p.port.events) != 1 || p.port.events[0].Type != eapol.EventHandshakeComplete {
				t.Fatalf("events %+v", p.port.events)
			}
			if got := p.port.events[0].TransitionDisable; !bytes.Equal(got, c.want) {
				t.Errorf("TransitionDisable %x, want %x", got, c.want)
			}
		})
	}
}
