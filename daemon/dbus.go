package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"wifid/daemon/dbusapi"
	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/station"
)

// bridge shows the daemon on D-Bus: it publishes stations' views and the
// known networks to the dbusapi server, and turns method calls into station
// and knownnetworks calls, their errors into iwd's.
type bridge struct {
	srv *dbusapi.Server
	d   *Daemon
	log *slog.Logger

	mu       sync.Mutex              // guards adapters, known and knownGen
	adapters map[int]dbusapi.Adapter // wiphy index -> what is shown of it
	known    map[dbusapi.NetworkID]bool
	knownGen uint64 // the store's Generation known was synced at
	synced   bool   // known was synced at least once
}

func newBridge(srv *dbusapi.Server, d *Daemon) *bridge {
	b := &bridge{srv: srv, d: d, log: d.log, adapters: map[int]dbusapi.Adapter{}, known: map[dbusapi.NetworkID]bool{}}
	srv.SetKnownNetworksBackend(knownBackend{b})
	b.syncKnown()
	return b
}

func networkID(ssid string, sec knownnetworks.Security) dbusapi.NetworkID {
	return dbusapi.NetworkID{SSID: ssid, Type: sec.String()}
}

// DeviceAdded shows an interface, and its adapter the first time.
func (b *bridge) DeviceAdded(info DeviceInfo) {
	w := info.Wiphy
	b.mu.Lock()
	_, shown := b.adapters[w.Index]
	a := dbusapi.Adapter{Wiphy: uint32(w.Index), Name: w.Name, Powered: info.AdapterPowered,
		SupportedModes: []string{"station"}}
	b.adapters[w.Index] = a
	b.mu.Unlock()
	if !shown {
		b.srv.AddAdapter(a, adapterBackend{d: b.d, wiphy: w.Index})
	}
	b.srv.AddDevice(device(info), deviceBackend{d: b.d, ifindex: info.Iface.Index})
}

func device(info DeviceInfo) dbusapi.Device {
	return dbusapi.Device{Wiphy: uint32(info.Wiphy.Index), Ifindex: uint32(info.Iface.Index), Name: info.Iface.Name,
		Address: info.Iface.MAC, Powered: info.Powered, Mode: "station"}
}

// DeviceChanged shows an interface's new name or power.
func (b *bridge) DeviceChanged(info DeviceInfo) {
	if err := b.srv.UpdateDevice(device(info)); err != nil {
		b.log.Debug("D-Bus device", "err", err)
	}
}

func (b *bridge) DeviceRemoved(ifindex int) { b.srv.RemoveDevice(uint32(ifindex)) }

// AdapterChanged shows a radio blocked or unblocked.
func (b *bridge) AdapterChanged(wiphy int, powered bool) {
	b.mu.Lock()
	a, ok := b.adapters[wiphy]
	a.Powered = powered
	b.adapters[wiphy] = a
	b.mu.Unlock()
	if ok {
		if err := b.srv.UpdateAdapter(a); err != nil {
			b.log.Debug("D-Bus adapter", "err", err)
		}
	}
}

// StationAdded shows the Station interface of a device that came up.
func (b *bridge) StationAdded(info StationInfo) {
	ifc := info.Iface
	v := info.Station.View()
	if err := b.srv.AddStation(uint32(ifc.Index), b.stationState(v), &stationBackend{st: info.Station, known: b.d.known}); err != nil {
		b.log.Warn("D-Bus station", "iface", ifc.Name, "err", err)
	}
}

func (b *bridge) StationRemoved(ifindex int) { b.srv.RemoveStation(uint32(ifindex)) }

func (b *bridge) stationState(v station.View) dbusapi.StationState {
	st := dbusapi.StationState{State: v.State.DBusState(), Scanning: v.Scanning, AutoConnect: v.AutoConnect}
	target := v.Connected
	if target == "" {
		target = v.Connecting
	}
	if n, ok := v.Network(target); ok && target != "" {
		id := networkID(n.SSID, n.Security)
		st.Connected = &id
		st.AccessPoint = v.AccessPoint
		st.Affinity = v.Affinity && v.ConnectedBSS != nil
	}
	st.LastConnect = connectTimeline(v.Last)
	return st
}

// connectTimeline turns the station's record of its latest attempt into
// what net.connman.wifid.Station.LastConnect shows; the View's copy is the
// one timeline the log and wifictl read too.
func connectTimeline(tl *station.Timeline) *dbusapi.ConnectTimeline {
	if tl == nil {
		return nil
	}
	out := &dbusapi.ConnectTimeline{Kind: tl.Kind, Network: tl.Network, BSSID: tl.BSSID, Start: tl.Start,
		Outcome: tl.Outcome, Warnings: tl.Warnings}
	if !tl.End.IsZero() {
		out.Total = tl.End.Sub(tl.Start)
	}
	for _, s := range tl.Steps {
		out.Phases = append(out.Phases, dbusapi.ConnectPhase{Name: s.Phase, Offset: s.Start.Sub(tl.Start),
			Duration: s.Duration, Detail: s.Detail})
	}
	if tl.End.IsZero() && len(out.Phases) > 0 {
		// While running, the total is as far as the record goes: the
		// running phase's start (a published View is never re-read later).
		last := out.Phases[len(out.Phases)-1]
		out.Total = last.Offset + last.Duration
	}
	return out
}

func (b *bridge) StationChanged(ifindex int, v station.View) {
	nets := make([]dbusapi.Network, 0, len(v.Networks))
	for _, n := range v.Networks {
		dn := dbusapi.Network{NetworkID: networkID(n.SSID, n.Security), Signal: int16(n.Signal * 100)}
		if n.Hotspot != "" {
			id := networkID(n.Hotspot, knownnetworks.SecurityHotspot)
			dn.Hotspot = &id
		}
		for _, bs := range n.BSSes {
			dn.BSS = append(dn.BSS, dbusapi.BSS{Address: bs.Addr, Frequency: bs.Freq, RSSI: int32(bs.Signal), Rank: bs.Rank})
		}
		nets = append(nets, dn)
	}
	// Networks before Scanning goes false, as iwd's clients expect.
	if err := b.srv.SetNetworks(uint32(ifindex), nets, nil); err != nil {
		b.log.Debug("D-Bus networks", "err", err)
	}
	if err := b.srv.UpdateStation(uint32(ifindex), b.stationState(v)); err != nil {
		b.log.Debug("D-Bus station", "err", err)
	}
	// A connect touches its network file (LastConnected), a forget
	// removes it: show what changed, if anything did.
	b.syncKnown()
}

func (b *bridge) StationEvent(ifindex int, name string, args ...any) {
	data := make([]any, 0, len(args))
	for _, a := range args {
		switch a.(type) {
		case string, bool, int32, uint32, int64, uint64, uint16, int16, uint8:
			data = append(data, a)
		case int:
			data = append(data, int64(a.(int)))
		default:
			data = append(data, fmt.Sprint(a))
		}
	}
	b.srv.DebugEvent(uint32(ifindex), name, data...)
}

func (b *bridge) KnownNetworksChanged() { b.syncKnown() }

// SignalLevel tells the station's signal level agent (if any) its level.
func (b *bridge) SignalLevel(ifindex int, level int) {
	if level >= 0 && level < 256 {
		b.srv.SignalLevelChanged(uint32(ifindex), uint8(level))
	}
}

// syncKnown publishes the store's networks: new ones added, changed ones
// updated (the server signals only real changes), gone ones removed. It
// does nothing while the store's generation has not moved.
func (b *bridge) syncKnown() {
	b.mu.Lock()
	defer b.mu.Unlock()
	gen := b.d.known.Generation()
	if b.synced && gen == b.knownGen {
		return
	}
	b.synced, b.knownGen = true, gen
	seen := map[dbusapi.NetworkID]bool{}
	for _, k := range b.d.known.List() {
		id := networkID(k.SSID, k.Security)
		kn := dbusapi.KnownNetwork{NetworkID: id, Name: k.DisplayName(), Hidden: k.Hidden(), AutoConnect: k.AutoConnect(),
			LastConnected: k.LastConnected}
		seen[id] = true
		if b.known[id] {
			b.srv.UpdateKnownNetwork(kn)
			continue
		}
		if _, err := b.srv.AddKnownNetwork(kn); err != nil {
			b.log.Debug("D-Bus known network", "ssid", k.SSID, "err", err)
			continue
		}
		b.known[id] = true
	}
	for id := range b.known {
		if !seen[id] {
			b.srv.RemoveKnownNetwork(id)
			delete(b.known, id)
		}
	}
}

// Agent is the station's way to the user's agent for this interface.
func (b *bridge) Agent(ifindex int) station.Agent { return agentFor{b: b, ifindex: ifindex} }

type agentFor struct {
	b       *bridge
	ifindex int
}

func (a agentFor) RequestPassphrase(ctx context.Context, ssid string, sec knownnetworks.Security) (string, error) {
	path, ok := a.b.srv.NetworkPathOf(uint32(a.ifindex), networkID(ssid, sec))
	if !ok {
		return "", station.ErrNotFound
	}
	p, err := a.b.srv.Agents().RequestPassphrase(ctx, path)
	return p, agentError(err)
}

// The 802.1X requests name the network's object (type 8021x), as iwd's do.

func (a agentFor) RequestUserNameAndPassword(ctx context.Context, ssid string) (string, string, error) {
	path, ok := a.b.srv.NetworkPathOf(uint32(a.ifindex), networkID(ssid, knownnetworks.Security8021X))
	if !ok {
		return "", "", station.ErrNotFound
	}
	u, p, err := a.b.srv.Agents().RequestUserNameAndPassword(ctx, path)
	return u, p, agentError(err)
}

func (a agentFor) RequestUserPassword(ctx context.Context, ssid, user string) (string, error) {
	path, ok := a.b.srv.NetworkPathOf(uint32(a.ifindex), networkID(ssid, knownnetworks.Security8021X))
	if !ok {
		return "", station.ErrNotFound
	}
	p, err := a.b.srv.Agents().RequestUserPassword(ctx, path, user)
	return p, agentError(err)
}

func (a agentFor) RequestPrivateKeyPassphrase(ctx context.Context, ssid string) (string, error) {
	path, ok := a.b.srv.NetworkPathOf(uint32(a.ifindex), networkID(ssid, knownnetworks.Security8021X))
	if !ok {
		return "", station.ErrNotFound
	}
	p, err := a.b.srv.Agents().RequestPrivateKeyPassphrase(ctx, path)
	return p, agentError(err)
}

// agentError is the station's ErrNoAgent for dbusapi's.
func agentError(err error) error {
	if errors.Is(err, dbusapi.ErrNoAgent) {
		return station.ErrNoAgent
	}
	return err
}

// iwdError maps station errors onto iwd's D-Bus errors.
func iwdError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, station.ErrBusy):
		return dbusapi.ErrBusy
	case errors.Is(err, station.ErrNotFound):
		return dbusapi.ErrNotFound
	case errors.Is(err, station.ErrNotConnected):
		return dbusapi.ErrNotConnected
	case errors.Is(err, station.ErrAborted), errors.Is(err, context.Canceled):
		return dbusapi.ErrAborted
	case errors.Is(err, station.ErrNoAgent):
		return dbusapi.ErrNoAgent
	case errors.Is(err, station.ErrNotSupported):
		return dbusapi.ErrNotSupported
	case errors.Is(err, station.ErrInvalidFormat):
		return dbusapi.ErrInvalidFormat
	case errors.Is(err, station.ErrAlreadyProvisioned):
		return dbusapi.ErrAlreadyProvisioned
	case errors.Is(err, station.ErrAlreadyConnected):
		return dbusapi.ErrAlreadyExists
	case errors.Is(err, station.ErrServiceSetOverlap):
		return dbusapi.ErrServiceSetOverlap
	case errors.Is(err, station.ErrNotHidden):
		return dbusapi.ErrNotHidden
	case errors.Is(err, station.ErrInvalidArgs):
		return dbusapi.ErrInvalidArguments
	case errors.Is(err, station.ErrNotConfigured):
		return dbusapi.ErrNotConfigured
	}
	var de *dbusapi.Error
	if errors.As(err, &de) {
		return de
	}
	return dbusapi.ErrFailed
}

type stationBackend struct {
	st    *station.Station
	known *knownnetworks.Store
}

func (s *stationBackend) Scan(ctx context.Context) error {
	// iwd 2.3 refuses a user's scan while it connects (station_dbus_scan:
	// Busy in CONNECTING and CONNECTING_AUTO).
	if s.st.View().State.DBusState() == dbusapi.StateConnecting {
		return dbusapi.ErrBusy
	}
	return iwdError(s.st.TriggerScan(ctx, nil))
}

func (s *stationBackend) Disconnect(ctx context.Context) error {
	err := s.st.Disconnect(ctx)
	if errors.Is(err, station.ErrNotConnected) {
		return nil
	}
	return iwdError(err)
}

func (s *stationBackend) Connect(ctx context.Context, id dbusapi.NetworkID) error {
	ctx = station.WithRequestTime(ctx, time.Now())
	sec, ok := knownnetworks.ParseSecurity(id.Type)
	if !ok {
		return dbusapi.ErrNotSupported
	}
	// As iwd's network_connect: an 802.1X network needs its provisioning
	// file (or a Hotspot 2.0 profile it matched) before anything else is
	// tried.
	nid := station.NetworkPathID(id.SSID, sec)
	if _, known := s.known.Get(id.SSID, sec); sec == knownnetworks.Security8021X && !known {
		n, ok := s.st.View().Network(nid)
		if !ok || n.Hotspot == "" {
			return dbusapi.ErrNotConfigured
		}
		if _, ok := s.known.Get(n.Hotspot, knownnetworks.SecurityHotspot); !ok {
			return dbusapi.ErrNotConfigured // forgotten; the station hears of it soon
		}
	}
	return iwdError(s.st.Connect(ctx, nid))
}

func (s *stationBackend) ConnectHidden(ctx context.Context, ssid string) error {
	return iwdError(s.st.ConnectHidden(ctx, ssid))
}

func (s *stationBackend) ConnectBSSID(ctx context.Context, bssid net.HardwareAddr) error {
	return iwdError(s.st.ConnectBSSID(ctx, bssid))
}

// SetAffinity implements dbusapi.AffinityBackend.
func (s *stationBackend) SetAffinity(ctx context.Context, bssid net.HardwareAddr) error {
	return iwdError(s.st.SetAffinity(ctx, bssid))
}

func (s *stationBackend) Roam(ctx context.Context, bssid net.HardwareAddr) error {
	return iwdError(s.st.Roam(ctx, bssid))
}

func (s *stationBackend) ScanFrequencies(ctx context.Context, freqs []uint16) error {
	f := make([]uint32, len(freqs))
	for i, v := range freqs {
		f[i] = uint32(v)
	}
	return iwdError(s.st.TriggerScan(ctx, f))
}

// SetSignalLevels implements dbusapi.SignalLevelBackend.
func (s *stationBackend) SetSignalLevels(ctx context.Context, levels []int8) error {
	return iwdError(s.st.SetSignalLevels(ctx, levels))
}

func (s *stationBackend) SetAutoConnect(ctx context.Context, on bool) error {
	return iwdError(s.st.SetAutoConnect(ctx, on))
}

var _ dbusapi.DiagnosticsBackend = (*stationBackend)(nil)

// Diagnostics implements dbusapi.DiagnosticsBackend from the station's
// connection and the kernel's station info of the AP, as iwd 3.9 does.
func (s *stationBackend) Diagnostics(ctx context.Context) (*dbusapi.Diagnostics, error) {
	d, err := s.st.Diagnostics(ctx)
	if err != nil {
		return nil, iwdError(err)
	}
	return diagnostics(d), nil
}

// diagnostics turns a station's diagnostics into GetDiagnostics's values.
func diagnostics(d *station.Diagnostics) *dbusapi.Diagnostics {
	out := &dbusapi.Diagnostics{ConnectedBss: d.BSSID, Frequency: d.Freq, Channel: knownnetworks.Channel(d.Freq),
		Security: d.Security(), PairwiseCipher: d.PairwiseCipher(),
		Rx: bitrate(d.Info.RxBitrate), Tx: bitrate(d.Info.TxBitrate), ExpectedThroughput: d.Info.ExpectedTput}
	if d.Info.HasSignal {
		v := int16(d.Info.Signal)
		out.RSSI = &v
	}
	if d.Info.HasSignalAvg {
		v := int16(d.Info.SignalAvg)
		out.AverageRSSI = &v
	}
	return out
}

// bitrate is a kernel rate as iwd reports it: a mode and MCS for HT, VHT
// and HE only (iwd names no legacy or EHT mode, but gives their bitrate).
func bitrate(r nl80211.RateInfo) dbusapi.Bitrate {
	b := dbusapi.Bitrate{Rate: r.Bitrate}
	switch r.Mode {
	case nl80211.RateHT:
		b.Mode = "802.11n"
	case nl80211.RateVHT:
		b.Mode = "802.11ac"
	case nl80211.RateHE:
		b.Mode = "802.11ax"
	}
	if b.Mode != "" {
		b.MCS = r.MCS
	}
	return b
}

type knownBackend struct{ b *bridge }

func (k knownBackend) Forget(ctx context.Context, id dbusapi.NetworkID) error {
	sec, ok := knownnetworks.ParseSecurity(id.Type)
	if !ok {
		return dbusapi.ErrNotFound
	}
	// Forgetting the connected network disconnects, as in iwd.
	for _, info := range k.b.d.Stations() {
		v := info.Station.View()
		if v.Connected == "" {
			continue
		}
		hotspot := ""
		if n, ok := v.Network(v.Connected); ok {
			hotspot = n.Hotspot
		}
		if v.Connected == station.NetworkPathID(id.SSID, sec) || (sec == knownnetworks.SecurityHotspot && hotspot == id.SSID) {
			info.Station.Disconnect(ctx)
		}
	}
	if err := k.b.d.known.Forget(id.SSID, sec); err != nil {
		return dbusapi.ErrFailed
	}
	k.b.syncKnown()
	k.b.d.knownChangedWait(ctx)
	return nil
}

func (k knownBackend) SetAutoConnect(ctx context.Context, id dbusapi.NetworkID, on bool) error {
	sec, ok := knownnetworks.ParseSecurity(id.Type)
	if !ok {
		return dbusapi.ErrNotFound
	}
	if err := k.b.d.known.SetAutoConnect(id.SSID, sec, on); err != nil {
		return dbusapi.ErrFailed
	}
	k.b.syncKnown()
	k.b.d.knownChangedWait(ctx)
	return nil
}

type adapterBackend struct {
	d     *Daemon
	wiphy int
}

func (a adapterBackend) SetPowered(ctx context.Context, on bool) error {
	return a.d.setRadioPowered(a.wiphy, on)
}

type deviceBackend struct {
	d       *Daemon
	ifindex int
}

func (v deviceBackend) SetPowered(ctx context.Context, up bool) error {
	return v.d.setDevicePowered(ctx, v.ifindex, up)
}

func (deviceBackend) SetMode(ctx context.Context, mode string) error {
	if mode == "station" {
		return nil
	}
	return dbusapi.ErrNotSupported
}
