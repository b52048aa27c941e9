package dbusapi

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

type device struct {
	info    Device
	path    dbus.ObjectPath
	backend DeviceBackend
	station *station // nil unless the Station interface is up
}

// DevicePath is an interface's object path, as iwd's netdev_get_path.
func DevicePath(wiphy, ifindex uint32) dbus.ObjectPath {
	return dbus.ObjectPath(fmt.Sprintf("%s/%d/%d", BasePath, wiphy, ifindex))
}

func (d Device) props() map[string]dbus.Variant {
	mode := d.Mode
	if mode == "" {
		mode = "unknown"
	}
	return map[string]dbus.Variant{
		"Name":    dbus.MakeVariant(d.Name),
		"Address": dbus.MakeVariant(formatMAC(d.Address)),
		"Powered": dbus.MakeVariant(d.Powered),
		"Adapter": dbus.MakeVariant(AdapterPath(d.Wiphy)),
		"Mode":    dbus.MakeVariant(mode),
	}
}

// formatMAC writes an address as iwd's util_address_to_string: lower case.
func formatMAC(a []byte) string {
	if len(a) != 6 {
		return "00:00:00:00:00:00"
	}
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
}

// AddDevice publishes an interface (Device and its Properties) and returns
// its path. Adding one that exists updates it.
func (s *Server) AddDevice(d Device, backend DeviceBackend) dbus.ObjectPath {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := DevicePath(d.Wiphy, d.Ifindex)
	dev, ok := s.devices[d.Ifindex]
	if !ok {
		dev = &device{path: path}
		s.devices[d.Ifindex] = dev
	}
	dev.info, dev.backend = d, backend
	s.tree.Add(path, DeviceInterface, d.props(), func(ctx context.Context, name string, v dbus.Variant) error {
		if backend == nil {
			return ErrNotSupported
		}
		switch name {
		case "Powered":
			return backend.SetPowered(ctx, v.Value().(bool))
		case "Mode":
			mode := v.Value().(string)
			switch mode {
			case "station", "ap", "ad-hoc":
				return backend.SetMode(ctx, mode)
			}
			return ErrInvalidArguments
		}
		return errReadOnly
	})
	return path
}

// UpdateDevice publishes new device state.
func (s *Server) UpdateDevice(d Device) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[d.Ifindex]
	if !ok {
		return errorf("UpdateDevice: no device with ifindex %d", d.Ifindex)
	}
	dev.info = d
	s.tree.Set(dev.path, DeviceInterface, d.props())
	return nil
}

// RemoveDevice withdraws an interface with its station and networks.
func (s *Server) RemoveDevice(ifindex uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[ifindex]
	if !ok {
		return
	}
	if dev.station != nil {
		s.removeStationLocked(dev)
	}
	delete(s.devices, ifindex)
	s.tree.RemoveObject(dev.path)
}

// DevicePathOf returns the path of a published interface.
func (s *Server) DevicePathOf(ifindex uint32) (dbus.ObjectPath, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev, ok := s.devices[ifindex]
	if !ok {
		return "", false
	}
	return dev.path, true
}
