package dbusapi_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

// BenchmarkCalls: the calls a client makes most (a property read, the
// station's properties, the object tree, introspection) against the server
// through a real dbus-daemon. For profiling the server's cost per call:
// go test -run - -bench Calls -cpuprofile cpu.out ./daemon/dbusapi
func BenchmarkCalls(b *testing.B) {
	addr := dbustest.StartBus(b)
	f := dbustest.NewFake(dbusapi.Config{Version: "0.1.0-bench"}, testAir, testPass)
	f.Serve(b, addr)
	conn := dbustest.Connect(b, addr)
	obj := func(p dbus.ObjectPath) dbus.BusObject { return conn.Object(dbusapi.Service, p) }
	calls := []struct {
		name string
		do   func() error
	}{
		{"Get", func() error {
			var v dbus.Variant
			return obj(dbustest.FakeDevicePath).Call(dbusapi.PropertiesInterface+".Get", 0, dbusapi.StationInterface, "State").Store(&v)
		}},
		{"GetAll", func() error {
			var v map[string]dbus.Variant
			return obj(dbustest.FakeDevicePath).Call(dbusapi.PropertiesInterface+".GetAll", 0, dbusapi.StationInterface).Store(&v)
		}},
		{"GetManagedObjects", func() error {
			var v map[dbus.ObjectPath]map[string]map[string]dbus.Variant
			return obj("/").Call(dbusapi.ObjectManagerInterface+".GetManagedObjects", 0).Store(&v)
		}},
		{"Introspect", func() error {
			var s string
			return obj(dbustest.FakeDevicePath).Call("org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&s)
		}},
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			r0, w0 := readCalls(b)
			for b.Loop() {
				if err := c.do(); err != nil {
					b.Fatal(err)
				}
			}
			r1, w1 := readCalls(b)
			// Client and server share the process: the client's reads
			// (godbus's Unix transport, about three a message) are in.
			b.ReportMetric(float64(r1-r0)/float64(b.N), "reads/op")
			b.ReportMetric(float64(w1-w0)/float64(b.N), "writes/op")
		})
	}
}

// readCalls reads the process's read and write system call counts.
func readCalls(tb testing.TB) (reads, writes int) {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		tb.Skip(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		n, _ := strconv.Atoi(v)
		switch k {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

// TestServerReadsBuffered: the server reads a call in a system call or
// two, not one per field (godbus's generic transport decodes from the
// stream field by field; unbuffered, a property read cost some forty
// read calls).
func TestServerReadsBuffered(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	var v dbus.Variant
	get := func() {
		if err := e.conn.Object(dbusapi.Service, dbustest.FakeDevicePath).Call(dbusapi.PropertiesInterface+".Get", 0,
			dbusapi.StationInterface, "State").Store(&v); err != nil {
			t.Fatal(err)
		}
	}
	get()
	r0, _ := readCalls(t)
	const n = 200
	for range n {
		get()
	}
	r1, _ := readCalls(t)
	if per := float64(r1-r0) / n; per > 6 {
		t.Errorf("%.1f read system calls per property read, want a few", per)
	}
}
