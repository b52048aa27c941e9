// Package eapoltest is the AP side of the EAPOL-Key handshakes, for tests of
// eapol and of its users: an authenticator written from IEEE 802.11-2020
// 12.7.6 and 12.7.7. It builds and checks frames octet by octet on its own
// (no KeyFrame, no ParseKeyData, no DerivePTK); from eapol it uses only
// the primitives that the Annex J and RFC vectors pin down (PRF, KDF,
// ComputeMIC, KeyWrap).
package eapoltest

import (
	"bytes"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"testing"

	"wifid/eapol"
	"wifid/nl80211/ie"
)

// Key Information bits (Figure 12-33), spelled out again here.
const (
	KeyInfoPairwise  = 0x0008
	KeyInfoInstall   = 0x0040
	KeyInfoAck       = 0x0080
	KeyInfoMIC       = 0x0100
	KeyInfoSecure    = 0x0200
	KeyInfoError     = 0x0400
	KeyInfoRequest   = 0x0800
	KeyInfoEncrypted = 0x1000
)

// Authenticator is the AP side of the 4-way and group key handshakes. Its
// exported fields are its state, for a test to read or to play a hostile
// AP with; its methods build the AP's messages and check the station's.
type Authenticator struct {
	t                     testing.TB
	akm                   ie.AKMSuite
	pairwise, group, mgmt ie.CipherSuite
	mfp                   bool
	wpa                   bool // WPA: descriptor 254, WPA element, GTK in the group handshake
	// aead: a FILS AKM: no MIC, the Key Data AES-SIV under the KEK with
	// the frame up to it as associated data (IEEE 802.11-2020 12.7.2).
	aead                   bool
	Desc                   byte // descriptor type
	pmk                    []byte
	AA, SPA                [6]byte
	RSNE, StaRSNE          []byte
	ver                    uint16 // key descriptor version
	mic                    eapol.MICAlgorithm
	micLen, kckLen, kekLen int

	Replay   uint64
	m1replay uint64 // counter of the last message 1
	ANonce   [32]byte
	SNonce   [32]byte
	KCK      []byte
	KEK      []byte
	TK       []byte

	gtkID  int
	GTK    []byte
	RSC    [8]byte
	igtkID int
	IGTK   []byte
	IPN    [6]byte

	ivCounter uint64
	rng       uint64
}

// Config is the authenticator's security: one AKM and pairwise cipher,
// the group cipher (zero: the pairwise one), MFP and its cipher, WPA
// (pre-RSN) instead of RSN; AA and SPA are the AP's and the station's
// addresses (zero: 02:00:00:00:00:aa and 02:00:00:00:00:55).
type Config struct {
	AKM                   ie.AKMSuite
	Pairwise, Group, Mgmt ie.CipherSuite
	MFP                   bool
	WPA                   bool
	AA, SPA               [6]byte
}

// WPAIE builds a WPA vendor element (00-50-F2:1) for one pairwise
// cipher and AKM: the WPA selectors are the RSN ones under 00-50-F2.
func WPAIE(c Config) []byte {
	sel := func(s ie.CipherSuite) []byte { return []byte{0x00, 0x50, 0xf2, byte(s)} }
	b := []byte{0xdd, 0, 0x00, 0x50, 0xf2, 1, 1, 0}
	b = append(b, sel(c.Group)...)
	b = append(b, 1, 0)
	b = append(b, sel(c.Pairwise)...)
	b = append(b, 1, 0)
	b = append(b, sel(ie.CipherSuite(c.AKM))...)
	b[1] = byte(len(b) - 2)
	return b
}

// RSNE builds an RSN element for one pairwise cipher and AKM, with the
// capabilities caps (MFPC added with MFP).
func RSNE(c Config, caps uint16) []byte {
	b := []byte{48, 0, 1, 0}
	b = binary.BigEndian.AppendUint32(b, uint32(c.Group))
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(c.Pairwise))
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(c.AKM))
	if c.MFP {
		caps |= 0x0080 // MFPC
	}
	b = binary.LittleEndian.AppendUint16(b, caps)
	if c.MFP {
		b = append(b, 0, 0) // PMKID count
		b = binary.BigEndian.AppendUint32(b, uint32(c.Mgmt))
	}
	b[1] = byte(len(b) - 2)
	return b
}

// New makes an authenticator for c with the PMK pmk; it fails t on a
// configuration it cannot play.
func New(t testing.TB, c Config, pmk []byte) *Authenticator {
	if c.Group == 0 {
		c.Group = c.Pairwise
	}
	if c.AA == [6]byte{} {
		c.AA = [6]byte{0x02, 0, 0, 0, 0, 0xaa}
	}
	if c.SPA == [6]byte{} {
		c.SPA = [6]byte{0x02, 0, 0, 0, 0, 0x55}
	}
	a := &Authenticator{
		t: t, akm: c.AKM, pairwise: c.Pairwise, group: c.Group, mgmt: c.Mgmt, mfp: c.MFP, wpa: c.WPA, Desc: 2,
		pmk: pmk, AA: c.AA, SPA: c.SPA,
		micLen: 16, kckLen: 16, kekLen: 16, Replay: 0, gtkID: 1, igtkID: 4, rng: 1,
	}
	if a.mgmt == 0 && a.mfp {
		a.mgmt = ie.CipherBIPCMAC128
	}
	switch c.AKM {
	case ie.AKMPSK, ie.AKM8021X:
		a.ver, a.mic = 2, eapol.MICHMACSHA1
		if c.Pairwise == ie.CipherTKIP {
			a.ver, a.mic = 1, eapol.MICHMACMD5
		}
	case ie.AKMPSKSHA256, ie.AKM8021XSHA256:
		a.ver, a.mic = 3, eapol.MICAESCMAC
	case ie.AKMSAE:
		a.ver, a.mic = 0, eapol.MICAESCMAC
	case ie.AKM8021XSuiteB192:
		a.ver, a.mic, a.micLen, a.kckLen, a.kekLen = 0, eapol.MICHMACSHA384, 24, 24, 32
	case ie.AKMOWE: // RFC 8110 4.4, Table 2: by the group, which the PMK's length tells
		switch len(pmk) {
		case 32:
			a.ver, a.mic = 0, eapol.MICHMACSHA256
		case 48:
			a.ver, a.mic, a.micLen, a.kckLen, a.kekLen = 0, eapol.MICHMACSHA384, 24, 24, 32
		case 64:
			a.ver, a.mic, a.micLen, a.kckLen, a.kekLen = 0, eapol.MICHMACSHA512, 32, 32, 32
		default:
			t.Fatalf("authenticator: OWE with a %d-octet PMK", len(pmk))
		}
	case ie.AKMFILSSHA256:
		a.ver, a.mic, a.micLen, a.kckLen, a.kekLen, a.aead = 0, eapol.MICNone, 0, 0, 32, true
	case ie.AKMFILSSHA384:
		a.ver, a.mic, a.micLen, a.kckLen, a.kekLen, a.aead = 0, eapol.MICNone, 0, 0, 64, true
	default:
		t.Fatalf("authenticator: AKM %v", c.AKM)
	}
	a.RSNE = RSNE(c, 0x000c)
	a.StaRSNE = RSNE(c, 0)
	if c.WPA {
		a.Desc = 254
		a.RSNE, a.StaRSNE = WPAIE(c), WPAIE(c)
	}
	a.GTK = a.Random(c.Group.KeyLen())
	a.RSC = [8]byte{0x10, 0x20}
	if c.MFP {
		a.IGTK = a.Random(a.mgmt.KeyLen())
		a.IPN = [6]byte{7}
	}
	a.ANonce = [32]byte(a.Random(32))
	return a
}

// Random is a deterministic stream, so runs are reproducible.
func (a *Authenticator) Random(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		a.rng = a.rng*6364136223846793005 + 1442695040888963407
		b[i] = byte(a.rng >> 56)
	}
	return b
}

func (a *Authenticator) tkLen() int { return a.pairwise.KeyLen() }

// Derive computes the PTK per 12.7.1.3 with the AKM's PRF/KDF.
func (a *Authenticator) Derive(anonce, snonce []byte) (kck, kek, tk []byte) {
	lo, hi := a.AA[:], a.SPA[:]
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
	case ie.AKM8021XSuiteB192, ie.AKMFILSSHA384:
		ptk = eapol.KDF(sha512.New384, a.pmk, "Pairwise key expansion", data, bits)
	case ie.AKMOWE:
		h := map[int]func() hash.Hash{32: sha256.New, 48: sha512.New384, 64: sha512.New}[len(a.pmk)]
		ptk = eapol.KDF(h, a.pmk, "Pairwise key expansion", data, bits)
	default:
		ptk = eapol.KDF(sha256.New, a.pmk, "Pairwise key expansion", data, bits)
	}
	return ptk[:a.kckLen], ptk[a.kckLen : a.kckLen+a.kekLen], ptk[a.kckLen+a.kekLen:]
}

// KeyMsg is one EAPOL-Key frame the authenticator sends; the hooks let a
// test play a hostile AP.
type KeyMsg struct {
	Info       uint16 // without the descriptor version
	KeyLen     uint16
	Replay     uint64
	Nonce      [32]byte
	RSC        [8]byte
	Plain      []byte // key data before encryption
	Encrypt    bool
	KCK, KEK   []byte // nil kck: no MIC
	BeforeMIC  func(frame []byte) []byte
	AfterMIC   func(frame []byte) []byte
	NoVerField bool
}

func (a *Authenticator) Build(m KeyMsg) []byte {
	kd := m.Plain
	var iv [16]byte
	if a.aead && m.Encrypt {
		kd = make([]byte, len(m.Plain)+16) // sealed below, with the lengths final
	} else if m.Encrypt && len(kd) > 0 {
		if a.ver == 1 {
			a.ivCounter++
			binary.BigEndian.PutUint64(iv[8:], a.ivCounter)
			c, _ := rc4.NewCipher(append(iv[:], m.KEK...))
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
			w, err := eapol.KeyWrap(m.KEK, p)
			if err != nil {
				a.t.Fatalf("authenticator: wrap: %v", err)
			}
			kd = w
		}
	}
	body := []byte{a.Desc}
	info := m.Info
	if !m.NoVerField {
		info |= a.ver
	}
	body = binary.BigEndian.AppendUint16(body, info)
	body = binary.BigEndian.AppendUint16(body, m.KeyLen)
	body = binary.BigEndian.AppendUint64(body, m.Replay)
	body = append(body, m.Nonce[:]...)
	body = append(body, iv[:]...)
	body = append(body, m.RSC[:]...)
	body = append(body, make([]byte, 8)...)
	body = append(body, make([]byte, a.micLen)...)
	body = binary.BigEndian.AppendUint16(body, uint16(len(kd)))
	body = append(body, kd...)
	frame := []byte{2, 3}
	frame = binary.BigEndian.AppendUint16(frame, uint16(len(body)))
	frame = append(frame, body...)
	if a.aead && m.Encrypt {
		// AES-SIV over the Key Data, associated data the frame from the
		// EAPOL header to the Key Data (hostapd's wpa_send_eapol).
		start := 4 + 77 + 2
		ct, err := eapol.SIVEncrypt(m.KEK, m.Plain, frame[:start])
		if err != nil {
			a.t.Fatalf("authenticator: AES-SIV: %v", err)
		}
		copy(frame[start:], ct)
	}
	if m.BeforeMIC != nil {
		frame = m.BeforeMIC(frame)
	}
	if m.KCK != nil && !a.aead {
		mic, err := eapol.ComputeMIC(a.mic, m.KCK, frame)
		if err != nil {
			a.t.Fatalf("authenticator: MIC: %v", err)
		}
		copy(frame[81:], mic)
	}
	if m.AfterMIC != nil {
		frame = m.AfterMIC(frame)
	}
	return frame
}

// KDE encodes a KDE under 00-0F-AC.
func KDE(typ byte, data ...[]byte) []byte {
	d := bytes.Join(data, nil)
	return append([]byte{0xdd, byte(4 + len(d)), 0x00, 0x0f, 0xac, typ}, d...)
}

func (a *Authenticator) gtkKDE() []byte {
	return KDE(1, []byte{byte(a.gtkID), 0}, a.GTK)
}

func (a *Authenticator) igtkKDE() []byte {
	id := binary.LittleEndian.AppendUint16(nil, uint16(a.igtkID))
	return KDE(9, id, a.IPN[:], a.IGTK)
}

func (a *Authenticator) GroupKDEs() []byte {
	b := a.gtkKDE()
	if a.mfp {
		b = append(b, a.igtkKDE()...)
	}
	return b
}

// Msg1 starts a (new) 4-way handshake with a fresh replay counter.
func (a *Authenticator) Msg1() []byte {
	a.Replay++
	a.m1replay = a.Replay
	return a.Build(KeyMsg{Info: KeyInfoPairwise | KeyInfoAck, KeyLen: uint16(a.tkLen()), Replay: a.Replay, Nonce: a.ANonce})
}

// Msg1PMKID is Msg1 with a PMKID KDE naming pmkid in its key data, as an
// AP sends it for the 802.1X AKMs (12.7.6.2).
func (a *Authenticator) Msg1PMKID(pmkid []byte) []byte {
	a.Replay++
	a.m1replay = a.Replay
	kde := append([]byte{0xdd, byte(4 + len(pmkid)), 0x00, 0x0f, 0xac, 4}, pmkid...)
	return a.Build(KeyMsg{Info: KeyInfoPairwise | KeyInfoAck, KeyLen: uint16(a.tkLen()), Replay: a.Replay, Nonce: a.ANonce,
		Plain: kde})
}

// readKey splits a frame from the supplicant; it fails the test on
// anything malformed.
func (a *Authenticator) readKey(frame []byte) (info uint16, keyLen uint16, replay uint64, nonce, mic, keyData []byte) {
	a.t.Helper()
	if len(frame) < 4+77+a.micLen+2 || frame[1] != 3 || frame[4] != a.Desc {
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

func (a *Authenticator) checkMIC(frame, mic, kck []byte) error {
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

// macBit is the Key Info bit of the AP's protected frames: MIC, or none
// under an AEAD AKM (the Encrypted Key Data bit they carry anyway).
func (a *Authenticator) macBit() uint16 {
	if a.aead {
		return 0
	}
	return KeyInfoMIC
}

// protectBit is the bit the station's messages 2 and 4 carry: MIC, or
// Encrypted Key Data under an AEAD AKM.
func (a *Authenticator) protectBit() uint16 {
	if a.aead {
		return KeyInfoEncrypted
	}
	return KeyInfoMIC
}

// checkProtection checks a station frame's MIC under kck, or under an
// AEAD AKM opens its Key Data under kek; it returns the plain Key Data.
func (a *Authenticator) checkProtection(frame, mic, kd, kck, kek []byte) ([]byte, error) {
	if !a.aead {
		return kd, a.checkMIC(frame, mic, kck)
	}
	return eapol.SIVDecrypt(kek, kd, frame[:4+77+2])
}

// SetPTK sets the keys in use, for a FILS association whose PTK the FILS
// exchange derived (no 4-way handshake ran).
func (a *Authenticator) SetPTK(kek, tk []byte) { a.KEK, a.TK = bytes.Clone(kek), bytes.Clone(tk) }

// HandleMsg2 checks message 2 (12.7.6.3) and derives the PTK.
func (a *Authenticator) HandleMsg2(frame []byte) error {
	info, keyLen, replay, nonce, mic, kd := a.readKey(frame)
	if info != a.ver|KeyInfoPairwise|a.protectBit() {
		return fmt.Errorf("message 2 key info %#04x", info)
	}
	if keyLen != 0 || replay != a.m1replay {
		return fmt.Errorf("message 2 key length %d replay %d (want 0, %d)", keyLen, replay, a.m1replay)
	}
	kck, kek, tk := a.Derive(a.ANonce[:], nonce)
	kd, err := a.checkProtection(frame, mic, kd, kck, kek)
	if err != nil {
		return fmt.Errorf("message 2: %v", err)
	}
	if !bytes.Equal(kd, a.StaRSNE) {
		return fmt.Errorf("message 2 RSNE %x, want %x", kd, a.StaRSNE)
	}
	a.SNonce = [32]byte(nonce)
	a.KCK, a.KEK, a.TK = kck, kek, tk
	return nil
}

// Msg3 builds message 3 (12.7.6.4); mod may change it to play a hostile
// AP before it is sent.
func (a *Authenticator) Msg3(mod func(*KeyMsg)) []byte {
	a.Replay++
	m := KeyMsg{
		Info:   KeyInfoPairwise | KeyInfoInstall | KeyInfoAck | a.macBit() | KeyInfoSecure | KeyInfoEncrypted,
		KeyLen: uint16(a.tkLen()), Replay: a.Replay, Nonce: a.ANonce, RSC: a.RSC,
		Plain:   append(bytes.Clone(a.RSNE), a.GroupKDEs()...),
		Encrypt: true, KCK: a.KCK, KEK: a.KEK,
	}
	if a.wpa {
		// WPA: the WPA element in clear, no GTK, no Secure bit.
		m.Info = KeyInfoPairwise | KeyInfoInstall | KeyInfoAck | KeyInfoMIC
		m.RSC = [8]byte{}
		m.Plain, m.Encrypt = bytes.Clone(a.RSNE), false
	}
	if mod != nil {
		mod(&m)
	}
	return a.Build(m)
}

// CheckMsg4 checks message 4 (12.7.6.5).
func (a *Authenticator) CheckMsg4(frame []byte) error {
	info, keyLen, replay, nonce, mic, kd := a.readKey(frame)
	want := a.ver | KeyInfoPairwise | a.protectBit() | KeyInfoSecure
	if a.wpa {
		want &^= KeyInfoSecure
	}
	if info != want {
		return fmt.Errorf("message 4 key info %#04x", info)
	}
	kd, err := a.checkProtection(frame, mic, kd, a.KCK, a.KEK)
	if err != nil {
		return fmt.Errorf("message 4: %v", err)
	}
	if keyLen != 0 || replay != a.Replay || !bytes.Equal(nonce, make([]byte, 32)) || len(kd) != 0 {
		return fmt.Errorf("message 4 fields: key length %d replay %d (want %d) key data %x", keyLen, replay, a.Replay, kd)
	}
	return nil
}

// NewGTK rotates the GTK (and IGTK) as a group rekey does.
func (a *Authenticator) NewGTK() {
	a.gtkID = 3 - a.gtkID // 1 <-> 2
	a.GTK = a.Random(a.group.KeyLen())
	if a.mfp {
		a.igtkID = 9 - a.igtkID // 4 <-> 5
		a.IGTK = a.Random(a.mgmt.KeyLen())
	}
}

// GroupMsg1 builds group message 1 (12.7.7.2).
func (a *Authenticator) GroupMsg1(mod func(*KeyMsg)) []byte {
	a.Replay++
	m := KeyMsg{
		Info:   KeyInfoAck | a.macBit() | KeyInfoSecure | KeyInfoEncrypted,
		KeyLen: 0, Replay: a.Replay, RSC: a.RSC,
		Plain:   a.GroupKDEs(),
		Encrypt: true, KCK: a.KCK, KEK: a.KEK,
	}
	if a.wpa {
		// WPA: the raw GTK, its key ID in the Key Index bits, the Key
		// Length the GTK's (as hostapd sends it).
		m.Info = KeyInfoAck | KeyInfoMIC | KeyInfoSecure | uint16(a.gtkID)<<4
		m.KeyLen = uint16(len(a.GTK))
		m.Plain = bytes.Clone(a.GTK)
	}
	if mod != nil {
		mod(&m)
	}
	return a.Build(m)
}

// CheckGroupMsg2 checks group message 2 (12.7.7.3).
func (a *Authenticator) CheckGroupMsg2(frame []byte) error {
	info, _, replay, _, mic, kd := a.readKey(frame)
	want := a.ver | a.protectBit() | KeyInfoSecure
	if a.wpa {
		want |= uint16(a.gtkID) << 4 // the key index acknowledged
	}
	if info != want {
		return fmt.Errorf("group message 2 key info %#04x", info)
	}
	kd, err := a.checkProtection(frame, mic, kd, a.KCK, a.KEK)
	if err != nil {
		return fmt.Errorf("group message 2: %v", err)
	}
	if replay != a.Replay || len(kd) != 0 {
		return fmt.Errorf("group message 2 replay %d (want %d), key data %x", replay, a.Replay, kd)
	}
	return nil
}
