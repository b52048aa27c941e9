package station

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"wifid/eapol"
	"wifid/internal/secret"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// rsnChoice is the security we negotiate with a BSS.
type rsnChoice struct {
	akm      ie.AKMSuite
	pairwise ie.CipherSuite
	group    ie.CipherSuite
	mgmt     ie.CipherSuite // with MFP
	mfp      bool
	ownRSNE  []byte // the RSN element we send in the association request
	ownRSNXE []byte // our RSNX element (SAE hash-to-element), nil for none
	apRSNE   []byte // the AP's RSN element, exactly as advertised
	apRSNXE  []byte
	h2e      bool // SAE with hash-to-element (the AP's RSNXE offers it)
	// wpaVersion is NL80211_WPA_VERSION_2 for RSN, _1 for WPA: then
	// ownRSNE and apRSNE are WPA vendor elements (00-50-F2:1).
	wpaVersion uint32
}

// pairwise ciphers in the order we prefer them.
var pairwisePreference = []ie.CipherSuite{ie.CipherCCMP128, ie.CipherGCMP256, ie.CipherGCMP128, ie.CipherCCMP256, ie.CipherTKIP}

// chooseRSN picks AKM, ciphers and MFP for a WPA2-Personal BSS, as iwd
// does: PSK-SHA256 over PSK, CCMP-128 first, MFP when both sides can (or
// when main.conf or the AP requires it). A BSS with only the WPA element
// (WPA1; sum.RSN then holds it mapped to RSN suites) gets PSK, CCMP-128 or
// TKIP, no MFP, and our own WPA element.
//
// With sae (the radio does SAE and a passphrase is at hand) a BSS that
// offers WPA3-Personal gets SAE, as iwd chooses it over PSK in transition
// mode; SAE needs management frame protection, so main.conf's
// ManagementFrameProtection=0 leaves such a BSS PSK or nothing.
//
// A BSS with none of those but an 802.1X AKM gets, in this order,
// 802.1X-Suite-B-192 (WPA3-Enterprise 192-bit: GCMP-256 and BIP-GMAC-256
// only, see suiteB192Usable), 802.1X-SHA256, 802.1X (WPA2-Enterprise),
// the last two with the same ciphers and MFP rules as PSK. MFP uses the
// group management cipher the BSS names, if the radio has it.
func chooseRSN(sum *ie.Summary, w *nl80211.Wiphy, mfpSetting int, sae bool, td transitionDisable) (*rsnChoice, error) {
	if sum.RSN == nil {
		return nil, unsupported("no RSN or WPA element")
	}
	if td != 0 {
		// WPA3 specification v3, 8: once an AP disabled a transition
		// mode, no TKIP, no WEP and no association without PMF.
		if sum.WPA {
			return nil, unsupported("transition disabled (%v): not WPA", td)
		}
		if mfpSetting == 0 {
			return nil, unsupported("transition disabled (%v): management frame protection needed, ManagementFrameProtection=0", td)
		}
		mfpSetting = 2
	}
	rsn := sum.RSN
	c := &rsnChoice{wpaVersion: unix.NL80211_WPA_VERSION_2}
	if sum.WPA {
		c.wpaVersion = unix.NL80211_WPA_VERSION_1
	}
	supports := func(cs ie.CipherSuite) bool {
		return w == nil || len(w.CipherSuites) == 0 || w.SupportsCipher(cs)
	}
	mgmt := rsn.GroupMgmtCipher()
	canMFP := mfpSetting > 0 && mgmt.IsGroupManagement() && supports(mgmt)
	suiteB := suiteB192Usable(rsn, supports, mfpSetting, sum.WPA)
	// FT (802.11r) where the BSS names a mobility domain: its AKM first,
	// as iwd chooses it (the initial mobility domain association).
	ft := sum.MobilityDomain != nil && !sum.WPA
	saeOK := sae && !sum.WPA && (rsn.HasAKM(ie.AKMSAE) || ft && rsn.HasAKM(ie.AKMFTSAE)) && canMFP && rsn.Capabilities.MFPC() &&
		(w == nil || w.Features.Has(unix.NL80211_FEATURE_SAE))
	psk := td&tdPersonal == 0    // WPA2-Personal still allowed
	eap1 := td&tdEnterprise == 0 // 802.1X with SHA-1 still allowed
	switch {
	case saeOK && ft && rsn.HasAKM(ie.AKMFTSAE):
		c.akm = ie.AKMFTSAE
	case saeOK:
		c.akm = ie.AKMSAE
	case psk && ft && rsn.HasAKM(ie.AKMFTPSK):
		c.akm = ie.AKMFTPSK
	case psk && rsn.HasAKM(ie.AKMPSKSHA256):
		c.akm = ie.AKMPSKSHA256
	case psk && rsn.HasAKM(ie.AKMPSK):
		c.akm = ie.AKMPSK
	case !psk && (rsn.HasAKM(ie.AKMPSK) || rsn.HasAKM(ie.AKMPSKSHA256) || rsn.HasAKM(ie.AKMFTPSK)):
		return nil, unsupported("transition disabled: the network is WPA3-Personal only (SAE), which is not usable here")
	case rsn.HasAKM(ie.AKMSAE) && !sae:
		return nil, unsupported("WPA3-Personal (SAE) needs a passphrase and a radio that does SAE")
	case rsn.HasAKM(ie.AKMSAE):
		return nil, unsupported("WPA3-Personal (SAE) needs management frame protection (ManagementFrameProtection=0 here, or the BSS lacks it)")
	case rsn.HasAKM(ie.AKM8021XSuiteB192) && suiteB == nil:
		c.akm = ie.AKM8021XSuiteB192
	case ft && rsn.HasAKM(ie.AKMFT8021X) && (eap1 || rsn.Capabilities.MFPR()):
		c.akm = ie.AKMFT8021X
	case rsn.HasAKM(ie.AKM8021XSHA256):
		c.akm = ie.AKM8021XSHA256
	case eap1 && rsn.HasAKM(ie.AKM8021X):
		c.akm = ie.AKM8021X
	case rsn.HasAKM(ie.AKM8021X):
		return nil, unsupported("transition disabled: the network is WPA3-Enterprise only (802.1X-SHA256 or Suite-B)")
	case rsn.HasAKM(ie.AKM8021XSuiteB192):
		return nil, unsupported("WPA3-Enterprise 192-bit (802.1X-Suite-B-192): %v", suiteB)
	case rsn.HasAKM(ie.AKMOWE):
		c.akm = ie.AKMOWE
	default:
		return nil, unsupported("no supported AKM in %v", rsn.AKMs)
	}
	if td != 0 && (rsn.GroupCipher == ie.CipherTKIP) {
		return nil, unsupported("transition disabled (%v): TKIP group cipher", td)
	}
	preference := pairwisePreference
	if c.akm == ie.AKM8021XSuiteB192 {
		preference = []ie.CipherSuite{ie.CipherGCMP256} // suiteB192Usable checked it
	}
	for _, p := range preference {
		if td != 0 && p == ie.CipherTKIP {
			continue
		}
		if rsn.HasPairwise(p) && supports(p) {
			c.pairwise = p
			break
		}
	}
	if c.pairwise == 0 {
		return nil, unsupported("no supported pairwise cipher in %v", rsn.PairwiseCiphers)
	}
	if !supports(rsn.GroupCipher) {
		return nil, unsupported("group cipher %v not supported by the radio", rsn.GroupCipher)
	}
	c.group = rsn.GroupCipher
	if sum.WPA {
		if rsn.GroupCipher != ie.CipherTKIP && rsn.GroupCipher != ie.CipherCCMP128 {
			return nil, unsupported("WPA group cipher %v not supported", rsn.GroupCipher)
		}
		if mfpSetting == 2 {
			return nil, unsupported("ManagementFrameProtection=2 but the network is WPA (no management frame protection)")
		}
		own := &ie.RSN{Version: 1, GroupCipher: rsn.GroupCipher,
			PairwiseCiphers: []ie.CipherSuite{c.pairwise}, AKMs: []ie.AKMSuite{c.akm}}
		b, err := own.MarshalWPA()
		if err != nil {
			return nil, fmt.Errorf("building our WPA element: %w", err)
		}
		el, ok := sum.Elements.FindVendor(ie.OUIMicrosoft, ie.VendorTypeWPA)
		if !ok {
			return nil, unsupported("no WPA element among the BSS's elements")
		}
		c.ownRSNE, c.apRSNE = b, el.Raw
		return c, nil
	}
	switch {
	case rsn.Capabilities.MFPR() && !canMFP:
		return nil, unsupported("the network requires management frame protection, which is off or unsupported here")
	case mfpSetting == 2 && !rsn.Capabilities.MFPC():
		return nil, unsupported("ManagementFrameProtection=2 but the network does not offer it")
	}
	c.mfp = canMFP && rsn.Capabilities.MFPC()
	if usesSAE(c.akm) && sum.SAEH2E() {
		c.h2e = true
		c.ownRSNXE = ie.MarshalRSNX(ie.RSNXSAEH2E)
	}
	own := &ie.RSN{
		Version:         1,
		GroupCipher:     rsn.GroupCipher,
		PairwiseCiphers: []ie.CipherSuite{c.pairwise},
		AKMs:            []ie.AKMSuite{c.akm},
	}
	if c.mfp {
		c.mgmt = mgmt
		own.Capabilities |= ie.RSNCapMFPC
		if mfpSetting == 2 || c.akm == ie.AKM8021XSuiteB192 {
			own.Capabilities |= ie.RSNCapMFPR
		}
		if rsn.GroupManagementCipher != 0 {
			own.GroupManagementCipher = mgmt
		}
	}
	b, err := own.Marshal()
	if err != nil {
		return nil, fmt.Errorf("building our RSN element: %w", err)
	}
	c.ownRSNE = b
	if el, ok := sum.Elements.Find(ie.IDRSN); ok {
		c.apRSNE = el.Raw
	}
	if el, ok := sum.Elements.Find(ie.IDRSNX); ok {
		c.apRSNXE = el.Raw
	}
	return c, nil
}

// suiteB192Usable tells why the AKM 802.1X-Suite-B-192 (WPA3-Enterprise
// 192-bit mode) cannot be used with this BSS, radio and main.conf, or nil
// when it can. The WPA3 specification's 192-bit mode fixes the rest of
// the suite: GCMP-256 as pairwise and group cipher, management frame
// protection required, with BIP-GMAC-256. The radio must list GCMP-256 and
// BIP-GMAC-256 among its ciphers. (iwd 2.3 never chooses this AKM.)
func suiteB192Usable(rsn *ie.RSN, supports func(ie.CipherSuite) bool, mfpSetting int, wpa bool) error {
	switch {
	case wpa || !rsn.HasAKM(ie.AKM8021XSuiteB192):
		return errors.New("not offered")
	case !rsn.HasPairwise(ie.CipherGCMP256) || rsn.GroupCipher != ie.CipherGCMP256:
		return fmt.Errorf("the BSS offers pairwise %v, group %v; the AKM needs GCMP-256 for both", rsn.PairwiseCiphers, rsn.GroupCipher)
	case rsn.GroupMgmtCipher() != ie.CipherBIPGMAC256 || !rsn.Capabilities.MFPC():
		return fmt.Errorf("the BSS offers management frame protection %v, the AKM needs BIP-GMAC-256", rsn.GroupMgmtCipher())
	case mfpSetting == 0:
		return errors.New("the AKM needs management frame protection (ManagementFrameProtection=0 here)")
	case !supports(ie.CipherGCMP256) || !supports(ie.CipherBIPGMAC256):
		return errors.New("the radio lacks GCMP-256 or BIP-GMAC-256")
	}
	return nil
}

// unsupported is a reason wifid cannot connect to a BSS with this radio
// and main.conf: ErrNotSupported (D-Bus NotSupported), not the BSS's fault.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotSupported}, args...)...)
}

// keyPort is eapol's Port over nl80211: frames through the EAPOL port,
// keys with NEW_KEY. Its methods run on the handshake goroutine.
type keyPort struct {
	s    *Station
	ctx  context.Context
	port nl80211.EAPOLPort
	ap   net.HardwareAddr
	// keyed: a PTK is installed, later frames go encrypted. Set on the
	// handshake goroutine, read by the reader too (admit).
	keyed    atomic.Bool
	firstPTK bool
	// fils: a FILS association. hostapd sends its EAPOL-Key frames after
	// one unencrypted (its pairwise_set stays false when FILS set the
	// TK); the Key Data's AES-SIV protects them all the same.
	fils bool
	// sentKey: an EAPOL-Key frame (message 2) went out, so the AP could
	// check our key; only then is its refusal evidence against the
	// passphrase. Set on the handshake goroutine, read on the loop.
	sentKey atomic.Bool
}

// isKeyFrame reports an EAPOL-Key frame.
func isKeyFrame(frame []byte) bool {
	h, _, err := eapol.ParseHeader(frame)
	return err == nil && h.Type == eapol.PacketKey
}

func (k *keyPort) SendEAPOL(frame []byte) error {
	ctx, cancel := context.WithTimeout(k.ctx, 3*time.Second)
	defer cancel()
	// Marked before it goes: the AP's answer (a deauthentication for a
	// wrong key) can reach the loop before Send returns here.
	key := isKeyFrame(frame)
	before := key && k.sentKey.Swap(true)
	err := k.port.Send(ctx, k.ap, frame, !k.keyed.Load())
	if err != nil && key && !before {
		k.sentKey.Store(false) // it never went: nothing of our key to refuse
	}
	return err
}

// admit tells why a received EAPOL frame is dropped before the handshake
// sees it, or "" to pass it on, as iwd does: a frame from another source
// than the AP, and once a PTK is installed an unprotected EAP packet or
// message 1 (eapol.ProtectedOnceKeyed), which anyone in range could have
// sent in the AP's name.
func (k *keyPort) admit(f *nl80211.EAPOLFrame) string {
	switch {
	case !bytes.Equal(f.Src, k.ap):
		return "not from the AP"
	case f.Unencrypted && k.keyed.Load() && eapol.ProtectedOnceKeyed(f.Frame) && !(k.fils && isKeyFrame(f.Frame)):
		return "unencrypted after the 4-way handshake"
	}
	return ""
}

// The Install methods get copies of the keys (the Supplicant keeps its
// own) and wipe them once nl80211 has copied them into its request.

func (k *keyPort) InstallPTK(tk []byte, cipher ie.CipherSuite) error {
	defer secret.Zero(tk)
	if cipher == ie.CipherTKIP {
		tk = eapol.SwapTKIPMICKeys(tk)
		defer secret.Zero(tk)
	}
	err := k.s.cfg.Kernel.NewKey(k.ctx, k.s.cfg.Ifindex, nl80211.Key{
		Type: nl80211.KeyTypePairwise, Index: 0, Cipher: cipher, Data: tk, MAC: k.ap})
	if err == nil {
		k.keyed.Store(true)
	}
	return err
}

// seq is a key's receive sequence counter as nl80211 takes it: the
// EAPOL-Key RSC field has 8 octets, cfg80211 wants the 6 that CCMP, GCMP,
// TKIP and BIP use.
func seq(rsc []byte) []byte {
	if len(rsc) > 6 {
		return rsc[:6]
	}
	return rsc
}

func (k *keyPort) InstallGTK(keyID int, gtk, rsc []byte, cipher ie.CipherSuite) error {
	defer secret.Zero(gtk)
	if cipher == ie.CipherTKIP {
		gtk = eapol.SwapTKIPMICKeys(gtk)
		defer secret.Zero(gtk)
	}
	return k.s.cfg.Kernel.NewKey(k.ctx, k.s.cfg.Ifindex, nl80211.Key{
		Type: nl80211.KeyTypeGroup, Index: uint8(keyID), Cipher: cipher, Data: gtk, RSC: seq(rsc)})
}

func (k *keyPort) InstallIGTK(keyID int, igtk, ipn []byte, cipher ie.CipherSuite) error {
	defer secret.Zero(igtk)
	return k.s.cfg.Kernel.NewKey(k.ctx, k.s.cfg.Ifindex, nl80211.Key{
		Type: nl80211.KeyTypeGroup, Index: uint8(keyID), Cipher: cipher, Data: igtk, RSC: seq(ipn)})
}

// startHandshake runs the supplicant on its own goroutine for as long as
// the connection lasts (rekeys come later); events go back to the loop.
func (s *Station) startHandshake(a *attempt) error {
	var spa, aa [6]byte
	copy(spa[:], s.cfg.MAC)
	copy(aa[:], a.bss.Addr)
	kp := &keyPort{s: s, ctx: a.ctx, port: a.port, ap: a.bss.Addr}
	kp.keyed.Store(a.filsStart != nil || a.ftStart != nil) // FILS or FT installed the PTK already
	kp.fils = a.filsStart != nil
	a.kp = kp
	newSupplicant := func(pmk []byte) (*eapol.Supplicant, error) {
		sup, err := eapol.New(eapol.Config{
			SPA: spa, AA: aa, PMK: pmk,
			OwnRSNE: a.sec.ownRSNE, OwnRSNXE: a.sec.ownRSNXE, APRSNE: a.sec.apRSNE, APRSNXE: a.sec.apRSNXE,
			AKM: a.sec.akm, Pairwise: a.sec.pairwise, Group: a.sec.group,
			MFP: a.sec.mfp, GroupMgmt: a.sec.mgmt, AfterFILS: a.filsStart, PMKID: a.owePMKID, FT: a.ft, AfterFT: a.ftStart,
			Logger: s.log,
			OnEvent: func(ev eapol.Event) {
				select {
				case s.done <- func() { s.onHandshakeEvent(a, ev) }:
				case <-a.ctx.Done():
				}
			},
		}, kp)
		if err != nil {
			return nil, fmt.Errorf("handshake: %w", err)
		}
		return sup, nil
	}
	// post runs f on the loop, unless the station stops first.
	post := func(f func()) {
		select {
		case s.done <- f:
		case <-s.stop:
		}
	}
	var sup *eapol.Supplicant
	if a.eap == nil && a.owe == nil && a.ftReady == nil {
		var err error
		if sup, err = newSupplicant(a.pmk); err != nil {
			return err
		}
		a.sup = sup
	}
	owePMK := a.owePMK // OWE: read here, the loop may clear a.owe
	// FT: the 4-way handshake needs the Association Response's FTE;
	// with a PSK or SAE the Supplicant starts once it came (ftAssociated).
	ftReady := a.ftReady
	var ftPMK []byte
	if ftReady != nil && a.eap == nil {
		ftPMK = bytes.Clone(a.pmk)
	}
	frames := make(chan []byte, 8)
	s.bg.Add(2)
	go func() { // reader: EAPOL port -> frames
		defer s.bg.Done()
		defer close(frames)
		for {
			f, err := a.port.Receive(a.ctx)
			if err != nil {
				return
			}
			if why := kp.admit(f); why != "" {
				s.log.Debug("EAPOL frame dropped", "why", why, "src", f.Src.String(), "bssid", a.bss.Addr.String())
				continue
			}
			select {
			case frames <- f.Frame:
			case <-a.ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer s.bg.Done()
		if owePMK != nil { // OWE: the PMK comes with the Association Response
			var err error
			select {
			case <-a.ctx.Done():
				return
			case pmk := <-owePMK:
				sup, err = newSupplicant(pmk)
				secret.Zero(pmk)
			}
			if err != nil {
				post(func() { s.onHandshakeFailed(a, err) })
				return
			}
		}
		if ftReady != nil {
			select {
			case <-a.ctx.Done():
				secret.Zero(ftPMK)
				return
			case <-ftReady:
			}
			if ftPMK != nil {
				var err error
				sup, err = newSupplicant(ftPMK)
				secret.Zero(ftPMK)
				if err != nil {
					post(func() { s.onHandshakeFailed(a, err) })
					return
				}
			}
		}
		if sup == nil { // 802.1X: EAP first, then the 4-way handshake with its PMK
			err := s.run8021X(a, kp, frames, newSupplicant, post)
			if err != nil && !errors.Is(err, context.Canceled) {
				post(func() { s.onHandshakeFailed(a, err) })
			}
			return
		}
		defer sup.Close() // the goroutine's end is the keys' end
		err := sup.Run(a.ctx, frames, s.cfg.handshakeTimeout)
		if err == nil || errors.Is(err, context.Canceled) {
			return
		}
		post(func() { s.onHandshakeFailed(a, err) })
	}()
	return nil
}

func (s *Station) onHandshakeEvent(a *attempt, ev eapol.Event) {
	switch ev.Type {
	case eapol.EventHandshakeComplete:
		if s.attempt != a {
			return
		}
		if ev.TransitionDisable != nil {
			a.transitionDisable = transitionDisable(ev.TransitionDisable[0]) & tdKnown
			s.log.Info("the AP disables transition modes", "modes", a.transitionDisable.String())
		}
		a.tl.Done("")
		s.log.Info("4-way handshake complete", "akm", a.sec.akm, "pairwise", a.sec.pairwise, "mfp", a.sec.mfp)
		if ev.FTKeys != nil { // the domain's keys, for fast transitions
			a.ftKeys.Wipe()
			a.ftKeys = ev.FTKeys
		}
		s.cachePMKSA(a, a.eapPMK) // a copy of its own
		secret.Zero(a.eapPMK)
		a.eapPMK = nil
		s.setStage(a, stageAuthorize, "4-way handshake complete")
		a.tl.Begin(PhaseGroupKey)
		s.async(func() func() {
			err := s.cfg.Kernel.SetStationAuthorized(a.ctx, s.cfg.Ifindex, a.bss.Addr, true)
			return func() {
				if s.attempt != a {
					return
				}
				if err != nil {
					s.failAttempt(fmt.Errorf("authorize: %w", err), false)
					return
				}
				a.tl.Done("")
				s.connected(a)
			}
		})
	case eapol.EventPTKRekeyed:
		s.log.Info("PTK rekeyed")
		s.event("ptk-rekeyed")
	case eapol.EventGroupRekeyed:
		s.log.Info("group key rekeyed")
		s.event("gtk-rekeyed")
	case eapol.EventFailed:
		s.onHandshakeFailed(a, ev.Err)
	}
}

func (s *Station) onHandshakeFailed(a *attempt, err error) {
	if s.attempt == a && a.owe != nil && errors.Is(err, eapol.ErrPMKIDMismatch) && !a.oweRetried {
		s.oweKeyedOther(a, err)
		return
	}
	if s.attempt == a {
		s.failBSS(fmt.Errorf("4-way handshake: %w", err), true)
		return
	}
	if s.conn != nil && s.conn.port == a.port {
		s.log.Warn("rekey failed", "err", err)
		s.connectionLost(s.conn)
		s.teardownConnection("rekey failed", true)
		s.setState(Disconnected, "rekey failed")
		s.startAutoconnect("rekey failed")
	}
}
