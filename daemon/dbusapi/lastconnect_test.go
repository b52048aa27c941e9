package dbusapi_test

import (
	"testing"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

func TestLastConnect(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	var props map[string]dbus.Variant
	if err := e.call(dbustest.FakeDevicePath, dbusapi.PropertiesInterface+".GetAll", dbusapi.WifidStationInterface).Store(&props); err != nil {
		t.Fatalf("GetAll %s: %v", dbusapi.WifidStationInterface, err)
	}
	if _, ok := props["LastConnect"]; ok {
		t.Errorf("LastConnect present before any attempt: %v", props)
	}
	if objs := e.managed(); objs[dbustest.FakeDevicePath][dbusapi.WifidStationInterface] == nil {
		t.Errorf("GetManagedObjects lacks %s on the station", dbusapi.WifidStationInterface)
	}
	e.scan()
	e.ok(e.call(openPath, dbusapi.NetworkInterface+".Connect"))

	// The running attempt is signalled, then the finished one.
	lastOf := func(s *dbus.Signal) map[string]dbus.Variant {
		m, _ := s.Body[1].(map[string]dbus.Variant)["LastConnect"].Value().(map[string]dbus.Variant)
		return m
	}
	running := e.waitSignal("LastConnect while running", propsChanged(dbustest.FakeDevicePath, dbusapi.WifidStationInterface, "LastConnect"))
	if lc := lastOf(running); lc["Running"].Value() != true || lc["Outcome"].Value() != "" {
		t.Errorf("first LastConnect = %v, want a running attempt", lc)
	}
	done := e.waitSignal("LastConnect finished", propsChanged(dbustest.FakeDevicePath, dbusapi.WifidStationInterface, "LastConnect"))
	lc := lastOf(done)
	if lc["Kind"].Value() != "connect" || lc["Network"].Value() != "open-net" || lc["BSSID"].Value() != "02:00:00:00:01:01" ||
		lc["Outcome"].Value() != "connected" || lc["TotalMs"].Value() != uint64(400) || lc["Running"].Value() != false ||
		lc["StartTime"].Value() != "2026-11-23T12:00:00.000Z" || lc["TotalUs"].Value() != uint64(400000) {
		t.Errorf("LastConnect = %v", lc)
	}
	if sig := lc["Phases"].Signature().String(); sig != "aa{sv}" {
		t.Fatalf("Phases signature %s, want aa{sv}", sig)
	}
	phases := lc["Phases"].Value().([]map[string]dbus.Variant)
	if len(phases) != 6 {
		t.Fatalf("%d phases, want 6: %v", len(phases), phases)
	}
	p := phases[3]
	if p["Name"].Value() != "4-way" || p["StartMs"].Value() != uint64(130) || p["DurationMs"].Value() != uint64(30) ||
		p["StartUs"].Value() != uint64(130000) || p["DurationUs"].Value() != uint64(30000) {
		t.Errorf("phase 3 = %v", p)
	}
	if phases[5]["Detail"].Value() != "rapid commit" {
		t.Errorf("netconfig phase = %v", phases[5])
	}
	if _, ok := phases[0]["Detail"]; ok {
		t.Errorf("empty Detail present: %v", phases[0])
	}

	var v dbus.Variant
	if err := e.call(dbustest.FakeDevicePath, dbusapi.PropertiesInterface+".Get", dbusapi.WifidStationInterface, "LastConnect").Store(&v); err != nil {
		t.Fatal(err)
	}
	if v.Signature().String() != "a{sv}" {
		t.Errorf("Get LastConnect: signature %s", v.Signature())
	}
	e.wantErr(e.call(dbustest.FakeDevicePath, dbusapi.PropertiesInterface+".Set", dbusapi.WifidStationInterface, "LastConnect", dbus.MakeVariant(map[string]dbus.Variant{})),
		"org.freedesktop.DBus.Error.PropertyReadOnly")

	// Publishing the same state again signals nothing.
	e.fake.Republish()
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".GetOrderedNetworks"))
	for len(e.sigs) > 0 {
		if s := <-e.sigs; propsChanged(dbustest.FakeDevicePath, dbusapi.WifidStationInterface, "LastConnect")(s) {
			t.Errorf("LastConnect signalled again without a change: %v", s.Body)
		}
	}
}

// TestLastConnectWarnings: Warnings (as) only when there are some.
func TestLastConnectWarnings(t *testing.T) {
	tl := &dbusapi.ConnectTimeline{Kind: "connect", Network: "corp", Outcome: "connected"}
	m := dbusapi.LastConnectVariant(tl).Value().(map[string]dbus.Variant)
	if _, ok := m["Warnings"]; ok {
		t.Errorf("Warnings without any: %v", m["Warnings"])
	}
	tl.Warnings = []string{"server not authenticated: the network file has no EAP-PEAP-CACert"}
	m = dbusapi.LastConnectVariant(tl).Value().(map[string]dbus.Variant)
	if w, _ := m["Warnings"].Value().([]string); len(w) != 1 || w[0] != tl.Warnings[0] || m["Warnings"].Signature().String() != "as" {
		t.Errorf("Warnings = %v", m["Warnings"])
	}
}
