// Package objtree is a tree of exported D-Bus objects, their interfaces and
// properties, announced the way org.freedesktop.DBus.ObjectManager
// describes: InterfacesAdded and InterfacesRemoved on the manager's path,
// PropertiesChanged naming only what changed, and GetManagedObjects'
// answer. It holds no method tables: its owner exports those (godbus) and
// reads the properties from here. wifid's net.connman.iwd (dbusapi) and the
// lab's net.connman.hwsim both keep their objects in one.
package objtree

import (
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Standard interface names.
const (
	ObjectManagerInterface = "org.freedesktop.DBus.ObjectManager"
	PropertiesInterface    = "org.freedesktop.DBus.Properties"
	IntrospectInterface    = "org.freedesktop.DBus.Introspectable"
)

// Props are one interface's properties; an optional property that is absent
// is not in the map.
type Props = map[string]dbus.Variant

// Emitter sends signals; *dbus.Conn is one.
type Emitter interface {
	Emit(path dbus.ObjectPath, name string, values ...any) error
}

// A Tree is the objects below (and on) one ObjectManager path. Each
// interface instance carries its owner's data of type T (say, the setter of
// its writable properties). A Tree is not safe for concurrent use: its owner
// serialises calls (under its own lock), so signals leave in the order the
// changes happened.
type Tree[T any] struct {
	root    dbus.ObjectPath
	implied []string
	emit    Emitter
	log     *slog.Logger
	objects map[dbus.ObjectPath]*object[T]
}

type instance[T any] struct {
	props Props
	data  T
}

// object is one path with its interfaces in the order they were added.
type object[T any] struct {
	ifaces map[string]*instance[T]
	order  []string
}

// New returns an empty tree managed at root. implied are interfaces every
// object but root has without adding them (iwd's objects all carry
// org.freedesktop.DBus.Properties): they are announced with an object's
// first interface and its last, and listed, empty, in GetManagedObjects.
func New[T any](root dbus.ObjectPath, log *slog.Logger, implied ...string) *Tree[T] {
	if log == nil {
		log = slog.Default()
	}
	return &Tree[T]{root: root, implied: implied, log: log, objects: map[dbus.ObjectPath]*object[T]{}}
}

// SetEmitter sends the tree's signals on e from now on; nil sends none (no
// connection yet, or no longer).
func (t *Tree[T]) SetEmitter(e Emitter) { t.emit = e }

func (t *Tree[T]) signal(path dbus.ObjectPath, name string, values ...any) {
	if t.emit == nil {
		return
	}
	if err := t.emit.Emit(path, name, values...); err != nil {
		t.log.Warn("dbus: emit failed", "path", path, "signal", name, "err", err)
	}
}

// Add puts iface with props and data on path, creating the object, and
// announces it with InterfacesAdded. Adding an interface that is there
// replaces its data and its properties (Set: a PropertiesChanged at most).
func (t *Tree[T]) Add(path dbus.ObjectPath, iface string, props Props, data T) {
	obj, ok := t.objects[path]
	if ok {
		if inst, has := obj.ifaces[iface]; has {
			inst.data = data
			t.Set(path, iface, props)
			return
		}
	}
	added := map[string]Props{iface: maps.Clone(nonNil(props))}
	if !ok {
		obj = &object[T]{ifaces: map[string]*instance[T]{}}
		t.objects[path] = obj
		if path != t.root {
			for _, i := range t.implied {
				added[i] = Props{}
			}
		}
	}
	obj.ifaces[iface] = &instance[T]{props: maps.Clone(nonNil(props)), data: data}
	obj.order = append(obj.order, iface)
	t.signal(t.root, ObjectManagerInterface+".InterfacesAdded", path, added)
}

// Remove takes iface off path; the last one takes the object with it (and
// its implied interfaces).
func (t *Tree[T]) Remove(path dbus.ObjectPath, iface string) {
	obj, ok := t.objects[path]
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
		delete(t.objects, path)
		removed = append(removed, t.impliedOn(path)...)
	}
	t.signal(t.root, ObjectManagerInterface+".InterfacesRemoved", path, removed)
}

// RemoveObject drops path with all its interfaces in one InterfacesRemoved.
func (t *Tree[T]) RemoveObject(path dbus.ObjectPath) {
	obj, ok := t.objects[path]
	if !ok {
		return
	}
	delete(t.objects, path)
	removed := append(slices.Clone(obj.order), t.impliedOn(path)...)
	t.signal(t.root, ObjectManagerInterface+".InterfacesRemoved", path, removed)
}

func (t *Tree[T]) impliedOn(path dbus.ObjectPath) []string {
	if path == t.root {
		return nil
	}
	return t.implied
}

// Set replaces iface's properties on path and sends one PropertiesChanged
// naming only what really changed: new or different values as changed,
// properties that went away as invalidated. Nothing changed, nothing sent.
func (t *Tree[T]) Set(path dbus.ObjectPath, iface string, props Props) {
	inst := t.instance(path, iface)
	if inst == nil {
		return
	}
	changed := Props{}
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
	inst.props = maps.Clone(nonNil(props))
	if invalidated == nil {
		invalidated = []string{}
	}
	t.signal(path, PropertiesInterface+".PropertiesChanged", iface, changed, invalidated)
}

func (t *Tree[T]) instance(path dbus.ObjectPath, iface string) *instance[T] {
	obj, ok := t.objects[path]
	if !ok {
		return nil
	}
	return obj.ifaces[iface]
}

// Has tells whether path is an object of the tree.
func (t *Tree[T]) Has(path dbus.ObjectPath) bool {
	_, ok := t.objects[path]
	return ok
}

// Lookup returns a copy of iface's properties on path and its data; ok is
// false when path has no such interface.
func (t *Tree[T]) Lookup(path dbus.ObjectPath, iface string) (props Props, data T, ok bool) {
	inst := t.instance(path, iface)
	if inst == nil {
		return nil, data, false
	}
	return maps.Clone(inst.props), inst.data, true
}

// Interfaces lists path's interfaces in the order they were added (implied
// ones left out).
func (t *Tree[T]) Interfaces(path dbus.ObjectPath) []string {
	obj, ok := t.objects[path]
	if !ok {
		return nil
	}
	return slices.Clone(obj.order)
}

// Paths lists the objects' paths, sorted.
func (t *Tree[T]) Paths() []dbus.ObjectPath {
	return slices.Sorted(maps.Keys(t.objects))
}

// ManagedObjects is GetManagedObjects' answer: every object but the
// manager's own with all its interfaces (implied ones too) and their
// properties.
func (t *Tree[T]) ManagedObjects() map[dbus.ObjectPath]map[string]Props {
	out := map[dbus.ObjectPath]map[string]Props{}
	for path, obj := range t.objects {
		if path == t.root {
			continue
		}
		ifs := map[string]Props{}
		for _, i := range t.implied {
			ifs[i] = Props{}
		}
		for name, inst := range obj.ifaces {
			ifs[name] = maps.Clone(inst.props)
		}
		out[path] = ifs
	}
	return out
}

// Children lists the names of path's direct children (objects below it, or
// the next element of a path to one), sorted, for introspection.
func (t *Tree[T]) Children(path dbus.ObjectPath) []string {
	prefix := string(path)
	if prefix != "/" {
		prefix += "/"
	}
	seen := map[string]bool{}
	for p := range t.objects {
		rest, ok := strings.CutPrefix(string(p), prefix)
		if !ok || rest == "" || p == path {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		seen[name] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func sameVariant(a, b dbus.Variant) bool {
	return a.Signature() == b.Signature() && reflect.DeepEqual(a.Value(), b.Value())
}

func nonNil(p Props) Props {
	if p == nil {
		return Props{}
	}
	return p
}

// PropertiesMethods is an org.freedesktop.DBus.Properties method table
// (for godbus's ExportMethodTable) serving path's properties from t, read
// under mu (the lock its owner changes t under). set answers Set; nil makes
// every property read-only.
func (t *Tree[T]) PropertiesMethods(path dbus.ObjectPath, mu sync.Locker,
	set func(iface, name string, v dbus.Variant) *dbus.Error) map[string]any {
	if set == nil {
		set = func(_, name string, _ dbus.Variant) *dbus.Error {
			return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly", []any{name + " is read-only"})
		}
	}
	return map[string]any{
		"Get": func(iface, name string) (dbus.Variant, *dbus.Error) {
			mu.Lock()
			defer mu.Unlock()
			props, _, _ := t.Lookup(path, iface)
			v, ok := props[name]
			if !ok {
				return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{iface + "." + name})
			}
			return v, nil
		},
		"GetAll": func(iface string) (map[string]dbus.Variant, *dbus.Error) {
			mu.Lock()
			defer mu.Unlock()
			props, _, _ := t.Lookup(path, iface)
			return maps.Clone(nonNil(props)), nil // encoded after the lock is gone
		},
		"Set": set,
	}
}
