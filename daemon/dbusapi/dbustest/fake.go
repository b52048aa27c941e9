package dbustest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
)

// Fake is a pretend daemon behind a dbusapi.Server: one adapter (wiphy 0),
// one device "wlan0" (ifindex 3) in station mode, a scripted air and a
// known-network store in memory. It tests the API layer and its clients
// (wifictl, iwctl) without a radio, where a scripted result is handier than
// the real daemon (the daemon's own D-Bus tests run the real bridge and
// station). It must answer what wifid answers: what wifid does not do
// (modes other than station) it refuses the same way, and Powered works as
// in the daemon (a soft rfkill switch, the interface's IFF_UP).
type Fake struct {
	Server *dbusapi.Server

	mu          sync.Mutex
	air         []dbusapi.Network // what a scan finds
	hiddenAir   map[string]string // hidden SSID -> type
	passphrases map[string]string // SSID -> the passphrase the AP takes
	known       map[dbusapi.NetworkID]dbusapi.KnownNetwork
	state       dbusapi.StationState
	levels      []int8
	calls       []string
	failNext    error // the next Scan's answer, once
	// Power as the daemon has it: the radio's soft rfkill switch
	// (Adapter.Powered), the interface's IFF_UP (Device.Powered), what
	// the user last set it to; a station while the interface is up.
	radioOn, up, wantUp bool
}

// Fake's fixed identities.
const (
	FakeWiphy   = 0
	FakeIfindex = 3
	FakeIface   = "wlan0"
)

// FakeDevicePath is the Fake device's object path.
var FakeDevicePath = dbusapi.DevicePath(FakeWiphy, FakeIfindex)

// NewFake builds the Fake with its adapter, device and station published
// and the given air; passphrases maps SSIDs of psk networks to the
// passphrase they accept.
func NewFake(cfg dbusapi.Config, air []dbusapi.Network, passphrases map[string]string) *Fake {
	f := &Fake{
		Server:      dbusapi.New(cfg),
		air:         air,
		hiddenAir:   map[string]string{},
		passphrases: passphrases,
		known:       map[dbusapi.NetworkID]dbusapi.KnownNetwork{},
		state:       dbusapi.StationState{State: dbusapi.StateDisconnected},
	}
	f.radioOn, f.wantUp, f.up = true, true, true
	f.Server.AddAdapter(f.adapter(), (*fakeAdapter)(f))
	f.Server.AddDevice(f.device(), (*fakeDevice)(f))
	f.Server.AddStation(FakeIfindex, f.state, f)
	f.Server.SetKnownNetworksBackend((*fakeKnown)(f))
	return f
}

// Serve runs the Server on a new connection to the bus at addr until the
// test ends, and returns once net.connman.iwd is owned.
func (f *Fake) Serve(t testing.TB, addr string) {
	t.Helper()
	conn, err := f.Server.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Server.Serve(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, dbusapi.Service).Store(&has); err == nil && has {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("Serve ended early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("net.connman.iwd not owned within 5 s")
}

// AddHidden puts a hidden network on the air for ConnectHiddenNetwork.
func (f *Fake) AddHidden(ssid, typ string) {
	f.mu.Lock()
	f.hiddenAir[ssid] = typ
	f.mu.Unlock()
}

// AddKnown provisions a known network.
func (f *Fake) AddKnown(k dbusapi.KnownNetwork) {
	f.mu.Lock()
	f.known[k.NetworkID] = k
	f.mu.Unlock()
	f.Server.AddKnownNetwork(k)
}

// Calls returns the backend calls made so far, e.g. "Scan", "Connect psk-net".
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// SignalLevels returns the thresholds last set through a signal level agent.
func (f *Fake) SignalLevels() []int8 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.levels)
}

// State returns the station's state.
func (f *Fake) State() dbusapi.StationState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *Fake) record(c string) { f.calls = append(f.calls, c) }

// setState publishes; f.mu held.
func (f *Fake) setState(s dbusapi.StationState) {
	f.state = s
	f.Server.UpdateStation(FakeIfindex, s)
	f.Server.DebugEvent(FakeIfindex, "state", s.State)
}

func (f *Fake) Scan(ctx context.Context) error {
	return f.scan("Scan")
}

// FailNext makes the next Scan (or StationDebug.Scan) fail with err.
func (f *Fake) FailNext(err error) {
	f.mu.Lock()
	f.failNext = err
	f.mu.Unlock()
}

func (f *Fake) scan(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(name)
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	if f.state.Scanning || f.state.State == dbusapi.StateConnecting {
		return dbusapi.ErrBusy
	}
	s := f.state
	s.Scanning = true
	f.setState(s)
	go func() {
		time.Sleep(50 * time.Millisecond)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.Server.SetNetworks(FakeIfindex, f.ordered(), nil)
		s := f.state
		s.Scanning = false
		f.setState(s)
	}()
	return nil
}

// ordered: connected first, then known, then by signal; f.mu held.
func (f *Fake) ordered() []dbusapi.Network {
	nets := slices.Clone(f.air)
	rank := func(n dbusapi.Network) int {
		switch {
		case f.state.Connected != nil && *f.state.Connected == n.NetworkID:
			return 0
		case f.isKnown(n.NetworkID):
			return 1
		}
		return 2
	}
	slices.SortStableFunc(nets, func(a, b dbusapi.Network) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return int(b.Signal) - int(a.Signal)
	})
	return nets
}

func (f *Fake) isKnown(id dbusapi.NetworkID) bool {
	_, ok := f.known[id]
	return ok
}

func (f *Fake) Disconnect(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Disconnect")
	if f.state.Connected == nil {
		return nil
	}
	f.disconnect()
	return nil
}

// disconnect; f.mu held.
func (f *Fake) disconnect() {
	s := f.state
	s.Connected = nil
	s.State = dbusapi.StateDisconnecting
	f.setState(s)
	s.State = dbusapi.StateDisconnected
	f.setState(s)
}

func (f *Fake) Connect(ctx context.Context, id dbusapi.NetworkID) error {
	f.mu.Lock()
	f.record("Connect " + id.SSID)
	found := slices.ContainsFunc(f.air, func(n dbusapi.Network) bool { return n.NetworkID == id })
	_, isKnown := f.known[id]
	f.mu.Unlock()
	if !found {
		return dbusapi.ErrNotFound
	}
	return f.connect(ctx, id, isKnown)
}

func (f *Fake) connect(ctx context.Context, id dbusapi.NetworkID, isKnown bool) error {
	if id.Type == "psk" && !isKnown {
		path, _ := f.Server.NetworkPathOf(FakeIfindex, id)
		pass, err := f.Server.Agents().RequestPassphrase(ctx, path)
		if err != nil {
			return err
		}
		if len(pass) < 8 || len(pass) > 63 {
			return dbusapi.ErrInvalidFormat
		}
		f.mu.Lock()
		want := f.passphrases[id.SSID]
		f.mu.Unlock()
		if pass != want {
			f.mu.Lock()
			s := f.state
			s.LastConnect = f.timeline(id, "failed: 4-way handshake timed out", 3)
			f.setState(s)
			f.mu.Unlock()
			return dbusapi.ErrFailed
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state.Connected != nil {
		f.disconnect()
	}
	s := f.state
	s.Connected = &id
	s.AccessPoint = nil
	for _, nw := range f.air {
		if nw.NetworkID == id && len(nw.BSS) > 0 {
			s.AccessPoint = nw.BSS[0].Address // the best, as the station picks it
		}
	}
	s.State = dbusapi.StateConnecting
	s.LastConnect = f.timeline(id, "", 2)
	f.setState(s)
	s.State = dbusapi.StateConnected
	s.LastConnect = f.timeline(id, "connected", len(fakePhases))
	f.setState(s)
	k, ok := f.known[id]
	if !ok {
		k = dbusapi.KnownNetwork{NetworkID: id, AutoConnect: true}
	}
	k.LastConnected = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.known[id] = k
	f.Server.AddKnownNetwork(k)
	f.Server.SetNetworks(FakeIfindex, f.ordered(), nil)
	return nil
}

// fakePhases are the phases of the Fake's connect timeline, with fixed
// durations.
var fakePhases = []dbusapi.ConnectPhase{
	{Name: "scan", Duration: 120 * time.Millisecond},
	{Name: "authenticate", Duration: 4 * time.Millisecond},
	{Name: "associate", Duration: 6 * time.Millisecond},
	{Name: "4-way", Duration: 30 * time.Millisecond},
	{Name: "group-key", Duration: 1 * time.Millisecond},
	{Name: "netconfig", Duration: 239 * time.Millisecond, Detail: "rapid commit"},
}

// FakeStart is the start time of the Fake's connect timelines.
var FakeStart = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// timeline is a connect attempt of n phases; the last one runs while
// outcome is "".
func (f *Fake) timeline(id dbusapi.NetworkID, outcome string, n int) *dbusapi.ConnectTimeline {
	tl := &dbusapi.ConnectTimeline{Kind: "connect", Network: id.SSID, Start: FakeStart, Outcome: outcome}
	for _, nw := range f.air {
		if nw.NetworkID == id && len(nw.BSS) > 0 {
			tl.BSSID = nw.BSS[0].Address.String()
		}
	}
	var off time.Duration
	for i, p := range fakePhases[:n] {
		p.Offset = off
		if outcome == "" && i == n-1 {
			p.Duration, p.Detail = 0, ""
		}
		off += p.Duration
		tl.Phases = append(tl.Phases, p)
	}
	tl.Total = off
	return tl
}

func (f *Fake) ConnectHidden(ctx context.Context, ssid string) error {
	f.mu.Lock()
	f.record("ConnectHidden " + ssid)
	typ, ok := f.hiddenAir[ssid]
	_, isKnown := f.known[dbusapi.NetworkID{SSID: ssid, Type: typ}]
	if ok && isKnown {
		f.mu.Unlock()
		return dbusapi.ErrAlreadyProvisioned
	}
	if !ok && slices.ContainsFunc(f.air, func(n dbusapi.Network) bool { return n.SSID == ssid }) {
		f.mu.Unlock()
		return dbusapi.ErrNotHidden // its beacons show its name, as the daemon's station says
	}
	if ok {
		f.air = append(f.air, dbusapi.Network{NetworkID: dbusapi.NetworkID{SSID: ssid, Type: typ}, Signal: -6000})
		f.Server.SetNetworks(FakeIfindex, f.ordered(), nil)
	}
	f.mu.Unlock()
	if !ok {
		return dbusapi.ErrNotFound
	}
	return f.connect(ctx, dbusapi.NetworkID{SSID: ssid, Type: typ}, false)
}

// SignalLevelBackend, DiagnosticsBackend, DebugBackend.

func (f *Fake) SetSignalLevels(ctx context.Context, levels []int8) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.levels = levels
	return nil
}

func (f *Fake) Diagnostics(ctx context.Context) (*dbusapi.Diagnostics, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state.Connected == nil {
		return nil, dbusapi.ErrNotConnected
	}
	// A WPA2-Personal connection on channel 1, an HT rate in, a VHT
	// rate out; no average signal (the kernel may leave it out).
	rssi := int16(-40)
	return &dbusapi.Diagnostics{ConnectedBss: net.HardwareAddr{2, 0, 0, 0, 1, 0}, Frequency: 2412, Channel: 1,
		Security: "WPA2-Personal", PairwiseCipher: "CCMP-128", RSSI: &rssi,
		Rx: dbusapi.Bitrate{Rate: 650, Mode: "802.11n", MCS: 7}, Tx: dbusapi.Bitrate{Rate: 867, Mode: "802.11ac", MCS: 9},
		ExpectedThroughput: 50000}, nil
}

func (f *Fake) ConnectBSSID(ctx context.Context, bssid net.HardwareAddr) error {
	f.mu.Lock()
	var id *dbusapi.NetworkID
	for _, n := range f.air {
		for _, b := range n.BSS {
			if b.Address.String() == bssid.String() {
				id = &n.NetworkID
			}
		}
	}
	f.record("ConnectBSSID " + bssid.String())
	isKnown := id != nil && f.isKnown(*id)
	f.mu.Unlock()
	if id == nil {
		return dbusapi.ErrNotFound
	}
	return f.connect(ctx, *id, isKnown)
}

// Roam answers as the daemon's station would: a BSS of the connected
// network is roamed to at once, any other fails.
func (f *Fake) Roam(ctx context.Context, bssid net.HardwareAddr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Roam " + bssid.String())
	if f.state.Connected == nil {
		return dbusapi.ErrNotConnected
	}
	for _, n := range f.air {
		if n.NetworkID != *f.state.Connected {
			continue
		}
		for _, b := range n.BSS {
			if b.Address.String() == bssid.String() {
				return nil
			}
		}
	}
	return dbusapi.ErrFailed
}

func (f *Fake) ScanFrequencies(ctx context.Context, freqs []uint16) error {
	return f.scan("DebugScan")
}

func (f *Fake) SetAutoConnect(ctx context.Context, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.state
	s.AutoConnect = on
	f.setState(s)
	return nil
}

func (f *Fake) adapter() dbusapi.Adapter {
	return dbusapi.Adapter{Wiphy: FakeWiphy, Name: "phy0", Vendor: "Fake Vendor", Powered: f.radioOn,
		SupportedModes: []string{"station"}}
}

func (f *Fake) device() dbusapi.Device {
	return dbusapi.Device{Wiphy: FakeWiphy, Ifindex: FakeIfindex, Name: FakeIface,
		Address: net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}, Powered: f.up, Mode: "station"}
}

// setUp brings the interface up or down, and its station with it, as the
// daemon does; f.mu held.
func (f *Fake) setUp(up bool) {
	if f.up == up {
		return
	}
	f.up = up
	f.Server.UpdateDevice(f.device())
	if !up {
		f.Server.RemoveStation(FakeIfindex)
		f.state = dbusapi.StationState{State: dbusapi.StateDisconnected, AutoConnect: f.state.AutoConnect}
		return
	}
	f.Server.AddStation(FakeIfindex, f.state, f)
}

// fakeAdapter is the radio with a soft rfkill switch (no hard one).
type fakeAdapter Fake

func (a *fakeAdapter) SetPowered(ctx context.Context, on bool) error {
	f := (*Fake)(a)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("Adapter.Powered %v", on))
	if f.radioOn == on {
		return nil
	}
	f.radioOn = on
	f.Server.UpdateAdapter(f.adapter())
	f.setUp(on && f.wantUp) // blocked, the interface goes down; unblocked, up if wanted
	return nil
}

// fakeDevice is the interface.
type fakeDevice Fake

func (d *fakeDevice) SetPowered(ctx context.Context, up bool) error {
	f := (*Fake)(d)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("Device.Powered %v", up))
	f.wantUp = up
	if up && !f.radioOn {
		return dbusapi.ErrNotAvailable // rfkilled: the kernel refuses IFF_UP
	}
	f.setUp(up)
	return nil
}

func (*fakeDevice) SetMode(ctx context.Context, mode string) error {
	if mode != "station" {
		return dbusapi.ErrNotSupported
	}
	return nil
}

type fakeKnown Fake

func (k *fakeKnown) Forget(ctx context.Context, id dbusapi.NetworkID) error {
	f := (*Fake)(k)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.known[id]; !ok {
		return dbusapi.ErrNotFound
	}
	delete(f.known, id)
	if f.state.Connected != nil && *f.state.Connected == id {
		f.disconnect()
	}
	f.Server.RemoveKnownNetwork(id)
	return nil
}

func (k *fakeKnown) SetAutoConnect(ctx context.Context, id dbusapi.NetworkID, on bool) error {
	f := (*Fake)(k)
	f.mu.Lock()
	defer f.mu.Unlock()
	kn, ok := f.known[id]
	if !ok {
		return dbusapi.ErrNotFound
	}
	kn.AutoConnect = on
	f.known[id] = kn
	return f.Server.UpdateKnownNetwork(kn)
}

// Call is a helper for tests: a method call on wifid's object at path.
func Call(conn *dbus.Conn, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return conn.Object(dbusapi.Service, path).Call(method, 0, args...)
}

// Republish publishes the current networks and station state again,
// unchanged (which must signal nothing).
func (f *Fake) Republish() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Server.SetNetworks(FakeIfindex, f.ordered(), nil)
	f.Server.UpdateStation(FakeIfindex, f.state)
}
