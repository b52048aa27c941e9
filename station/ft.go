package station

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"wifid/eapol"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// Fast BSS Transition (802.11r). A BSS that names a mobility domain and
// offers an FT AKM gets it (chooseRSN): the association is the domain's
// initial one, its Association Request carries the BSS's Mobility Domain
// element, and its 4-way handshake (eapol/ft.go) keys the PTK from the FT
// key hierarchy, named by the key holders the Association Response's Fast
// BSS Transition element gives.

// ftPrepare readies attempt a's initial mobility domain association: the
// BSS's Mobility Domain element, sent as advertised.
func (s *Station) ftPrepare(a *attempt) bool {
	el, ok := a.bss.Summary.Elements.Find(ie.IDMobilityDomain)
	if !ok || len(el.Data) != 3 {
		s.failBSS(errors.New("FT: the BSS names no mobility domain"), true)
		return false
	}
	a.ftMDE = el.Raw
	a.ft = nil
	a.ftReady = make(chan struct{})
	return true
}

// ftAssociated takes the Association Response's FTE for the handshake;
// false (the attempt failed) when there is none.
func (s *Station) ftAssociated(a *attempt, resp []byte) bool {
	if a.ft != nil {
		return true // a second connect event: the first response stands
	}
	var fte []byte
	for el, err := range ie.Walk(resp) {
		if err != nil {
			s.failBSS(fmt.Errorf("FT: association response: %w", err), true)
			return false
		}
		if el.ID == ie.IDFastBSSTransition {
			fte = el.Raw
			break
		}
	}
	if fte == nil {
		s.failBSS(errors.New("FT: no Fast BSS Transition element in the association response"), true)
		return false
	}
	a.ft = &eapol.FTConfig{SSID: a.bss.ssid(a.network), MDE: a.ftMDE, FTE: fte}
	close(a.ftReady)
	s.log.Debug("FT: initial mobility domain association", "mde", fmt.Sprintf("%x", a.ftMDE))
	return true
}

// A fast BSS transition over the air (13.5.2): a roam within the mobility
// domain of an FT connection sends the target an FT Authentication frame
// itself (CMD_FRAME: CMD_AUTHENTICATE would make the kernel leave the
// current AP first), takes the answer from the frames it registered for,
// reassociates with CMD_ASSOCIATE naming the current AP, and installs the
// keys the Reassociation Response carries: no 4-way handshake. When the
// target does not answer or refuses, the connection stays with the current
// AP ("ft-roam-failed", as iwd); an AP that no longer knows our PMK-R0
// (status 53, invalid PMKID) gets a full reassociation instead.

const (
	frameTypeAuth = 0x00b0
	authAlgFT     = 2
	// FT Action frames (9.6.8): category 6, Request 1, Response 2.
	ftCategory       = 6
	ftActionRequest  = 1
	ftActionResponse = 2
	// ftAuthWait is how long the target has to answer the FT
	// Authentication frame: the radio listens on its channel meanwhile.
	ftAuthWait = 500 * time.Millisecond
)

// ftTransitionUsable says whether roam attempt a (its security chosen)
// can be a fast transition from the current connection.
func (s *Station) ftTransitionUsable(a *attempt) bool {
	c := s.conn
	if a.kind != kindRoam || c == nil || c.ftKeys == nil || a.sec == nil || c.sec == nil ||
		a.sec.akm != c.sec.akm || !eapol.IsFT(a.sec.akm) || a.ftFallback {
		return false
	}
	md := a.bss.Summary.MobilityDomain
	return md != nil && [2]byte{byte(md.MDID), byte(md.MDID >> 8)} == c.ftKeys.MDID
}

// ftAuthenticate starts the transition of roam attempt a: the FT
// Authentication Request to the target.
func (s *Station) ftAuthenticate(a *attempt) {
	el, _ := a.bss.Summary.Elements.Find(ie.IDMobilityDomain)
	tr, err := eapol.NewFTTransition(s.conn.ftKeys, [6]byte(a.bss.Addr), a.sec.ownRSNE, a.sec.apRSNE, el.Raw, a.sec.pairwise, rand.Reader)
	if err == nil {
		var ies []byte
		if ies, err = tr.RequestIEs(); err == nil {
			a.ftTr = tr
			s.setStage(a, stageFTAuth, "FT authentication with "+a.bss.Addr.String())
			s.event("ft-authenticating", a.bss.Addr.String()) // iwd's event name
			a.tl.Begin(PhaseAuth)
			s.sendFTAuth(a, ies)
			return
		}
		tr.Wipe()
	}
	s.ftRoamFailed(a, fmt.Errorf("FT: %w", err))
}

// sendFTAuth sends the FT request: over the DS (the target's MDE sets
// FT over DS, as iwd chooses) an FT Request Action frame through the
// current AP on its channel, otherwise the FT Authentication Request
// (sequence 1) on the target's channel; the target has ftAuthWait to
// answer.
func (s *Station) sendFTAuth(a *attempt, ies []byte) {
	to, freq := a.bss.Addr, a.bss.Freq
	overDS := a.bss.Summary.MobilityDomain.FTOverDS && s.conn != nil
	if overDS {
		to, freq = s.conn.bss.Addr, s.conn.bss.Freq
	}
	f := make([]byte, 24, 40+len(ies))
	copy(f[4:], to)
	copy(f[10:], s.cfg.MAC)
	copy(f[16:], to)
	if overDS {
		binary.LittleEndian.PutUint16(f, frameTypeAction)
		f = append(f, ftCategory, ftActionRequest)
		f = append(f, s.cfg.MAC...)
		f = append(f, a.bss.Addr...)
	} else {
		binary.LittleEndian.PutUint16(f, frameTypeAuth)
		f = binary.LittleEndian.AppendUint16(f, authAlgFT)
		f = binary.LittleEndian.AppendUint16(f, 1) // transaction sequence
		f = binary.LittleEndian.AppendUint16(f, 0) // status
	}
	f = append(f, ies...)
	a.ftOverDS = overDS
	s.log.Info("FT request", "target", a.bss.Addr.String(), "via", net.HardwareAddr(to).String(), "over_ds", overDS)
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(a.ctx, 3*time.Second)
		defer cancel()
		_, err := s.cfg.Kernel.SendFrame(ctx, s.cfg.Ifindex, nl80211.FrameRequest{Frame: f, Freq: freq,
			Wait: ftAuthWait, OffchannelOK: !overDS})
		return func() {
			if s.attempt != a || a.stage != stageFTAuth {
				return
			}
			if err != nil {
				s.ftRoamFailed(a, fmt.Errorf("FT: authentication request: %w", err))
				return
			}
			a.ftTimer = time.AfterFunc(ftAuthWait+100*time.Millisecond, func() {
				select {
				case s.done <- func() {
					if s.attempt == a && a.stage == stageFTAuth {
						s.ftRoamFailed(a, errors.New("FT: no authentication response"))
					}
				}:
				case <-a.ctx.Done():
				}
			})
		}
	})
}

// onFTAuthFrame handles an FT Authentication frame (registered for):
// the target's answer to the running transition, if it is one.
func (s *Station) onFTAuthFrame(frame []byte) {
	a := s.attempt
	if a == nil || a.stage != stageFTAuth || a.ftTr == nil || len(frame) < 24 ||
		string(frame[4:10]) != string(s.cfg.MAC) || string(frame[10:16]) != string(a.bss.Addr) ||
		string(frame[16:22]) != string(a.bss.Addr) {
		s.log.Debug("FT authentication frame dropped: no transition to its sender runs")
		return
	}
	seq, status, ies, err := parseAuthFrame(frame, authAlgFT)
	if err == nil && seq != 2 {
		err = fmt.Errorf("transaction sequence %d, want 2", seq)
	}
	if err != nil {
		s.log.Info("FT authentication frame dropped", "err", err)
		return
	}
	s.ftResponse(a, status, ies)
}

// onFTActionFrame handles an FT Response Action frame (registered for):
// the target's answer over the DS, through the current AP.
func (s *Station) onFTActionFrame(frame []byte) {
	a := s.attempt
	c := s.conn
	if a == nil || c == nil || a.stage != stageFTAuth || a.ftTr == nil || !a.ftOverDS || len(frame) < 24+16 ||
		string(frame[4:10]) != string(s.cfg.MAC) || string(frame[10:16]) != string(c.bss.Addr) {
		s.log.Debug("FT action frame dropped: no transition over the DS runs")
		return
	}
	body := frame[24:]
	if body[0] != ftCategory || body[1] != ftActionResponse || string(body[2:8]) != string(s.cfg.MAC) ||
		string(body[8:14]) != string(a.bss.Addr) {
		s.log.Info("FT action frame dropped: not the answer of our target", "target", net.HardwareAddr(body[8:14]).String())
		return
	}
	s.ftResponse(a, binary.LittleEndian.Uint16(body[14:]), body[16:])
}

// ftResponse takes the target's answer to the FT request: on success the
// reassociation follows.
func (s *Station) ftResponse(a *attempt, status uint16, ies []byte) {
	a.stopFTTimer()
	if status != 0 {
		err := fmt.Errorf("FT: authentication refused: status %d (%s)", status, ie.StatusCode(status))
		if ie.StatusCode(status) == ie.StatusInvalidPMKID {
			// The target has no PMK-R1 for our PMK-R0 (iwd 3.x): a full
			// reassociation, a new initial mobility domain association.
			s.ftFullReassociation(a, err)
			return
		}
		s.ftRoamFailed(a, err)
		return
	}
	if err := a.ftTr.HandleResponse(ies); err != nil {
		s.ftRoamFailed(a, err)
		return
	}
	a.tl.Done("")
	s.ftReassociate(a)
}

// ftReassociate sends the Reassociation Request of a transition whose
// authentication succeeded: from here the current AP is left.
func (s *Station) ftReassociate(a *attempt) {
	ies, err := a.ftTr.ReassociationIEs()
	if err != nil {
		s.ftRoamFailed(a, err)
		return
	}
	s.setStage(a, stageAssociate, "reassociating with "+a.bss.Addr.String())
	s.event("associating", a.bss.Addr.String())
	a.tl.Begin(PhaseAssoc)
	prev := s.leaveForRoam(a)
	cr, ok := s.openPort(a)
	if !ok {
		return
	}
	req := nl80211.AssociateRequest{BSSID: a.bss.Addr, Freq: a.bss.Freq, SSID: a.bss.ssid(a.network),
		IEs: ies, PrevBSSID: prev, Crypto: cr, SocketOwner: true}
	s.associate(a, req, "FT: reassociation")
}

// ftReassociated takes the Reassociation Response of a transition: its
// FTE's MIC checked, the keys it delivers installed, the port authorized;
// the Supplicant then runs the rekeys.
func (s *Station) ftReassociated(a *attempt, resp []byte) {
	st, err := a.ftTr.HandleReassociationResponse(resp)
	if err == nil && a.sec.mfp && st.IGTK == nil {
		st.Wipe()
		err = errors.New("FT: no IGTK in the reassociation response, with management frame protection")
	}
	if err != nil {
		s.failBSS(err, true)
		return
	}
	s.setStage(a, stageAuthorize, "FT keys delivered")
	a.tl.Begin(PhaseGroupKey)
	keys := []nl80211.Key{
		{Type: nl80211.KeyTypeGroup, Index: uint8(st.GTKID), Cipher: a.sec.group, Data: st.GTK, RSC: st.RSC[:6]},
	}
	if a.sec.mfp && st.IGTK != nil {
		keys = append(keys, nl80211.Key{Type: nl80211.KeyTypeGroup, Index: uint8(st.IGTKID), Cipher: a.sec.mgmt,
			Data: st.IGTK, RSC: st.IPN})
	}
	keys = append(keys, nl80211.Key{Type: nl80211.KeyTypePairwise, Index: 0, Cipher: a.sec.pairwise, Data: st.PTK.TK, MAC: a.bss.Addr})
	s.installKeys(a, keys, func(err error) {
		if s.attempt != a {
			st.Wipe()
			return
		}
		if err != nil {
			st.Wipe()
			s.failAttempt(fmt.Errorf("FT: keys: %w", err), false)
			return
		}
		a.tl.Done("")
		s.log.Info("fast transition keyed", "akm", a.sec.akm, "pairwise", a.sec.pairwise, "mfp", a.sec.mfp)
		a.ftStart = st
		if s.conn != nil {
			a.ftKeys = s.conn.ftKeys.Clone() // the domain's keys stay
		}
		err = s.startHandshake(a)
		st.Wipe() // the Supplicant has its own copies
		a.ftStart = nil
		if err != nil {
			s.failAttempt(err, false)
			return
		}
		s.connected(a)
	})
}

// installKeys installs keys in order and authorizes the AP's port, off
// the loop (FILS and FT deliver their keys in the association); done runs
// on the loop with the outcome.
func (s *Station) installKeys(a *attempt, keys []nl80211.Key, done func(error)) {
	s.async(func() func() {
		var err error
		for _, key := range keys {
			if err = s.cfg.Kernel.NewKey(a.ctx, s.cfg.Ifindex, key); err != nil {
				break
			}
		}
		if err == nil {
			err = s.cfg.Kernel.SetStationAuthorized(a.ctx, s.cfg.Ifindex, a.bss.Addr, true)
		}
		return func() { done(err) }
	})
}

// associate sends attempt a's CMD_ASSOCIATE (after SAE, FILS or an FT
// authentication) off the loop; what names it in a failure.
func (s *Station) associate(a *attempt, req nl80211.AssociateRequest, what string) {
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
		defer cancel()
		err := s.cfg.Kernel.Associate(ctx, s.cfg.Ifindex, req)
		return func() {
			if err != nil && s.attempt == a {
				s.failBSS(fmt.Errorf("%s: %w", what, err), true)
			}
		}
	})
}

// ftRoamFailed ends a transition that has not left the current AP: the
// connection stays, and the roam is tried again later.
func (s *Station) ftRoamFailed(a *attempt, err error) {
	a.stopFTTimer()
	s.retireAttempt(a, err)
	c := s.conn
	if c == nil {
		return
	}
	if c.configured {
		s.setState(Connected, "fast transition failed")
	} else {
		s.setState(Netconfig, "fast transition failed")
	}
	// After the state: a client told of the failure finds the
	// connection as it is (iwd's testPSK-roam checks it so).
	s.event("ft-roam-failed", a.bss.Addr.String())
	s.roamFailed(err.Error())
}

// ftFullReassociation: the target refused the transition's key names; the
// same BSS gets a reassociation with a new handshake.
func (s *Station) ftFullReassociation(a *attempt, err error) {
	s.log.Info("FT: falling back to a reassociation with a new handshake", "bssid", a.bss.Addr.String(), "err", err)
	a.ftTr.Wipe()
	a.ftTr = nil
	a.ftFallback = true
	a.tl.Done("refused")
	s.beginSecurity(a)
}

func (a *attempt) stopFTTimer() {
	if a.ftTimer != nil {
		a.ftTimer.Stop()
		a.ftTimer = nil
	}
}
