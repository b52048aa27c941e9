package station

import (
	"context"
	"fmt"
	"net"
	"sort"
	"time"

	"golang.org/x/sys/unix"

	"wifid/internal/secret"
	"wifid/nl80211"
)

// Roaming, as iwd does it without fast transition: the kernel's connection
// quality monitor reports when the connected BSS's signal falls below
// RoamThreshold (RoamThreshold5G on 5 and 6 GHz); after a short delay, with
// the signal still low, the station scans the frequencies the network was
// seen on (then every channel if that finds nothing), and if another BSS of
// the same network ranks above the connected one, reassociates to it
// (CMD_CONNECT with the previous BSSID) and runs a new 4-way handshake with
// the PMK it has. IP configuration carries on across the move: the address
// belongs to the ESS, not the BSS. A roam that finds nothing better waits
// RoamRetryInterval before the next try, unless the signal recovers and falls
// again first. A failed reassociation loses the connection: autoconnect takes
// over, as in iwd.

// RoamConfig holds main.conf's roaming settings.
type RoamConfig struct {
	Threshold   int // [General] RoamThreshold, dBm, 2.4 GHz
	Threshold5G int // [General] RoamThreshold5G, dBm, 5 and 6 GHz
	// CriticalThreshold(5G) replace them while the connected BSS has
	// affinity (Station.Affinities, iwd 3.x): [General]
	// CriticalRoamThreshold and CriticalRoamThreshold5G.
	CriticalThreshold   int
	CriticalThreshold5G int
	RetryInterval       time.Duration // [General] RoamRetryInterval
	// Delay is how long the signal stays low before a roam scan (iwd: 5 s);
	// a dip shorter than that costs nothing.
	Delay       time.Duration
	DisableScan bool // [Scan] DisableRoamingScan: never roam
}

// DefaultRoamConfig is iwd's default.
func DefaultRoamConfig() RoamConfig {
	return RoamConfig{Threshold: -70, Threshold5G: -76, CriticalThreshold: -80, CriticalThreshold5G: -82,
		RetryInterval: 60 * time.Second, Delay: 5 * time.Second}
}

// cqmHysteresis is the CQM hysteresis in dB, as iwd sets it.
const cqmHysteresis = 5

// roamState is the roaming part of a station, owned by the loop.
type roamState struct {
	signalLow bool
	timer     *time.Timer
	notBefore time.Time // no roam scan before this (after a failed roam)
	scanning  bool      // a roam scan is running
	tl        *Timeline // the roam being prepared (scan phase), until the attempt starts
	// target and reply are a forced roam's (StationDebug.Roam): the BSS
	// asked for, and the caller waiting for the scan that finds it.
	target net.HardwareAddr
	reply  chan error
	// directed: the AP told us to go (BSS transition with disassociation
	// imminent): any candidate will do, even one ranked below ours.
	directed bool
	// affinity: a client asked to stay with the connected BSS
	// (Station.Affinities): the critical thresholds apply until a roam
	// or the end of the connection.
	affinity bool
}

func (r *roamState) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// reset forgets everything of the connection that ended.
func (r *roamState) reset() {
	r.stopTimer()
	r.answer(ErrNotConnected)
	*r = roamState{}
}

// answer tells a forced roam's caller, if one waits, how it went.
func (r *roamState) answer(err error) {
	if r.reply != nil {
		r.reply <- err
	}
	r.reply, r.target = nil, nil
}

// packetLossRoam is how many lost packets in a row (a CQM packet loss
// event) make the station look for another BSS at once, as iwd's
// STATION_PKT_LOSS_THRESHOLD.
const packetLossRoam = 10

// timerC is the roam timer's channel, nil when none is armed.
func (r *roamState) timerC() <-chan time.Time {
	if r.timer == nil {
		return nil
	}
	return r.timer.C
}

// roamThreshold is the CQM threshold for a BSS on freq.
func (s *Station) roamThreshold(freq uint32) int {
	switch {
	case s.roam.affinity && freq >= 4900:
		return s.cfg.Roam.CriticalThreshold5G
	case s.roam.affinity:
		return s.cfg.Roam.CriticalThreshold
	case freq >= 4900:
		return s.cfg.Roam.Threshold5G
	}
	return s.cfg.Roam.Threshold
}

// SetAffinity gives the connected BSS affinity (bssid, which must be the
// connected BSS) or takes it away (nil), as iwd 3.x's Station.Affinities:
// with affinity the station roams only below the critical thresholds. A
// roam or the end of the connection clears it.
func (s *Station) SetAffinity(ctx context.Context, bssid net.HardwareAddr) error {
	var err error
	if cerr := s.call(ctx, func() {
		c := s.conn
		switch {
		case c == nil:
			err = ErrNotConnected
		case bssid != nil && string(bssid) != string(c.bss.Addr):
			err = fmt.Errorf("%w: affinity only for the connected BSS %v", ErrInvalidArgs, c.bss.Addr)
		case s.roam.affinity == (bssid != nil):
		default:
			s.roam.affinity = bssid != nil
			s.log.Info("affinity", "bssid", c.bss.Addr.String(), "on", s.roam.affinity,
				"threshold_dbm", s.roamThreshold(c.bss.Freq))
			if s.roam.affinity {
				// A roam scan waiting on the normal threshold waits no more.
				s.roam.stopTimer()
				s.roam.signalLow = false
			}
			s.armCQM(c)
			s.publish()
		}
	}); cerr != nil {
		return cerr
	}
	return err
}

// armCQM asks the kernel to report when the connected BSS's signal crosses
// the roam threshold. A driver without CQM support simply never roams.
func (s *Station) armCQM(c *connection) {
	th := s.roamThreshold(c.bss.Freq)
	var list []int32
	if len(s.levels) > 0 {
		list = s.cqmThresholds(th) // a signal level agent listens too
	} else if s.cfg.Roam.DisableScan {
		return
	}
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(s.ctx, 3*time.Second)
		defer cancel()
		var err error
		if list != nil {
			err = s.cfg.Kernel.SetCQMThresholds(ctx, s.cfg.Ifindex, list, cqmHysteresis)
		} else {
			err = s.cfg.Kernel.SetCQM(ctx, s.cfg.Ifindex, int32(th), cqmHysteresis)
		}
		return func() {
			if err != nil {
				s.log.Info("no signal monitoring: roaming off for this connection", "err", err)
				return
			}
			s.log.Debug("signal monitoring armed", "threshold_dbm", th, "hysteresis_db", cqmHysteresis)
		}
	})
}

// onCQM handles the connection quality monitor's reports.
func (s *Station) onCQM(e *nl80211.CQMEvent) {
	if s.conn == nil {
		return
	}
	switch {
	case e.BeaconLoss:
		s.log.Info("beacon loss", "bssid", s.conn.bss.Addr.String())
	case e.PacketLoss > 0:
		s.log.Info("packets lost", "bssid", s.conn.bss.Addr.String(), "count", e.PacketLoss)
		if e.PacketLoss < packetLossRoam || s.cfg.Roam.DisableScan || s.attempt != nil || s.roam.scanning || s.scanning {
			return
		}
		s.event("packet-loss-roam")
		s.beginRoam("packet loss")
	case e.RSSIThreshold != nl80211.CQMRSSINone && len(s.levels) > 0 && e.HasRSSILevel:
		// Thresholds as a list: the event is about whichever was
		// crossed; the level tells the agent, the RSSI tells roaming.
		s.setLevel(int(e.RSSILevel), false)
		low := int(e.RSSILevel) < s.roamThreshold(s.conn.bss.Freq)
		switch {
		case low && !s.roam.signalLow:
			s.onCQM(&nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: e.RSSILevel})
		case !low && s.roam.signalLow:
			s.onCQM(&nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSIHigh, RSSILevel: e.RSSILevel})
		}
	case e.RSSIThreshold == nl80211.CQMRSSILow:
		s.log.Info("signal low", "bssid", s.conn.bss.Addr.String(), "dbm", e.RSSILevel,
			"threshold_dbm", s.roamThreshold(s.conn.bss.Freq))
		s.event("signal-low", int(e.RSSILevel))
		if s.roam.signalLow {
			return
		}
		s.roam.signalLow = true
		if s.cfg.Roam.DisableScan || s.attempt != nil || s.roam.scanning {
			return // a running roam scan re-arms the timer if it finds nothing
		}
		wait := s.cfg.Roam.Delay
		if d := s.roam.notBefore.Sub(s.now()); d > wait {
			wait = d
		}
		s.armRoamTimer(wait)
	case e.RSSIThreshold == nl80211.CQMRSSIHigh:
		s.log.Info("signal ok", "bssid", s.conn.bss.Addr.String(), "dbm", e.RSSILevel)
		s.event("signal-ok", int(e.RSSILevel))
		s.roam.signalLow = false
		s.roam.notBefore = time.Time{}
		if !s.roam.scanning {
			s.roam.stopTimer()
		}
	}
}

func (s *Station) armRoamTimer(d time.Duration) {
	s.roam.stopTimer()
	s.log.Debug("roam scan scheduled", "in", d)
	s.roam.timer = time.NewTimer(d)
}

// roamTimerFired: the signal stayed low; look for a better BSS.
func (s *Station) roamTimerFired() {
	s.roam.timer = nil
	c := s.conn
	switch {
	case c == nil || !c.configured || s.attempt != nil || s.roam.scanning || !s.roam.signalLow:
		return
	case s.preemptRestScan(s.roamTimerFired):
		return
	case s.scanning:
		// A user's scan runs; roam right after it.
		s.armRoamTimer(time.Second)
		return
	}
	s.beginRoam("signal low")
}

// beginRoam starts a roam's timeline and its scan.
func (s *Station) beginRoam(why string) {
	c := s.conn
	s.roam.stopTimer()
	if s.asleep {
		s.log.Debug("no roam while suspending", "why", why)
		return
	}
	s.log.Info("looking for a better BSS", "why", why)
	s.roam.tl = s.newTimeline(kindRoam.String(), c.network.SSID)
	s.roam.tl.BSSID = c.bss.Addr.String()
	s.roam.tl.Begin(PhaseScan)
	s.roamScan(s.roamFreqs(c), true)
}

// Roam moves to the BSS with address bssid of the connected network
// (StationDebug.Roam): a scan of its frequency (every channel if the
// station has not seen it), then the reassociation. It returns once the
// reassociation has started, as iwd's does.
func (s *Station) Roam(ctx context.Context, bssid net.HardwareAddr) error {
	if len(bssid) != 6 {
		return ErrInvalidArgs
	}
	reply := make(chan error, 1)
	var roam func()
	roam = func() {
		c := s.conn
		switch {
		case c == nil || !c.configured:
			reply <- ErrNotConnected
			return
		case string(c.bss.Addr) == string(bssid):
			reply <- ErrAlreadyConnected
			return
		case s.attempt == nil && s.preemptRestScan(roam):
			return
		case s.attempt != nil || s.roam.scanning || s.scanning:
			reply <- ErrBusy
			return
		}
		var freqs []uint32
		for _, b := range c.network.BSSes {
			if string(b.Addr) == string(bssid) {
				freqs = []uint32{b.Freq}
			}
		}
		s.roam.stopTimer()
		s.roam.target, s.roam.reply = append(net.HardwareAddr(nil), bssid...), reply
		s.log.Info("roam requested", "to", bssid.String())
		s.roam.tl = s.newTimeline(kindRoam.String(), c.network.SSID)
		s.roam.tl.BSSID = c.bss.Addr.String()
		s.roam.tl.Begin(PhaseScan)
		s.roamScan(freqs, len(freqs) > 0)
	}
	if err := s.call(ctx, roam); err != nil {
		return err
	}
	return s.waitReply(ctx, reply)
}

// roamFreqs are the frequencies the connected network was seen on: its BSSes
// in the last scan and the ones stored for it.
func (s *Station) roamFreqs(c *connection) []uint32 {
	var freqs []uint32
	for _, b := range c.network.BSSes {
		freqs = append(freqs, b.Freq)
	}
	if s.cfg.Known != nil {
		freqs = append(freqs, s.cfg.Known.KnownFrequencies(c.network.SSID, c.network.Security)...)
	}
	return freqs
}

// roamScan scans for roam candidates: the given frequencies first (partial),
// every channel when those find nothing better.
func (s *Station) roamScan(freqs []uint32, partial bool) {
	if partial {
		freqs = s.usableFreqs(freqs)
		if len(freqs) == 0 {
			partial = false
		}
	} else {
		freqs = nil
	}
	s.roam.scanning = true
	s.scanning = true
	why := "roam scan"
	if !partial {
		why = "roam scan, all channels"
	}
	s.event("roam-scan-triggered", why)
	s.log.Info("roam scan", "freqs", len(freqs), "partial", partial)
	s.publish()
	req := nl80211.ScanRequest{Freqs: freqs, Flags: unix.NL80211_SCAN_FLAG_FLUSH}
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		defer cancel()
		res, err := s.cfg.Kernel.Scan(ctx, s.cfg.Ifindex, req)
		return func() { s.roamScanDone(res, err, partial) }
	})
}

func (s *Station) roamScanDone(res []*nl80211.BSS, err error, partial bool) {
	s.roam.scanning = false
	s.scanning = false
	defer s.runQueuedScan()
	c := s.conn
	if c == nil || s.attempt != nil {
		s.roam.answer(ErrAborted)
		s.roam.tl = nil
		s.publish()
		if s.attempt == nil {
			// The connection was lost during this scan: autoconnect
			// found the radio busy and waits for its own scan (CI's
			// TestWifidReconnectsWhenAPGoesSilent: packet loss began a
			// roam scan just before the kernel gave up the link).
			s.autoconnectScan()
		}
		return
	}
	if err != nil {
		s.roam.answer(err)
		s.roamFailed(fmt.Sprintf("roam scan failed: %v", err))
		return
	}
	best, seen := s.roamCandidates(c, res)
	if target := s.roam.target; target != nil {
		var b *BSS
		if seen != nil {
			for _, x := range seen.BSSes {
				if string(x.Addr) == string(target) {
					b = x
				}
			}
		}
		if b == nil {
			s.roam.answer(ErrNotFound)
			s.roamFailed("the BSS asked for was not found")
			return
		}
		s.roam.answer(nil)
		best = []*BSS{b}
	}
	if len(best) == 0 {
		s.event("no-roam-candidates")
		if partial && s.roam.signalLow && !s.roam.directed {
			// As iwd: a limited scan found nothing; all channels now.
			s.roamScan(nil, false)
			return
		}
		s.roamFailed("no better BSS")
		return
	}
	s.publish()
	tl := s.roam.tl
	s.roam.tl = nil
	if tl == nil {
		tl = s.newTimeline(kindRoam.String(), c.network.SSID)
	}
	tl.Done(fmt.Sprintf("%d candidates", len(best)))
	s.startRoam(best[0], tl)
}

// roamUsable says whether the connection c may move to b: same security,
// not blacklisted, usable with our radio and the network's rules.
func (s *Station) roamUsable(c *connection, b *BSS, now time.Time) bool {
	if b.Summary.Security != c.bss.Summary.Security || s.blacklist.contains(hwString(b.Addr), now) {
		return false
	}
	if c.sec != nil {
		if _, err := chooseRSN(b.Summary, s.cfg.Wiphy, s.cfg.MFP, s.saeUsable(c.network, c.password),
			fileTransitionDisable(c.network.Known)); err != nil {
			s.log.Debug("roam candidate unusable", "bssid", b.Addr.String(), "err", err)
			return false
		}
	}
	return true
}

// roamCandidates merges a roam scan's view of the connected network into
// it and returns the BSSes ranked above the connected one, best first: same
// SSID and security, not blacklisted, usable with our radio.
func (s *Station) roamCandidates(c *connection, res []*nl80211.BSS) ([]*BSS, *Network) {
	nets, _ := groupNetworks(res, s.cfg.Rank)
	seen, ok := nets[c.network.ID()]
	if !ok {
		return nil, nil
	}
	// Update the network's BSS list with what the scan saw.
	byAddr := map[string]*BSS{}
	for _, b := range c.network.BSSes {
		byAddr[string(b.Addr)] = b
	}
	now := s.now()
	for _, b := range seen.BSSes {
		b.Seen = now
		byAddr[string(b.Addr)] = b
	}
	c.network.BSSes = c.network.BSSes[:0]
	for _, b := range byAddr {
		c.network.BSSes = append(c.network.BSSes, b)
	}
	sortBSSes(c.network.BSSes)

	var current uint16 // not heard at all: anything beats it
	for _, b := range seen.BSSes {
		if string(b.Addr) == string(c.bss.Addr) {
			current = b.Rank
			c.bss.Signal, c.bss.Rank = b.Signal, b.Rank
		}
	}
	if s.roam.directed {
		current = 0 // the AP wants us gone
	}
	var out []*BSS
	for _, b := range seen.BSSes {
		switch {
		case string(b.Addr) == string(c.bss.Addr):
		case b.Rank <= current:
		case s.roamUsable(c, b, now):
			out = append(out, b)
		}
	}
	// A BSS that said it is full stays a candidate, after the others.
	sort.SliceStable(out, func(i, j int) bool {
		return !s.blacklist.busy(hwString(out[i].Addr), now) && s.blacklist.busy(hwString(out[j].Addr), now)
	})
	s.log.Info("roam candidates", "current_rank", current, "current_dbm", c.bss.Signal, "candidates", len(out))
	return out, seen
}

// sortBSSes puts the best BSS first: heard by the last scan, then rank,
// then signal.
func sortBSSes(bs []*BSS) {
	sort.SliceStable(bs, func(i, j int) bool {
		if bs[i].Missed != bs[j].Missed {
			return !bs[i].Missed // heard in the last scan first
		}
		if oi, oj := bs[i].oweOrder(), bs[j].oweOrder(); oi != oj {
			return oi < oj // OWE transition twins first, their open sides last
		}
		if bs[i].Rank != bs[j].Rank {
			return bs[i].Rank > bs[j].Rank
		}
		return bs[i].Signal > bs[j].Signal
	})
}

// roamFailed: no roam this time; try again after RoamRetryInterval if the
// signal is still low.
func (s *Station) roamFailed(why string) {
	if tl := s.roam.tl; tl != nil {
		tl.Finish("no roam: " + why)
		s.last = tl
		s.roam.tl = nil
	}
	s.roam.notBefore = s.now().Add(s.cfg.Roam.RetryInterval)
	s.roam.directed = false
	s.log.Info("not roaming", "why", why, "retry_in", s.cfg.Roam.RetryInterval)
	if s.roam.signalLow && s.conn != nil {
		s.armRoamTimer(s.cfg.Roam.RetryInterval)
	}
	s.publish()
}

// startRoam reassociates to b: the old BSS's handshake stops, a new attempt
// of kind "roam" runs the connect and the 4-way handshake with the PMK of
// the connection.
func (s *Station) startRoam(b *BSS, tl *Timeline) {
	c := s.conn
	s.log.Info("roaming", "network", c.network.SSID, "from", c.bss.Addr.String(), "from_dbm", c.bss.Signal,
		"to", b.Addr.String(), "to_dbm", b.Signal, "freq", b.Freq)
	s.roam.stopTimer()
	s.roam.affinity = false // a roam ends it, as iwd's
	s.startAttempt(nil, c.network, b, kindRoam, nil, tl)
}

// roamed: the reassociation is done and keyed. The connection moves to the
// new BSS; IP configuration carries on.
func (s *Station) roamed(a *attempt) {
	c := s.conn
	from := c.bss.Addr.String()
	s.attempt = nil
	c.bss, c.port, c.sec = a.bss, a.port, a.sec
	s.applyFilters(filtersFor(a.bss))
	c.hsCancel = a.cancel
	c.tl = a.tl
	s.roam.signalLow = false
	s.roam.notBefore = time.Time{}
	s.roam.directed = false
	s.blacklist.remove(hwString(a.bss.Addr))
	s.rememberNetwork(a)
	// The new BSS's PMK replaces the old (SAE's is per exchange; a PSK is
	// the same); the attempt's copies of the rest go.
	secret.Zero(c.pmk)
	c.pmk, a.pmk = a.pmk, nil
	// FT: the domain's keys (a transition's copy, or a new initial
	// association's); nil when the new BSS is not FT.
	c.ftKeys.Wipe()
	c.ftKeys, a.ftKeys = a.ftKeys, nil
	a.wipeSecrets()
	a.tl.Finish("roamed")
	s.log.Info("roamed", "network", c.network.SSID, "from", from, "to", a.bss.Addr.String(),
		"address", c.address, "timeline", a.tl.String())
	s.event("roamed", a.bss.Addr.String())
	s.event("connected", c.network.ID()) // as iwd, whose clients wait for it after a roam
	s.armCQM(c)
	// Back to where the connection was: up, or still configuring IP
	// (a roam the AP asked for can come before an address).
	if c.configured {
		s.setState(Connected, "roamed to "+a.bss.Addr.String())
	} else {
		s.setState(Netconfig, "roamed to "+a.bss.Addr.String())
	}
	s.ordered = rankNetworks(s.networks)
	s.publish()
	s.runQueuedScan()
}
