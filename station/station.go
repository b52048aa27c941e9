package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"wifid/nl80211"
)

// Errors a station's methods return; the D-Bus layer maps them onto iwd's
// error names.
var (
	ErrBusy               = errors.New("operation already in progress") // net.connman.iwd.InProgress
	ErrNotFound           = errors.New("network not found")             // NotFound
	ErrNotConnected       = errors.New("not connected")                 // NotConnected
	ErrAborted            = errors.New("operation aborted")             // Aborted
	ErrNoAgent            = errors.New("no agent registered")           // NoAgent
	ErrStopped            = errors.New("station stopped")
	ErrNotSupported       = errors.New("not supported")                                   // NotSupported
	ErrInvalidFormat      = errors.New("invalid passphrase format")                       // InvalidFormat
	ErrAlreadyProvisioned = errors.New("network already known")                           // AlreadyProvisioned
	ErrNotHidden          = errors.New("network is not hidden")                           // NotHidden
	ErrInvalidArgs        = errors.New("invalid arguments")                               // InvalidArguments
	ErrAlreadyConnected   = errors.New("already on that BSS")                             // AlreadyExists
	ErrServiceSetOverlap  = errors.New("hidden SSID used by open and protected networks") // ServiceSetOverlap
	ErrNotConfigured      = errors.New("network settings incomplete or invalid")          // NotConfigured
)

// Station is one managed interface in station mode. One goroutine (Run)
// owns its state; everything else reaches it through channels.
type Station struct {
	cfg  Config
	log  *slog.Logger // adds "iface", the current name (see Renamed)
	name *ifaceName
	now  func() time.Time
	cmds chan func()   // calls from other goroutines, run in the loop
	done chan func()   // results of background work, run in the loop
	stop chan struct{} // closed when Run returns

	// Owned by the loop goroutine.
	ctx         context.Context
	state       State
	scanning    bool
	scanReplies []chan error
	userScan    bool          // the running scan is a user's
	queuedScan  *[]uint32     // a user scan waiting for the running one
	scanCancel  func()        // aborts the running scan (startScanFlush's)
	scanEnded   chan struct{} // closed when the running scan's kernel call returned
	bandsLeft   [][]uint32    // bands autoconnect's full scan has yet to scan (bandscan.go)
	restScan    bool          // the running scan is of the bands left, once connected
	afterAbort  func()        // what waits for the running scan's end (whenScanEnds)
	oweScan     bool          // the running scan looks for hidden OWE twins (owetransition.go)
	autoconnect bool
	networks    map[string]*Network
	ordered     []*Network
	scanTimer   *time.Timer
	sched       scanSchedule
	timerFreqs  []uint32 // what the scan timer's scan covers (nil: every channel)
	blacklist   *blacklist
	lastScan    time.Time            // when s.networks was filled
	rejected    rejections           // refusals of networks' secrets (credentials.go)
	erp         map[string]*erpEntry // ERP material for FILS by network ID (fils.go)
	filters     bssFilters           // the packet filters set (filters.go)
	tried       map[string]bool      // BSSes autoconnect tried since the last scan
	attempt     *attempt
	conn        *connection
	last        *Timeline
	roam        roamState
	levels      []int8   // a signal level agent's thresholds (dBm, descending)
	level       int      // the current level, -1 unknown
	saq         *saQuery // a running SA Query

	// Hotspot 2.0: ANQP answers by BSSID (while the AP stays in the
	// scan results), the queries running, and the scan they hold.
	anqpSeen    map[string]anqpResult
	anqpFailed  map[string]time.Time // when an AP last failed to answer
	anqpPending map[string]*anqpQuery
	anqpHeld    *heldScan
	requestAt   time.Time // when the user's connect being started was asked for
	pmksa       *pmksaCache
	bg          sync.WaitGroup
	out         *outbox // news for the listeners, delivered off the loop
	// leaving is closed when the latest CMD_DISCONNECT is done (nil if
	// none was sent): what the station asks of the kernel next waits for
	// it (see async), so a disconnect cannot land after, and end, the
	// next connect.
	leaving chan struct{}
	// leftAt is when the station last sent CMD_DISCONNECT itself: the
	// kernel's DisconnectEvent for it (not by the AP, reason 3) may land
	// after the next attempt started and must not end that one.
	leftAt time.Time
	// remembered is closed when the latest network file write is done:
	// the next one waits for it, so writes land in order.
	remembered chan struct{}
	// asleep: the system prepares for sleep or sleeps (Suspending until
	// Resumed): nothing new starts. quiet is closed once nothing is half
	// done, for Suspending to return (nil when no one waits).
	asleep bool
	// staleScan: the scan running ran across a sleep; its results are
	// dropped and it runs again.
	staleScan bool
	quiet     chan struct{}

	viewMu sync.Mutex // guards view
	view   View
}

// New makes a station; Run starts it.
func New(cfg Config) *Station {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Scan.InitialInterval == 0 {
		cfg.Scan.InitialInterval = DefaultScanConfig().InitialInterval
	}
	if cfg.Scan.MaximumInterval == 0 {
		cfg.Scan.MaximumInterval = DefaultScanConfig().MaximumInterval
	}
	if cfg.Scan.AfterLossInterval == 0 {
		cfg.Scan.AfterLossInterval = DefaultScanConfig().AfterLossInterval
	}
	if cfg.Blacklist == (BlacklistConfig{}) {
		cfg.Blacklist = DefaultBlacklistConfig()
	}
	if cfg.Roam == (RoamConfig{}) {
		cfg.Roam = DefaultRoamConfig()
	}
	if cfg.handshakeTimeout == 0 {
		cfg.handshakeTimeout = handshakeTimeout
	}
	if cfg.eapTimeout == 0 {
		cfg.eapTimeout = eapTimeout
	}
	if cfg.eapolStartDelay == 0 {
		cfg.eapolStartDelay = eapolStartDelay
	}
	if cfg.Rank == (RankConfig{}) {
		cfg.Rank = DefaultRankConfig()
	}
	name := &ifaceName{}
	name.set(cfg.Ifname)
	s := &Station{
		cfg:         cfg,
		log:         slog.New(nameHandler{cfg.Logger.Handler(), name}),
		name:        name,
		now:         cfg.Now,
		cmds:        make(chan func()),
		done:        make(chan func(), 16),
		stop:        make(chan struct{}),
		autoconnect: cfg.AutoConnect,
		networks:    map[string]*Network{},
		blacklist:   newBlacklist(cfg.Blacklist),
		rejected:    rejections{},
		erp:         map[string]*erpEntry{},
		anqpSeen:    map[string]anqpResult{},
		anqpFailed:  map[string]time.Time{},
		anqpPending: map[string]*anqpQuery{},
		tried:       map[string]bool{},
		level:       -1,
		out:         newOutbox(),
		pmksa:       newPMKSACache(cfg.PMKSA),
	}
	s.sched = scanSchedule{cfg: cfg.Scan}
	s.view = View{Ifname: cfg.Ifname, State: Disconnected, AutoConnect: cfg.AutoConnect}
	return s
}

// View returns the latest published view; safe from any goroutine.
func (s *Station) View() View {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	return s.view
}

// Run is the station's goroutine: it returns when ctx is cancelled, after
// disconnecting and waiting for its background work.
func (s *Station) Run(ctx context.Context) {
	s.ctx = ctx
	go s.out.run()
	defer s.out.close() // last: the listeners hear everything up to the end
	defer close(s.stop)
	s.log.Info("station started", "state", s.state.String(), "autoconnect", s.autoconnect)
	s.publish()
	s.registerFrames()
	if s.autoconnect {
		s.startAutoconnect("started")
	}
	for {
		var timerC <-chan time.Time
		if s.scanTimer != nil {
			timerC = s.scanTimer.C
		}
		select {
		case <-ctx.Done():
			s.shutdown()
			return
		case f := <-s.cmds:
			f()
		case f := <-s.done:
			f()
		case ev, ok := <-s.cfg.Events:
			if !ok {
				s.cfg.Events = nil
				continue
			}
			s.handleEvent(ev)
		case <-timerC:
			s.scanTimer = nil
			s.periodicScan()
		case <-s.roam.timerC():
			s.roamTimerFired()
		}
		s.checkQuiet()
	}
}

// call runs f in the loop and waits for it.
func (s *Station) call(ctx context.Context, f func()) error {
	ran := make(chan struct{})
	select {
	case s.cmds <- func() { f(); close(ran) }:
	case <-s.stop:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ran:
	case <-s.stop:
		return ErrStopped
	}
	return s.heard(ctx)
}

// heard waits until the listeners have heard everything the loop told
// them so far.
func (s *Station) heard(ctx context.Context) error {
	select {
	case <-s.out.flushed():
	case <-s.out.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// async runs work in the background and hands its result to the loop. The
// work starts once a CMD_DISCONNECT sent before it is done.
func (s *Station) async(work func() func()) {
	s.bg.Add(1)
	leaving := s.leaving
	go func() {
		defer s.bg.Done()
		if leaving != nil {
			<-leaving // bounded: the disconnect has a timeout
		}
		result := work()
		select {
		case s.done <- result:
		case <-s.stop:
		}
	}()
}

// setState moves the state machine, one log line per transition.
func (s *Station) setState(to State, why string) {
	if s.state == to {
		return
	}
	s.log.Info("state", "from", s.state.String(), "to", to.String(), "why", why)
	s.state = to
	s.event("state-"+to.String(), why)
	s.publish()
}

// event tells the OnEvent listener (StationDebug), off the loop.
func (s *Station) event(name string, args ...any) {
	if f := s.cfg.OnEvent; f != nil {
		s.out.post(func() { f(name, args...) })
	}
}

// publish builds a new View from the loop's state.
func (s *Station) publish() {
	v := View{
		Ifname:      s.cfg.Ifname,
		State:       s.state,
		Scanning:    s.scanning,
		AutoConnect: s.autoconnect,
	}
	if s.conn != nil {
		if s.conn.configured {
			v.Connected = s.conn.network.ID()
		} else {
			v.Connecting = s.conn.network.ID()
		}
		v.ConnectedBSS = s.conn.bss.Addr
		v.Address = s.conn.address
	}
	v.AccessPoint = v.ConnectedBSS
	v.Affinity = s.conn != nil && s.roam.affinity
	if s.attempt != nil {
		v.Connecting = s.attempt.network.ID()
		v.AccessPoint = s.attempt.bss.Addr
	}
	if s.last != nil {
		cp := *s.last
		cp.Steps = append([]Step(nil), s.last.Steps...)
		cp.Warnings = slices.Clone(s.last.Warnings)
		v.Last = &cp
	}
	for _, n := range s.ordered {
		nv := NetworkView{ID: n.ID(), SSID: n.SSID, Security: n.Security, Known: n.Known != nil,
			Signal: n.Signal(), Rank: n.Rank, Connected: v.Connected == n.ID()}
		if n.Known != nil && n.Known.Hotspot != nil {
			nv.Hotspot = n.Known.SSID
		}
		for _, b := range n.BSSes {
			nv.BSSes = append(nv.BSSes, BSSView{Addr: b.Addr, Freq: b.Freq, Signal: b.Signal, Rank: b.Rank, DataRate: b.DataRate})
		}
		v.Networks = append(v.Networks, nv)
	}
	s.viewMu.Lock()
	s.view = v
	s.viewMu.Unlock()
	if f := s.cfg.OnChange; f != nil {
		s.out.post(func() { f(v) })
	}
}

func (s *Station) handleEvent(ev nl80211.Event) {
	switch e := ev.(type) {
	case *nl80211.ConnectEvent:
		s.onConnectEvent(e)
	case *nl80211.DisconnectEvent:
		s.onDisconnectEvent(e)
	case *nl80211.CQMEvent:
		s.onCQM(e)
	case *nl80211.FrameEvent:
		s.onFrame(e)
	case *nl80211.MLMEEvent:
		s.onMLME(e)
	case *nl80211.ControlPortFrameEvent:
		// With a control port open, frames go to it; one here arrived
		// when no handshake wanted it.
		s.log.Debug("EAPOL frame dropped: no handshake running", "src", e.Src.String())
	default:
		s.log.Debug("nl80211 event", "event", fmt.Sprintf("%T", ev))
	}
}

func (s *Station) shutdown() {
	s.log.Info("station stopping", "state", s.state.String())
	if s.scanTimer != nil {
		s.scanTimer.Stop()
	}
	s.roam.stopTimer()
	if s.attempt != nil {
		s.failAttempt(ErrAborted, false)
	}
	if s.conn != nil {
		s.teardownConnection("daemon stopping", true)
	}
	s.pmksa.flush() // memory only: its PMKs go with the station
	for id := range s.erp {
		s.dropERP(id) // so does the ERP material
	}
	// The background work ends with ctx; results it still posts are
	// dropped here, or a worker waiting on a full done would keep Wait
	// from returning (stop closes only after this).
	waited := make(chan struct{})
	go func() { s.bg.Wait(); close(waited) }()
	for {
		select {
		case <-waited:
			return
		case <-s.done:
		}
	}
}

// Networks returns the networks of the latest scan, best first.
func (s *Station) Networks() []NetworkView { return s.View().Networks }

// SetAutoConnect switches autoconnect (StationDebug.AutoConnect).
func (s *Station) SetAutoConnect(ctx context.Context, on bool) error {
	return s.call(ctx, func() {
		if s.autoconnect == on {
			return
		}
		s.autoconnect = on
		s.sched.connected() // a loss before this is no longer news
		s.log.Info("autoconnect", "on", on)
		if on && s.state == Disconnected {
			s.startAutoconnect("autoconnect switched on")
		} else if !on && s.state.Autoconnecting() {
			s.stopPeriodicScan()
			s.setState(Disconnected, "autoconnect switched off")
		}
		s.publish()
	})
}

// Disconnect ends the connection (Station.Disconnect). Autoconnect does not
// pick the network again until something changes, as in iwd.
func (s *Station) Disconnect(ctx context.Context) error {
	var err error
	var left chan struct{}
	if cerr := s.call(ctx, func() {
		defer func() { left = s.leaving }()
		switch {
		case s.attempt != nil:
			s.failAttempt(ErrAborted, false)
		case s.conn != nil:
			s.teardownConnection("user disconnect", true)
		default:
			err = ErrNotConnected
			return
		}
		s.autoconnect = false
		s.sched.connected()
		s.setState(Disconnected, "user disconnect")
	}); cerr != nil {
		return cerr
	}
	if err == nil && left != nil {
		// Answered once the kernel has let go, as iwd answers.
		select {
		case <-left:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func hwString(a net.HardwareAddr) string { return a.String() }

// blacklistContains is for tests: whether bssid is blacklisted now.
func (s *Station) blacklistContains(bssid string) bool {
	var in bool
	s.call(context.Background(), func() { in = s.blacklist.contains(bssid, s.now()) })
	return in
}
