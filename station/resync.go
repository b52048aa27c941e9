package station

import (
	"context"
	"time"
)

// checkAfter says why a link is checked with the kernel.
type checkAfter uint8

const (
	afterSleep      checkAfter = iota // the system resumed
	afterLostEvents                   // nl80211 events never reached the station
)

func (w checkAfter) String() string {
	if w == afterSleep {
		return "sleep"
	}
	return "lost nl80211 events"
}

// EventsLost tells the station that some of its nl80211 events never
// reached it (the kernel's socket overran, or the daemon's queue to the
// station was full). The nl80211 package leaves resynchronising to its
// consumers: a connected station asks the kernel whether its AP is still
// there (if not, the link went while the news was lost, and it is handled
// as a loss), and an idle, autoconnecting one scans again.
func (s *Station) EventsLost(ctx context.Context) error {
	return s.call(ctx, func() {
		s.log.Warn("nl80211 events lost: checking", "state", s.state.String())
		switch c := s.conn; {
		case c != nil && s.attempt == nil:
			s.checkLink(c, afterLostEvents)
		case s.state.Autoconnecting() && !s.scanning && s.attempt == nil:
			s.stopPeriodicScan()
			s.startScan(nil, "nl80211 events lost")
		}
	})
}

// checkLink asks the kernel, in the background, whether connection c's
// BSS is still our AP.
func (s *Station) checkLink(c *connection, after checkAfter) {
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(s.ctx, linkCheckTimeout)
		defer cancel()
		_, err := s.cfg.Kernel.Station(ctx, s.cfg.Ifindex, c.bss.Addr)
		return func() { s.linkChecked(c, err, after) }
	})
}

// linkChecked: the kernel's answer whether connection c's BSS is still
// our AP. After a sleep, a link still up has its lease confirmed.
func (s *Station) linkChecked(c *connection, err error, after checkAfter) {
	if s.conn != c {
		return // gone meanwhile (a disconnect event came)
	}
	if err != nil {
		why := "link lost during " + after.String()
		s.log.Info(why, "network", c.network.SSID, "bssid", c.bss.Addr.String(), "err", err)
		s.event("disconnected", why)
		s.connectionLost(c)
		s.teardownConnection(why, true)
		s.lastScan = time.Time{}
		s.setState(Disconnected, why)
		s.startAutoconnect("link lost")
		return
	}
	if after != afterSleep {
		s.log.Info("still associated after "+after.String(), "network", c.network.SSID, "bssid", c.bss.Addr.String())
		return
	}
	lc, ok := s.cfg.IP.(LeaseConfirmer)
	s.log.Info("resumed: still associated", "network", c.network.SSID, "bssid", c.bss.Addr.String(),
		"confirming_lease", ok && c.ipStop != nil)
	if ok && c.ipStop != nil {
		lc.ConfirmLease(s.cfg.Ifindex)
	}
}
