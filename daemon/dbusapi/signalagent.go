package dbusapi

import (
	"context"

	"github.com/godbus/dbus/v5"
)

// Station.RegisterSignalLevelAgent: one net.connman.iwd.SignalLevelAgent per
// station, told with Changed(device, level) whenever the RSSI crosses one of
// its thresholds; forgotten when its owner leaves the bus.

type signalAgent struct {
	owner string
	path  dbus.ObjectPath
}

func (s *Server) registerSignalAgent(msg dbus.Message, st *station, path dbus.ObjectPath, levels []int16) error {
	s.mu.Lock()
	taken := st.signalAgent != nil
	s.mu.Unlock()
	if taken {
		return ErrAlreadyExists
	}
	if len(levels) < 1 || len(levels) > 16 || !path.IsValid() {
		return ErrInvalidArguments
	}
	l8 := make([]int8, len(levels))
	for i, l := range levels {
		if l > 127 || l < -127 {
			return ErrInvalidArguments
		}
		l8[i] = int8(l)
	}
	sl, ok := st.backend.(SignalLevelBackend)
	if !ok {
		return ErrNotSupported
	}
	ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
	defer cancel()
	if err := sl.SetSignalLevels(ctx, l8); err != nil {
		if ToIWDError(err) == ErrNotSupported {
			return ErrNotSupported
		}
		return ErrFailed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.signalAgent != nil {
		return ErrAlreadyExists
	}
	st.signalAgent = &signalAgent{owner: msgSender(msg), path: path}
	return nil
}

func (s *Server) unregisterSignalAgent(msg dbus.Message, st *station, path dbus.ObjectPath) error {
	s.mu.Lock()
	a := st.signalAgent
	if a == nil {
		s.mu.Unlock()
		return ErrFailed
	}
	if a.path != path || a.owner != msgSender(msg) {
		s.mu.Unlock()
		return ErrNotFound
	}
	st.signalAgent = nil
	s.mu.Unlock()
	if sl, ok := st.backend.(SignalLevelBackend); ok {
		ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
		defer cancel()
		sl.SetSignalLevels(ctx, nil)
	}
	return nil
}

// SignalLevelChanged tells a station's signal level agent, if any, that the
// RSSI is now in range level (0 strongest, len(levels) weakest). The backend
// calls it on each crossing and right after the agent registered while
// connected.
func (s *Server) SignalLevelChanged(ifindex uint32, level uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[ifindex]
	if !ok || dev.station == nil || dev.station.signalAgent == nil {
		return
	}
	s.sendSignalAgent(dev.station.signalAgent, "Changed", dev.path, level)
}

// sendSignalAgent calls a no-reply method on the agent; s.mu held.
func (s *Server) sendSignalAgent(a *signalAgent, member string, args ...any) {
	if s.conn == nil {
		return
	}
	s.conn.Object(a.owner, a.path).Go(SignalLevelAgentInterface+"."+member, dbus.FlagNoReplyExpected, nil, args...)
}

func (s *Server) signalAgentVanished(owner string) {
	var stop []func(context.Context)
	s.mu.Lock()
	for _, dev := range s.devices {
		if st := dev.station; st != nil && st.signalAgent != nil && st.signalAgent.owner == owner {
			st.signalAgent = nil
			if sl, ok := st.backend.(SignalLevelBackend); ok {
				stop = append(stop, func(ctx context.Context) { sl.SetSignalLevels(ctx, nil) })
			}
		}
	}
	base := s.ctx
	s.mu.Unlock()
	s.detached(base, stop)
}

// detached runs each call in a goroutine of its own with a method call's
// timeout: the backend told that a client left the bus, after s.mu (base
// is s.ctx, read under it).
func (s *Server) detached(base context.Context, calls []func(context.Context)) {
	for _, call := range calls {
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(base), s.cfg.MethodTimeout)
			defer cancel()
			call(ctx)
		}()
	}
}

func (s *Server) releaseSignalAgents() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, dev := range s.devices {
		if st := dev.station; st != nil && st.signalAgent != nil {
			s.sendSignalAgent(st.signalAgent, "Release", dev.path)
			st.signalAgent = nil
		}
	}
}
