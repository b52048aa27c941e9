package dbusapi_test

import (
	"testing"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

func TestStationDebug(t *testing.T) {
	e := setup(t, dbusapi.Config{Developer: true})
	dev := dbustest.FakeDevicePath
	objs := e.managed()
	dbg, ok := objs[dev][dbusapi.StationDebugInterface]
	if !ok || dbg["AutoConnect"].Value() != false {
		t.Fatalf("StationDebug = %v (present %v)", dbg, ok)
	}
	e.ok(e.call(dev, dbusapi.StationDebugInterface+".Scan", []uint16{2412, 5180}))
	e.waitSignal("Scanning false", func(s *dbus.Signal) bool {
		return propsChanged(dev, dbusapi.StationInterface, "Scanning")(s) &&
			s.Body[1].(map[string]dbus.Variant)["Scanning"].Value() == false
	})
	var nets map[dbus.ObjectPath][]map[string]dbus.Variant
	if err := e.call(dev, dbusapi.StationDebugInterface+".GetNetworks").Store(&nets); err != nil {
		t.Fatal(err)
	}
	b := nets[pskPath]
	if len(b) != 1 || b[0]["Address"].Value() != "02:00:00:00:02:01" || b[0]["Frequency"].Value() != uint32(5180) ||
		b[0]["RSSI"].Value() != int32(-40) || b[0]["Rank"].Value() != uint16(1000) {
		t.Errorf("GetNetworks[psk] = %v", b)
	}
	if mde := b[0]["MDE"].Value().([]byte); len(mde) != 3 || mde[2] != 3 {
		t.Errorf("MDE = %v", mde)
	}
	if len(nets[openPath]) != 1 || len(nets[openPath][0]["MDE"].Value().([]byte)) != 3 {
		t.Errorf("GetNetworks[open] = %v", nets[openPath])
	}

	e.ok(e.call(dev, dbusapi.PropertiesInterface+".Set", dbusapi.StationDebugInterface, "AutoConnect", dbus.MakeVariant(true)))
	e.waitSignal("AutoConnect", propsChanged(dev, dbusapi.StationDebugInterface, "AutoConnect"))

	e.wantErr(e.call(dev, dbusapi.StationDebugInterface+".ConnectBssid", []byte{1, 2, 3}), "net.connman.iwd.InvalidArguments")
	e.wantErr(e.call(dev, dbusapi.StationDebugInterface+".ConnectBssid", []byte{2, 0, 0, 0, 9, 9}), "net.connman.iwd.NotFound")
	e.wantErr(e.call(dev, dbusapi.StationDebugInterface+".Roam", []byte{2, 0, 0, 0, 2, 1}), "net.connman.iwd.NotConnected")
	e.wantErr(e.call(dev, dbusapi.StationDebugInterface+".Scan", []uint32{2412}), "org.freedesktop.DBus.Error.InvalidArgs")
	e.ok(e.call(dev, dbusapi.StationDebugInterface+".ConnectBssid", []byte{2, 0, 0, 0, 1, 1}))
	ev := e.waitSignal("Event", func(s *dbus.Signal) bool {
		return s.Name == dbusapi.StationDebugInterface+".Event" && s.Path == dev
	})
	if len(ev.Body) != 2 {
		t.Fatalf("Event body = %v", ev.Body)
	}
	if _, ok := ev.Body[1].([]dbus.Variant); !ok {
		t.Errorf("Event data is %T, want []dbus.Variant (av)", ev.Body[1])
	}
}
