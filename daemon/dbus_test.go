package daemon

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
	"wifid/nl80211"
	"wifid/nl80211/ie"
	"wifid/station"
)

// TestConnectTimeline: the bridge publishes the station's own record,
// offsets from the attempt's start, and a running attempt's total does not
// move with the clock (it would signal LastConnect on every view).
func TestConnectTimeline(t *testing.T) {
	if connectTimeline(nil) != nil {
		t.Error("no attempt yet: want no LastConnect")
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tl := station.NewTimeline("connect", "labnet", clock)
	tl.BSSID = "02:00:00:00:00:00"
	tl.Begin(station.PhaseScan)
	now = now.Add(800 * time.Millisecond)
	tl.Begin(station.PhaseAuth)
	now = now.Add(5 * time.Millisecond)
	tl.Begin(station.PhaseAssoc)
	now = now.Add(time.Second)

	running := connectTimeline(tl)
	if running.Outcome != "" || len(running.Phases) != 3 || running.Total != 805*time.Millisecond {
		t.Errorf("running = %+v", running)
	}
	if p := running.Phases[1]; p.Name != "authenticate" || p.Offset != 800*time.Millisecond || p.Duration != 5*time.Millisecond {
		t.Errorf("authenticate = %+v", p)
	}

	tl.Done("status 0")
	tl.Finish("connected")
	done := connectTimeline(tl)
	if done.Outcome != "connected" || done.Total != 1805*time.Millisecond || done.BSSID != "02:00:00:00:00:00" || done.Kind != "connect" {
		t.Errorf("finished = %+v", done)
	}
	if p := done.Phases[2]; p.Duration != time.Second || p.Detail != "status 0" {
		t.Errorf("associate = %+v", p)
	}
}

// The tests below drive the real daemon (its D-Bus bridge, a real station,
// the known-network store) through net.connman.iwd on a private bus, with a
// scripted kernel under the station (apiharness_test.go).

func TestDBusManagedObjects(t *testing.T) {
	h := newAPIHarness(t, map[string]string{"cafe.open": ""},
		airBSS("cafe", 1, 0, -4000), airBSS("home", 2, 2, -5000))
	h.scan()
	objs := h.managed()
	if _, ok := objs["/"]; ok {
		t.Error("GetManagedObjects lists /, the manager itself")
	}
	ad := objs[dbusapi.AdapterPath(hWiphy)][dbusapi.AdapterInterface]
	if ad["Name"].Value() != "phy0" || ad["Powered"].Value() != true || !reflect.DeepEqual(ad["SupportedModes"].Value(), []string{"station"}) {
		t.Errorf("adapter = %v", ad)
	}
	dev := objs[hDevice]
	if d := dev[dbusapi.DeviceInterface]; d["Name"].Value() != "wlan7" || d["Mode"].Value() != "station" ||
		d["Address"].Value() != "02:00:00:00:00:07" || d["Adapter"].Value() != dbusapi.AdapterPath(hWiphy) {
		t.Errorf("device = %v", d)
	}
	if st := dev[dbusapi.StationInterface]; st["State"].Value() != "disconnected" || st["Scanning"].Value() != false {
		t.Errorf("station = %v", st)
	}
	if _, ok := dev[dbusapi.PropertiesInterface]; !ok {
		t.Error("device object without org.freedesktop.DBus.Properties")
	}
	if _, ok := dev[dbusapi.StationDebugInterface]; !ok {
		t.Error("developer mode without StationDebug")
	}
	knownPath := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "cafe", Type: "open"})
	if n := objs[network("cafe", "open")][dbusapi.NetworkInterface]; n["Name"].Value() != "cafe" || n["Type"].Value() != "open" ||
		n["Device"].Value() != hDevice || n["Connected"].Value() != false || n["KnownNetwork"].Value() != knownPath {
		t.Errorf("network cafe = %v", n)
	}
	if n := objs[network("home", "psk")][dbusapi.NetworkInterface]; n["Type"].Value() != "psk" || n["KnownNetwork"].Value() != nil {
		t.Errorf("network home = %v", n)
	}
	if k := objs[knownPath][dbusapi.KnownNetworkInterface]; k["Name"].Value() != "cafe" || k["Type"].Value() != "open" || k["AutoConnect"].Value() != true {
		t.Errorf("known network = %v", k)
	}
}

// TestDBusStationStateSignals: a connect and a disconnect show as
// PropertiesChanged of Station.State, in order, with ConnectedNetwork.
func TestDBusStationStateSignals(t *testing.T) {
	h := newAPIHarness(t, nil, airBSS("cafe", 1, 0, -4000))
	h.scan()
	cafe := network("cafe", "open")
	done := h.goCall(cafe, dbusapi.NetworkInterface+".Connect")
	s := h.waitSignal("State connecting", stationState("connecting"))
	if v := s.Body[1].(map[string]dbus.Variant)["ConnectedNetwork"]; v.Value() != cafe {
		t.Errorf("connecting: ConnectedNetwork %v, want %s", v, cafe)
	}
	h.connectEvent(0)
	h.waitSignal("State connected", stationState("connected"))
	h.ok(h.answer("Connect", done))
	var diag map[string]dbus.Variant
	if err := h.call(hDevice, dbusapi.StationDiagnosticInterface+".GetDiagnostics").Store(&diag); err != nil {
		t.Fatalf("GetDiagnostics: %v", err)
	}
	// The signal is the kernel's station info of the AP (-45), not the
	// scan's; an open network has no PairwiseCipher, the kernel no rates.
	if diag["ConnectedBss"].Value() != "02:00:00:00:09:01" || diag["Frequency"].Value() != uint32(2412) ||
		diag["Channel"].Value() != uint16(1) || diag["Security"].Value() != "Open" || diag["RSSI"].Value() != int16(-45) ||
		len(diag) != 5 {
		t.Errorf("diagnostics = %v", diag)
	}
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Disconnect"))
	h.waitSignal("State disconnecting", stationState("disconnecting"))
	h.waitSignal("State disconnected", stationState("disconnected"))
	if st := h.managed()[hDevice][dbusapi.StationInterface]; st["ConnectedNetwork"].Value() != nil {
		t.Errorf("disconnected, yet ConnectedNetwork %v", st["ConnectedNetwork"])
	}
	// Disconnect while idle succeeds, as iwd's.
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Disconnect"))
}

// TestDBusBusy: one scan at a time and no scan while connecting, each
// refused with InProgress; a connect while connecting replaces the one
// under way, which ends with Aborted (iwd's station_connect_network).
func TestDBusBusy(t *testing.T) {
	h := newAPIHarness(t, nil, airBSS("cafe", 1, 0, -4000), airBSS("bar", 2, 0, -5000))
	h.scan()
	release := h.k.holdScans()
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Scan"))
	h.wantErr("Scan while scanning", h.call(hDevice, dbusapi.StationInterface+".Scan"), "net.connman.iwd.InProgress")
	release()
	h.waitSignal("Scanning false", stationProp("Scanning", false))

	done := h.goCall(network("cafe", "open"), dbusapi.NetworkInterface+".Connect")
	<-h.k.connects
	bar := h.goCall(network("bar", "open"), dbusapi.NetworkInterface+".Connect")
	h.wantErr("Connect replaced by another", h.answer("Connect cafe", done), "net.connman.iwd.Aborted")
	req := <-h.k.connects
	if string(req.SSID) != "bar" {
		t.Fatalf("second connect went to %q", req.SSID)
	}
	h.wantErr("Scan while connecting", h.call(hDevice, dbusapi.StationInterface+".Scan"), "net.connman.iwd.InProgress")
	h.d.route(h.ctx, &nl80211.ConnectEvent{EventInfo: nl80211.EventInfo{Ifindex: hIfindex}, BSSID: req.BSSID})
	h.ok(h.answer("Connect bar", bar))
}

// TestDBusErrors: the station's refusals reach clients with iwd's names.
func TestDBusErrors(t *testing.T) {
	h := newAPIHarness(t, map[string]string{"secret.psk": "[Security]\nPassphrase=secret123\n"},
		airBSS("cafe", 1, 0, -4000), airBSS("corp", 3, 1, -5000))
	h.scan()
	st := dbusapi.StationInterface
	hidden := st + ".ConnectHiddenNetwork"
	h.wantErr("ConnectHiddenNetwork of an empty SSID", h.call(hDevice, hidden, ""), "net.connman.iwd.InvalidArguments")
	h.wantErr("ConnectHiddenNetwork of a long SSID", h.call(hDevice, hidden, strings.Repeat("x", 33)), "net.connman.iwd.InvalidArguments")
	h.wantErr("ConnectHiddenNetwork with a number", h.call(hDevice, hidden, uint32(7)), "org.freedesktop.DBus.Error.InvalidArgs")
	h.wantErr("ConnectHiddenNetwork of a visible SSID", h.call(hDevice, hidden, "cafe"), "net.connman.iwd.NotHidden")
	h.wantErr("ConnectHiddenNetwork of a known SSID", h.call(hDevice, hidden, "secret"), "net.connman.iwd.AlreadyProvisioned")
	h.wantErr("ConnectHiddenNetwork of nothing on the air", h.call(hDevice, hidden, "nowhere"), "net.connman.iwd.NotFound")
	h.wantErr("Connect 802.1X without its file", h.call(network("corp", "8021x"), dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.NotConfigured")
	h.wantErr("Forget of no known network", h.call(dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "cafe", Type: "open"}),
		dbusapi.KnownNetworkInterface+".Forget"), "org.freedesktop.DBus.Error.UnknownObject")
	h.wantErr("Adapter.Powered of a radio with no rfkill switch", h.call(dbusapi.AdapterPath(hWiphy), dbusapi.PropertiesInterface+".Set", dbusapi.AdapterInterface, "Powered",
		dbus.MakeVariant(false)), "net.connman.iwd.NotSupported")
	h.wantErr("ConnectBssid of no BSS", h.call(hDevice, dbusapi.StationDebugInterface+".ConnectBssid", []byte{2, 0, 0, 0, 9, 9}),
		"net.connman.iwd.NotFound")
	h.wantErr("Roam while disconnected", h.call(hDevice, dbusapi.StationDebugInterface+".Roam", []byte{2, 0, 0, 0, 9, 1}),
		"net.connman.iwd.NotConnected")
	h.wantErr("GetDiagnostics while disconnected", h.call(hDevice, dbusapi.StationDiagnosticInterface+".GetDiagnostics"),
		"org.freedesktop.DBus.Error.UnknownInterface")
	h.wantErr("Device.Mode ap", h.call(hDevice, dbusapi.PropertiesInterface+".Set", dbusapi.DeviceInterface, "Mode",
		dbus.MakeVariant("ap")), "net.connman.iwd.NotSupported")

	// The association refused (status 1) by the only BSS: Failed.
	cafe := network("cafe", "open")
	done := h.goCall(cafe, dbusapi.NetworkInterface+".Connect")
	h.connectEvent(1)
	h.wantErr("Connect refused", h.answer("Connect", done), "net.connman.iwd.Failed")
	// A connect the user disconnects: Aborted. (The failed BSS is
	// blacklisted, yet still the one to try when it is the only one.)
	done = h.goCall(cafe, dbusapi.NetworkInterface+".Connect")
	<-h.k.connects
	h.ok(h.call(hDevice, st+".Disconnect"))
	h.wantErr("Connect disconnected", h.answer("Connect", done), "net.connman.iwd.Aborted")
}

// TestDBus8021XSettings: an 802.1X file whose method wifid lacks (SIM):
// NotSupported, as iwd answers what it cannot do; one whose settings are
// incomplete (PEAP without its inner method): NotConfigured, as iwd's
// network_connect_8021x answers a failed eap_check_settings.
func TestDBus8021XSettings(t *testing.T) {
	h := newAPIHarness(t, map[string]string{"corp.8021x": "[Security]\nEAP-Method=SIM\n",
		"lab.8021x": "[Security]\nEAP-Method=PEAP\n"}, airBSS("corp", 3, 1, -5000), airBSS("lab", 4, 1, -5000))
	h.scan()
	h.wantErr("Connect SIM", h.call(network("corp", "8021x"), dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.NotSupported")
	h.wantErr("Connect PEAP", h.call(network("lab", "8021x"), dbusapi.NetworkInterface+".Connect"), "net.connman.iwd.NotConfigured")
}

// TestDBusForget: KnownNetwork.Forget removes the file and the object and
// disconnects the network when it is the connected one.
func TestDBusForget(t *testing.T) {
	h := newAPIHarness(t, map[string]string{"cafe.open": ""}, airBSS("cafe", 1, 0, -4000))
	h.scan()
	done := h.goCall(network("cafe", "open"), dbusapi.NetworkInterface+".Connect")
	h.connectEvent(0)
	h.ok(h.answer("Connect", done))
	h.waitSignal("State connected", stationState("connected"))

	knownPath := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "cafe", Type: "open"})
	h.ok(h.call(knownPath, dbusapi.KnownNetworkInterface+".Forget"))
	h.waitSignal("State disconnected", stationState("disconnected"))
	h.waitSignal("KnownNetwork removed", func(s *dbus.Signal) bool {
		return s.Name == dbusapi.ObjectManagerInterface+".InterfacesRemoved" && s.Body[0] == knownPath
	})
	if _, err := os.Stat(filepath.Join(h.dir, "cafe.open")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cafe.open after Forget: %v", err)
	}
	h.k.mu.Lock()
	discs := h.k.discs
	h.k.mu.Unlock()
	if discs == 0 {
		t.Error("Forget of the connected network did not deauthenticate")
	}
	if _, ok := h.managed()[knownPath]; ok {
		t.Error("the known network is still managed")
	}
}

// TestDBusHotspot: a Hotspot 2.0 profile is a known network of type
// "hotspot" shown by its Name; the 802.1X network whose beacon's HESSID it
// names points to it (Network.KnownNetwork) and Connect does not answer
// NotConfigured; Forget removes the profile and the link.
func TestDBusHotspot(t *testing.T) {
	bss := airBSS("Hotspot", 1, 1, -4000)
	bss.IEs = append(bss.IEs, 107, 7, 0x1e, 2, 0, 0, 0, 4, 0, 0xdd, 5, 0x50, 0x6f, 0x9a, 0x10, 0x20)
	h := newAPIHarness(t, map[string]string{"hotspot/h.conf": "[Security]\nEAP-Method=TTLS\nEAP-Identity=a@b\n" +
		"EAP-TTLS-Phase2-Method=Tunneled-PAP\n[Hotspot]\nName=My Hotspot\nHESSID=02:00:00:00:04:00\n"}, bss)
	h.scan()
	objs := h.managed()
	knownPath := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "h.conf", Type: "hotspot"})
	if !strings.HasSuffix(string(knownPath), "_hotspot") {
		t.Errorf("hotspot path %s", knownPath)
	}
	if k := objs[knownPath][dbusapi.KnownNetworkInterface]; k["Name"].Value() != "My Hotspot" || k["Type"].Value() != "hotspot" {
		t.Errorf("known network = %v", k)
	}
	if n := objs[network("Hotspot", "8021x")][dbusapi.NetworkInterface]; n["KnownNetwork"].Value() != knownPath {
		t.Errorf("network = %v", n)
	}
	h.ok(h.call(knownPath, dbusapi.KnownNetworkInterface+".Forget"))
	h.waitSignal("KnownNetwork removed", func(s *dbus.Signal) bool {
		return s.Name == dbusapi.ObjectManagerInterface+".InterfacesRemoved" && s.Body[0] == knownPath
	})
	if _, err := os.Stat(filepath.Join(h.dir, "hotspot", "h.conf")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("profile after Forget: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n := h.managed()[network("Hotspot", "8021x")][dbusapi.NetworkInterface]
		if _, linked := n["KnownNetwork"]; !linked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("network still linked after Forget: %v", n)
		}
	}
	h.wantErr("Connect without the profile", h.call(network("Hotspot", "8021x"), dbusapi.NetworkInterface+".Connect"),
		"net.connman.iwd.NotConfigured")
}

// TestDBusAgent: a new PSK network asks the registered agent for its
// passphrase; no agent is NoAgent, a refusing agent Aborted.
func TestDBusAgent(t *testing.T) {
	h := newAPIHarness(t, nil, airBSS("home", 2, 2, -5000))
	h.scan()
	home := network("home", "psk")
	connect := dbusapi.NetworkInterface + ".Connect"
	h.wantErr("Connect with no agent", h.call(home, connect), "net.connman.iwd.NoAgent")

	refuser := dbustest.NewAgent("")
	refuser.Refuse()
	conn := dbustest.RegisterAgent(t, h.addr, refuser)
	h.wantErr("RegisterAgent twice", dbustest.Call(conn, dbusapi.BasePath, dbusapi.AgentManagerInterface+".RegisterAgent",
		dbus.ObjectPath("/other")), "net.connman.iwd.AlreadyExists")
	h.wantErr("Connect, the agent refusing", h.call(home, connect), "net.connman.iwd.Aborted")
	if got := <-refuser.Asked; got != home {
		t.Errorf("agent asked for %s, want %s", got, home)
	}
	unregister := dbusapi.AgentManagerInterface + ".UnregisterAgent"
	if c := dbustest.Call(conn, dbusapi.BasePath, unregister, dbustest.AgentPath); c.Err != nil {
		t.Fatalf("UnregisterAgent: %v", c.Err)
	}
	h.wantErr("UnregisterAgent twice", dbustest.Call(conn, dbusapi.BasePath, unregister, dbustest.AgentPath),
		"net.connman.iwd.NotFound")
	h.wantErr("Connect after UnregisterAgent", h.call(home, connect), "net.connman.iwd.NoAgent")

	// An agent that answers: the station goes on to the handshake (its
	// EAPOL port, which the scripted kernel refuses: Failed).
	giver := dbustest.NewAgent("secret123")
	dbustest.RegisterAgent(t, h.addr, giver)
	h.wantErr("Connect, the handshake impossible here", h.call(home, connect), "net.connman.iwd.Failed")
	if got := <-giver.Asked; got != home {
		t.Errorf("agent asked for %s, want %s", got, home)
	}
	h.k.mu.Lock()
	ports := h.k.ports
	h.k.mu.Unlock()
	if ports != 1 {
		t.Errorf("EAPOL ports asked for: %d, want 1 (after the passphrase)", ports)
	}
}

// TestDBusAgentOfTheCaller: with two clients' agents registered (say
// NetworkManager's first, then iwctl's), a passphrase request goes to the
// agent of the client that called Connect, as iwd's get_agent does; a
// client without an agent of its own gets the first one registered.
func TestDBusAgentOfTheCaller(t *testing.T) {
	h := newAPIHarness(t, nil, airBSS("home", 2, 2, -5000))
	h.scan()
	home := network("home", "psk")
	connect := dbusapi.NetworkInterface + ".Connect"
	first, second := dbustest.NewAgent(""), dbustest.NewAgent("")
	first.Refuse()
	second.Refuse()
	firstConn := dbustest.RegisterAgent(t, h.addr, first)
	secondConn := dbustest.RegisterAgent(t, h.addr, second)
	asked := func(who string, want, not *dbustest.Agent) {
		t.Helper()
		select {
		case got := <-want.Asked:
			if got != home {
				t.Errorf("%s: asked for %s, want %s", who, got, home)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: its agent was not asked", who)
		}
		select {
		case <-not.Asked:
			t.Errorf("%s: the other client's agent was asked", who)
		default:
		}
	}
	h.wantErr("second client's Connect", dbustest.Call(secondConn, home, connect), "net.connman.iwd.Aborted")
	asked("second client", second, first)
	h.wantErr("first client's Connect", dbustest.Call(firstConn, home, connect), "net.connman.iwd.Aborted")
	asked("first client", first, second)
	h.wantErr("Connect of a client without an agent", h.call(home, connect), "net.connman.iwd.Aborted")
	asked("a client without an agent", first, second)
}

// TestDBusAgentCancelled: a Disconnect while the agent is asked ends the
// Connect with Aborted and tells the agent Cancel.
func TestDBusAgentCancelled(t *testing.T) {
	h := newAPIHarness(t, nil, airBSS("home", 2, 2, -5000))
	h.scan()
	slow := dbustest.NewAgent("secret123")
	slow.Delay = 2 * time.Second
	dbustest.RegisterAgent(t, h.addr, slow)
	done := h.goCall(network("home", "psk"), dbusapi.NetworkInterface+".Connect")
	select {
	case <-slow.Asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent was not asked")
	}
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Disconnect"))
	h.wantErr("Connect, disconnected while the agent is asked", h.answer("Connect", done), "net.connman.iwd.Aborted")
	select {
	case r := <-slow.Cancels:
		if r != "user-canceled" {
			t.Errorf("Cancel(%q), want user-canceled", r)
		}
	case <-time.After(10 * time.Second):
		t.Error("the agent got no Cancel")
	}
}

// TestDiagnosticsFromStation: the kernel's station info as iwd reports it:
// a mode and MCS for HT, VHT and HE rates only (an EHT or legacy rate
// keeps its bitrate), both signals, the channel and suites named.
func TestDiagnosticsFromStation(t *testing.T) {
	d := diagnostics(&station.Diagnostics{BSSID: net.HardwareAddr{2, 0, 0, 0, 0, 1}, Freq: 5955, AKM: ie.AKMSAE,
		Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128,
		Info: nl80211.StationInfo{Signal: -60, HasSignal: true, SignalAvg: -62, HasSignalAvg: true, ExpectedTput: 1000,
			RxBitrate: nl80211.RateInfo{Bitrate: 28820, Mode: nl80211.RateEHT, MCS: 13},
			TxBitrate: nl80211.RateInfo{Bitrate: 1201, Mode: nl80211.RateHE, MCS: 11}}})
	if d.Channel != 1 || d.Security != "WPA3-Personal" || d.PairwiseCipher != "CCMP-128" || *d.RSSI != -60 || *d.AverageRSSI != -62 ||
		d.Rx != (dbusapi.Bitrate{Rate: 28820}) || d.Tx != (dbusapi.Bitrate{Rate: 1201, Mode: "802.11ax", MCS: 11}) || d.ExpectedThroughput != 1000 {
		t.Errorf("diagnostics %+v", d)
	}
	for mode, want := range map[int]string{nl80211.RateLegacy: "", nl80211.RateHT: "802.11n", nl80211.RateVHT: "802.11ac"} {
		if b := bitrate(nl80211.RateInfo{Bitrate: 10, Mode: mode, MCS: 5}); b.Mode != want || (want == "") != (b.MCS == 0) {
			t.Errorf("mode %d: %+v, want mode %q", mode, b, want)
		}
	}
	if d := diagnostics(&station.Diagnostics{}); d.RSSI != nil || d.AverageRSSI != nil || d.Security != "Open" {
		t.Errorf("no station info: %+v", d)
	}
}
