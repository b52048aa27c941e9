package dbusapi

import (
	"net"

	"github.com/godbus/dbus/v5"
)

// net.connman.iwd.StationDebug, present in developer mode (-E) only.

func (s *Server) debugBackend(msg dbus.Message) (*station, DebugBackend, *dbus.Error) {
	st, derr := s.stationAt(msg, StationDebugInterface)
	if derr != nil {
		return nil, nil, derr
	}
	dbg, ok := st.backend.(DebugBackend)
	if !ok {
		return nil, nil, ErrNotSupported.dbus()
	}
	return st, dbg, nil
}

func (s *Server) debugMethods() map[string]any {
	return map[string]any{
		"ConnectBssid": func(msg dbus.Message, mac []byte) *dbus.Error {
			_, dbg, derr := s.debugBackend(msg)
			if derr != nil {
				return derr
			}
			if len(mac) != 6 {
				return ErrInvalidArguments.dbus()
			}
			ctx, cancel := s.callContext(msg, s.cfg.ConnectTimeout)
			defer cancel()
			return toDBus(dbg.ConnectBSSID(ctx, net.HardwareAddr(mac)))
		},
		"Roam": func(msg dbus.Message, mac []byte) *dbus.Error {
			st, dbg, derr := s.debugBackend(msg)
			if derr != nil {
				return derr
			}
			if len(mac) != 6 {
				return ErrInvalidArguments.dbus()
			}
			s.mu.Lock()
			connected := st.state.Connected != nil
			s.mu.Unlock()
			if !connected {
				return ErrNotConnected.dbus()
			}
			ctx, cancel := s.callContext(msg, s.cfg.ConnectTimeout)
			defer cancel()
			return toDBus(dbg.Roam(ctx, net.HardwareAddr(mac)))
		},
		"Scan": func(msg dbus.Message, freqs []uint16) *dbus.Error {
			_, dbg, derr := s.debugBackend(msg)
			if derr != nil {
				return derr
			}
			ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
			defer cancel()
			return toDBus(dbg.ScanFrequencies(ctx, freqs))
		},
		"GetNetworks": func(msg dbus.Message) (map[dbus.ObjectPath][]map[string]dbus.Variant, *dbus.Error) {
			st, derr := s.stationAt(msg, StationDebugInterface)
			if derr != nil {
				return nil, derr
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			out := make(map[dbus.ObjectPath][]map[string]dbus.Variant, len(st.networks))
			for _, n := range st.networks {
				list := make([]map[string]dbus.Variant, 0, len(n.info.BSS))
				for _, b := range n.info.BSS {
					mde := make([]byte, 3)
					copy(mde, b.MDE)
					list = append(list, map[string]dbus.Variant{
						"Frequency": dbus.MakeVariant(b.Frequency),
						"RSSI":      dbus.MakeVariant(b.RSSI),
						"Rank":      dbus.MakeVariant(b.Rank),
						"Address":   dbus.MakeVariant(formatMAC(b.Address)),
						"MDE":       dbus.MakeVariant(mde),
					})
				}
				out[n.path] = list
			}
			return out, nil
		},
	}
}

// DebugEvent sends StationDebug.Event(name, data) from a station's device,
// in developer mode only (as iwd's station_debug_event). data values are
// wrapped in variants.
func (s *Server) DebugEvent(ifindex uint32, name string, data ...any) {
	if !s.cfg.Developer {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[ifindex]
	if !ok || dev.station == nil {
		return
	}
	vs := make([]dbus.Variant, 0, len(data))
	for _, d := range data {
		vs = append(vs, dbus.MakeVariant(d))
	}
	s.emit(dev.path, StationDebugInterface+".Event", name, vs)
}
