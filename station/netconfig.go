package station

import (
	"context"
)

// startNetconfig asks the IPConfigurator for an address; the connection
// counts as fully up (timeline finished) once one is in place.
func (s *Station) startNetconfig(ctx context.Context, c *connection, tl *Timeline) {
	tl.Begin(PhaseNetconfig)
	req := IPRequest{Ifindex: s.cfg.Ifindex, Ifname: s.cfg.Ifname, MAC: s.cfg.MAC, NetworkPathID: c.network.ID()}
	if c.network.Known != nil {
		st := c.network.Known.Settings
		req.Settings = &st
	}
	events, stop, err := s.cfg.IP.Configure(ctx, req)
	if err != nil {
		// Refused at once (an interface gone, a bad static setting):
		// the same end as a netconfig that fails later.
		s.onIPEvent(c, tl, IPEvent{Kind: IPFailed, Err: err})
		return
	}
	c.ipStop = stop
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for ev := range events {
			ev := ev
			select {
			case s.done <- func() { s.onIPEvent(c, tl, ev) }:
			case <-s.stop:
				return
			}
		}
	}()
}

func (s *Station) onIPEvent(c *connection, tl *Timeline, ev IPEvent) {
	if s.conn != c {
		return
	}
	switch ev.Kind {
	case IPConfigured:
		c.address = ev.Address
		tl.DoneAt(ev.Detail, ev.At)
		if tl.Outcome == "" {
			tl.FinishAt("connected", ev.At)
		}
		s.log.Info("connected", "network", c.network.SSID, "address", ev.Address, "timeline", tl.String())
		s.event("netconfig-done", ev.Address)
		if !c.configured {
			s.linkUp(c)
		}
	case IPRenewed:
		c.address = ev.Address
		s.log.Info("lease renewed", "address", ev.Address)
	case IPLost:
		c.address = ""
		s.log.Warn("address lost", "err", ev.Err)
	case IPFailed:
		s.log.Warn("netconfig failed", "err", ev.Err)
		s.event("netconfig-failed", errString(ev.Err))
		if !c.configured {
			// As iwd: no address, no connection.
			if tl.Outcome == "" {
				tl.Finish("failed: netconfig: " + errString(ev.Err))
			}
			s.teardownConnection("netconfig failed", true)
			s.setState(Disconnected, "netconfig failed")
			s.startAutoconnect("netconfig failed")
			return
		}
	}
	s.publish()
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
