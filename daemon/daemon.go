package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"wifid/daemon/dbusapi"
	"wifid/knownnetworks"
	"wifid/netconfig"
	"wifid/nl80211"
	"wifid/nl80211/rfkill"
	"wifid/station"
)

// Version is wifid's version, reported by -v and Daemon.GetInfo.
const Version = "0.1.0"

// Daemon is wifid's running state: the nl80211 client, the stations and
// the known networks. Run owns it.
type Daemon struct {
	fail  context.CancelCauseFunc // ends Run with an error (failed); guarded by mu
	opts  Options
	conf  MainConf
	log   *slog.Logger
	nl    *nl80211.Client
	known *knownnetworks.Store
	ip    station.IPConfigurator

	rfkill *rfkill.Device // nil without /dev/rfkill
	kernel station.Kernel // what stations ask of the kernel: nl, or a scripted kernel in tests

	mu      sync.Mutex             // guards devices (and their fields), wiphys, radios, fail
	devices map[int]*managed       // our interfaces by ifindex
	wiphys  map[int]*nl80211.Wiphy // adopted radios by wiphy index
	radios  map[int]*radio         // their rfkill state, by wiphy index
	wg      sync.WaitGroup
	api     API
	later   chan func(context.Context) // work the loop runs when its time comes (after)
	settled sync.Once                  // Options.Settled called
}

// settleAfter is when Options.Settled is called at the latest.
const settleAfter = 30 * time.Second

// settle calls Options.Settled, once.
func (d *Daemon) settle(why string) {
	d.settled.Do(func() {
		if d.opts.Settled != nil {
			d.log.Debug("start-up settled", "why", why)
			// Off the caller's goroutine: the station's news (its
			// "connected") goes out without waiting for a collection.
			go d.opts.Settled()
		}
	})
}

// managed is one interface wifid manages (a Device on D-Bus) and the
// station on it while it is up.
type managed struct {
	iface  *nl80211.Interface // replaced (not changed) on a rename
	wiphy  *nl80211.Wiphy
	up     bool // IFF_UP as last seen
	wantUp bool // Device.Powered as last set over D-Bus (iwd's dbus_powered)
	// waitingUdev: new, down until udev is done with it (waitUdev).
	waitingUdev bool
	// shown: its Device is on D-Bus. A device brought up at once is
	// shown with its Station, as iwd does (a client that finds a Device
	// may call its Station straight away).
	shown bool

	// The running station: nil while the interface is down or its radio
	// blocked.
	st     *station.Station
	events chan nl80211.Event // the station's nl80211 events
	// resyncing: the station is being told its events were lost.
	resyncing bool
	cancel    context.CancelFunc
	done      chan struct{} // closed when the station's Run has returned
}

// name is the interface's current kernel name. Callers hold d.mu or run
// on the loop (the only writer).
func (m *managed) name() string { return m.iface.Name }

// API is how the daemon shows itself to clients (the D-Bus server); a nil
// API shows nothing.
type API interface {
	AdapterChanged(wiphy int, powered bool)
	DeviceAdded(d DeviceInfo)
	DeviceChanged(d DeviceInfo)
	DeviceRemoved(ifindex int)
	StationAdded(m StationInfo)
	StationRemoved(ifindex int)
	StationChanged(ifindex int, v station.View)
	StationEvent(ifindex int, name string, args ...any)
	SignalLevel(ifindex int, level int)
	KnownNetworksChanged()
	Agent(ifindex int) station.Agent
}

// DeviceInfo is what the API shows of an interface and its radio.
type DeviceInfo struct {
	Iface          *nl80211.Interface
	Wiphy          *nl80211.Wiphy
	Powered        bool // the interface is up
	AdapterPowered bool // the radio is not rfkilled
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
	d := &Daemon{opts: o, conf: conf, log: log, devices: map[int]*managed{}, wiphys: map[int]*nl80211.Wiphy{},
		radios: map[int]*radio{}, later: make(chan func(context.Context))}
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
func (d *Daemon) Run(parent context.Context) error {
	// A failure that leaves wifid useless (the bus or nl80211 gone) ends
	// the run with an error, so the service manager restarts it.
	ctx, fail := context.WithCancelCause(parent)
	defer fail(nil)
	d.mu.Lock()
	d.fail = fail
	d.mu.Unlock()
	d.log.Info("wifid starting", "version", Version, "config", d.opts.ConfigDir, "state", d.opts.StateDir,
		"phys", d.opts.Phys, "developer", d.opts.Developer,
		"netconfig", d.conf.EnableNetworkConfiguration)
	// The socket outlives ctx until Run returns: the stations' last
	// requests (CMD_DISCONNECT after the DHCP RELEASE) need it, and
	// closing it deletes the interfaces wifid made, which would drop the
	// frames still queued on them.
	nlCtx, nlCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer nlCancel()
	nl, err := nl80211.DialConfig(nlCtx, nl80211.Config{Logger: d.log})
	if err != nil {
		return fmt.Errorf("nl80211: %w (is cfg80211 loaded?)", err)
	}
	d.nl = nl
	if d.kernel == nil {
		d.kernel = stationKernel{nl}
	}
	defer nl.Close()
	if d.conf.EnableNetworkConfiguration {
		leases := filepath.Join(d.opts.StateDir, ".wifid", "leases")
		if gone, _ := knownnetworks.RemoveStaleTemps(leases, time.Now()); len(gone) > 0 {
			d.log.Info("removed temporary lease files a crash left", "dir", leases, "files", gone)
		}
		d.ip = &ipConfig{conf: d.conf, dns: d.resolver(), leaseDir: leases, log: d.log}
	}
	watch, err := d.known.Watch(ctx)
	if err != nil {
		d.log.Warn("not watching the network files", "dir", d.opts.StateDir, "err", err)
	}
	settleTimer := time.AfterFunc(settleAfter, func() { d.settle("no connection yet") })
	defer settleTimer.Stop()
	d.serveDBus(ctx)
	d.watchSleep(ctx)
	rfk := d.watchRfkill(ctx)
	links := d.watchLinks(ctx)
	if err := d.setupDevices(ctx); err != nil {
		if ctx.Err() == nil {
			return err
		}
		d.log.Info("stopped during startup")
	}
	d.loop(ctx, watch, rfk, links)
	d.stop()
	if parent.Err() == nil {
		if err := context.Cause(ctx); err != nil {
			d.log.Error("wifid stopped on a failure", "err", err)
			return err
		}
	}
	return nil
}

// failed ends the run with err (see Run); without a run (tests driving
// parts of the daemon) it only logs.
func (d *Daemon) failed(err error) {
	d.log.Error("fatal", "err", err)
	d.mu.Lock()
	fail := d.fail
	d.mu.Unlock()
	if fail != nil {
		fail(err)
	}
}

// stopTimeout bounds the stop: a service manager's SIGTERM expects an exit
// within seconds (5 s is the goal; systemd's default is 90 s).
const stopTimeout = 4 * time.Second

// stop ends what Run started, as iwd 2.3 leaves things on SIGTERM: each
// station disconnects (its lease released, addresses and routes removed),
// then every interface wifid manages goes down (iwd's netdev_shutdown);
// the ones wifid made vanish with its nl80211 socket after Run returns,
// a kept default interface stays, down.
func (d *Daemon) stop() {
	start := time.Now()
	d.log.Info("wifid stopping")
	d.mu.Lock()
	var ifaces []*managed
	for _, m := range d.devices {
		if m.cancel != nil {
			m.cancel()
		}
		ifaces = append(ifaces, m)
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopTimeout):
		d.log.Warn("stations slow to stop; exiting anyway", "after", stopTimeout)
	}
	for _, m := range ifaces {
		if err := linkSet(m.iface.Index, false); err != nil {
			d.log.Debug("interface not brought down", "iface", m.name(), "err", err)
		}
	}
	d.log.Info("wifid stopped", "ms", time.Since(start).Milliseconds())
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
			// iwd exits 0 and stays down; a non-zero exit lets the
			// service manager (Restart=on-failure) bring the API back.
			d.failed(fmt.Errorf("D-Bus: %w", err))
		}
	}()
}

func (d *Daemon) resolver() netconfig.Resolver {
	switch d.conf.NameResolvingService {
	case "resolvconf":
		return &netconfig.ResolvConf{}
	case "none":
		return netconfig.NoDNS{}
	}
	return &lazyResolved{log: d.log}
}

// loop routes nl80211 events to stations, network file changes to the
// stations and the API, and rfkill and link changes to the devices.
func (d *Daemon) loop(ctx context.Context, watch <-chan knownnetworks.Event, rfk <-chan rfkill.Event, links <-chan linkEvent) {
	events := d.nl.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				d.failed(errors.New("nl80211: the event stream ended"))
				return
			}
			d.route(ctx, ev)
		case ev, ok := <-rfk:
			if !ok {
				rfk = nil
				continue
			}
			d.onRfkill(ctx, ev)
		case ev, ok := <-links:
			if !ok {
				links = nil
				continue
			}
			d.onLink(ctx, ev)
		case f := <-d.later:
			f(ctx)
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

// after runs f on the loop once delay has passed, unless ctx ends first.
func (d *Daemon) after(ctx context.Context, delay time.Duration, f func(context.Context)) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		select {
		case d.later <- f:
		case <-ctx.Done():
		}
	}()
}

// knownChanged tells every station that the network files changed.
func (d *Daemon) knownChanged(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range d.devices {
		if m.st != nil {
			go m.st.KnownNetworksChanged(ctx)
		}
	}
}

// knownChangedWait is knownChanged for a client's call (Forget,
// AutoConnect): it returns once every station has taken the change, so the
// client's next call finds it done.
func (d *Daemon) knownChangedWait(ctx context.Context) {
	for _, info := range d.Stations() {
		_ = info.Station.KnownNetworksChanged(ctx)
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
		// The kernel dropped events on our socket (the nl80211 package
		// leaves resynchronising to us): radios and interfaces are
		// listed again (resync.go), and every station checks its link.
		d.log.Warn("nl80211 events were lost: listing radios and interfaces again; the stations check their links")
		d.resyncDevices(ctx)
		d.mu.Lock()
		for _, m := range d.devices {
			d.eventsLostLocked(ctx, m)
		}
		d.mu.Unlock()
		return
	}
	if info.Ifindex == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.devices[info.Ifindex]
	if m == nil || m.st == nil {
		return
	}
	select {
	case m.events <- ev:
	default:
		// The station is a whole queue behind: waiting for it would
		// hold every other station's events too. The event is dropped
		// and the station checks its link once it catches up.
		d.log.Error("station's event queue full: event dropped", "iface", m.name(), "event", fmt.Sprintf("%T", ev))
		d.eventsLostLocked(ctx, m)
	}
}

// eventsLostLocked tells m's station that events were lost, once at a
// time (d.mu held).
func (d *Daemon) eventsLostLocked(ctx context.Context, m *managed) {
	if m.st == nil || m.resyncing {
		return
	}
	m.resyncing = true
	st := m.st
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		_ = st.EventsLost(ctx)
		d.mu.Lock()
		m.resyncing = false
		d.mu.Unlock()
	}()
}

// Stations lists the running stations by ifindex.
func (d *Daemon) Stations() map[int]StationInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[int]StationInfo{}
	for i, m := range d.devices {
		if m.st != nil {
			out[i] = StationInfo{Station: m.st, Iface: m.iface, Wiphy: m.wiphy}
		}
	}
	return out
}
