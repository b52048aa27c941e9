package station

import (
	"errors"
	"fmt"

	"wifid/eapol"
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
