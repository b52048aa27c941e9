package dbusapi

import (
	"context"
	"encoding/hex"
	"net"
	"slices"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
)

type station struct {
	dev         *device
	backend     StationBackend
	state       StationState
	networks    []*network // in the published order
	byID        map[NetworkID]*network
	hidden      []HiddenAccessPoint
	diagnostic  bool // StationDiagnostic is up
	signalAgent *signalAgent
	// affinityOwner is the bus name that set Station.Affinities: the only
	// one that may change it, and its leaving the bus clears it.
	affinityOwner string
}

type network struct {
	path dbus.ObjectPath
	info Network
	bss  []dbus.ObjectPath // its BasicServiceSet objects, in info.BSS's order
}

// BSSPath is a BSS's object path below its network, as iwd 3.x's: the
// address in lower-case hex without separators.
func BSSPath(network dbus.ObjectPath, addr net.HardwareAddr) dbus.ObjectPath {
	return network + "/" + dbus.ObjectPath(hex.EncodeToString(addr))
}

// NetworkPath is a network's object path below its device, as iwd's:
// the SSID in lower-case hex, an underscore, the type.
func NetworkPath(device dbus.ObjectPath, id NetworkID) dbus.ObjectPath {
	return device + "/" + dbus.ObjectPath(hex.EncodeToString([]byte(id.SSID))+"_"+id.Type)
}

func (st *station) props() map[string]dbus.Variant {
	p := map[string]dbus.Variant{
		"State":    dbus.MakeVariant(st.state.State),
		"Scanning": dbus.MakeVariant(st.state.Scanning),
	}
	if c := st.state.Connected; c != nil {
		p["ConnectedNetwork"] = dbus.MakeVariant(NetworkPath(st.dev.path, *c))
		aff := []dbus.ObjectPath{}
		if ap := st.state.AccessPoint; len(ap) == 6 {
			p["ConnectedAccessPoint"] = dbus.MakeVariant(BSSPath(NetworkPath(st.dev.path, *c), ap))
			if st.state.Affinity {
				aff = append(aff, BSSPath(NetworkPath(st.dev.path, *c), ap))
			}
		}
		p["Affinities"] = dbus.MakeVariant(aff)
	}
	return p
}

// setAffinities is Station.Affinities' Set, as iwd 3.x's: at most one
// path, the connected BSS's; one client manages it, and its leaving the
// bus clears it.
func (s *Server) setAffinities(ctx context.Context, st *station, v dbus.Variant) error {
	paths, _ := v.Value().([]dbus.ObjectPath)
	be, ok := st.backend.(AffinityBackend)
	if !ok {
		return ErrNotSupported
	}
	caller := CallerFromContext(ctx)
	s.mu.Lock()
	state, owner := st.state, st.affinityOwner
	s.mu.Unlock()
	switch {
	case state.Connected == nil || len(state.AccessPoint) != 6:
		return ErrNotConnected
	case owner != "" && owner != caller:
		return ErrPermissionDenied
	case len(paths) > 1:
		return ErrInvalidArguments
	case len(paths) == 1 && paths[0] != BSSPath(NetworkPath(st.dev.path, *state.Connected), state.AccessPoint):
		return ErrInvalidArguments
	}
	var bssid net.HardwareAddr
	if len(paths) == 1 {
		bssid = state.AccessPoint
	}
	if err := be.SetAffinity(ctx, bssid); err != nil {
		return err
	}
	s.mu.Lock()
	if bssid != nil {
		st.affinityOwner = caller
	} else {
		st.affinityOwner = ""
	}
	s.mu.Unlock()
	return nil
}

// affinityOwnerVanished clears the affinities a client that left the bus
// had set.
func (s *Server) affinityOwnerVanished(name string) {
	var clear []func(context.Context)
	s.mu.Lock()
	for _, dev := range s.devices {
		if st := dev.station; st != nil && st.affinityOwner == name {
			st.affinityOwner = ""
			if be, ok := st.backend.(AffinityBackend); ok {
				clear = append(clear, func(ctx context.Context) { be.SetAffinity(ctx, nil) })
			}
		}
	}
	base := s.ctx
	s.mu.Unlock()
	s.detached(base, clear)
}

func (st *station) debugProps() map[string]dbus.Variant {
	return map[string]dbus.Variant{"AutoConnect": dbus.MakeVariant(st.state.AutoConnect)}
}

func (st *station) isConnected(id NetworkID) bool {
	return st.state.Connected != nil && *st.state.Connected == id
}

// networkProps: Connected follows the station's ConnectedNetwork and
// KnownNetwork the known networks, so the daemon publishes neither.
func (s *Server) networkProps(st *station, n *network) map[string]dbus.Variant {
	p := map[string]dbus.Variant{
		"Name":      dbus.MakeVariant(n.info.SSID),
		"Connected": dbus.MakeVariant(st.isConnected(n.info.NetworkID)),
		"Device":    dbus.MakeVariant(st.dev.path),
		"Type":      dbus.MakeVariant(n.info.Type),
		// As iwd 3.x: one BasicServiceSet object per BSS.
		"ExtendedServiceSet": dbus.MakeVariant(append([]dbus.ObjectPath{}, n.bss...)),
	}
	kid := n.info.NetworkID
	if n.info.Hotspot != nil {
		kid = *n.info.Hotspot
	}
	if _, ok := s.known[kid]; ok {
		p["KnownNetwork"] = dbus.MakeVariant(KnownNetworkPath(kid))
	}
	return p
}

// AddStation puts the Station interface (and StationDebug in developer mode)
// on a published device.
func (s *Server) AddStation(ifindex uint32, state StationState, backend StationBackend) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[ifindex]
	if !ok {
		return errorf("AddStation: no device with ifindex %d", ifindex)
	}
	if dev.station != nil {
		return errorf("AddStation: ifindex %d already has a station", ifindex)
	}
	st := &station{dev: dev, backend: backend, state: state, byID: map[NetworkID]*network{}}
	dev.station = st
	s.tree.Add(dev.path, StationInterface, st.props(), func(ctx context.Context, name string, v dbus.Variant) error {
		if name != "Affinities" {
			return ErrNotSupported
		}
		return s.setAffinities(ctx, st, v)
	})
	s.tree.Add(dev.path, WifidStationInterface, st.wifidProps(), nil)
	if s.cfg.Developer {
		s.tree.Add(dev.path, StationDebugInterface, st.debugProps(), func(ctx context.Context, _ string, v dbus.Variant) error {
			dbg, ok := backend.(DebugBackend)
			if !ok {
				return ErrNotSupported
			}
			return dbg.SetAutoConnect(ctx, v.Value().(bool))
		})
	}
	s.updateDiagnostic(st)
	return nil
}

// UpdateStation publishes a station's new state: Station's State, Scanning
// and ConnectedNetwork, wifid's LastConnect, the Connected property of the networks concerned,
// StationDiagnostic (up while connected) and StationDebug.AutoConnect.
// Publish scan results (SetNetworks) before clearing Scanning, as iwd does.
func (s *Server) UpdateStation(ifindex uint32, state StationState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.stationByIndex(ifindex)
	if err != nil {
		return err
	}
	old := st.state.Connected
	if state.Connected != nil {
		c := *state.Connected
		state.Connected = &c
	}
	state.AccessPoint = slices.Clone(state.AccessPoint)
	if state.LastConnect != nil {
		lc := *state.LastConnect
		lc.Phases = append([]ConnectPhase(nil), lc.Phases...)
		state.LastConnect = &lc
	}
	if !state.Affinity {
		st.affinityOwner = "" // a roam or the connection's end cleared it
	}
	st.state = state
	// The timeline first: a client that follows State then finds the
	// record of the attempt that ended in it.
	s.tree.Set(st.dev.path, WifidStationInterface, st.wifidProps())
	s.tree.Set(st.dev.path, StationInterface, st.props())
	for _, id := range []*NetworkID{old, state.Connected} {
		if id == nil {
			continue
		}
		if n, ok := st.byID[*id]; ok {
			s.tree.Set(n.path, NetworkInterface, s.networkProps(st, n))
		}
	}
	if s.cfg.Developer {
		s.tree.Set(st.dev.path, StationDebugInterface, st.debugProps())
	}
	s.updateDiagnostic(st)
	return nil
}

func (s *Server) updateDiagnostic(st *station) {
	want := st.state.Connected != nil &&
		(st.state.State == StateConnected || (st.diagnostic && st.state.State == StateRoaming))
	if want == st.diagnostic {
		return
	}
	st.diagnostic = want
	if want {
		s.tree.Add(st.dev.path, StationDiagnosticInterface, nil, nil)
	} else {
		s.tree.Remove(st.dev.path, StationDiagnosticInterface)
	}
}

// RemoveStation takes Station (and its networks) off a device, as when the
// device leaves station mode or goes down.
func (s *Server) RemoveStation(ifindex uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dev, ok := s.devices[ifindex]; ok && dev.station != nil {
		s.removeStationLocked(dev)
	}
}

func (s *Server) removeStationLocked(dev *device) {
	st := dev.station
	for _, n := range st.networks {
		s.tree.RemoveObject(n.path)
	}
	if st.signalAgent != nil {
		s.sendSignalAgent(st.signalAgent, "Release", dev.path)
		st.signalAgent = nil
	}
	if st.diagnostic {
		s.tree.Remove(dev.path, StationDiagnosticInterface)
	}
	if s.cfg.Developer {
		s.tree.Remove(dev.path, StationDebugInterface)
	}
	s.tree.Remove(dev.path, WifidStationInterface)
	s.tree.Remove(dev.path, StationInterface)
	dev.station = nil
}

// SetNetworks publishes a station's scan results in iwd's order: networks
// that are new appear (InterfacesAdded), gone ones disappear
// (InterfacesRemoved), the rest keep their objects. GetOrderedNetworks,
// GetHiddenAccessPoints and StationDebug.GetNetworks answer from this list.
// Networks whose SSID is empty, longer than 32 octets or not UTF-8 are left
// out (D-Bus strings are UTF-8; iwd leaves them out too).
func (s *Server) SetNetworks(ifindex uint32, networks []Network, hidden []HiddenAccessPoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.stationByIndex(ifindex)
	if err != nil {
		return err
	}
	next := make([]*network, 0, len(networks))
	byID := make(map[NetworkID]*network, len(networks))
	for _, nw := range networks {
		if nw.SSID == "" || len(nw.SSID) > 32 || !utf8.ValidString(nw.SSID) {
			s.log.Debug("dbus: network not published", "ssid", hex.EncodeToString([]byte(nw.SSID)))
			continue
		}
		if _, dup := byID[nw.NetworkID]; dup {
			continue
		}
		n := &network{path: NetworkPath(st.dev.path, nw.NetworkID), info: nw}
		for _, b := range nw.BSS {
			if p := BSSPath(n.path, b.Address); len(b.Address) == 6 && !slices.Contains(n.bss, p) {
				n.bss = append(n.bss, p)
			}
		}
		byID[nw.NetworkID] = n
		next = append(next, n)
	}
	// The BasicServiceSet objects first: a network's ExtendedServiceSet
	// names only objects that exist.
	had := map[dbus.ObjectPath]bool{}
	for _, n := range st.networks {
		for _, p := range n.bss {
			had[p] = true
		}
	}
	for _, n := range next {
		for _, b := range n.info.BSS {
			p := BSSPath(n.path, b.Address)
			if len(b.Address) != 6 || !had[p] && s.tree.Has(p) {
				continue // not a BSS, or added above (listed twice)
			}
			if had[p] {
				delete(had, p)
				continue
			}
			s.tree.Add(p, BSSInterface, map[string]dbus.Variant{"Address": dbus.MakeVariant(b.Address.String())}, nil)
		}
	}
	for p := range had {
		s.tree.RemoveObject(p)
	}
	for _, n := range st.networks {
		if _, kept := byID[n.info.NetworkID]; !kept {
			s.tree.RemoveObject(n.path)
		}
	}
	for _, n := range next {
		if _, existed := st.byID[n.info.NetworkID]; existed {
			s.tree.Set(n.path, NetworkInterface, s.networkProps(st, n))
		} else {
			s.tree.Add(n.path, NetworkInterface, s.networkProps(st, n), nil)
		}
	}
	st.networks, st.byID = next, byID
	st.hidden = append([]HiddenAccessPoint(nil), hidden...)
	return nil
}

// NetworkPathOf returns the object path of a network of a station, as the
// agent requests name it.
func (s *Server) NetworkPathOf(ifindex uint32, id NetworkID) (dbus.ObjectPath, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[ifindex]
	if !ok {
		return "", false
	}
	return NetworkPath(dev.path, id), true
}

func (s *Server) stationByIndex(ifindex uint32) (*station, error) {
	dev, ok := s.devices[ifindex]
	if !ok {
		return nil, errorf("no device with ifindex %d", ifindex)
	}
	if dev.station == nil {
		return nil, errorf("device %s (ifindex %d) has no station", dev.info.Name, ifindex)
	}
	return dev.station, nil
}

// stationAt finds the station of the call's object.
func (s *Server) stationAt(msg dbus.Message, iface string) (*station, *dbus.Error) {
	path, derr := s.lookup(msg, iface)
	if derr != nil {
		return nil, derr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, dev := range s.devices {
		if dev.path == path && dev.station != nil {
			return dev.station, nil
		}
	}
	return nil, errUnknownObject.dbus()
}

type orderedNetwork struct {
	Path   dbus.ObjectPath
	Signal int16
}

type hiddenAP struct {
	Address string
	Signal  int16
	Type    string
}

func (s *Server) stationMethods() map[string]any {
	return map[string]any{
		"Scan": func(msg dbus.Message) *dbus.Error {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return derr
			}
			ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
			defer cancel()
			return toDBus(st.backend.Scan(ctx))
		},
		"Disconnect": func(msg dbus.Message) *dbus.Error {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return derr
			}
			ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
			defer cancel()
			return toDBus(st.backend.Disconnect(ctx))
		},
		"ConnectHiddenNetwork": func(msg dbus.Message, ssid string) *dbus.Error {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return derr
			}
			if ssid == "" || len(ssid) > 32 {
				return ErrInvalidArguments.dbus()
			}
			ctx, cancel := s.callContext(msg, s.cfg.ConnectTimeout)
			defer cancel()
			return toDBus(st.backend.ConnectHidden(ctx, ssid))
		},
		"GetOrderedNetworks": func(msg dbus.Message) ([]orderedNetwork, *dbus.Error) {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return nil, derr
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			out := make([]orderedNetwork, 0, len(st.networks))
			for _, n := range st.networks {
				out = append(out, orderedNetwork{n.path, n.info.Signal})
			}
			return out, nil
		},
		"GetHiddenAccessPoints": func(msg dbus.Message) ([]hiddenAP, *dbus.Error) {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return nil, derr
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			out := make([]hiddenAP, 0, len(st.hidden))
			for _, h := range st.hidden {
				out = append(out, hiddenAP{formatMAC(h.Address), h.Signal, h.Type})
			}
			return out, nil
		},
		"RegisterSignalLevelAgent": func(msg dbus.Message, path dbus.ObjectPath, levels []int16) *dbus.Error {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return derr
			}
			return toDBus(s.registerSignalAgent(msg, st, path, levels))
		},
		"UnregisterSignalLevelAgent": func(msg dbus.Message, path dbus.ObjectPath) *dbus.Error {
			st, derr := s.stationAt(msg, StationInterface)
			if derr != nil {
				return derr
			}
			return toDBus(s.unregisterSignalAgent(msg, st, path))
		},
	}
}

// Network

func (s *Server) networkMethods() map[string]any {
	return map[string]any{
		"Connect": func(msg dbus.Message) *dbus.Error {
			path, derr := s.lookup(msg, NetworkInterface)
			if derr != nil {
				return derr
			}
			s.mu.Lock()
			var st *station
			var id NetworkID
			for _, dev := range s.devices {
				if dev.station == nil {
					continue
				}
				for _, n := range dev.station.networks {
					if n.path == path {
						st, id = dev.station, n.info.NetworkID
					}
				}
			}
			already := st != nil && st.isConnected(id)
			s.mu.Unlock()
			if st == nil {
				return errUnknownObject.dbus()
			}
			if already {
				return nil // iwd: connecting to the connected network succeeds
			}
			ctx, cancel := s.callContext(msg, s.cfg.ConnectTimeout)
			defer cancel()
			return toDBus(st.backend.Connect(ctx, id))
		},
	}
}

// StationDiagnostic

func (s *Server) diagnosticMethods() map[string]any {
	return map[string]any{
		"GetDiagnostics": func(msg dbus.Message) (map[string]dbus.Variant, *dbus.Error) {
			st, derr := s.stationAt(msg, StationDiagnosticInterface)
			if derr != nil {
				return nil, derr
			}
			diag, ok := st.backend.(DiagnosticsBackend)
			if !ok {
				return nil, ErrNotSupported.dbus()
			}
			ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
			defer cancel()
			d, err := diag.Diagnostics(ctx)
			if err == nil && d == nil {
				err = ErrFailed
			}
			if err != nil {
				return nil, toDBus(err)
			}
			values := d.Dict()
			out := make(map[string]dbus.Variant, len(values))
			for k, v := range values {
				out[k] = dbus.MakeVariant(v)
			}
			return out, nil
		},
	}
}
