package station

import (
	"fmt"
	"slices"

	"wifid/eapol"
	"wifid/internal/secret"
	"wifid/nl80211/ie"
)

// Opportunistic Wireless Encryption (RFC 8110), as iwd runs it: an OWE
// network is an open network to the user (Network.Type "open", a .open
// file, no secret), and each association to one of its BSSes (a roam's
// too) carries a fresh Diffie-Hellman exchange, whose PMK keys a 4-way
// handshake with the OWE AKM. The attempt offers group 19 first; an AP
// answering 77 (UNSUPPORTED_FINITE_CYCLIC_GROUP) is offered the next of
// eapol.OWEGroups, as iwd does.

// startOWE begins an attempt at an OWE BSS: the security it offers, a key
// pair of the group to offer, then the association.
func (s *Station) startOWE(a *attempt) {
	if s.cfg.OWEDisabled {
		s.failAttempt(unsupported("OWE is off for this radio's driver ([DriverQuirks] OweDisable)"), false)
		return
	}
	sec, err := chooseRSN(a.bss.Summary, s.cfg.Wiphy, s.cfg.MFP, false, 0)
	if err == nil && sec.akm != ie.AKMOWE {
		err = unsupported("OWE: the BSS's RSN element offers %v, not OWE", a.bss.Summary.RSN.AKMs)
	}
	if err != nil {
		s.noRSN(err)
		return
	}
	a.sec = sec
	group := a.oweGroup
	if group == 0 {
		group = eapol.OWEGroups[0]
	}
	o, err := eapol.NewOWE(group, nil)
	if err != nil {
		s.failAttempt(fmt.Errorf("OWE: %w", err), false)
		return
	}
	a.owe, a.oweGroup = o, group
	a.owePMK = make(chan []byte, 1)
	s.log.Info("OWE", "bssid", a.bss.Addr.String(), "group", group)
	s.sendConnect(a)
}

// oweGroupRefused: the AP answered the association with status 77. The
// same BSS is offered the next group; with none left the BSS failed.
func (s *Station) oweGroupRefused(a *attempt, err error) {
	groups := eccGroups(a.network, eapol.OWEGroups)
	i := slices.Index(groups, a.oweGroup)
	if i < 0 || i+1 >= len(groups) {
		s.failBSS(fmt.Errorf("OWE: every group refused: %w", err), true)
		return
	}
	next := groups[i+1]
	s.log.Info("OWE group refused by the AP; offering the next", "bssid", a.bss.Addr.String(),
		"group", a.oweGroup, "next", next)
	a.oweGroup = next
	s.nextAttempt(a, a.bss, err)
}

// oweAssociated takes the AP's Diffie-Hellman element from the
// Association Response and hands the PMK to the handshake goroutine;
// false when the attempt failed (no element, another group, a key off the
// curve: the BSS's fault).
func (s *Station) oweAssociated(a *attempt, resp []byte) bool {
	var dh []byte
	for el, err := range ie.Walk(resp) {
		if err != nil {
			s.failBSS(fmt.Errorf("OWE: association response: %w", err), true)
			return false
		}
		if el.Is(ie.IDExtension, ie.ExtOWEDHParam) {
			dh = el.Data
			break
		}
	}
	if dh == nil {
		s.failBSS(fmt.Errorf("OWE: no Diffie-Hellman Parameter element in the association response"), true)
		return false
	}
	pmk, pmkid, err := a.owe.Keys(dh)
	if err != nil {
		s.failBSS(fmt.Errorf("OWE: %w", err), true)
		return false
	}
	a.owePMKID = &pmkid
	select {
	case a.owePMK <- pmk: // the goroutine wipes it
	default:
		secret.Zero(pmk) // a second connect event: the first PMK stands
	}
	return true
}

// oweKeyedOther: message 1 named another PMKID than the exchange's, or
// the AP gave up on the handshake (reason 15) though we answered. The
// kernel repeats an Association Request the AP is slow to answer (mac80211
// waits 100 ms once the AP acknowledged it; hostapd's Diffie-Hellman under
// the lab's emulation takes longer); the AP runs an exchange for each and
// keys the last, whose response the kernel ignored (it had the first): our
// PMK cannot match. The same BSS is associated again, once, without
// blacklisting it; the PMKID check makes that immediate when the AP's
// message 1 names one.
func (s *Station) oweKeyedOther(a *attempt, err error) {
	s.log.Info("OWE: the AP keyed another exchange (a repeated association request); associating again",
		"bssid", a.bss.Addr.String(), "err", err)
	a.oweRetried = true
	s.nextAttempt(a, a.bss, err)
}
