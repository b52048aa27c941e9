package station

import (
	"bytes"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"wifid/eapol"
	"wifid/knownnetworks"
)

// A connect's use of the PMKSA cache (pmksa.go). On the loop: offerPMKSA
// puts the PMKID of a cached entry in the association request's RSN
// element, cachePMKSA keeps the PMK of a new EAP conversation once its
// 4-way handshake completes. On the handshake goroutine, pmksaHandshake
// reads the AP's first frame: message 1 naming our PMKID means the AP has
// the PMKSA too (no EAP); an EAP Request, another PMKID or none mean it
// has not, and the entry goes while EAP runs in the same association (as
// iwd, an EAPOL-Start asks for it when message 1 came).

// pmksaKeyOf is attempt a's cache key.
func (s *Station) pmksaKeyOf(a *attempt) pmksaKey {
	k := pmksaKey{ssid: a.network.SSID, akm: a.sec.akm}
	copy(k.spa[:], s.cfg.MAC)
	copy(k.aa[:], a.bss.Addr)
	return k
}

// networkFingerprint is the fingerprint of a's network file.
func networkFingerprint(k *knownnetworks.KnownNetwork) [32]byte {
	return fileFingerprint(k.File().Bytes())
}

// offerPMKSA looks up attempt a's BSS in the cache; an entry made with the
// network file as it is now is offered in the RSN element.
func (s *Station) offerPMKSA(a *attempt) {
	if a.network.Known == nil {
		return
	}
	k := s.pmksaKeyOf(a)
	e := s.pmksa.get(k, s.now())
	if e == nil {
		return
	}
	if e.file != networkFingerprint(a.network.Known) {
		s.pmksa.drop(k)
		s.log.Info("PMKSA dropped: the network file changed", "network", a.network.SSID)
		return
	}
	rsne, err := withPMKID(a.sec.ownRSNE, e.pmkid)
	if err != nil {
		s.log.Warn("PMKSA not offered", "network", a.network.SSID, "err", err)
		return
	}
	sec := *a.sec
	sec.ownRSNE = rsne
	a.sec = &sec
	a.pmksaKey = &k
	a.cachedPMK, a.cachedPMKID = bytes.Clone(e.pmk), e.pmkid
	s.log.Info("PMKSA offered", "network", a.network.SSID, "bssid", a.bss.Addr.String(),
		"expires-in", e.expires.Sub(s.now()).Round(time.Second))
}

// cachePMKSA keeps pmk, from an EAP conversation of attempt a, for the
// next association with a's BSS.
func (s *Station) cachePMKSA(a *attempt, pmk []byte) {
	if s.pmksa.cfg.Disabled || a.network.Known == nil || pmk == nil ||
		a.sec == nil || a.sec.wpaVersion != unix.NL80211_WPA_VERSION_2 || eapol.IsFT(a.sec.akm) {
		return // WPA (the pre-RSN element) has no PMKID list; FT keeps its own hierarchy
	}
	if a.network.Known.Hotspot != nil {
		return // the cache is keyed by the network's own file
	}
	k := s.pmksaKeyOf(a)
	id, err := eapol.PMKID(k.akm, pmk, k.aa, k.spa)
	if err != nil {
		s.log.Debug("PMKSA not cached", "network", a.network.SSID, "err", err)
		return
	}
	s.pmksa.put(&pmksaEntry{key: k, pmkid: id, pmk: bytes.Clone(pmk), file: networkFingerprint(a.network.Known)}, s.now())
	s.log.Info("PMKSA cached", "network", a.network.SSID, "bssid", a.bss.Addr.String(), "entries", s.pmksa.len())
}

// flushStalePMKSAs drops the entries of networks forgotten or whose file
// changed (new credentials, another CA: the next connect runs EAP).
func (s *Station) flushStalePMKSAs() {
	if s.cfg.Known == nil {
		return
	}
	n := s.pmksa.retain(func(e *pmksaEntry) bool {
		k, ok := s.cfg.Known.Get(e.key.ssid, knownnetworks.Security8021X)
		return ok && networkFingerprint(&k) == e.file
	})
	if n > 0 {
		s.log.Info("PMKSAs dropped: network files changed or forgotten", "entries", n)
	}
}

// pmksaHandshake waits for the AP's first EAPOL frame after an
// association that offered a PMKSA (run8021X calls it once the loop has
// the association). It returns the cached PMK and that
// message 1 when the AP names our PMKID; else no PMK, and the EAP packet
// the AP sent (nil when it sent none) for runEAP to start with. A silent
// AP gets the EAPOL-Start of runEAP.
func (s *Station) pmksaHandshake(a *attempt, kp *keyPort, frames <-chan []byte, post func(func())) (pmk, first []byte, err error) {
	miss := func(why string) { post(func() { s.onPMKSAMiss(a, why) }) }
	silence := time.NewTimer(s.cfg.eapolStartDelay)
	defer silence.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return nil, nil, a.ctx.Err()
		case <-silence.C:
			miss(fmt.Sprintf("no message 1 within %v", s.cfg.eapolStartDelay))
			return nil, nil, nil
		case f, ok := <-frames:
			if !ok {
				return nil, nil, fmt.Errorf("%w: EAPOL port closed", ErrEAP)
			}
			h, _, perr := eapol.ParseEAPFrame(f)
			if perr == nil {
				miss("the AP started EAP")
				return nil, f, nil
			}
			if h.Type != eapol.PacketKey {
				s.log.Debug("EAPOL frame dropped", "err", perr)
				continue
			}
			id, err := eapol.Message1PMKID(f, a.sec.akm)
			if err != nil {
				s.log.Debug("EAPOL-Key frame dropped before message 1", "err", err)
				continue
			}
			if !samePMKID(id, a.cachedPMKID) {
				why := "message 1 without a PMKID"
				if id != nil {
					why = "message 1 names another PMKID"
				}
				miss(why)
				if err := kp.SendEAPOL(eapol.StartFrame(eapolVersion)); err != nil {
					s.log.Warn("EAPOL-Start not sent", "err", err)
				}
				return nil, nil, nil
			}
			return a.cachedPMK, f, nil
		}
	}
}

// onPMKSAHit: the AP took our PMKSA; the 4-way handshake runs with its
// PMK. The timeline's eap phase says "PMKSA".
func (s *Station) onPMKSAHit(a *attempt) {
	if s.attempt != a {
		return
	}
	a.tl.Done("PMKSA")
	s.log.Info("PMKSA cache hit", "network", a.network.SSID, "bssid", a.bss.Addr.String())
	s.setStage(a, stageHandshake, "PMKSA cache hit")
	a.tl.Begin(PhaseFourWay)
	s.event("handshake-started", a.bss.Addr.String())
}

// onPMKSAMiss: the AP has no PMKSA for us; the entry goes and EAP runs.
func (s *Station) onPMKSAMiss(a *attempt, why string) {
	if s.attempt != a || a.pmksaKey == nil {
		return
	}
	s.pmksa.drop(*a.pmksaKey)
	a.pmksaKey = nil
	s.log.Info("PMKSA not taken by the AP; running EAP", "network", a.network.SSID, "bssid", a.bss.Addr.String(), "why", why)
}

// pmksaRefused: the AP refused the association for our PMKID (status
// 53); the same BSS is tried again without it.
func (s *Station) pmksaRefused(a *attempt, err error) {
	s.log.Info("PMKSA refused by the AP; associating again for EAP", "network", a.network.SSID,
		"bssid", a.bss.Addr.String(), "err", err)
	s.nextAttempt(a, a.bss, err) // retiring a drops the entry
}
