package station

import (
	"context"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Signal levels for a D-Bus SignalLevelAgent (iwd's
// Station.RegisterSignalLevelAgent): the agent gives thresholds in dBm,
// descending; the level is how many of them the RSSI is below (0 the
// strongest range). The kernel reports crossings when the connection
// quality monitor gets the thresholds as a list (with the roam threshold
// among them); the level is sent once right away and then on each change.

// SetSignalLevels sets the thresholds (nil: none) and arms the monitor.
func (s *Station) SetSignalLevels(ctx context.Context, levels []int8) error {
	for i := 1; i < len(levels); i++ {
		if levels[i] >= levels[i-1] {
			return ErrInvalidArgs // descending, as iwd asks
		}
	}
	if len(levels) > 0 && !s.cqmList() {
		return ErrNotSupported
	}
	return s.call(ctx, func() {
		s.levels = slices.Clone(levels)
		s.level = -1
		if c := s.conn; c != nil {
			s.armCQM(c)
			if len(s.levels) > 0 {
				s.refreshLevel(c)
			}
		}
	})
}

// cqmList: the radio takes a list of CQM thresholds.
func (s *Station) cqmList() bool {
	return s.cfg.Wiphy == nil || s.cfg.Wiphy.ExtFeatures.Has(unix.NL80211_EXT_FEATURE_CQM_RSSI_LIST)
}

// cqmThresholds is the list armCQM sets with signal levels: the levels and
// the roam threshold, ascending.
func (s *Station) cqmThresholds(roam int) []int32 {
	var th []int32
	for _, l := range s.levels {
		th = append(th, int32(l))
	}
	if !s.cfg.Roam.DisableScan {
		th = append(th, int32(roam))
	}
	slices.Sort(th)
	return slices.Compact(th)
}

// refreshLevel asks the kernel for the connection's signal now and sends
// the level (the agent hears it once right after registering).
func (s *Station) refreshLevel(c *connection) {
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(s.ctx, 3*time.Second)
		defer cancel()
		info, err := s.cfg.Kernel.Station(ctx, s.cfg.Ifindex, c.bss.Addr)
		return func() {
			if err != nil || s.conn != c || info == nil {
				return
			}
			switch {
			case info.HasSignalAvg:
				s.setLevel(int(info.SignalAvg), true)
			case info.HasSignal:
				s.setLevel(int(info.Signal), true)
			}
		}
	})
}

// setLevel computes the level of rssi and tells the agent when it changed
// (or always, with force).
func (s *Station) setLevel(rssi int, force bool) {
	if len(s.levels) == 0 {
		return
	}
	level := 0
	for _, l := range s.levels {
		if rssi < int(l) {
			level++
		}
	}
	if level == s.level && !force {
		return
	}
	s.level = level
	s.log.Debug("signal level", "dbm", rssi, "level", level)
	if f := s.cfg.OnSignalLevel; f != nil {
		s.out.post(func() { f(level) })
	}
}
