package dbusapi

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

type adapter struct {
	info    Adapter
	backend AdapterBackend
}

// AdapterPath is a wiphy's object path, as iwd's wiphy_get_path.
func AdapterPath(wiphy uint32) dbus.ObjectPath {
	return dbus.ObjectPath(fmt.Sprintf("%s/%d", BasePath, wiphy))
}

func (a Adapter) props() map[string]dbus.Variant {
	modes := a.SupportedModes
	if modes == nil {
		modes = []string{}
	}
	p := map[string]dbus.Variant{
		"Powered":        dbus.MakeVariant(a.Powered),
		"Name":           dbus.MakeVariant(a.Name),
		"SupportedModes": dbus.MakeVariant(modes),
	}
	if a.Model != "" {
		p["Model"] = dbus.MakeVariant(a.Model)
	}
	if a.Vendor != "" {
		p["Vendor"] = dbus.MakeVariant(a.Vendor)
	}
	return p
}

// AddAdapter publishes a wiphy (InterfacesAdded) and returns its path.
// Adding one that exists updates it.
func (s *Server) AddAdapter(a Adapter, backend AdapterBackend) dbus.ObjectPath {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := AdapterPath(a.Wiphy)
	ad := &adapter{info: a, backend: backend}
	s.adapters[a.Wiphy] = ad
	s.tree.Add(path, AdapterInterface, a.props(), func(ctx context.Context, name string, v dbus.Variant) error {
		on, _ := v.Value().(bool)
		if backend == nil {
			return ErrNotSupported
		}
		return backend.SetPowered(ctx, on)
	})
	return path
}

// UpdateAdapter publishes new adapter state; only changed properties are
// signalled.
func (s *Server) UpdateAdapter(a Adapter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ad, ok := s.adapters[a.Wiphy]
	if !ok {
		return errorf("UpdateAdapter: no adapter for wiphy %d", a.Wiphy)
	}
	ad.info = a
	s.tree.Set(AdapterPath(a.Wiphy), AdapterInterface, a.props())
	return nil
}

// RemoveAdapter withdraws a wiphy. Remove its devices first.
func (s *Server) RemoveAdapter(wiphy uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.adapters[wiphy]; !ok {
		return
	}
	delete(s.adapters, wiphy)
	s.tree.RemoveObject(AdapterPath(wiphy))
}
