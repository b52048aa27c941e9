package station

import (
	"context"
	"crypto/rand"
	"net"
	"slices"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
	"wifid/station/anqp"
)

// Hotspot 2.0 (Passpoint), as iwd does it. An 802.1X network with no file
// of its own whose APs carry the Hotspot 2.0 Indication may match a
// profile of the store's hotspot/ directory: by HESSID (Interworking
// element) or roaming consortium OI (Roaming Consortium element), both in
// its beacons, or by NAI realm, which only ANQP tells. The matching
// profile is then the network's Known record: its EAP settings, its
// AutoConnect and last-connected time.
//
// ANQP (main.conf [General] DisableANQP=false; iwd's default is off) runs
// between a scan's results and their use, while Scanning still shows: a
// GAS query for the NAI realms to the best AP of each candidate network,
// all at once, each bounded by anqpTimeout. Only when there is a profile
// to match, only while not connected; an AP's answer is kept while it
// stays in the scan results, one that did not answer is asked again after
// anqpRetryAfter.

// anqpTimeout bounds one AP's ANQP exchange, comebacks included; the
// request goes out again every anqpRetry (the radio waits that long on the
// AP's channel for the answer), anqpTries times at most. An AP that did
// not answer is asked again after anqpRetryAfter, at a later scan.
const (
	anqpTimeout    = 2 * time.Second
	anqpRetry      = 500 * time.Millisecond
	anqpTries      = 3
	anqpRetryAfter = 10 * time.Second
)

// ANQP frames: Public Action (category 4) GAS Initial and Comeback
// Responses, which the station registers for.
const (
	publicActionCategory = 4
	gasInitialResponse   = 11
	gasComebackResponse  = 13
)

// anqpQuery is one AP's ANQP exchange.
type anqpQuery struct {
	bss *BSS
	req *anqp.Request
	// heard is closed by the loop when the AP first answered or the
	// exchange ended: the request is not sent again.
	heard  chan struct{}
	closed bool
}

// hear closes q.heard once (the loop's).
func (q *anqpQuery) hear() {
	if !q.closed {
		q.closed = true
		close(q.heard)
	}
}

// anqpResult is what an AP's ANQP answer said (nil lists: no answer, or
// none in it).
type anqpResult struct {
	realms []string // the NAI Realm list's names
	ois    [][]byte // the Roaming Consortium list: every OI, not only the beacon's three
}

// heldScan is a scan's outcome waiting for ANQP.
type heldScan struct {
	nets    map[string]*Network
	results int
	took    time.Duration
}

// hotspotProfiles are the store's hotspot profiles.
func (s *Station) hotspotProfiles() []knownnetworks.KnownNetwork {
	if s.cfg.Known == nil {
		return nil
	}
	return s.cfg.Known.Hotspots()
}

// hotspotCapable: the BSS says it is a Hotspot 2.0 AP.
func hotspotCapable(b *BSS) bool { return b.Summary != nil && b.Summary.HS20 != nil }

// matchHotspot finds the profile for an 802.1X network without a file of
// its own: the first, in the store's order, that one of its Hotspot 2.0
// APs matches.
func (s *Station) matchHotspot(n *Network, profiles []knownnetworks.KnownNetwork) *knownnetworks.KnownNetwork {
	if n.Security != knownnetworks.Security8021X {
		return nil
	}
	for i := range profiles {
		h := profiles[i].Hotspot
		if h == nil {
			continue
		}
		for _, b := range n.BSSes {
			if !hotspotCapable(b) {
				continue
			}
			if iw := b.Summary.Interworking; iw != nil && h.MatchesHESSID(iw.HESSID) {
				return &profiles[i]
			}
			if rc := b.Summary.RoamingConsortium; rc != nil && h.MatchesConsortium(rc.OIs) {
				return &profiles[i]
			}
			if r, ok := s.anqpSeen[b.Addr.String()]; ok && (h.MatchesRealm(r.realms) || h.MatchesConsortium(r.ois)) {
				return &profiles[i]
			}
		}
	}
	return nil
}

// hotspotIEs are the elements a hotspot connection adds to its
// association request: the Hotspot 2.0 Indication (the AP's release, at
// most ours) and, when a roaming consortium OI of the beacon matched the
// profile, the Roaming Consortium Selection naming it.
func hotspotIEs(n *Network, b *BSS) []byte {
	if n.Known == nil || n.Known.Hotspot == nil || !hotspotCapable(b) {
		return nil
	}
	out := ie.MarshalHS20Indication(b.Summary.HS20.Version)
	if rc := b.Summary.RoamingConsortium; rc != nil {
		for _, oi := range rc.OIs {
			if n.Known.Hotspot.MatchesConsortium([][]byte{oi}) {
				out = append(out, ie.MarshalRoamingConsortiumSelection(oi)...)
				break
			}
		}
	}
	return out
}

// anqpCandidates are the APs to ask: the best Hotspot 2.0 AP of each
// 802.1X network that matched no profile yet, not asked before, when some
// profile names realms, or names a roaming consortium and the AP has more
// OIs than its beacon shows.
func (s *Station) anqpCandidates(nets map[string]*Network) []*BSS {
	if s.cfg.DisableANQP || s.conn != nil || s.attempt != nil {
		return nil
	}
	realms, ois := false, false
	for _, p := range s.hotspotProfiles() {
		if p.Hotspot != nil {
			realms = realms || len(p.Hotspot.NAIRealms) > 0
			ois = ois || p.Hotspot.RoamingConsortium != nil
		}
	}
	if !realms && !ois {
		return nil
	}
	var out []*BSS
	for _, n := range nets {
		if n.Security != knownnetworks.Security8021X || n.Known != nil {
			continue
		}
		i := slices.IndexFunc(n.BSSes, hotspotCapable)
		if i < 0 {
			continue
		}
		b := n.BSSes[i]
		if _, asked := s.anqpSeen[b.Addr.String()]; asked {
			continue
		}
		if at, failed := s.anqpFailed[b.Addr.String()]; failed && s.now().Sub(at) < anqpRetryAfter {
			continue
		}
		if rc := b.Summary.RoamingConsortium; !realms && (rc == nil || rc.NumANQPOIs == 0) {
			continue // the beacon's OIs are all there are
		}
		out = append(out, b)
	}
	return out
}

// forgetUnseenANQP drops the answers of APs the latest scan did not see.
func (s *Station) forgetUnseenANQP(nets map[string]*Network) {
	seen := map[string]bool{}
	for _, n := range nets {
		for _, b := range n.BSSes {
			seen[b.Addr.String()] = true
		}
	}
	for a := range s.anqpSeen {
		if !seen[a] {
			delete(s.anqpSeen, a)
		}
	}
	for a := range s.anqpFailed {
		if !seen[a] {
			delete(s.anqpFailed, a)
		}
	}
}

// startANQP asks each AP for its NAI realms; the held scan finishes when
// every query has ended.
func (s *Station) startANQP(bsses []*BSS, held *heldScan) {
	s.anqpHeld = held
	for _, b := range bsses {
		var tok [1]byte
		_, _ = rand.Read(tok[:])
		q := &anqpQuery{bss: b, heard: make(chan struct{}), req: anqp.NewRequest(s.cfg.MAC, b.Addr, tok[0], anqp.InfoNAIRealm, anqp.InfoRoamingConsortium)}
		s.anqpPending[b.Addr.String()] = q
		s.log.Info("ANQP query", "bssid", b.Addr.String(), "freq", b.Freq)
		s.event("anqp-started", b.Addr.String())
		s.sendANQP(q, q.req.Frame(), 0, true)
	}
}

// sendANQP sends one frame of q's exchange after delay. The first (the
// GAS Initial Request) goes out again every anqpRetry until the AP answers
// (a frame lost on the air, or an answer after the radio left the
// channel), anqpTries times at most; it also bounds the whole exchange
// by anqpTimeout.
func (s *Station) sendANQP(q *anqpQuery, frame []byte, delay time.Duration, first bool) {
	s.async(func() func() {
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-s.ctx.Done():
				return func() {}
			}
		}
		deadline := time.After(anqpTimeout)
		for try := 1; ; try++ {
			ctx, cancel := context.WithTimeout(s.ctx, time.Second)
			_, err := s.cfg.Kernel.SendFrame(ctx, s.cfg.Ifindex, nl80211.FrameRequest{Frame: frame, Freq: q.bss.Freq,
				Wait: anqpRetry, OffchannelOK: true})
			cancel()
			if err != nil {
				return func() { s.anqpEnded(q, nil, "not sent: "+err.Error()) }
			}
			if !first {
				return func() {}
			}
			var retry <-chan time.Time
			if try < anqpTries {
				retry = time.After(anqpRetry)
			}
			select {
			case <-retry:
				continue
			case <-q.heard:
			case <-deadline:
				return func() { s.anqpEnded(q, nil, "no answer") }
			case <-s.ctx.Done():
				return func() {}
			}
			select {
			case <-deadline:
				return func() { s.anqpEnded(q, nil, "no answer in time") }
			case <-s.ctx.Done():
				return func() {}
			}
		}
	})
}

// onGASFrame takes a GAS response; false if the frame is not one.
func (s *Station) onGASFrame(frame []byte) bool {
	if len(frame) < 26 || frame[24] != publicActionCategory ||
		(frame[25] != gasInitialResponse && frame[25] != gasComebackResponse) {
		return false
	}
	from := net.HardwareAddr(frame[10:16]).String()
	q := s.anqpPending[from]
	if q == nil {
		s.log.Debug("GAS frame dropped: no query to that AP", "from", from)
		return true
	}
	ok, next, delay, done, err := q.req.Handle(frame)
	if ok {
		q.hear()
	}
	switch {
	case !ok:
		s.log.Debug("GAS frame dropped: not for our query", "from", from)
	case err != nil:
		s.anqpEnded(q, nil, err.Error())
	case next != nil:
		s.sendANQP(q, next, delay, false)
	case done:
		s.anqpEnded(q, q.req.Result(), "")
	}
	return true
}

// anqpEnded records q's outcome (resp nil: none) and, with the last query
// done, finishes the held scan.
func (s *Station) anqpEnded(q *anqpQuery, resp []byte, failure string) {
	addr := q.bss.Addr.String()
	if s.anqpPending[addr] != q {
		return // already ended
	}
	delete(s.anqpPending, addr)
	q.hear()
	var r anqpResult
	if failure == "" {
		r, failure = parseANQP(resp)
	}
	if failure != "" {
		s.anqpFailed[addr] = s.now()
		s.log.Info("ANQP query failed", "bssid", addr, "why", failure)
	} else {
		s.anqpSeen[addr] = r
		delete(s.anqpFailed, addr)
		s.log.Info("ANQP answer", "bssid", addr, "realms", len(r.realms), "consortium_ois", len(r.ois))
	}
	s.event("anqp-finished", addr)
	if len(s.anqpPending) > 0 || s.anqpHeld == nil {
		return
	}
	held := s.anqpHeld
	s.anqpHeld = nil
	s.finishScan(held.nets, held.results, held.took)
}

// parseANQP reads the NAI Realm and Roaming Consortium lists of an ANQP
// response; a malformed one fails the whole answer.
func parseANQP(resp []byte) (anqpResult, string) {
	var r anqpResult
	els, err := anqp.Elements(resp)
	if err != nil {
		return r, err.Error()
	}
	for _, e := range els {
		switch e.ID {
		case anqp.InfoNAIRealm:
			rs, err := anqp.ParseNAIRealms(e.Body)
			if err != nil {
				return anqpResult{}, err.Error()
			}
			for _, x := range rs {
				r.realms = append(r.realms, x.Names...)
			}
		case anqp.InfoRoamingConsortium:
			ois, err := anqp.ParseRoamingConsortiumList(e.Body)
			if err != nil {
				return anqpResult{}, err.Error()
			}
			r.ois = ois
		}
	}
	return r, ""
}
