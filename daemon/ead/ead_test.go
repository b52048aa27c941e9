package ead_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi/dbustest"
	"wifid/daemon/ead"
	"wifid/lab/netns"
)

func TestParseFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	o, err := ead.ParseFlags([]string{"-i", "eth*,en1", "-I", "eth9", "-d"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Allow, []string{"eth*", "en1"}) || !slices.Equal(o.Deny, []string{"eth9"}) || !o.Debug || o.StateDir != ead.DefaultStateDir {
		t.Errorf("%+v", o)
	}
	o, err = ead.ParseFlags([]string{"--interfaces=eth1"}, env(map[string]string{"STATE_DIRECTORY": "/run/ead:/x"}), io.Discard)
	if err != nil || !slices.Equal(o.Allow, []string{"eth1"}) || o.StateDir != "/run/ead" {
		t.Errorf("%+v %v", o, err)
	}
	if _, err := ead.ParseFlags([]string{"extra"}, env(nil), io.Discard); err == nil {
		t.Error("a stray argument was taken")
	}
}

// iwd's testEAD: ead with -i on one port and a default.8021x with
// MSCHAPV2, against hostapd (driver=wired); the Adapter object appears on
// net.connman.ead and turns Connected, then Authenticated.
func TestEADAuthenticatesOnDBus(t *testing.T) {
	n := netns.New(t)
	peer := n.Veth(t)
	h := n.HostapdWired(t, peer, netns.WiredConfig{Users: []netns.EAPUser{
		{Identity: "mschapv2@example.com", Methods: []string{"MSCHAPV2"}, Password: "Password"},
	}})
	dir := t.TempDir()
	file := "[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=mschapv2@example.com\nEAP-Password=Password\n\n[Settings]\nAutoConnect=false\n"
	if err := os.WriteFile(filepath.Join(dir, "default.8021x"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := dbustest.StartBus(t)
	client := dbustest.Connect(t, addr)
	sigs := make(chan *dbus.Signal, 64)
	client.Signal(sigs)
	if err := client.AddMatchSignal(dbus.WithMatchSender(ead.ServiceName)); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ead.Run(ctx, ead.Options{Allow: []string{peer.Name}, StateDir: dir}, dbustest.Connect(t, addr), slog.Default())
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ead: %v", err)
		}
	}()

	path := ead.AdapterPath(peer.Index)
	dbustest.WaitSignal(t, sigs, "InterfacesAdded", func(s *dbus.Signal) bool {
		return s.Name == "org.freedesktop.DBus.ObjectManager.InterfacesAdded" && s.Body[0] == path
	})
	authenticated := func() bool {
		v, err := client.Object(ead.ServiceName, path).GetProperty(ead.AdapterInterface + ".Authenticated")
		return err == nil && v.Value() == true
	}
	deadline := time.Now().Add(10 * time.Second)
	for !authenticated() {
		if time.Now().After(deadline) {
			t.Fatal("Authenticated never true")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := client.Object(ead.ServiceName, "/").Call("org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs); err != nil {
		t.Fatal(err)
	}
	props := objs[path][ead.AdapterInterface]
	if props["Name"].Value() != peer.Name || props["Address"].Value() != peer.HWAddr.String() ||
		props["Connected"].Value() != true || props["Active"].Value() != true {
		t.Errorf("adapter properties %v", props)
	}
	if len(objs) != 1 {
		t.Errorf("%d objects, want only the allowed port's: %v", len(objs), objs)
	}
	h.WaitSuccesses(t, peer.HWAddr, 1, 2*time.Second)

	// Introspection leads from / down to the adapter and names its
	// properties.
	next := dbus.ObjectPath("/")
	for _, want := range []string{"net", "connman", "ead", "adapter", strconv.Itoa(peer.Index)} {
		var xmlText string
		if err := client.Object(ead.ServiceName, next).Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xmlText); err != nil {
			t.Fatalf("Introspect %s: %v", next, err)
		}
		if !strings.Contains(xmlText, `<node name="`+want+`">`) {
			t.Fatalf("Introspect %s has no child %s:\n%s", next, want, xmlText)
		}
		next = dbus.ObjectPath(strings.TrimSuffix(string(next), "/") + "/" + want)
	}
	var xmlText string
	if err := client.Object(ead.ServiceName, path).Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&xmlText); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(xmlText, ead.AdapterInterface) || !strings.Contains(xmlText, `name="Authenticated"`) {
		t.Errorf("adapter introspection:\n%s", xmlText)
	}

	// Carrier gone: Connected and Authenticated turn false.
	n.Exec(t, "ip", "link", "set", peer.FarName, "down")
	dbustest.WaitSignal(t, sigs, "PropertiesChanged Authenticated false", func(s *dbus.Signal) bool {
		if s.Name != "org.freedesktop.DBus.Properties.PropertiesChanged" || s.Path != path {
			return false
		}
		ch, _ := s.Body[1].(map[string]dbus.Variant)
		v, ok := ch["Authenticated"]
		return ok && v.Value() == false
	})
}
