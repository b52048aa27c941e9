package eapol_test

// A test authenticator written from IEEE 802.11-2020 12.7.6 and 12.7.7. It
// builds and checks frames octet by octet on its own (no KeyFrame, no
// ParseKeyData, no DerivePTK); from the package it uses only the
// primitives that the Annex J and RFC vectors pin down (PRF, KDF,
// ComputeMIC, KeyWrap).

import (
	"bytes"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"wifid/nl80211/ie"

	"wifid/eapol"
)

// Key Information bits (Figure 12-33), spelled out again here.
const (
	kiPairwise  = 0x0008
	kiInstall   = 0x0040
	kiAck       = 0x0080
	kiMIC       = 0x0100
	kiSecure    = 0x0200
	kiError     = 0x0400
	kiRequest   = 0x0800
	kiEncrypted = 0x1000
)

type authenticator struct {
	t                      testing.TB
	akm                    ie.AKMSuite
	pairwise, group, mgmt  ie.CipherSuite
	mfp                    bool
	wpa                    bool // WPA: descriptor 254, WPA element, GTK in the group handshake
	desc                   byte // descriptor type
	pmk                    []byte
	aa, spa                [6]byte
	rsne, staRSNE          []byte
	ver                    uint16 // key descriptor version
	mic                    eapol.MICAlgorithm
	micLen, kckLen, kekLen int

	replay   uint64
	m1replay uint64 // counter of the last message 1
	anonce   [32]byte
	snonce   [32]byte
	kck      []byte
	kek      []byte
	tk       []byte

	gtkID  int
	gtk    []byte
	rsc    [8]byte
	igtkID int
	igtk   []byte
	ipn    [6]byte

	ivCounter uint64
	rng       uint64
}

type authConfig struct {
	akm                   ie.AKMSuite
	pairwise, group, mgmt ie.CipherSuite
	mfp                   bool
	holdPMK               bool // 802.1X: do not call SetPMK yet
	wpa                   bool // WPA (pre-RSN) instead of RSN
}

// wpaIEFor builds a WPA vendor element (00-50-F2:1) for one pairwise
// cipher and AKM: the WPA selectors are the RSN ones under 00-50-F2.
func wpaIEFor(c authConfig) []byte {
	sel := func(s ie.CipherSuite) []byte { return []byte{0x00, 0x50, 0xf2, byte(s)} }
	b := []byte{0xdd, 0, 0x00, 0x50, 0xf2, 1, 1, 0}
	b = append(b, sel(c.group)...)
	b = append(b, 1, 0)
	b = append(b, sel(c.pairwise)...)
	b = append(b, 1, 0)
	b = append(b, sel(ie.CipherSuite(c.akm))...)
	b[1] = byte(len(b) - 2)
	return b
}

// rsneFor builds an RSN element for one pairwise cipher and AKM.
func rsneFor(c authConfig, caps uint16) []byte {
	b := []byte{48, 0, 1, 0}
	b = binary.BigEndian.AppendUint32(b, uint32(c.group))
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(c.pairwise))
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(c.akm))
	if c.mfp {
		caps |= 0x0080 // MFPC
	}
	b = binary.LittleEndian.AppendUint16(b, caps)
	if c.mfp {
		b = append(b, 0, 0) // PMKID count
		b = binary.BigEndian.AppendUint32(b, uint32(c.mgmt))
	}
	b[1] = byte(len(b) - 2)
	return b
}

func newAuthenticator(t testing.TB, c authConfig, pmk []byte) *authenticator {
	a := &authenticator{
		t: t, akm: c.akm, pairwise: c.pairwise, group: c.group, mgmt: c.mgmt, mfp: c.mfp, wpa: c.wpa, desc: 2,
		pmk: pmk, aa: [6]byte{0x02, 0, 0, 0, 0, 0xaa}, spa: [6]byte{0x02, 0, 0, 0, 0, 0x55},
		micLen: 16, kckLen: 16, kekLen: 16, replay: 0, gtkID: 1, igtkID: 4, rng: 1,
	}
	if a.mgmt == 0 && a.mfp {
		a.mgmt = ie.CipherBIPCMAC128
	}
	switch c.akm {
	case ie.AKMPSK, ie.AKM8021X:
		a.ver, a.mic = 2, eapol.MICHMACSHA1
		if c.pairwise == ie.CipherTKIP {
			a.ver, a.mic = 1, eapol.MICHMACMD5
		}
	case ie.AKMPSKSHA256, ie.AKM8021XSHA256:
		a.ver, a.mic = 3, eapol.MICAESCMAC
	case ie.AKMSAE:
		a.ver, a.mic = 0, eapol.MICAESCMAC
	case ie.AKM8021XSuiteB192:
		a.ver, a.mic, a.micLen, a.kckLen, a.kekLen = 0, eapol.MICHMACSHA384, 24, 24, 32
	default:
		t.Fatalf("authenticator: AKM %v", c.akm)
	}
	a.rsne = rsneFor(c, 0x000c)
	a.staRSNE = rsneFor(c, 0)
	if c.wpa {
		a.desc = 254
		a.rsne, a.staRSNE = wpaIEFor(c), wpaIEFor(c)
	}
	a.gtk = a.random(c.group.KeyLen())
	a.rsc = [8]byte{0x10, 0x20}
	if c.mfp {
		a.igtk = a.random(a.mgmt.KeyLen())
		a.ipn = [6]byte{7}
	}
	a.anonce = [32]byte(a.random(32))
	return a
}

// random is a deterministic stream, so runs are reproducible.
func (a *authenticator) random(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		a.rng = a.rng*6364136223846793005 + 1442695040888963407
		b[i] = byte(a.rng >> 56)
	}
	return b
}

func (a *authenticator) tkLen() int { return a.pairwise.KeyLen() }

// derive computes the PTK per 12.7.1.3 with the AKM's PRF/KDF.
func (a *authenticator) derive(anonce, snonce []byte) (kck, kek, tk []byte) {
	lo, hi := a.aa[:], a.spa[:]
	if bytes.Compare(lo, hi) > 0 {
		lo, hi = hi, lo
	}
	n1, n2 := anonce, snonce
	if bytes.Compare(n1, n2) > 0 {
		n1, n2 = n2, n1
	}
	data := bytes.Join([][]byte{lo, hi, n1, n2}, nil)
	bits := (a.kckLen + a.kekLen + a.tkLen()) * 8
	var ptk []byte
	switch a.akm {
	case ie.AKMPSK, ie.AKM8021X:
		ptk = eapol.PRF(a.pmk, "Pairwise key expansion", data, bits)
	case ie.AKM8021XSuiteB192:
		ptk = eapol.KDF(sha512.New384, a.pmk, "Pairwise key expansion", data, bits)
	default:
		ptk = eapol.KDF(sha256.New, a.pmk, "Pairwise key expansion", data, bits)
	}
	return ptk[:a.kckLen], ptk[a.kckLen : a.kckLen+a.kekLen], ptk[a.kckLen+a.kekLen:]
}

// keyMsg is one EAPOL-Key frame the authenticator sends; the hooks let a
// test play a hostile AP.
type keyMsg struct {
	info       uint16 // without the descriptor version
	keyLen     uint16
	replay     uint64
	nonce      [32]byte
	rsc        [8]byte
	plain      []byte // key data before encryption
	encrypt    bool
	kck, kek   []byte // nil kck: no MIC
	beforeMIC  func(frame []byte) []byte
	afterMIC   func(frame []byte) []byte
	noVerField bool
}

func (a *authenticator) build(m keyMsg) []byte {
	kd := m.plain
	var iv [16]byte
	if m.encrypt && len(kd) > 0 {
		if a.ver == 1 {
			a.ivCounter++
			binary.BigEndian.PutUint64(iv[8:], a.ivCounter)
			c, _ := rc4.NewCipher(append(iv[:], m.kek...))
			skip := make([]byte, 256)
			c.XORKeyStream(skip, skip)
			out := make([]byte, len(kd))
			c.XORKeyStream(out, kd)
			kd = out
		} else {
			p := bytes.Clone(kd)
			if len(p)%8 != 0 || len(p) < 16 {
				p = append(p, 0xdd)
				for len(p)%8 != 0 || len(p) < 16 {
					p = append(p, 0)
				}
			}
			w, err := eapol.KeyWrap(m.kek, p)
			if err != nil {
				a.t.Fatalf("authenticator: wrap: %v", err)
			}
			kd = w
		}
	}
	body := []byte{a.desc}
	info := m.info
	if !m.noVerField {
		info |= a.ver
	}
	body = binary.BigEndian.AppendUint16(body, info)
	body = binary.BigEndian.AppendUint16(body, m.keyLen)
	body = binary.BigEndian.AppendUint64(body, m.replay)
	body = append(body, m.nonce[:]...)
	body = append(body, iv[:]...)
	body = append(body, m.rsc[:]...)
	body = append(body, make([]byte, 8)...)
	body = append(body, make([]byte, a.micLen)...)
	body = binary.BigEndian.AppendUint16(body, uint16(len(kd)))
	body = append(body, kd...)
	frame := []byte{2, 3}
	frame = binary.BigEndian.AppendUint16(frame, uint16(len(body)))
	frame = append(frame, body...)
	if m.beforeMIC != nil {
		frame = m.beforeMIC(frame)
	}
	if m.kck != nil {
		mic, err := eapol.ComputeMIC(a.mic, m.kck, frame)
		if err != nil {
			a.t.Fatalf("authenticator: MIC: %v", err)
		}
		copy(frame[81:], mic)
	}
	if m.afterMIC != nil {
		frame = m.afterMIC(frame)
	}
	return frame
}

// kde encodes a KDE under 00-0F-AC.
func kde(typ byte, data ...[]byte) []byte {
	d := bytes.Join(data, nil)
	return append([]byte{0xdd, byte(4 + len(d)), 0x00, 0x0f, 0xac, typ}, d...)
}

func (a *authenticator) gtkKDE() []byte {
	return kde(1, []byte{byte(a.gtkID), 0}, a.gtk)
}

func (a *authenticator) igtkKDE() []byte {
	id := binary.LittleEndian.AppendUint16(nil, uint16(a.igtkID))
	return kde(9, id, a.ipn[:], a.igtk)
}

func (a *authenticator) groupKDEs() []byte {
	b := a.gtkKDE()
	if a.mfp {
		b = append(b, a.igtkKDE()...)
	}
	return b
}

// msg1 starts a (new) 4-way handshake with a fresh replay counter.
func (a *authenticator) msg1() []byte {
	a.replay++
	a.m1replay = a.replay
	return a.build(keyMsg{info: kiPairwise | kiAck, keyLen: uint16(a.tkLen()), replay: a.replay, nonce: a.anonce})
}

// readKey splits a frame from the supplicant; it fails the test on
// anything malformed.
func (a *authenticator) readKey(frame []byte) (info uint16, keyLen uint16, replay uint64, nonce, mic, keyData []byte) {
	a.t.Helper()
	if len(frame) < 4+77+a.micLen+2 || frame[1] != 3 || frame[4] != a.desc {
		a.t.Fatalf("supplicant frame malformed: %x", frame)
	}
	if int(binary.BigEndian.Uint16(frame[2:4])) != len(frame)-4 {
		a.t.Fatalf("supplicant frame body length %d for %d octets", binary.BigEndian.Uint16(frame[2:4]), len(frame)-4)
	}
	b := frame[4:]
	info = binary.BigEndian.Uint16(b[1:3])
	keyLen = binary.BigEndian.Uint16(b[3:5])
	replay = binary.BigEndian.Uint64(b[5:13])
	nonce = b[13:45]
	if !bytes.Equal(b[45:77], make([]byte, 32)) {
		a.t.Fatalf("supplicant frame IV/RSC/reserved not zero")
	}
	mic = b[77 : 77+a.micLen]
	kdl := int(binary.BigEndian.Uint16(b[77+a.micLen:]))
	keyData = b[79+a.micLen:]
	if kdl != len(keyData) {
		a.t.Fatalf("supplicant key data length %d for %d octets", kdl, len(keyData))
	}
	return
}

func (a *authenticator) checkMIC(frame, mic, kck []byte) error {
	z := bytes.Clone(frame)
	clear(z[81 : 81+a.micLen])
	want, err := eapol.ComputeMIC(a.mic, kck, z)
	if err != nil {
		return err
	}
	if !bytes.Equal(want, mic) {
		return fmt.Errorf("MIC wrong")
	}
	return nil
}

// handleMsg2 checks message 2 (12.7.6.3) and derives the PTK.
func (a *authenticator) handleMsg2(frame []byte) error {
	info, keyLen, replay, nonce, mic, kd := a.readKey(frame)
	if info != a.ver|kiPairwise|kiMIC {
		return fmt.Errorf("message 2 key info %#04x", info)
	}
	if keyLen != 0 || replay != a.m1replay {
		return fmt.Errorf("message 2 key length %d replay %d (want 0, %d)", keyLen, replay, a.m1replay)
	}
	kck, kek, tk := a.derive(a.anonce[:], nonce)
	if err := a.checkMIC(frame, mic, kck); err != nil {
		return fmt.Errorf("message 2: %v", err)
	}
	if !bytes.Equal(kd, a.staRSNE) {
		return fmt.Errorf("message 2 RSNE %x, want %x", kd, a.staRSNE)
	}
	a.snonce = [32]byte(nonce)
	a.kck, a.kek, a.tk = kck, kek, tk
	return nil
}

// msg3 builds message 3 (12.7.6.4); mod may change it to play a hostile
// AP before it is sent.
func (a *authenticator) msg3(mod func(*keyMsg)) []byte {
	a.replay++
	m := keyMsg{
		info:   kiPairwise | kiInstall | kiAck | kiMIC | kiSecure | kiEncrypted,
		keyLen: uint16(a.tkLen()), replay: a.replay, nonce: a.anonce, rsc: a.rsc,
		plain:   append(bytes.Clone(a.rsne), a.groupKDEs()...),
		encrypt: true, kck: a.kck, kek: a.kek,
	}
	if a.wpa {
		// WPA: the WPA element in clear, no GTK, no Secure bit.
		m.info = kiPairwise | kiInstall | kiAck | kiMIC
		m.rsc = [8]byte{}
		m.plain, m.encrypt = bytes.Clone(a.rsne), false
	}
	if mod != nil {
		mod(&m)
	}
	return a.build(m)
}

// checkMsg4 checks message 4 (12.7.6.5).
func (a *authenticator) checkMsg4(frame []byte) error {
	info, keyLen, replay, nonce, mic, kd := a.readKey(frame)
	want := a.ver | kiPairwise | kiMIC | kiSecure
	if a.wpa {
		want &^= kiSecure
	}
	if info != want {
		return fmt.Errorf("message 4 key info %#04x", info)
	}
	if keyLen != 0 || replay != a.replay || !bytes.Equal(nonce, make([]byte, 32)) || len(kd) != 0 {
		return fmt.Errorf("message 4 fields: key length %d replay %d (want %d) key data %x", keyLen, replay, a.replay, kd)
	}
	return a.checkMIC(frame, mic, a.kck)
}

// newGTK rotates the GTK (and IGTK) as a group rekey does.
func (a *authenticator) newGTK() {
	a.gtkID = 3 - a.gtkID // 1 <-> 2
	a.gtk = a.random(a.group.KeyLen())
	if a.mfp {
		a.igtkID = 9 - a.igtkID // 4 <-> 5
		a.igtk = a.random(a.mgmt.KeyLen())
	}
}

// groupMsg1 builds group message 1 (12.7.7.2).
func (a *authenticator) groupMsg1(mod func(*keyMsg)) []byte {
	a.replay++
	m := keyMsg{
		info:   kiAck | kiMIC | kiSecure | kiEncrypted,
		keyLen: 0, replay: a.replay, rsc: a.rsc,
		plain:   a.groupKDEs(),
		encrypt: true, kck: a.kck, kek: a.kek,
	}
	if a.wpa {
		// WPA: the raw GTK, its key ID in the Key Index bits, the Key
		// Length the GTK's (as hostapd sends it).
		m.info = kiAck | kiMIC | kiSecure | uint16(a.gtkID)<<4
		m.keyLen = uint16(len(a.gtk))
		m.plain = bytes.Clone(a.gtk)
	}
	if mod != nil {
		mod(&m)
	}
	return a.build(m)
}

// checkGroupMsg2 checks group message 2 (12.7.7.3).
func (a *authenticator) checkGroupMsg2(frame []byte) error {
	info, _, replay, _, mic, kd := a.readKey(frame)
	want := a.ver | kiMIC | kiSecure
	if a.wpa {
		want |= uint16(a.gtkID) << 4 // the key index acknowledged
	}
	if info != want {
		return fmt.Errorf("group message 2 key info %#04x", info)
	}
	if replay != a.replay || len(kd) != 0 {
		return fmt.Errorf("group message 2 replay %d (want %d), key data %x", replay, a.replay, kd)
	}
	return a.checkMIC(frame, mic, a.kck)
}

// pair is an authenticator and a supplicant wired through a fakePort.
type pair struct {
	t    testing.TB
	ap   *authenticator
	sta  *eapol.Supplicant
	port *fakePort
	pmk  []byte
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newPair(t testing.TB, c authConfig) *pair {
	t.Helper()
	pmk := bytes.Repeat([]byte{0x42}, 32)
	if c.akm == ie.AKM8021XSuiteB192 {
		pmk = bytes.Repeat([]byte{0x42}, 48)
	}
	if c.group == 0 {
		c.group = c.pairwise
	}
	ap := newAuthenticator(t, c, pmk)
	port := &fakePort{}
	cfg := eapol.Config{
		SPA: ap.spa, AA: ap.aa, PMK: pmk, OwnRSNE: ap.staRSNE, APRSNE: ap.rsne,
		AKM: c.akm, Pairwise: c.pairwise, Group: c.group, MFP: c.mfp, GroupMgmt: c.mgmt,
		Logger:  quiet,
		OnEvent: func(e eapol.Event) { port.events = append(port.events, e) },
	}
	if !eapol.UsesPSK(c.akm) {
		cfg.PMK = nil
	}
	sta, err := eapol.New(cfg, port)
	if err != nil {
		t.Fatal(err)
	}
	if !eapol.UsesPSK(c.akm) && !c.holdPMK {
		if err := sta.SetPMK(pmk); err != nil { // EAP has succeeded
			t.Fatal(err)
		}
	}
	return &pair{t: t, ap: ap, sta: sta, port: port, pmk: pmk}
}

// deliver hands a frame to the supplicant and returns what it sent back
// (nil if nothing) and Receive's error.
func (p *pair) deliver(frame []byte) ([]byte, error) {
	n := len(p.port.sent)
	err := p.sta.Receive(frame)
	if len(p.port.sent) > n {
		return p.port.last(), err
	}
	return nil, err
}

// fourWay plays messages 1 to 4 and fails the test on any error.
func (p *pair) fourWay() {
	p.t.Helper()
	m2, err := p.deliver(p.ap.msg1())
	if err != nil || m2 == nil {
		p.t.Fatalf("message 1: %v (sent %x)", err, m2)
	}
	if err := p.ap.handleMsg2(m2); err != nil {
		p.t.Fatal(err)
	}
	m4, err := p.deliver(p.ap.msg3(nil))
	if err != nil || m4 == nil {
		p.t.Fatalf("message 3: %v", err)
	}
	if err := p.ap.checkMsg4(m4); err != nil {
		p.t.Fatal(err)
	}
}

// groupRekey plays a group key handshake.
func (p *pair) groupRekey(mod func(*keyMsg)) error {
	p.t.Helper()
	g2, err := p.deliver(p.ap.groupMsg1(mod))
	if err != nil {
		return err
	}
	if g2 == nil {
		return fmt.Errorf("no group message 2")
	}
	return p.ap.checkGroupMsg2(g2)
}

// lastInstall returns the last key of a kind handed to the port.
func (p *pair) lastInstall(kind string) *installed {
	for i := len(p.port.installs) - 1; i >= 0; i-- {
		if p.port.installs[i].kind == kind {
			return &p.port.installs[i]
		}
	}
	return nil
}
