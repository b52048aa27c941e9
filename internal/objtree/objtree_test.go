package objtree

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/godbus/dbus/v5"
)

type recorder []string

func (r *recorder) Emit(path dbus.ObjectPath, name string, values ...any) error {
	*r = append(*r, fmt.Sprint(path, " ", name, " ", values))
	return nil
}

// TestSignals: each change is one signal naming only what changed; implied
// interfaces come and go with the object; the manager's own object is no
// managed object.
func TestSignals(t *testing.T) {
	var rec recorder
	tr := New[int]("/", nil, PropertiesInterface)
	tr.Add("/", ObjectManagerInterface, nil, 0) // before the emitter: quiet
	tr.SetEmitter(&rec)
	tr.Add("/a", "x.A", Props{"P": dbus.MakeVariant("1"), "Q": dbus.MakeVariant(true)}, 7)
	tr.Add("/a", "x.B", nil, 0)
	tr.Set("/a", "x.A", Props{"P": dbus.MakeVariant("1"), "Q": dbus.MakeVariant(true)}) // no change
	tr.Set("/a", "x.A", Props{"P": dbus.MakeVariant("2")})
	tr.Add("/a/b/c", "x.C", nil, 0)

	if got := tr.Children("/"); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("Children(/) = %v", got)
	}
	if got := tr.Children("/a"); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("Children(/a) = %v", got)
	}
	objs := tr.ManagedObjects()
	if _, ok := objs["/"]; ok || len(objs) != 2 || len(objs["/a"]) != 3 || objs["/a"][PropertiesInterface] == nil {
		t.Errorf("ManagedObjects = %v", objs)
	}
	if props, data, ok := tr.Lookup("/a", "x.A"); !ok || data != 7 || props["P"].Value() != "2" {
		t.Errorf("Lookup = %v %v %v", props, data, ok)
	}
	tr.Remove("/a", "x.A")
	tr.Remove("/a", "x.B")
	tr.RemoveObject("/a/b/c")
	tr.RemoveObject("/a/b/c") // gone: quiet

	want := []string{
		"/ org.freedesktop.DBus.ObjectManager.InterfacesAdded [/a map[org.freedesktop.DBus.Properties:map[] x.A:map[P:\"1\" Q:true]]]",
		"/ org.freedesktop.DBus.ObjectManager.InterfacesAdded [/a map[x.B:map[]]]",
		"/a org.freedesktop.DBus.Properties.PropertiesChanged [x.A map[P:\"2\"] [Q]]",
		"/ org.freedesktop.DBus.ObjectManager.InterfacesAdded [/a/b/c map[org.freedesktop.DBus.Properties:map[] x.C:map[]]]",
		"/ org.freedesktop.DBus.ObjectManager.InterfacesRemoved [/a [x.A]]",
		"/ org.freedesktop.DBus.ObjectManager.InterfacesRemoved [/a [x.B org.freedesktop.DBus.Properties]]",
		"/ org.freedesktop.DBus.ObjectManager.InterfacesRemoved [/a/b/c [x.C org.freedesktop.DBus.Properties]]",
	}
	if !reflect.DeepEqual([]string(rec), want) {
		t.Errorf("signals:\n%q\nwant\n%q", rec, want)
	}
}
