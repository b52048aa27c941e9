package dbusapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

func TestAgentPassphraseFlow(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.scan()
	a := dbustest.NewAgent("secret123")
	agentConn := dbustest.RegisterAgent(t, e.addr, a)
	// The same client cannot register twice.
	e.wantErr(dbustest.Call(agentConn, dbusapi.BasePath, dbusapi.AgentManagerInterface+".RegisterAgent", dbus.ObjectPath("/x")),
		"net.connman.iwd.AlreadyExists")

	e.ok(e.call(pskPath, dbusapi.NetworkInterface+".Connect"))
	if got := <-a.Asked; got != pskPath {
		t.Errorf("agent asked for %s, want %s", got, pskPath)
	}
	e.waitSignal("Network.Connected", propsChanged(pskPath, dbusapi.NetworkInterface, "Connected"))
	objs := e.managed()
	st := objs[dbustest.FakeDevicePath][dbusapi.StationInterface]
	if st["State"].Value() != "connected" || st["ConnectedNetwork"].Value() != pskPath {
		t.Errorf("station after connect = %v", st)
	}
	if _, ok := objs[dbustest.FakeDevicePath][dbusapi.StationDiagnosticInterface]; !ok {
		t.Error("no StationDiagnostic while connected")
	}
	knownPath := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "psk-net", Type: "psk"})
	if got := objs[pskPath][dbusapi.NetworkInterface]["KnownNetwork"].Value(); got != knownPath {
		t.Errorf("Network.KnownNetwork = %v, want %s", got, knownPath)
	}
	kn := objs[knownPath][dbusapi.KnownNetworkInterface]
	if kn["LastConnectedTime"].Value() != "2026-11-23T12:00:00Z" || kn["Name"].Value() != "psk-net" {
		t.Errorf("known network = %v", kn)
	}
	var diag map[string]dbus.Variant
	if err := e.call(dbustest.FakeDevicePath, dbusapi.StationDiagnosticInterface+".GetDiagnostics").Store(&diag); err != nil {
		t.Fatal(err)
	}
	if diag["Frequency"].Value() != uint32(2412) || diag["Channel"].Value() != uint16(1) || diag["TxMCS"].Value() != uint8(9) ||
		diag["RxBitrate"].Value() != uint32(650) || len(diag) != 13 { // the fake's all but AverageRSSI
		t.Errorf("diagnostics = %v", diag)
	}
	checkDiagnostics(t, diag)
	// Connecting to the connected network succeeds at once.
	e.ok(e.call(pskPath, dbusapi.NetworkInterface+".Connect"))

	// Disconnect: ConnectedNetwork is invalidated, Diagnostic goes.
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Disconnect"))
	e.waitSignal("ConnectedNetwork invalidated", func(s *dbus.Signal) bool {
		if !propsChanged(dbustest.FakeDevicePath, dbusapi.StationInterface, "ConnectedNetwork")(s) {
			return false
		}
		inv := s.Body[2].([]string) // with ConnectedAccessPoint and Affinities (iwd 3.x)
		return slices.Equal(inv, []string{"Affinities", "ConnectedAccessPoint", "ConnectedNetwork"})
	})
	e.waitSignal("StationDiagnostic removed", func(s *dbus.Signal) bool {
		return s.Name == dbusapi.ObjectManagerInterface+".InterfacesRemoved" && s.Body[0] == dbustest.FakeDevicePath &&
			len(s.Body[1].([]string)) == 1 && s.Body[1].([]string)[0] == dbusapi.StationDiagnosticInterface
	})

	// Forget: the known network goes, the network loses KnownNetwork.
	e.ok(e.call(knownPath, dbusapi.KnownNetworkInterface+".Forget"))
	e.waitSignal("known network removed", func(s *dbus.Signal) bool {
		return s.Name == dbusapi.ObjectManagerInterface+".InterfacesRemoved" && s.Body[0] == knownPath
	})
	e.waitSignal("KnownNetwork invalidated", propsChanged(pskPath, dbusapi.NetworkInterface, "KnownNetwork"))

	// The agent's client leaves the bus: no agent any more.
	agentConn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for e.fake.Server.Agents().Registered() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	e.wantErr(e.call(pskPath, dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.NoAgent")
}

func TestAgentWrongPassphraseAndRefusal(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.scan()
	a := dbustest.NewAgent("wrong-one")
	dbustest.RegisterAgent(t, e.addr, a)
	e.wantErr(e.call(pskPath, dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.Failed")
	a.SetPassphrase("short")
	e.wantErr(e.call(pskPath, dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.InvalidFormat")
	a.Refuse()
	e.wantErr(e.call(pskPath, dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.Aborted")
}

func TestAgentTimeoutSendsCancel(t *testing.T) {
	e := setup(t, dbusapi.Config{AgentTimeout: 200 * time.Millisecond})
	e.scan()
	a := dbustest.NewAgent("secret123")
	a.Delay = time.Second
	dbustest.RegisterAgent(t, e.addr, a)
	e.wantErr(e.call(pskPath, dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.Aborted")
	select {
	case r := <-a.Cancels:
		if r != "timed-out" {
			t.Errorf("Cancel(%q), want timed-out", r)
		}
	case <-time.After(5 * time.Second):
		t.Error("agent got no Cancel")
	}
}

func TestCallerAgentPreferred(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.scan()
	first := dbustest.NewAgent("wrong-one")
	dbustest.RegisterAgent(t, e.addr, first)
	mine := dbustest.NewAgent("secret123")
	myConn := dbustest.RegisterAgent(t, e.addr, mine)
	// The call comes from mine's connection: mine answers, not the first.
	if c := dbustest.Call(myConn, pskPath, dbusapi.NetworkInterface+".Connect"); c.Err != nil {
		t.Fatalf("Connect: %v", c.Err)
	}
	select {
	case <-first.Asked:
		t.Error("the first agent was asked, not the caller's")
	default:
	}
}

func TestHiddenAndSignalAgent(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.fake.AddHidden("hidden-open", "open")
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".ConnectHiddenNetwork", "hidden-open"))
	e.wantErr(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".ConnectHiddenNetwork", "hidden-open"), "net.connman.iwd.AlreadyProvisioned")

	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".RegisterSignalLevelAgent", dbus.ObjectPath("/sig"), []int16{-40, -60}))
	if got := e.fake.SignalLevels(); len(got) != 2 || got[0] != -40 {
		t.Errorf("levels = %v", got)
	}
	e.wantErr(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".RegisterSignalLevelAgent", dbus.ObjectPath("/sig"), []int16{-40}), "net.connman.iwd.AlreadyExists")
	e.wantErr(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".UnregisterSignalLevelAgent", dbus.ObjectPath("/other")), "net.connman.iwd.NotFound")
	e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".UnregisterSignalLevelAgent", dbus.ObjectPath("/sig")))
	if got := e.fake.SignalLevels(); got != nil {
		t.Errorf("levels after unregister = %v", got)
	}
}

// A client that sends RegisterAgent and Connect back to back (as iwctl does)
// must see them handled in that order.
func TestPipelinedRegisterThenConnect(t *testing.T) {
	e := setup(t, dbusapi.Config{})
	e.scan()
	for i := 0; i < 10; i++ {
		conn := dbustest.Connect(t, e.addr)
		dbustest.NewAgent("secret123").Export(t, conn)
		reg := conn.Object(dbusapi.Service, dbusapi.BasePath).Go(dbusapi.AgentManagerInterface+".RegisterAgent", 0, nil, dbus.ObjectPath("/test/agent"))
		con := conn.Object(dbusapi.Service, pskPath).Go(dbusapi.NetworkInterface+".Connect", 0, nil)
		if (<-reg.Done).Err != nil || (<-con.Done).Err != nil {
			t.Fatalf("round %d: RegisterAgent %v, Connect %v", i, reg.Err, con.Err)
		}
		e.ok(e.call(dbustest.FakeDevicePath, dbusapi.StationInterface+".Disconnect"))
		e.ok(e.call(dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "psk-net", Type: "psk"}), dbusapi.KnownNetworkInterface+".Forget"))
		conn.Close()
	}
}

type releaseAgent struct{ released chan struct{} }

func (a *releaseAgent) Release() *dbus.Error { close(a.released); return nil }

// On shutdown the daemon sends Release to its agents, as iwd does.
func TestShutdownReleasesAgents(t *testing.T) {
	addr := dbustest.StartBus(t)
	s := dbusapi.New(dbusapi.Config{})
	conn, err := s.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, conn) }()
	client := dbustest.Connect(t, addr)
	a := &releaseAgent{released: make(chan struct{})}
	if err := client.Export(a, "/rel", dbusapi.AgentInterface); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dbustest.Call(client, dbusapi.BasePath, dbusapi.AgentManagerInterface+".RegisterAgent", dbus.ObjectPath("/rel"))
		if c.Err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RegisterAgent: %v", c.Err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	select {
	case <-a.released:
	case <-time.After(5 * time.Second):
		t.Error("no Release on shutdown")
	}
	var has bool
	if err := client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, dbusapi.Service).Store(&has); err != nil || has {
		t.Errorf("name still owned after Serve returned (%v, %v)", has, err)
	}
}
