package dbusapi

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/godbus/dbus/v5"
)

// setter applies a write to one property of one interface instance; the new
// value shows once the backend publishes it, as in iwd.
type setter func(ctx context.Context, name string, v dbus.Variant) error

// instance is one interface on one object: its present properties (an
// optional property that is absent is simply not in the map) and the
// setter for its writable ones.
type instance struct {
	props map[string]dbus.Variant
	set   setter
}

// object is one path of the tree with its interfaces in the order they were
// added. org.freedesktop.DBus.Properties is implied (iwd adds it to every
// object it exports) and listed with the others.
type object struct {
	ifaces map[string]*instance
	order  []string
}

// The tree and the signals that describe its changes. All methods here are
// called with s.mu held, so signals leave in the order the changes happened.

func (s *Server) emit(path dbus.ObjectPath, name string, values ...any) {
	if s.conn == nil {
		return
	}
	if err := s.conn.Emit(path, name, values...); err != nil {
		s.log.Warn("dbus: emit failed", "path", path, "signal", name, "err", err)
	}
}

// addInterface puts iface on path (creating the object) and announces it
// with InterfacesAdded. Adding an interface that is there replaces its
// properties quietly with a PropertiesChanged instead.
func (s *Server) addInterface(path dbus.ObjectPath, iface string, props map[string]dbus.Variant, set setter) {
	obj, ok := s.objects[path]
	if ok {
		if _, has := obj.ifaces[iface]; has {
			obj.ifaces[iface].set = set
			s.setProps(path, iface, props)
			return
		}
	}
	added := map[string]map[string]dbus.Variant{iface: copyProps(props)}
	if !ok {
		obj = &object{ifaces: map[string]*instance{}}
		s.objects[path] = obj
		if path != "/" {
			added[PropertiesInterface] = map[string]dbus.Variant{}
		}
	}
	obj.ifaces[iface] = &instance{props: copyProps(props), set: set}
	obj.order = append(obj.order, iface)
	s.emit("/", ObjectManagerInterface+".InterfacesAdded", path, added)
}

// removeInterface takes iface off path; the last one takes the object with
// it (and its implied Properties interface).
func (s *Server) removeInterface(path dbus.ObjectPath, iface string) {
	obj, ok := s.objects[path]
	if !ok {
		return
	}
	if _, has := obj.ifaces[iface]; !has {
		return
	}
	delete(obj.ifaces, iface)
	obj.order = slices.DeleteFunc(obj.order, func(n string) bool { return n == iface })
	removed := []string{iface}
	if len(obj.ifaces) == 0 {
		delete(s.objects, path)
		removed = append(removed, PropertiesInterface)
	}
	s.emit("/", ObjectManagerInterface+".InterfacesRemoved", path, removed)
}

// removeObject drops path with all its interfaces in one InterfacesRemoved.
func (s *Server) removeObject(path dbus.ObjectPath) {
	obj, ok := s.objects[path]
	if !ok {
		return
	}
	delete(s.objects, path)
	removed := append(slices.Clone(obj.order), PropertiesInterface)
	s.emit("/", ObjectManagerInterface+".InterfacesRemoved", path, removed)
}

// setProps replaces iface's properties on path and sends one
// PropertiesChanged naming only what really changed: new or different
// values as changed, properties that went away as invalidated.
func (s *Server) setProps(path dbus.ObjectPath, iface string, props map[string]dbus.Variant) {
	obj, ok := s.objects[path]
	if !ok {
		return
	}
	inst, ok := obj.ifaces[iface]
	if !ok {
		return
	}
	changed := map[string]dbus.Variant{}
	var invalidated []string
	for k, v := range props {
		if old, had := inst.props[k]; !had || !sameVariant(old, v) {
			changed[k] = v
		}
	}
	for k := range inst.props {
		if _, still := props[k]; !still {
			invalidated = append(invalidated, k)
		}
	}
	if len(changed) == 0 && len(invalidated) == 0 {
		return
	}
	sort.Strings(invalidated)
	inst.props = copyProps(props)
	if invalidated == nil {
		invalidated = []string{}
	}
	s.emit(path, PropertiesInterface+".PropertiesChanged", iface, changed, invalidated)
}

func sameVariant(a, b dbus.Variant) bool {
	return a.Signature() == b.Signature() && reflect.DeepEqual(a.Value(), b.Value())
}

func copyProps(p map[string]dbus.Variant) map[string]dbus.Variant {
	out := make(map[string]dbus.Variant, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// managedObjects is GetManagedObjects' answer: every object but "/" with
// all its interfaces and their properties.
func (s *Server) managedObjects() map[dbus.ObjectPath]map[string]map[string]dbus.Variant {
	out := map[dbus.ObjectPath]map[string]map[string]dbus.Variant{}
	for path, obj := range s.objects {
		if path == "/" {
			continue
		}
		ifs := map[string]map[string]dbus.Variant{PropertiesInterface: {}}
		for name, inst := range obj.ifaces {
			ifs[name] = copyProps(inst.props)
		}
		out[path] = ifs
	}
	return out
}

// children lists the names of path's direct children in the tree, for
// introspection.
func (s *Server) children(path dbus.ObjectPath) []string {
	prefix := string(path)
	if prefix != "/" {
		prefix += "/"
	}
	seen := map[string]bool{}
	for p := range s.objects {
		rest, ok := strings.CutPrefix(string(p), prefix)
		if !ok || rest == "" || p == path {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		seen[name] = true
	}
	if path == "/" {
		seen["net"] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
