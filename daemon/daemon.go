package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"wifid/daemon/dbusapi"
	"wifid/knownnetworks"
	"wifid/netconfig"
	"wifid/nl80211"
	"wifid/station"
)

// Version is wifid's version, reported by -v and Daemon.GetInfo.
const Version = "0.1.0"

// Daemon is wifid's running state: the nl80211 client, the stations and
// the known networks. Run owns it.
type Daemon struct {
	opts  Options
	conf  MainConf
	log   *slog.Logger
	nl    *nl80211.Client
	known *knownnetworks.Store
	ip    station.IPConfigurator

	mu       sync.Mutex // guards stations, wiphys and routes
	stations map[int]*managed
	wiphys   map[int]*nl80211.Wiphy // adopted radios by wiphy index
	wg       sync.WaitGroup
	api      API
}

// managed is one station and what the daemon keeps for it.
type managed struct {
	st     *station.Station
	iface  *nl80211.Interface
	wiphy  *nl80211.Wiphy
	events chan nl80211.Event
	cancel context.CancelFunc
}

// API is how the daemon shows itself to clients (the D-Bus server); a nil
// API shows nothing.
type API interface {
	StationAdded(m StationInfo)
	StationRemoved(ifindex int)
	StationChanged(ifindex int, v station.View)
	StationEvent(ifindex int, name string, args ...any)
	SignalLevel(ifindex int, level int)
	KnownNetworksChanged()
	Agent(ifindex int) station.Agent
}

// StationInfo is what the API needs to know about a new station.
type StationInfo struct {
	Station *station.Station
	Iface   *nl80211.Interface
	Wiphy   *nl80211.Wiphy
}

// Run starts the daemon and blocks until ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	if o.Version {
		fmt.Println(Version)
		return nil
	}
	level := slog.LevelInfo
	if o.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	d, err := New(o, log)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// New loads configuration and known networks.
func New(o Options, log *slog.Logger) (*Daemon, error) {
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	conf, errs := LoadMainConf(o.ConfigDir)
	for _, err := range errs {
		log.Warn("main.conf", "err", err)
	}
	d := &Daemon{opts: o, conf: conf, log: log, stations: map[int]*managed{}, wiphys: map[int]*nl80211.Wiphy{}}
	d.known = knownnetworks.NewStore(o.StateDir, log)
	if err := d.known.Load(); err != nil {
		log.Warn("known networks", "err", err)
	}
	return d, nil
}

// SetAPI attaches the D-Bus server (or another API) before Run.
func (d *Daemon) SetAPI(api API) { d.api = api }

// Options returns the launch options.
func (d *Daemon) Options() Options { return d.opts }

// Conf returns main.conf as loaded.
func (d *Daemon) Conf() MainConf { return d.conf }

// Known returns the known networks store.
func (d *Daemon) Known() *knownnetworks.Store { return d.known }

// Run starts wifid: it dials nl80211, takes the interfaces -p/-i allow, and
// runs a station on each until ctx is cancelled.
func (d *Daemon) Run(ctx context.Context) error {
	d.log.Info("wifid starting", "version", Version, "config", d.opts.ConfigDir, "state", d.opts.StateDir,
		"phys", d.opts.Phys, "developer", d.opts.Developer,
		"netconfig", d.conf.EnableNetworkConfiguration)
	nl, err := nl80211.DialConfig(ctx, nl80211.Config{Logger: d.log})
	if err != nil {
		return fmt.Errorf("nl80211: %w (is cfg80211 loaded?)", err)
	}
	d.nl = nl
	defer nl.Close()
	if d.conf.EnableNetworkConfiguration {
		d.ip = &ipConfig{conf: d.conf, dns: d.resolver(), leaseDir: filepath.Join(d.opts.StateDir, ".wifid", "leases"), log: d.log}
	}
	watch, err := d.known.Watch(ctx)
	if err != nil {
		d.log.Warn("not watching the network files", "dir", d.opts.StateDir, "err", err)
	}
	d.serveDBus(ctx)
	if err := d.setupDevices(ctx); err != nil {
		if ctx.Err() == nil {
			return err
		}
		d.log.Info("stopped during startup")
	}
	d.loop(ctx, watch)
	d.log.Info("wifid stopping")
	d.mu.Lock()
	for _, m := range d.stations {
		m.cancel()
	}
	d.mu.Unlock()
	d.wg.Wait()
	return nil
}

// serveDBus owns net.connman.iwd on the system bus (or
// $DBUS_SYSTEM_BUS_ADDRESS). Without a bus wifid still runs, unseen.
func (d *Daemon) serveDBus(ctx context.Context) {
	srv := dbusapi.New(dbusapi.Config{
		Version:                     Version,
		StateDirectory:              d.opts.StateDir,
		NetworkConfigurationEnabled: d.conf.EnableNetworkConfiguration,
		Developer:                   d.opts.Developer,
		Logger:                      d.log,
	})
	conn, err := srv.Connect("")
	if err != nil {
		d.log.Warn("no D-Bus: running without the net.connman.iwd API", "err", err)
		return
	}
	d.api = newBridge(srv, d)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := srv.Serve(ctx, conn); err != nil && ctx.Err() == nil {
			d.log.Error("D-Bus", "err", err)
		}
	}()
}

func (d *Daemon) resolver() netconfig.Resolver {
	switch d.conf.NameResolvingService {
	case "resolvconf":
		return netconfig.ResolvConf{}
	case "none":
		return netconfig.NoDNS{}
	}
	return &lazyResolved{log: d.log}
}

// loop routes nl80211 events to stations and network file changes to the
// stations and the API.
func (d *Daemon) loop(ctx context.Context, watch <-chan knownnetworks.Event) {
	events := d.nl.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				d.log.Error("nl80211 event stream ended")
				<-ctx.Done()
				return
			}
			d.route(ctx, ev)
		case ev, ok := <-watch:
			if !ok {
				watch = nil
				continue
			}
			d.log.Info("network file", "event", ev.Kind, "ssid", ev.SSID, "type", ev.Security)
			d.knownChanged(ctx)
			if d.api != nil {
				d.api.KnownNetworksChanged()
			}
		}
	}
}

// knownChanged tells every station that the network files changed.
func (d *Daemon) knownChanged(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range d.stations {
		go m.st.KnownNetworksChanged(ctx)
	}
}

func (d *Daemon) route(ctx context.Context, ev nl80211.Event) {
	info := ev.Info()
	switch e := ev.(type) {
	case *nl80211.InterfaceEvent:
		d.onInterfaceEvent(ctx, e)
		return
	case *nl80211.WiphyEvent:
		d.onWiphyEvent(ctx, e)
		return
	case *nl80211.OverrunEvent:
		d.log.Warn("nl80211 events were lost")
		return
	}
	if info.Ifindex == 0 {
		return
	}
	d.mu.Lock()
	m := d.stations[info.Ifindex]
	d.mu.Unlock()
	if m == nil {
		return
	}
	select {
	case m.events <- ev:
	case <-ctx.Done():
	}
}

// Stations lists the running stations by ifindex.
func (d *Daemon) Stations() map[int]StationInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[int]StationInfo{}
	for i, m := range d.stations {
		out[i] = StationInfo{Station: m.st, Iface: m.iface, Wiphy: m.wiphy}
	}
	return out
}
