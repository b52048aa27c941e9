package dbusapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
)

type knownNetwork struct {
	path dbus.ObjectPath
	info KnownNetwork
}

// KnownNetworkPath is a known network's object path, as iwd's: the SSID in
// lower-case hex and the type, below BasePath. A Hotspot 2.0 profile has no
// SSID: its path is the start of a SHA-256 of the daemon's name for it
// and "_hotspot", the shape of iwd's.
func KnownNetworkPath(id NetworkID) dbus.ObjectPath {
	if id.Type == TypeHotspot {
		sum := sha256.Sum256([]byte(id.SSID))
		return BasePath + "/" + dbus.ObjectPath(hex.EncodeToString(sum[:8])+"_"+id.Type)
	}
	return BasePath + "/" + dbus.ObjectPath(hex.EncodeToString([]byte(id.SSID))+"_"+id.Type)
}

func (k KnownNetwork) props() map[string]dbus.Variant {
	name := k.Name
	if name == "" {
		name = k.SSID
	}
	p := map[string]dbus.Variant{
		"Name":        dbus.MakeVariant(name),
		"Type":        dbus.MakeVariant(k.Type),
		"Hidden":      dbus.MakeVariant(k.Hidden),
		"AutoConnect": dbus.MakeVariant(k.AutoConnect),
	}
	if !k.LastConnected.IsZero() {
		// iwd: strftime("%FT%TZ") of the UTC time.
		p["LastConnectedTime"] = dbus.MakeVariant(k.LastConnected.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return p
}

// SetKnownNetworksBackend names the store that Forget and AutoConnect
// writes go to.
func (s *Server) SetKnownNetworksBackend(b KnownNetworksBackend) {
	s.mu.Lock()
	s.knownBE = b
	s.mu.Unlock()
}

// AddKnownNetwork publishes a known network (or updates one that is there)
// and sets KnownNetwork on the matching networks of every station.
func (s *Server) AddKnownNetwork(k KnownNetwork) (dbus.ObjectPath, error) {
	switch {
	case k.Type == TypeHotspot:
		if k.SSID == "" || k.Name == "" || !utf8.ValidString(k.Name) {
			return "", errorf("AddKnownNetwork: hotspot %x has no publishable name", k.SSID)
		}
	case k.SSID == "" || len(k.SSID) > 32 || !utf8.ValidString(k.SSID):
		return "", errorf("AddKnownNetwork: SSID %x is not a publishable SSID", k.SSID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	path := KnownNetworkPath(k.NetworkID)
	if kn, ok := s.known[k.NetworkID]; ok {
		kn.info = k
		s.tree.Set(path, KnownNetworkInterface, k.props())
		return path, nil
	}
	id := k.NetworkID
	s.known[id] = &knownNetwork{path: path, info: k}
	s.tree.Add(path, KnownNetworkInterface, k.props(), func(ctx context.Context, _ string, v dbus.Variant) error {
		s.mu.Lock()
		be := s.knownBE
		s.mu.Unlock()
		if be == nil {
			return ErrNotSupported
		}
		return be.SetAutoConnect(ctx, id, v.Value().(bool))
	})
	s.refreshNetworks(id)
	return path, nil
}

// UpdateKnownNetwork is AddKnownNetwork for one that is published.
func (s *Server) UpdateKnownNetwork(k KnownNetwork) error {
	s.mu.Lock()
	_, ok := s.known[k.NetworkID]
	s.mu.Unlock()
	if !ok {
		return errorf("UpdateKnownNetwork: %q (%s) is not published", k.SSID, k.Type)
	}
	_, err := s.AddKnownNetwork(k)
	return err
}

// RemoveKnownNetwork withdraws a known network (after Forget, or when its
// file goes) and clears KnownNetwork on the matching networks.
func (s *Server) RemoveKnownNetwork(id NetworkID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kn, ok := s.known[id]
	if !ok {
		return
	}
	delete(s.known, id)
	s.tree.RemoveObject(kn.path)
	s.refreshNetworks(id)
}

// refreshNetworks re-publishes the networks with this id; s.mu held.
func (s *Server) refreshNetworks(id NetworkID) {
	for _, dev := range s.devices {
		if st := dev.station; st != nil {
			if n, ok := st.byID[id]; ok {
				s.tree.Set(n.path, NetworkInterface, s.networkProps(st, n))
			}
			if id.Type != TypeHotspot {
				continue
			}
			for _, n := range st.byID {
				if n.info.Hotspot != nil && *n.info.Hotspot == id {
					s.tree.Set(n.path, NetworkInterface, s.networkProps(st, n))
				}
			}
		}
	}
}

func (s *Server) knownNetworkMethods() map[string]any {
	return map[string]any{
		"Forget": func(msg dbus.Message) *dbus.Error {
			path, derr := s.lookup(msg, KnownNetworkInterface)
			if derr != nil {
				return derr
			}
			s.mu.Lock()
			be := s.knownBE
			var id NetworkID
			found := false
			for kid, kn := range s.known {
				if kn.path == path {
					id, found = kid, true
				}
			}
			s.mu.Unlock()
			if !found {
				return errUnknownObject.dbus()
			}
			if be == nil {
				return ErrNotSupported.dbus()
			}
			ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
			defer cancel()
			return toDBus(be.Forget(ctx, id))
		},
	}
}

// ParseLastConnectedTime reads KnownNetwork.LastConnectedTime.
func ParseLastConnectedTime(v string) (time.Time, error) {
	return time.Parse("2006-01-02T15:04:05Z", v)
}
