package station

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"wifid/eapol"
	"wifid/eapol/eap"
	"wifid/eapol/eap/erp"
	"wifid/internal/secret"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// FILS shared key authentication (IEEE 802.11ai; 802.11-2020 12.11.2),
// as iwd does it: after one full EAP conversation with an 802.1X network
// whose method gives an EMSK and a Session-Id (EAP-PWD, EAP-TLS, TTLS), the ERP material
// (RFC 6696) is kept in memory for a day; the next association with a BSS
// of that network offering a FILS AKM authenticates with one ERP exchange
// inside the Authentication frames, derives the PTK from their nonces, and
// associates with the keys confirmed (Key-Auth) and the group keys
// delivered in the (re)association response, which the kernel encrypts
// and decrypts (NL80211_ATTR_FILS_KEK, _NONCES). No EAP and no 4-way
// handshake: two round trips in all. A FILS failure drops the material
// and the same BSS is joined again with full EAP.
//
// The rekeys after a FILS association run in the supplicant (AES-SIV
// EAPOL-Key frames without a MIC; eapol's AfterFILS). Not yet: FT over
// FILS; FILS with PFS. ERP follows the methods with an EMSK and a
// Session-Id: EAP-PWD, EAP-TLS, TTLS (PEAP has no EMSK).

// erpLifetime is how long ERP material is used after its EAP conversation
// (iwd's ERP_DEFAULT_KEY_LIFETIME).
const erpLifetime = 24 * time.Hour

// erpEntry is a network's ERP material and the next ERP sequence number.
type erpEntry struct {
	m      erp.Material
	expiry time.Time
	seq    uint16
}

// filsState is a FILS attempt's exchange.
type filsState struct {
	sess            *erp.Session
	snonce, session []byte
	keys            *eapol.FILSKeys
}

// erpMaterial is what a successful conversation r with identity leaves for
// ERP, nil when the method gave no EMSK or Session-Id or the identity no
// realm.
func erpMaterial(r eap.Result, identity string) *erp.Material {
	d := erp.DomainOf(identity)
	if len(r.EMSK) == 0 || len(r.SessionID) == 0 || d == "" {
		return nil
	}
	// Copies: the conversation's Result is wiped when it ends (Peer.Close).
	return &erp.Material{EMSK: bytes.Clone(r.EMSK), SessionID: bytes.Clone(r.SessionID), Domain: d}
}

// wipe zeroes the entry's EMSK (nil is fine).
func (e *erpEntry) wipe() {
	if e != nil {
		secret.Zero(e.m.EMSK)
	}
}

// dropERP forgets network id's ERP material, wiped.
func (s *Station) dropERP(id string) {
	s.erp[id].wipe()
	delete(s.erp, id)
}

// rememberERP keeps the ERP material of attempt a's EAP conversation once
// its connection is up.
func (s *Station) rememberERP(a *attempt) {
	if a.erp == nil || a.network.Known == nil {
		return
	}
	m := *a.erp
	m.EMSK = bytes.Clone(m.EMSK) // the entry's own: the attempt wipes its copy
	s.dropERP(a.network.ID())
	s.erp[a.network.ID()] = &erpEntry{m: m, expiry: s.now().Add(erpLifetime)}
	s.log.Info("ERP keys kept for FILS", "network", a.network.SSID, "for", erpLifetime)
}

// erpFor is network n's ERP entry, nil if none or expired.
func (s *Station) erpFor(n *Network) *erpEntry {
	e := s.erp[n.ID()]
	if e != nil && !s.now().Before(e.expiry) {
		s.dropERP(n.ID())
		return nil
	}
	return e
}

// filsAKM is the FILS AKM to use with BSS b of network n (0: none): the
// BSS offers it, the radio does FILS as a station, and ERP material is at
// hand. SHA-384 is preferred, as iwd ranks them.
func (s *Station) filsAKM(n *Network, b *BSS) ie.AKMSuite {
	if s.erpFor(n) == nil || b.Summary.RSN == nil {
		return 0
	}
	if w := s.cfg.Wiphy; w != nil && !w.ExtFeatures.Has(unix.NL80211_EXT_FEATURE_FILS_STA) {
		return 0
	}
	for _, akm := range []ie.AKMSuite{ie.AKMFILSSHA384, ie.AKMFILSSHA256} {
		if b.Summary.RSN.HasAKM(akm) {
			return akm
		}
	}
	return 0
}

// withAKM is sec with another AKM in our RSN element.
func withAKM(sec *rsnChoice, akm ie.AKMSuite) (*rsnChoice, error) {
	own, err := ie.ParseRSN(sec.ownRSNE[2:])
	if err != nil {
		return nil, fmt.Errorf("our RSN element: %w", err)
	}
	own.AKMs = []ie.AKMSuite{akm}
	b, err := own.Marshal()
	if err != nil {
		return nil, fmt.Errorf("building our RSN element: %w", err)
	}
	c := *sec
	c.akm, c.ownRSNE = akm, b
	return &c, nil
}

// extElement is an element with ID 255 and extension ext.
func extElement(ext ie.ExtID, body []byte) []byte {
	return append([]byte{byte(ie.IDExtension), byte(len(body) + 1), byte(ext)}, body...)
}

// startFILS sends the FILS Authentication frame: our RSN element, FILS
// Nonce, FILS Session and, wrapped, the EAP-Initiate/Re-auth.
func (s *Station) startFILS(a *attempt, akm ie.AKMSuite) {
	sec, err := withAKM(a.sec, akm)
	if err != nil {
		s.failAttempt(err, false)
		return
	}
	e := s.erpFor(a.network)
	sess, err := erp.New(e.m, e.seq)
	if err != nil {
		s.failAttempt(err, false)
		return
	}
	e.seq++
	f := &filsState{sess: sess, snonce: make([]byte, eapol.FILSNonceLen), session: make([]byte, eapol.FILSSessionLen)}
	if _, err := rand.Read(f.snonce); err != nil {
		s.failAttempt(fmt.Errorf("FILS nonce: %w", err), false)
		return
	}
	if _, err := rand.Read(f.session); err != nil {
		s.failAttempt(fmt.Errorf("FILS session: %w", err), false)
		return
	}
	a.sec, a.fils = sec, f
	s.setStage(a, stageFILS, "ERP keys at hand: FILS "+akm.String())
	a.tl.Begin(PhaseAuth)
	body := []byte{1, 0, 0, 0} // transaction 1, status 0
	body = append(body, sec.ownRSNE...)
	body = append(body, extElement(ie.ExtFILSNonce, f.snonce)...)
	body = append(body, extElement(ie.ExtFILSSession, f.session)...)
	body = append(body, extElement(ie.ExtFILSWrappedData, sess.Initiate(0))...)
	s.log.Info("FILS authentication", "bssid", a.bss.Addr.String(), "akm", akm.String(), "keyname", sess.KeyNameNAI())
	s.authenticate(a, unix.NL80211_AUTHTYPE_FILS_SK, body, "FILS")
}

// errFILS marks the failures after which full EAP is tried instead.
var errFILS = errors.New("FILS")

// onFILSAuth takes the AP's Authentication frame (or its absence).
func (s *Station) onFILSAuth(a *attempt, e *nl80211.MLMEEvent) {
	if e.TimedOut {
		s.filsFailed(a, fmt.Errorf("%w: authentication timed out", errFILS))
		return
	}
	seq, status, ies, err := parseAuthFrame(e.Frame, authAlgFILS)
	if err != nil {
		s.log.Info("frame dropped: malformed", "err", err)
		return
	}
	if seq != 2 {
		s.log.Debug("FILS frame dropped", "seq", seq)
		return
	}
	if status != 0 {
		s.filsFailed(a, fmt.Errorf("%w: the AP refused: status %d (%s)", errFILS, status, ie.StatusCode(status)))
		return
	}
	anonce, session, wrapped, err := filsAuthElements(ies)
	if err == nil && string(session) != string(a.fils.session) {
		err = errors.New("FILS Session is not ours")
	}
	if err != nil {
		s.filsFailed(a, fmt.Errorf("%w: %v", errFILS, err))
		return
	}
	rMSK, err := a.fils.sess.Finish(wrapped)
	if err != nil {
		s.filsFailed(a, fmt.Errorf("%w: %v", errFILS, err))
		return
	}
	var spa, aa [6]byte
	copy(spa[:], s.cfg.MAC)
	copy(aa[:], a.bss.Addr)
	keys, err := eapol.DeriveFILS(a.sec.akm, a.sec.pairwise, rMSK, a.fils.snonce, anonce, spa, aa, a.fils.sess.Initiated())
	clear(rMSK)
	if err != nil {
		s.failAttempt(err, false)
		return
	}
	a.fils.keys = keys
	a.tl.Done("FILS " + a.sec.akm.String())
	s.log.Info("FILS authenticated", "bssid", a.bss.Addr.String())
	s.filsAssociate(a, anonce)
}

// filsAuthElements finds the AP's FILS Nonce, FILS Session and FILS
// Wrapped Data, each once and of the right length.
func filsAuthElements(ies []byte) (anonce, session, wrapped []byte, err error) {
	for el, werr := range ie.Walk(ies) {
		if werr != nil {
			return nil, nil, nil, werr
		}
		if el.ID != ie.IDExtension {
			continue
		}
		var dst *[]byte
		switch el.Ext {
		case ie.ExtFILSNonce:
			dst = &anonce
			if len(el.Data) != eapol.FILSNonceLen {
				return nil, nil, nil, fmt.Errorf("FILS Nonce of %d octets", len(el.Data))
			}
		case ie.ExtFILSSession:
			dst = &session
			if len(el.Data) != eapol.FILSSessionLen {
				return nil, nil, nil, fmt.Errorf("FILS Session of %d octets", len(el.Data))
			}
		case ie.ExtFILSWrappedData:
			dst = &wrapped
		default:
			continue
		}
		if *dst != nil {
			return nil, nil, nil, fmt.Errorf("element %d twice", el.Ext)
		}
		*dst = el.Data
	}
	if anonce == nil || session == nil || wrapped == nil {
		return nil, nil, nil, errors.New("FILS Nonce, Session or Wrapped Data missing")
	}
	return anonce, session, wrapped, nil
}

// filsAssociate sends the association request with our Key-Auth; the
// kernel encrypts what follows the FILS Session element with the KEK.
func (s *Station) filsAssociate(a *attempt, anonce []byte) {
	s.setStage(a, stageAssociate, "associating with "+a.bss.Addr.String())
	a.tl.Begin(PhaseAssoc)
	k := a.fils.keys
	ies := extElement(ie.ExtFILSKeyConfirmation, k.STAKeyAuth())
	ies = append(ies, extElement(ie.ExtFILSSession, a.fils.session)...)
	ies = append(ies, a.sec.ownRSNE...)
	crypto, ok := s.openPort(a)
	if !ok {
		return
	}
	req := nl80211.AssociateRequest{BSSID: a.bss.Addr, Freq: a.bss.Freq, SSID: []byte(a.network.SSID), IEs: ies,
		Crypto: crypto, SocketOwner: true, FILSKEK: k.KEK, FILSNonces: append(append([]byte{}, a.fils.snonce...), anonce...)}
	s.associate(a, req, "FILS: associate")
}

// filsAssociated checks the AP's Key-Auth in the (decrypted) association
// response, installs the PTK and the delivered group keys, and opens the
// port.
func (s *Station) filsAssociated(a *attempt, resp []byte) {
	k := a.fils.keys
	var keyAuth, delivery []byte
	for el, err := range ie.Walk(resp) {
		if err != nil {
			s.failBSS(fmt.Errorf("FILS: association response: %w", err), true)
			return
		}
		switch {
		case el.Is(ie.IDExtension, ie.ExtFILSKeyConfirmation):
			keyAuth = el.Data
		case el.Is(ie.IDExtension, ie.ExtKeyDelivery):
			delivery = el.Data
		}
	}
	if keyAuth == nil || !k.VerifyAPKeyAuth(keyAuth) {
		s.failBSS(errors.New("FILS: the AP's Key-Auth is missing or does not verify"), true)
		return
	}
	if len(delivery) < 8 {
		s.failBSS(errors.New("FILS: no Key Delivery element"), true)
		return
	}
	kd, err := eapol.ParseKeyData(delivery[8:])
	if err == nil && kd.GTK == nil {
		err = errors.New("no GTK")
	}
	if err == nil && a.sec.mfp && kd.IGTK == nil {
		err = errors.New("no IGTK with management frame protection")
	}
	if err != nil {
		s.failBSS(fmt.Errorf("FILS: Key Delivery: %w", err), true)
		return
	}
	rsc := delivery[:6]
	s.setStage(a, stageAuthorize, "FILS keys confirmed")
	a.tl.Begin(PhaseGroupKey)
	keys := []nl80211.Key{
		{Type: nl80211.KeyTypePairwise, Index: 0, Cipher: a.sec.pairwise, Data: k.TK, MAC: a.bss.Addr},
		{Type: nl80211.KeyTypeGroup, Index: uint8(kd.GTK.KeyID), Cipher: a.sec.group, Data: kd.GTK.GTK, RSC: rsc},
	}
	if a.sec.mfp && kd.IGTK != nil {
		keys = append(keys, nl80211.Key{Type: nl80211.KeyTypeGroup, Index: uint8(kd.IGTK.KeyID), Cipher: a.sec.mgmt,
			Data: kd.IGTK.IGTK, RSC: kd.IGTK.IPN[:]})
	}
	s.installKeys(a, keys, func(err error) {
		if s.attempt != a {
			return
		}
		if err != nil {
			s.failAttempt(fmt.Errorf("FILS: keys: %w", err), false)
			return
		}
		a.tl.Done("")
		s.log.Info("FILS connection keyed", "akm", a.sec.akm, "pairwise", a.sec.pairwise, "mfp", a.sec.mfp)
		// The supplicant runs the rekeys (AES-SIV EAPOL-Key frames)
		// from here, with the FILS PMK for a new PTK.
		a.pmk = k.PMK
		a.filsStart = &eapol.FILSStart{KEK: k.KEK, TK: k.TK, GTKID: kd.GTK.KeyID, GTK: kd.GTK.GTK}
		if kd.IGTK != nil {
			a.filsStart.IGTKID, a.filsStart.IGTK = kd.IGTK.KeyID, kd.IGTK.IGTK
		}
		if err := s.startHandshake(a); err != nil {
			s.failAttempt(err, false)
			return
		}
		s.connected(a)
	})
}

// filsFailed ends a FILS attempt that did not work: the ERP material goes
// (the server may have forgotten it) and the same BSS is joined again with
// full EAP, as after a refused PMKSA.
func (s *Station) filsFailed(a *attempt, err error) {
	s.dropERP(a.network.ID())
	s.log.Info("FILS failed; associating again for full EAP", "network", a.network.SSID,
		"bssid", a.bss.Addr.String(), "err", err)
	s.nextAttempt(a, a.bss, err) // retires a
}
