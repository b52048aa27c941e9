package station

import (
	"fmt"
	"slices"
)

// Autoconnect's full scan, one band at a time.
//
// A scan of every channel takes seconds, most of them in the 5 GHz band,
// whose channels are largely passive (the radio listens for a beacon on
// each instead of probing): 3.8 s under the lab's emulation, of which the
// 2.4 GHz band is about half a second. Autoconnect's full scan therefore
// scans the radio's bands in turn, 2.4 GHz first, and connects as soon as
// a band's results hold a known network it can use. The bands it left out
// are scanned once the connection is up (IP configured), and if the
// connected network has a BSS there that ranks above the connected one
// (a dual-band AP's 5 GHz side, which the rank's band modifier prefers),
// the station roams to it: the network the full scan would have chosen,
// reached in a fraction of the time. A connect, a roam, a BSS transition
// request or a hidden network's probe does not wait for that background
// scan: it is aborted, and they start once the abort is done.

// startFullScan starts autoconnect's full scan: the first band now, the
// rest (bandsLeft) one by one from afterScan while no known network shows
// up. A radio of one band scans it at once.
func (s *Station) startFullScan(why string) {
	s.bandsLeft = nil
	var bands [][]uint32
	if s.cfg.Wiphy != nil {
		bands = s.cfg.Wiphy.BandFrequencies()
	}
	if len(bands) < 2 {
		s.startScan(nil, why)
		return
	}
	s.bandsLeft = bands[1:]
	s.startScan(bands[0], fmt.Sprintf("%s, band 1 of %d", why, len(bands)))
}

// nextBand scans the next band autoconnect's full scan has not covered;
// false when none is left. It does not flush the kernel's results: the
// earlier bands' BSSes stay connectable.
func (s *Station) nextBand() bool {
	if len(s.bandsLeft) == 0 {
		return false
	}
	next := s.bandsLeft[0]
	s.bandsLeft = s.bandsLeft[1:]
	s.startScanFlush(next, "autoconnect full scan, next band", false)
	return true
}

// moreBands says whether autoconnect's full scan goes on with another band
// after the scan being finished (Scanning stays true between the bands).
func (s *Station) moreBands() bool {
	return s.state == AutoconnectFull && len(s.bandsLeft) > 0 && !s.asleep
}

// scanBandsLeft scans, once connected, the bands autoconnect's full scan
// skipped because an earlier band held the network.
func (s *Station) scanBandsLeft() {
	if len(s.bandsLeft) == 0 {
		return
	}
	freqs := slices.Concat(s.bandsLeft...)
	s.bandsLeft = nil
	if s.scanning || s.asleep {
		return // a user's scan runs; it sees them
	}
	s.restScan = true
	s.startScanFlush(freqs, "the bands autoconnect's scan left for later", false)
}

// abortRestScan stops the background scan of the bands left for later: a
// connect would otherwise wait for it in the kernel.
func (s *Station) abortRestScan(why string) {
	if s.restScan && s.scanCancel != nil {
		s.log.Info("background scan aborted", "for", why)
		s.scanCancel()
	}
}

// preemptRestScan makes the background scan of the bands left for later,
// if it runs, give way to next: the scan is aborted and next runs once it
// has ended (the kernel runs one scan at a time), after whatever waited
// for it before (each then finds the station as the one before left it).
// False when no such scan runs.
func (s *Station) preemptRestScan(next func()) bool {
	if !s.restScan {
		return false
	}
	s.abortRestScan("a connect, scan or roam waiting")
	s.whenScanEnds(next)
	return true
}

// whenScanEnds runs next once the running scan has ended (its results
// taken), after whatever waited for it before.
func (s *Station) whenScanEnds(next func()) {
	if prev := s.afterAbort; prev != nil {
		s.afterAbort = func() { prev(); next() }
	} else {
		s.afterAbort = next
	}
}

// roamToBandLeft runs after the scan of the bands left for later: the
// connected network's best BSS found there, if it ranks above the
// connected BSS and is usable, is roamed to.
func (s *Station) roamToBandLeft() {
	c := s.conn
	if c == nil || !c.configured || s.attempt != nil || s.roam.scanning || s.asleep {
		return
	}
	now := s.now()
	var best *BSS
	for _, b := range c.network.BSSes {
		switch {
		case b.Missed || string(b.Addr) == string(c.bss.Addr) || b.Rank <= c.bss.Rank:
		case best != nil && b.Rank <= best.Rank:
		case s.roamUsable(c, b, now):
			best = b
		}
	}
	if best == nil {
		return
	}
	s.log.Info("a better BSS on a band scanned after the connect", "network", c.network.SSID,
		"rank", best.Rank, "current_rank", c.bss.Rank, "bssid", best.Addr.String(), "freq", best.Freq)
	tl := s.newTimeline(kindRoam.String(), c.network.SSID)
	tl.BSSID = c.bss.Addr.String()
	s.startRoam(best, tl)
}
