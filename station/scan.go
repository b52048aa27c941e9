package station

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// Scan runs a full scan (Station.Scan) and returns when its results are in.
func (s *Station) Scan(ctx context.Context) error { return s.ScanFreqs(ctx, nil) }

// ScanFreqs scans only freqs (StationDebug.Scan); nil scans every channel.
func (s *Station) ScanFreqs(ctx context.Context, freqs []uint32) error {
	reply := make(chan error, 1)
	if err := s.call(ctx, func() {
		if s.scanning {
			reply <- ErrBusy
			return
		}
		s.scanReplies = append(s.scanReplies, reply)
		s.userScan = true
		s.startScan(freqs, "user scan")
	}); err != nil {
		return err
	}
	return s.waitReply(ctx, reply)
}

// TriggerScan starts a scan and returns once it is under way (iwd's
// Station.Scan replies then); results show up in the View.
func (s *Station) TriggerScan(ctx context.Context, freqs []uint32) error {
	var err error
	if cerr := s.call(ctx, func() {
		switch {
		case s.userScan || s.queuedScan != nil:
			err = ErrBusy // one user scan at a time, as iwd
		case s.scanning:
			// An autoconnect scan runs: the user's goes next, as iwd
			// queues scan requests.
			q := append([]uint32{}, freqs...)
			s.queuedScan = &q
		default:
			s.userScan = true
			s.startScan(freqs, "user scan")
		}
	}); cerr != nil {
		return cerr
	}
	return err
}

// startScan triggers a scan in the background; scanDone takes its results.
func (s *Station) startScan(freqs []uint32, why string) { s.startScanFlush(freqs, why, true) }

// startScanFlush is startScan; flush says whether the kernel drops the BSSes
// this scan does not see from its cache (NL80211_SCAN_FLAG_FLUSH: an AP
// that went away is not chosen from it), on every channel, not only the
// ones scanned.
func (s *Station) startScanFlush(freqs []uint32, why string, flush bool) {
	freqs = s.usableFreqs(freqs)
	req := nl80211.ScanRequest{Freqs: freqs}
	if flush {
		req.Flags = unix.NL80211_SCAN_FLAG_FLUSH
	}
	// Directed probes for hidden known networks.
	for _, k := range s.knownList() {
		if k.Hidden() && k.Hotspot == nil {
			if len(req.SSIDs) == 0 {
				req.SSIDs = [][]byte{{}}
			}
			req.SSIDs = append(req.SSIDs, []byte(k.SSID))
		}
	}
	s.runScan(req, why, freqs)
}

// runScan triggers the scan req (of freqs, nil for every channel) in the
// background; scanDone takes its results.
func (s *Station) runScan(req nl80211.ScanRequest, why string, freqs []uint32) {
	s.scanning = true
	s.event("scan-triggered", why)
	s.log.Debug("scan", "why", why, "freqs", len(freqs))
	s.publish()
	if s.cfg.Wiphy != nil && s.cfg.Wiphy.MaxScanSSIDs > 0 && len(req.SSIDs) > s.cfg.Wiphy.MaxScanSSIDs {
		req.SSIDs = req.SSIDs[:s.cfg.Wiphy.MaxScanSSIDs]
	}
	start := s.now()
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	s.scanCancel = cancel
	ended := make(chan struct{})
	s.scanEnded = ended
	s.async(func() func() {
		defer cancel()
		res, err := s.cfg.Kernel.Scan(ctx, s.cfg.Ifindex, req)
		close(ended)
		return func() { s.scanDone(res, err, s.now().Sub(start), freqs) }
	})
}

// scanDone takes a scan's results. A scan of some frequencies (freqs) only
// replaces what was seen on those: BSSes heard on others stay, as in iwd (a
// quick scan of known networks' channels must not make the rest vanish
// from GetOrderedNetworks).
func (s *Station) scanDone(res []*nl80211.BSS, err error, took time.Duration, freqs []uint32) {
	s.scanning = false
	s.userScan = false
	s.scanCancel = nil
	s.scanEnded = nil
	if next := s.afterAbort; next != nil {
		s.afterAbort = nil
		defer next()
	}
	if len(freqs) == 0 {
		s.bandsLeft = nil // every channel seen
	}
	defer s.runQueuedScan()
	replies := s.scanReplies
	s.scanReplies = nil
	for _, r := range replies {
		r <- err
	}
	if s.staleScan && !s.asleep {
		// It ran across a sleep: what it saw is from before. Look again.
		s.staleScan = false
		s.log.Info("scan results dropped: the scan ran across a sleep")
		s.startScan(nil, "scan again after the resume")
		return
	}
	if err != nil {
		aborted := s.restScan && errors.Is(err, context.Canceled)
		s.restScan = false
		s.publish()
		if aborted {
			// What waits for the abort (afterAbort) goes on; autoconnect
			// does not take the abort for a scan that found nothing.
			s.log.Info("scan aborted", "ms", took.Milliseconds())
			return
		}
		s.log.Warn("scan failed", "err", err, "ms", took.Milliseconds())
		s.oweScan = false
		s.afterScan(false)
		return
	}
	nets, skipped := groupNetworks(res, s.cfg.Rank)
	for _, why := range skipped {
		s.log.Debug("BSS skipped", "why", why)
	}
	now := s.now()
	for _, n := range nets {
		for _, b := range n.BSSes {
			b.Seen = now
		}
	}
	keepMissed(nets, s.networks, freqs, now)
	if len(freqs) > 0 {
		keepUnscanned(nets, s.networks, freqs)
	}
	s.forgetUnseenANQP(nets)
	s.attachKnown(nets)
	if bsses := s.anqpCandidates(nets); len(bsses) > 0 {
		// Scanning shows until the APs said which realms they serve.
		s.scanning = true
		s.startANQP(bsses, &heldScan{nets: nets, results: len(res), took: took})
		return
	}
	s.finishScan(nets, len(res), took)
}

// finishScan makes a scan's networks (their files attached) the
// station's, and acts on them.
func (s *Station) finishScan(nets map[string]*Network, results int, took time.Duration) {
	s.scanning = false
	defer s.runQueuedScan()
	s.attachKnown(nets)
	s.recordFrequencies(nets)
	// The connected network stays even if this scan missed it, and
	// stays the same object (the connection holds it) with the new BSSes.
	if c := s.conn; c != nil {
		if n, ok := nets[c.network.ID()]; ok {
			c.network.BSSes, c.network.Known = n.BSSes, n.Known
			c.network.Hidden = c.network.Hidden || n.Hidden
		}
		nets[c.network.ID()] = c.network
	}
	s.networks = nets
	s.lastScan = s.now()
	s.tried = map[string]bool{}
	s.ordered = rankNetworks(nets)
	s.log.Info("scan done", "bss", results, "networks", len(nets), "ms", took.Milliseconds())
	s.event("scan-done", len(nets))
	// Between the bands of autoconnect's full scan Scanning stays true:
	// a client waiting for the scan's end wants every band's networks;
	// so it does while hidden OWE twins are looked for (owetransition.go).
	held := s.moreBands()
	var owe *nl80211.ScanRequest
	if !s.oweScan && s.conn == nil && s.attempt == nil && !s.asleep {
		if owe = oweHiddenScan(nets); owe != nil {
			if owe.Freqs = s.usableFreqs(owe.Freqs); len(owe.Freqs) == 0 {
				owe = nil
			}
		}
	}
	s.oweScan = false
	if owe != nil {
		// Autoconnect (and a user's connect) waits for the twins: it
		// acts on that scan's end.
		s.startOWEHiddenScan(owe)
		return
	}
	s.scanning = held
	s.publish()
	s.scanning = false
	if s.restScan {
		s.restScan = false
		s.roamToBandLeft()
	}
	s.afterScan(true)
	if held && !s.scanning {
		s.publish()
	}
}

// keepUnscanned adds to nets the BSSes of old that are on no frequency of
// freqs (the scan that made nets did not look there).
func keepUnscanned(nets, old map[string]*Network, freqs []uint32) {
	for id, o := range old {
		n := nets[id]
		for _, b := range o.BSSes {
			if slices.Contains(freqs, b.Freq) {
				continue
			}
			if n == nil {
				n = &Network{SSID: o.SSID, Security: o.Security, Hidden: o.Hidden, Visible: o.Visible}
				nets[id] = n
			}
			if !slices.ContainsFunc(n.BSSes, func(x *BSS) bool { return bytes.Equal(x.Addr, b.Addr) }) {
				n.BSSes = append(n.BSSes, b)
			}
		}
		if n != nil {
			sortBSSes(n.BSSes)
		}
	}
}

// keepMissed adds to nets, marked Missed, the BSSes of old that a scan of
// their frequency (freqs; all when empty) did not report, for up to
// bssRetention after they were last seen.
func keepMissed(nets, old map[string]*Network, freqs []uint32, now time.Time) {
	for id, o := range old {
		n := nets[id]
		for _, b := range o.BSSes {
			if len(freqs) > 0 && !slices.Contains(freqs, b.Freq) {
				continue // keepUnscanned's
			}
			if b.Seen.IsZero() || now.Sub(b.Seen) >= bssRetention {
				continue
			}
			if n != nil && slices.ContainsFunc(n.BSSes, func(x *BSS) bool { return bytes.Equal(x.Addr, b.Addr) }) {
				continue
			}
			if n == nil {
				n = &Network{SSID: o.SSID, Security: o.Security, Hidden: o.Hidden, Visible: o.Visible}
				nets[id] = n
			}
			cp := *b
			cp.Missed = true
			n.BSSes = append(n.BSSes, &cp)
		}
		if n != nil {
			sortBSSes(n.BSSes)
		}
	}
}

// runQueuedScan starts the user scan that waited for the one just done,
// or for the connect attempt under way: a scan during an attempt takes the
// radio off the channel the handshake is on (seen in the lab: iwctl's
// scan, queued behind autoconnect's, ran through its connect, and the AP
// gave up on the 4-way handshake). linkUp, failAttempt and roamed run it
// when the attempt is over.
func (s *Station) runQueuedScan() {
	q := s.queuedScan
	if q == nil || s.scanning || s.attempt != nil {
		return
	}
	s.queuedScan = nil
	s.userScan = true
	s.startScan(*q, "user scan (queued)")
}

// attachKnown links networks to their network files.
func (s *Station) attachKnown(nets map[string]*Network) {
	if s.cfg.Known == nil {
		return
	}
	profiles := s.hotspotProfiles()
	for _, n := range nets {
		if k, ok := s.cfg.Known.Get(n.SSID, n.Security); ok {
			kc := k
			n.Known = &kc
		} else {
			n.Known = s.matchHotspot(n, profiles)
		}
	}
}

// recordFrequencies adds to the known-frequencies file the channels a scan
// saw known networks on that it does not list yet (as iwd records every
// BSS of a known network; quick scans look there first). The write runs
// in the background, and only when something is new.
func (s *Station) recordFrequencies(nets map[string]*Network) {
	st := s.cfg.Known
	if st == nil {
		return
	}
	type add struct {
		ssid  string
		sec   knownnetworks.Security
		freqs []uint32
	}
	var adds []add
	for _, n := range nets {
		if n.Known == nil {
			continue
		}
		have := st.KnownFrequencies(n.Known.SSID, n.Known.Security)
		var fresh []uint32
		for _, b := range n.BSSes {
			if !slices.Contains(have, b.Freq) && !slices.Contains(fresh, b.Freq) {
				fresh = append(fresh, b.Freq)
			}
		}
		if len(fresh) > 0 {
			adds = append(adds, add{n.Known.SSID, n.Known.Security, fresh})
		}
	}
	if len(adds) == 0 {
		return
	}
	s.async(func() func() {
		for _, a := range adds {
			if err := st.AddKnownFrequencies(a.ssid, a.sec, a.freqs...); err != nil {
				s.log.Debug("known frequencies not recorded", "network", a.ssid, "err", err)
			}
		}
		return func() {}
	})
}

// rerank re-reads the known networks (a file changed) and reorders.
func (s *Station) rerank() {
	s.attachKnown(s.networks)
	s.recordFrequencies(s.networks)
	s.ordered = rankNetworks(s.networks)
	s.publish()
}

// KnownNetworksChanged tells the station that network files changed (the
// daemon forwards knownnetworks' watch events).
func (s *Station) KnownNetworksChanged(ctx context.Context) error {
	return s.call(ctx, func() {
		// An edited file may hold a corrected passphrase.
		s.rejected = rejections{}
		s.flushStalePMKSAs()
		c := s.conn
		wasKnown := c != nil && c.network.Known != nil
		s.rerank()
		if wasKnown && s.conn == c && s.attempt == nil && c.network.Known == nil {
			// Its file (or hotspot profile) was removed: leave, as iwd does.
			why := "network file removed"
			s.log.Info("disconnected", "network", c.network.SSID, "why", why)
			s.event("disconnected", why)
			s.teardownConnection(why, true)
			s.setState(Disconnected, why)
			s.lastScan = time.Time{} // autoconnect looks again before choosing
		}
		switch {
		case !s.autoconnect:
		case s.state == Disconnected:
			s.startAutoconnect("known networks changed")
		case s.state.Autoconnecting() && !s.scanning:
			// A scan now, not at the next periodic one (up to 300 s):
			// what is in range is looked at again with the new files, as
			// iwd's next scan would (its clients wait for one).
			s.stopPeriodicScan()
			s.sched.restart()
			s.startScan(nil, "known networks changed")
		}
	})
}

func (s *Station) knownList() []knownnetworks.KnownNetwork {
	if s.cfg.Known == nil {
		return nil
	}
	return s.cfg.Known.List()
}

// usableFreqs drops duplicates and frequencies the radio has no enabled
// channel on: the kernel refuses a whole scan for one of those.
func (s *Station) usableFreqs(freqs []uint32) []uint32 {
	if len(freqs) == 0 {
		return nil
	}
	enabled := map[uint32]bool{}
	if s.cfg.Wiphy != nil {
		for _, f := range s.cfg.Wiphy.Frequencies() {
			enabled[f] = true
		}
	}
	seen := map[uint32]bool{}
	var out []uint32
	for _, f := range freqs {
		if seen[f] || (len(enabled) > 0 && !enabled[f]) {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) == 0 {
		s.log.Debug("no usable frequency asked for; scanning all", "asked", freqs)
	}
	return out
}

// freshScan is how old scan results may be for autoconnect to act on them
// without scanning again.
const freshScan = 5 * time.Second

// startAutoconnect begins iwd's autoconnect: a quick scan of the
// frequencies known networks were last seen on, a full scan, then periodic
// scans as scanSchedule says.
func (s *Station) startAutoconnect(why string) {
	if !s.autoconnect || s.attempt != nil || s.conn != nil {
		return
	}
	if s.asleep {
		// Resumed starts it over with a scan.
		s.setState(AutoconnectFull, why+"; scanning after the resume")
		return
	}
	s.sched.restart()
	// Fresh results may already hold a known network; stale ones (say,
	// of an AP that just went away) would only cost a failed attempt.
	if s.now().Sub(s.lastScan) < freshScan && s.tryAutoconnect() {
		return
	}
	if len(s.quickScanFreqs()) > 0 {
		s.setState(AutoconnectQuick, why)
	} else {
		s.setState(AutoconnectFull, why)
	}
	s.autoconnectScan()
}

// quickScanFreqs are the frequencies autoconnect's quick scan covers: where
// known networks were seen last.
func (s *Station) quickScanFreqs() []uint32 {
	if s.cfg.Known == nil {
		return nil
	}
	return s.cfg.Known.RecentFrequencies(5, 5)
}

// autoconnectScan runs the scan of the autoconnect state the station is in
// (quick or full), unless a scan runs whose results autoconnect takes
// instead (a user's, of every channel). The background scan of the bands
// left for later is not one: it saw none of the channels the connection
// just lost was on, and the station's list still holds the BSSes there as
// they were (CI's TestWifidTransitionDisable: the AP came back changed, and
// autoconnect tried it with its old elements). It is aborted, and the scan
// runs after. (A roam scan the loss cut short runs it from roamScanDone.)
func (s *Station) autoconnectScan() {
	start := func() {
		if !s.state.Autoconnecting() || s.scanning || s.asleep {
			return
		}
		if s.state == AutoconnectQuick {
			if freqs := s.quickScanFreqs(); len(freqs) > 0 {
				s.startScan(freqs, "autoconnect quick scan")
				return
			}
			s.setState(AutoconnectFull, "no known frequencies")
		}
		s.startFullScan("autoconnect full scan")
	}
	if !s.preemptRestScan(start) {
		start()
	}
}

// afterScan continues autoconnect after a scan.
func (s *Station) afterScan(ok bool) {
	if !s.state.Autoconnecting() || s.asleep {
		return
	}
	if ok && s.tryAutoconnect() {
		return
	}
	if s.state == AutoconnectQuick {
		s.setState(AutoconnectFull, "quick scan found no known network")
		s.startFullScan("autoconnect full scan")
		return
	}
	if ok && s.nextBand() {
		return
	}
	s.bandsLeft = nil
	s.schedulePeriodicScan()
}

func (s *Station) schedulePeriodicScan() {
	if s.scanTimer != nil {
		return
	}
	step, changed := s.sched.next(s.now())
	if changed {
		s.logSchedule(step.phase)
	}
	if step.phase == phaseOff {
		return
	}
	s.log.Debug("next periodic scan", "in", step.wait, "phase", step.phase.String(), "freqs", len(step.freqs))
	s.scanTimer = time.NewTimer(step.wait)
	s.timerFreqs = step.freqs
}

// logSchedule says, once per change, which phase the periodic scans are in.
func (s *Station) logSchedule(p schedulePhase) {
	c := s.cfg.Scan
	switch p {
	case phaseAfterLoss:
		left := c.AfterLossWindow - s.now().Sub(s.sched.lostAt)
		s.log.Info("scan schedule", "phase", p.String(), "every", c.AfterLossInterval,
			"for", left.Round(time.Second), "channels", len(s.sched.lostFreqs), "full_every", afterLossFullEvery)
	case phaseBackoff:
		s.log.Info("scan schedule", "phase", p.String(), "from", c.InitialInterval, "up_to", c.MaximumInterval)
	default:
		s.log.Info("scan schedule", "phase", p.String())
	}
}

// connectionLost: the connection c ends without anyone asking (the AP
// went away); the after-loss phase of the scan schedule starts.
func (s *Station) connectionLost(c *connection) {
	var freqs []uint32
	seen := map[uint32]bool{}
	for _, b := range append([]*BSS{c.bss}, c.network.BSSes...) {
		if b != nil && b.Freq != 0 && !seen[b.Freq] {
			seen[b.Freq] = true
			freqs = append(freqs, b.Freq)
		}
	}
	s.sched.lost(s.now(), c.network.ID(), freqs)
}

// blameTimeout says whether an authentication or association that timed
// out blacklists the BSS. Not for the network just lost, in the after-loss
// window: an AP back from a reboot can be slow to answer its first
// association (seen in the lab), and a minute's blacklist of its only BSS
// would undo the quick scans. It is tried again after the next scan.
func (s *Station) blameTimeout(a *attempt) bool {
	if s.sched.justLost(a.network.ID(), s.now()) {
		s.log.Info("timeout not blacklisted: the network was just lost", "bssid", a.bss.Addr.String())
		return false
	}
	return true
}

func (s *Station) stopPeriodicScan() {
	if s.scanTimer != nil {
		s.scanTimer.Stop()
		s.scanTimer = nil
	}
}

func (s *Station) periodicScan() {
	if s.state.Autoconnecting() && !s.scanning {
		s.startScan(s.timerFreqs, "periodic scan ("+s.sched.phase.String()+")")
	}
}

// tryAutoconnect connects to the best known network with autoconnect on
// and a BSS that is not blacklisted.
func (s *Station) tryAutoconnect() bool {
	if s.asleep {
		return false
	}
	now := s.now()
	for _, n := range s.ordered {
		if n.Known == nil || !n.Known.AutoConnect() {
			continue
		}
		if s.rejected.bad(n.ID()) || supported(n) != nil {
			continue
		}
		for _, b := range n.BSSes {
			if b.Missed || s.blacklist.contains(hwString(b.Addr), now) || s.tried[hwString(b.Addr)] {
				continue
			}
			if b.Summary.Security == ie.SecurityOWE && s.cfg.OWEDisabled {
				continue // [DriverQuirks] OweDisable: a transition pair's open side serves
			}
			if n.Security == knownnetworks.SecurityPSK {
				if _, err := chooseRSN(b.Summary, s.cfg.Wiphy, s.cfg.MFP, s.saeUsable(n, nil), fileTransitionDisable(n.Known)); err != nil {
					// This radio, main.conf or the network's
					// Transition Disable rules it out.
					s.log.Debug("BSS not usable", "network", n.SSID, "bssid", b.Addr.String(), "why", err)
					continue
				}
			}
			s.stopPeriodicScan()
			s.startAttempt(nil, n, b, kindAutoconnect, nil, nil)
			return true
		}
	}
	return false
}
