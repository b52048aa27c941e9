package dbusapi_test

import (
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

// TestCallsCarryNoFDs: fds sent with calls never reach the daemon. Before,
// each Get with an fd attached left the fd open in the daemon (200 calls,
// 200 fds; any user may call Get), until no socket or file could be opened.
func TestCallsCarryNoFDs(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	get := dbusapi.PropertiesInterface + ".Get"
	obj := e.conn.Object(dbusapi.Service, dbustest.FakeDevicePath)
	if err := obj.Call(get, 0, dbusapi.DeviceInterface, "Name").Err; err != nil {
		t.Fatalf("Get: %v", err)
	}
	before := dbustest.OpenFDs(t)
	refused := 0
	// From a connection of its own: the bus counts each refused call
	// against the sender's pending replies for a while.
	bad := dbustest.Connect(t, e.addr).Object(dbusapi.Service, dbustest.FakeDevicePath)
	for range 200 {
		if bad.Call(get, 0, dbusapi.DeviceInterface, "Name", dbus.UnixFD(r.Fd())).Err != nil {
			refused++
		}
	}
	if after := dbustest.OpenFDs(t); after > before+5 {
		t.Errorf("200 calls with an fd: open fds %d -> %d", before, after)
	}
	if refused != 200 {
		t.Errorf("%d of 200 calls with an fd were refused, want all (the bus cannot pass fds to the daemon)", refused)
	}
	if err := obj.Call(get, 0, dbusapi.DeviceInterface, "Name").Err; err != nil {
		t.Errorf("Get after: %v", err)
	}
}

// TestUnhandledCallsHoldNoTicket: calls that reach no handler (Get on /,
// GetManagedObjects below the root) are answered by godbus itself; their
// order tickets are released with the answer. Before, each held every
// later call of every client for 2 s and stayed in the ticket map.
func TestUnhandledCallsHoldNoTicket(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	root := e.conn.Object(dbusapi.Service, "/")
	below := e.conn.Object(dbusapi.Service, dbusapi.BasePath)
	for range 50 {
		root.Call(dbusapi.PropertiesInterface+".Get", 0, dbusapi.DeviceInterface, "Name")
		below.Call(dbusapi.ObjectManagerInterface+".GetManagedObjects", 0)
	}
	start := time.Now()
	if err := e.conn.Object(dbusapi.Service, dbustest.FakeDevicePath).
		Call(dbusapi.PropertiesInterface+".Get", 0, dbusapi.DeviceInterface, "Name").Err; err != nil {
		t.Fatalf("Get: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a call after 100 unhandled ones took %v (held by their tickets)", took)
	}
	if n := e.fake.Server.PendingTickets(); n != 0 {
		t.Errorf("%d tickets left after every call was answered", n)
	}
}
