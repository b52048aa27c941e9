package dbusapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

var testAir = []dbusapi.Network{
	{NetworkID: dbusapi.NetworkID{SSID: "open-net", Type: "open"}, Signal: -5000,
		BSS: []dbusapi.BSS{{Address: net.HardwareAddr{2, 0, 0, 0, 1, 1}, Frequency: 2412, RSSI: -50, Rank: 900}}},
	{NetworkID: dbusapi.NetworkID{SSID: "psk-net", Type: "psk"}, Signal: -4000,
		BSS: []dbusapi.BSS{{Address: net.HardwareAddr{2, 0, 0, 0, 2, 1}, Frequency: 5180, RSSI: -40, Rank: 1000, MDE: []byte{1, 2, 3}}}},
}

var testPass = map[string]string{"psk-net": "secret123"}

type env struct {
	t    *testing.T
	addr string
	fake *dbustest.Fake
	conn *dbus.Conn // a client
	sigs chan *dbus.Signal
}

func setup(t *testing.T, cfg dbusapi.Config) *env {
	t.Helper()
	addr := dbustest.StartBus(t)
	if cfg.Version == "" {
		cfg.Version = "0.1.0-test"
	}
	f := dbustest.NewFake(cfg, testAir, testPass)
	f.Serve(t, addr)
	conn := dbustest.Connect(t, addr)
	sigs := make(chan *dbus.Signal, 256)
	if err := conn.AddMatchSignal(dbus.WithMatchSender(dbusapi.Service)); err != nil {
		t.Fatal(err)
	}
	conn.Signal(sigs)
	return &env{t: t, addr: addr, fake: f, conn: conn, sigs: sigs}
}

func (e *env) call(path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return dbustest.Call(e.conn, path, method, args...)
}

// want checks a call fails with the named error.
func (e *env) wantErr(c *dbus.Call, name string) {
	e.t.Helper()
	if got := dbusapi.ErrorName(c.Err); got != name {
		e.t.Errorf("%s: error %q (%v), want %s", c.Method, got, c.Err, name)
	}
}

func (e *env) ok(c *dbus.Call) *dbus.Call {
	e.t.Helper()
	if c.Err != nil {
		e.t.Fatalf("%s: %v", c.Method, c.Err)
	}
	return c
}

// waitSignal waits for a signal matching pred, skipping others.
func (e *env) waitSignal(what string, pred func(*dbus.Signal) bool) *dbus.Signal {
	e.t.Helper()
	return dbustest.WaitSignal(e.t, e.sigs, what, pred)
}

func propsChanged(path dbus.ObjectPath, iface, prop string) func(*dbus.Signal) bool {
	return func(s *dbus.Signal) bool {
		if s.Path != path || s.Name != dbusapi.PropertiesInterface+".PropertiesChanged" || s.Body[0] != iface {
			return false
		}
		if _, ok := s.Body[1].(map[string]dbus.Variant)[prop]; ok {
			return true
		}
		for _, inv := range s.Body[2].([]string) {
			if inv == prop {
				return true
			}
		}
		return false
	}
}

func (e *env) managed() map[dbus.ObjectPath]map[string]map[string]dbus.Variant {
	e.t.Helper()
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := e.call("/", dbusapi.ObjectManagerInterface+".GetManagedObjects").Store(&objs); err != nil {
		e.t.Fatal(err)
	}
	return objs
}

func (e *env) scan() {
	e.t.Helper()
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Scan"))
	e.waitSignal("Scanning false", func(s *dbus.Signal) bool {
		return propsChanged(dbustest.FakeDevicePath, dbusapi.StationInterface, "Scanning")(s) &&
			s.Body[1].(map[string]dbus.Variant)["Scanning"].Value() == false
	})
}

var (
	pskPath  = dbusapi.NetworkPath(dbustest.FakeDevicePath, dbusapi.NetworkID{SSID: "psk-net", Type: "psk"})
	openPath = dbusapi.NetworkPath(dbustest.FakeDevicePath, dbusapi.NetworkID{SSID: "open-net", Type: "open"})
)

func TestPaths(t *testing.T) {
	if got := dbusapi.NetworkPath("/net/connman/iwd/0/3", dbusapi.NetworkID{SSID: "Test", Type: "psk"}); got != "/net/connman/iwd/0/3/54657374_psk" {
		t.Errorf("NetworkPath = %s", got)
	}
	if got := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "ssidOpen", Type: "open"}); got != "/net/connman/iwd/737369644f70656e_open" {
		t.Errorf("KnownNetworkPath = %s", got)
	}
	if got := dbusapi.AdapterPath(1); got != "/net/connman/iwd/1" {
		t.Errorf("AdapterPath = %s", got)
	}
}

func TestManagedObjects(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	objs := e.managed()
	if _, ok := objs["/net/connman/iwd"][dbusapi.AgentManagerInterface]; !ok {
		t.Errorf("no AgentManager at /net/connman/iwd: %v", objs["/net/connman/iwd"])
	}
	if _, ok := objs["/net/connman/iwd"][dbusapi.DaemonInterface]; !ok {
		t.Errorf("no Daemon at /net/connman/iwd")
	}
	ad := objs["/net/connman/iwd/0"][dbusapi.AdapterInterface]
	if ad["Name"].Value() != "phy0" || ad["Vendor"].Value() != "Fake Vendor" {
		t.Errorf("adapter = %v", ad)
	}
	if _, ok := ad["Model"]; ok {
		t.Errorf("Model present though unset: %v", ad)
	}
	dev := objs[dbustest.FakeDevicePath]
	d := dev[dbusapi.DeviceInterface]
	if d["Name"].Value() != "wlan0" || d["Address"].Value() != "02:00:00:00:00:01" ||
		d["Adapter"].Value() != dbus.ObjectPath("/net/connman/iwd/0") || d["Mode"].Value() != "station" || d["Powered"].Value() != true {
		t.Errorf("device = %v", d)
	}
	st := dev[dbusapi.StationInterface]
	if st["State"].Value() != "disconnected" || st["Scanning"].Value() != false {
		t.Errorf("station = %v", st)
	}
	if _, ok := st["ConnectedNetwork"]; ok {
		t.Error("ConnectedNetwork present while disconnected")
	}
	if _, ok := dev[dbusapi.StationDebugInterface]; ok {
		t.Error("StationDebug without developer mode")
	}
	if _, ok := dev[dbusapi.PropertiesInterface]; !ok {
		t.Error("no org.freedesktop.DBus.Properties on the device, iwd lists it")
	}

	var info map[string]dbus.Variant
	if err := e.call("/net/connman/iwd", dbusapi.DaemonInterface+".GetInfo").Store(&info); err != nil {
		t.Fatal(err)
	}
	if info["Version"].Value() != "0.1.0-test" || info["NetworkConfigurationEnabled"].Signature().String() != "b" {
		t.Errorf("GetInfo = %v", info)
	}
}

func TestIntrospection(t *testing.T) {
	e := setup(t, dbusapi.Config{Developer: true})
	var xml string
	if err := e.call(dbustest.FakeDevicePath, dbusapi.IntrospectInterface+".Introspect").Store(&xml); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<interface name="net.connman.iwd.Station">`,
		`<method name="GetOrderedNetworks">`, `type="a(on)"`, `type="a(sns)"`,
		`<method name="RegisterSignalLevelAgent">`, `type="an"`,
		`<interface name="net.connman.iwd.StationDebug">`, `type="a{oaa{sv}}"`, `type="aq"`,
		`<signal name="Event">`, `type="av"`,
		`<property name="AutoConnect" type="b" access="readwrite">`,
		`<property name="Mode" type="s" access="readwrite">`,
		`<property name="ConnectedNetwork" type="o" access="read">`,
	} {
		if !strings.Contains(xml, want) {
			t.Errorf("introspection of the device lacks %s", want)
		}
	}
	if err := e.call("/", dbusapi.IntrospectInterface+".Introspect").Store(&xml); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(xml, `<interface name="org.freedesktop.DBus.ObjectManager">`) || !strings.Contains(xml, `<node name="net">`) {
		t.Errorf("introspection of / = %s", xml)
	}
	if err := e.call("/net/connman/iwd", dbusapi.IntrospectInterface+".Introspect").Store(&xml); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(xml, `<node name="0">`) || !strings.Contains(xml, `name="net.connman.iwd.AgentManager"`) {
		t.Errorf("introspection of /net/connman/iwd = %s", xml)
	}
}

func TestScanPublishesNetworks(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Scan"))
	e.waitSignal("Scanning true", func(s *dbus.Signal) bool {
		return propsChanged(dbustest.FakeDevicePath, dbusapi.StationInterface, "Scanning")(s) &&
			s.Body[1].(map[string]dbus.Variant)["Scanning"].Value() == true
	})
	e.wantErr(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Scan"), "net.connman.iwd.InProgress")
	added := e.waitSignal("InterfacesAdded psk-net", func(s *dbus.Signal) bool {
		return s.Name == dbusapi.ObjectManagerInterface+".InterfacesAdded" && s.Body[0] == pskPath
	})
	props := added.Body[1].(map[string]map[string]dbus.Variant)[dbusapi.NetworkInterface]
	if props["Name"].Value() != "psk-net" || props["Type"].Value() != "psk" || props["Connected"].Value() != false ||
		props["Device"].Value() != dbustest.FakeDevicePath {
		t.Errorf("network props = %v", props)
	}
	if _, ok := props["KnownNetwork"]; ok {
		t.Error("KnownNetwork present on an unknown network")
	}
	e.waitSignal("Scanning false", propsChanged(dbustest.FakeDevicePath, dbusapi.StationInterface, "Scanning"))

	var ordered []struct {
		Path   dbus.ObjectPath
		Signal int16
	}
	if err := e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".GetOrderedNetworks").Store(&ordered); err != nil {
		t.Fatal(err)
	}
	if len(ordered) != 2 || ordered[0].Path != pskPath || ordered[0].Signal != -4000 || ordered[1].Path != openPath {
		t.Errorf("GetOrderedNetworks = %v", ordered)
	}
	var hidden []struct {
		Address string
		Signal  int16
		Type    string
	}
	if err := e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".GetHiddenAccessPoints").Store(&hidden); err != nil {
		t.Fatal(err)
	}
	// A second identical publish signals nothing.
	e.fake.Republish()
	e.ok(e.call("/net/connman/iwd", dbusapi.DaemonInterface+".GetInfo")) // a barrier: signals before it arrived first
	for len(e.sigs) > 0 {
		if s := <-e.sigs; s.Name != "org.freedesktop.DBus.NameAcquired" {
			t.Errorf("unchanged state signalled %s %v", s.Name, s.Body)
		}
	}
}

func TestErrors(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.scan()
	dev := dbustest.FakeDevicePath
	// No agent: a psk network needs one.
	e.wantErr(e.call(pskPath, dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.NoAgent")
	e.wantErr(e.call(dev+"/6e6f6e65_psk", dbusapi.NetworkInterface+".Connect"), "org.freedesktop.DBus.Error.UnknownObject")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".ConnectHiddenNetwork", strings.Repeat("x", 33)), "net.connman.iwd.InvalidArguments")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".ConnectHiddenNetwork", "nowhere"), "net.connman.iwd.NotFound")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".ConnectHiddenNetwork", "open-net"), "net.connman.iwd.NotHidden")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".ConnectHiddenNetwork", uint32(5)), "org.freedesktop.DBus.Error.InvalidArgs")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".RegisterSignalLevelAgent", dbus.ObjectPath("/a"), []int16{}), "net.connman.iwd.InvalidArguments")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".RegisterSignalLevelAgent", dbus.ObjectPath("/a"), []int16{200}), "net.connman.iwd.InvalidArguments")
	e.wantErr(e.call(dev, dbusapi.StationInterface+".UnregisterSignalLevelAgent", dbus.ObjectPath("/a")), "net.connman.iwd.Failed")
	e.wantErr(e.call(dev, dbusapi.StationDiagnosticInterface+".GetDiagnostics"), "org.freedesktop.DBus.Error.UnknownInterface")
	e.wantErr(e.call(dev, dbusapi.StationDebugInterface+".Scan", []uint16{2412}), "org.freedesktop.DBus.Error.UnknownInterface")
	e.wantErr(e.call("/net/connman/iwd", dbusapi.AgentManagerInterface+".UnregisterAgent", dbus.ObjectPath("/agent")), "net.connman.iwd.NotFound")
	set := dbusapi.PropertiesInterface + ".Set"
	e.wantErr(e.call(dev, set, dbusapi.DeviceInterface, "Mode", dbus.MakeVariant("bogus")), "net.connman.iwd.InvalidArguments")
	e.wantErr(e.call(dev, set, dbusapi.DeviceInterface, "Mode", dbus.MakeVariant("ap")), "net.connman.iwd.NotSupported")
	e.wantErr(e.call(dev, set, dbusapi.DeviceInterface, "Powered", dbus.MakeVariant("yes")), "net.connman.iwd.InvalidArguments")
	e.wantErr(e.call(dev, set, dbusapi.DeviceInterface, "Name", dbus.MakeVariant("wlan9")), "org.freedesktop.DBus.Error.PropertyReadOnly")
	e.wantErr(e.call(dev, set, dbusapi.DeviceInterface, "Colour", dbus.MakeVariant("red")), "org.freedesktop.DBus.Error.UnknownProperty")
	e.wantErr(e.call(dev, set, "net.connman.iwd.Nope", "Name", dbus.MakeVariant("x")), "org.freedesktop.DBus.Error.UnknownInterface")
	e.wantErr(e.call(dev, dbusapi.PropertiesInterface+".Get", dbusapi.StationInterface, "ConnectedNetwork"), "org.freedesktop.DBus.Error.Failed")
	e.wantErr(e.call("/net/connman/iwd/9/9", dbusapi.PropertiesInterface+".GetAll", dbusapi.DeviceInterface), "org.freedesktop.DBus.Error.UnknownObject")
}

// TestPowered: a Powered write shows through the published state, as the
// daemon's: the interface down takes its station, the radio blocked takes
// the interface down and refuses it up until unblocked.
func TestPowered(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	dev, adapter := dbustest.FakeDevicePath, dbusapi.AdapterPath(dbustest.FakeWiphy)
	set := dbusapi.PropertiesInterface + ".Set"
	stationGone := func(s *dbus.Signal) bool {
		return s.Name == dbusapi.ObjectManagerInterface+".InterfacesRemoved" && s.Body[0] == dev &&
			slices.Contains(s.Body[1].([]string), dbusapi.StationInterface)
	}
	stationBack := func(s *dbus.Signal) bool {
		if s.Name != dbusapi.ObjectManagerInterface+".InterfacesAdded" || s.Body[0] != dev {
			return false
		}
		_, ok := s.Body[1].(map[string]map[string]dbus.Variant)[dbusapi.StationInterface]
		return ok
	}
	powered := func(path dbus.ObjectPath, iface string) any {
		v, err := e.conn.Object(dbusapi.Service, path).GetProperty(iface + ".Powered")
		if err != nil {
			t.Fatalf("%s Powered: %v", path, err)
		}
		return v.Value()
	}

	e.ok(e.call(dev, set, dbusapi.DeviceInterface, "Powered", dbus.MakeVariant(false)))
	e.waitSignal("Device.Powered", propsChanged(dev, dbusapi.DeviceInterface, "Powered"))
	e.waitSignal("Station removed", stationGone)
	e.ok(e.call(dev, set, dbusapi.DeviceInterface, "Powered", dbus.MakeVariant(true)))
	e.waitSignal("Station back", stationBack)

	e.ok(e.call(adapter, set, dbusapi.AdapterInterface, "Powered", dbus.MakeVariant(false)))
	e.waitSignal("Station removed by the block", stationGone)
	if powered(adapter, dbusapi.AdapterInterface) != false || powered(dev, dbusapi.DeviceInterface) != false {
		t.Error("radio blocked, yet something is powered")
	}
	e.wantErr(e.call(dev, set, dbusapi.DeviceInterface, "Powered", dbus.MakeVariant(true)), "net.connman.iwd.NotAvailable")
	e.ok(e.call(adapter, set, dbusapi.AdapterInterface, "Powered", dbus.MakeVariant(true)))
	e.waitSignal("Station back after the unblock", stationBack)
	if powered(dev, dbusapi.DeviceInterface) != true {
		t.Error("radio unblocked, the interface wanted up, yet it is down")
	}
}

func TestToIWDError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{dbusapi.ErrBusy, "net.connman.iwd.InProgress"},
		{errors.Join(errors.New("ctx"), dbusapi.ErrNotHidden), "net.connman.iwd.NotHidden"},
		{context.Canceled, "net.connman.iwd.Aborted"},
		{context.DeadlineExceeded, "net.connman.iwd.Failed"},
		{errors.New("boom"), "net.connman.iwd.Failed"},
	} {
		if got := dbusapi.ToIWDError(c.err).Name; got != c.want {
			t.Errorf("ToIWDError(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}

func TestNameTaken(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	other := dbusapi.New(dbusapi.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := other.Serve(ctx, dbustest.Connect(t, e.addr))
	if err == nil || !strings.Contains(err.Error(), "already owned") {
		t.Errorf("second Serve: %v, want already owned", err)
	}
}

// Each of iwd's errors, and each errno iwd maps, reaches the client with
// iwd's name and message.
func TestBackendErrorsReachClient(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	for _, c := range []struct {
		err  error
		name string
		msg  string
	}{
		{dbusapi.ErrBusy, "net.connman.iwd.InProgress", "Operation already in progress"},
		{dbusapi.ErrFailed, "net.connman.iwd.Failed", "Operation failed"},
		{dbusapi.ErrAborted, "net.connman.iwd.Aborted", "Operation aborted"},
		{dbusapi.ErrNotAvailable, "net.connman.iwd.NotAvailable", "Operation not available"},
		{dbusapi.ErrInvalidArguments, "net.connman.iwd.InvalidArguments", "Argument type is wrong"},
		{dbusapi.ErrInvalidFormat, "net.connman.iwd.InvalidFormat", "Argument format is invalid"},
		{dbusapi.ErrAlreadyExists, "net.connman.iwd.AlreadyExists", "Object already exists"},
		{dbusapi.ErrNotFound, "net.connman.iwd.NotFound", "Object not found"},
		{dbusapi.ErrNotSupported, "net.connman.iwd.NotSupported", "Operation not supported"},
		{dbusapi.ErrNoAgent, "net.connman.iwd.NoAgent", "No Agent registered"},
		{dbusapi.ErrNotConnected, "net.connman.iwd.NotConnected", "Not connected"},
		{dbusapi.ErrNotConfigured, "net.connman.iwd.NotConfigured", "Not configured"},
		{dbusapi.ErrNotImplemented, "net.connman.iwd.NotImplemented", "Not implemented"},
		{dbusapi.ErrServiceSetOverlap, "net.connman.iwd.ServiceSetOverlap", "Service set overlap"},
		{dbusapi.ErrAlreadyProvisioned, "net.connman.iwd.AlreadyProvisioned", "Already provisioned"},
		{dbusapi.ErrNotHidden, "net.connman.iwd.NotHidden", "Not hidden"},
		{dbusapi.ErrPermissionDenied, "net.connman.iwd.PermissionDenied", "Permission Denied"},
		{fmt.Errorf("trigger scan: %w", syscall.EBUSY), "net.connman.iwd.InProgress", "Operation already in progress"},
		{syscall.ERFKILL, "net.connman.iwd.NotAvailable", "Operation not available"},
		{syscall.ENOKEY, "net.connman.iwd.NotConfigured", "Not configured"},
		{syscall.EIO, "net.connman.iwd.Failed", "Operation failed"},
	} {
		e.fake.FailNext(c.err)
		call := e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Scan")
		var de dbus.Error
		if !errors.As(call.Err, &de) || de.Name != c.name || len(de.Body) != 1 || de.Body[0] != c.msg {
			t.Errorf("backend error %v: client got %#v, want %s %q", c.err, call.Err, c.name, c.msg)
		}
	}
}

// TestBasicServiceSets: as iwd 3.x, each BSS of a network is an object
// below it (net.connman.iwd.BasicServiceSet, Address), the network's
// ExtendedServiceSet lists them, and the station's ConnectedAccessPoint
// names the one joined; a network gone takes its BSS objects with it.
func TestBasicServiceSets(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.scan()
	bss := dbusapi.BSSPath(openPath, net.HardwareAddr{2, 0, 0, 0, 1, 1})
	if bss != openPath+"/020000000101" {
		t.Fatalf("BSSPath = %s", bss)
	}
	objs := e.managed()
	if addr := objs[bss][dbusapi.BSSInterface]["Address"].Value(); addr != "02:00:00:00:01:01" {
		t.Errorf("BSS object %s: Address %v (%v)", bss, addr, objs[bss])
	}
	if ess := objs[openPath][dbusapi.NetworkInterface]["ExtendedServiceSet"].Value(); !reflect.DeepEqual(ess, []dbus.ObjectPath{bss}) {
		t.Errorf("ExtendedServiceSet %v, want [%s]", ess, bss)
	}
	e.ok(e.call(openPath, dbusapi.NetworkInterface+".Connect"))
	if ap := e.managed()[dbustest.FakeDevicePath][dbusapi.StationInterface]["ConnectedAccessPoint"].Value(); ap != bss {
		t.Errorf("ConnectedAccessPoint %v, want %s", ap, bss)
	}
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Disconnect"))
	if _, ok := e.managed()[dbustest.FakeDevicePath][dbusapi.StationInterface]["ConnectedAccessPoint"]; ok {
		t.Error("ConnectedAccessPoint after the disconnect")
	}
	// A scan that no longer sees a network removes its BSS objects.
	if err := e.fake.Server.SetNetworks(dbustest.FakeIfindex, testAir[1:], nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.managed()[bss]; ok {
		t.Errorf("BSS object %s outlived its network", bss)
	}
}
