package station

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// fakeKernel records what the station asks of nl80211 and answers scans
// from a fixed list. It tests the state machine's transitions only; Wi-Fi
// behaviour is tested in the lab against the real kernel.
type fakeKernel struct {
	mu       sync.Mutex
	results  []*nl80211.BSS
	connects []nl80211.ConnectRequest
	scans    []nl80211.ScanRequest
	discs    int
	cqm      []int32
	cqmLists [][]int32
	frames   [][]byte
	connCh   chan nl80211.ConnectRequest
	// scanBlock, when set, holds scans until the context ends (or it
	// is closed).
	scanBlock chan struct{}
	authCh    chan nl80211.AuthenticateRequest // CMD_AUTHENTICATE requests, when set
	// discBlock, when set, holds CMD_DISCONNECT until it is closed.
	discBlock chan struct{}
	// byFreq: a scan of some frequencies returns only the results on
	// them, as the kernel's would.
	byFreq bool
	// scansRunning counts scans in the fake's hands; discsInScan the
	// CMD_DISCONNECTs sent while one was.
	scansRunning, discsInScan int
}

func (k *fakeKernel) Scan(ctx context.Context, ifindex int, req nl80211.ScanRequest) ([]*nl80211.BSS, error) {
	k.mu.Lock()
	block := k.scanBlock
	k.scans = append(k.scans, req)
	k.scansRunning++
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.scansRunning--
		k.mu.Unlock()
	}()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byFreq && len(req.Freqs) > 0 {
		var out []*nl80211.BSS
		for _, b := range k.results {
			if slices.Contains(req.Freqs, b.Freq) {
				out = append(out, b)
			}
		}
		return out, nil
	}
	return k.results, nil
}

func (k *fakeKernel) Connect(ctx context.Context, ifindex int, req nl80211.ConnectRequest) error {
	k.mu.Lock()
	k.connects = append(k.connects, req)
	k.mu.Unlock()
	k.connCh <- req
	return nil
}

func (k *fakeKernel) Authenticate(ctx context.Context, ifindex int, req nl80211.AuthenticateRequest) error {
	k.mu.Lock()
	ch := k.authCh
	k.mu.Unlock()
	if ch != nil {
		ch <- req
	}
	return nil
}
func (k *fakeKernel) Associate(ctx context.Context, ifindex int, req nl80211.AssociateRequest) error {
	return nil
}
func (k *fakeKernel) Disconnect(ctx context.Context, ifindex int, reason uint16) error {
	k.mu.Lock()
	k.discs++
	if k.scansRunning > 0 {
		k.discsInScan++
	}
	block := k.discBlock
	k.mu.Unlock()
	if block != nil {
		<-block
	}
	return nil
}

func (k *fakeKernel) NewKey(ctx context.Context, ifindex int, key nl80211.Key) error { return nil }
func (k *fakeKernel) SetStationAuthorized(ctx context.Context, ifindex int, mac net.HardwareAddr, a bool) error {
	return nil
}
func (k *fakeKernel) SetCQM(ctx context.Context, ifindex int, thresholdDBm int32, hysteresisDB uint32) error {
	k.mu.Lock()
	k.cqm = append(k.cqm, thresholdDBm)
	k.mu.Unlock()
	return nil
}
func (k *fakeKernel) RegisterFrame(ctx context.Context, ifindex int, frameType uint16, match []byte) error {
	return nil
}
func (k *fakeKernel) SetCQMThresholds(ctx context.Context, ifindex int, th []int32, hyst uint32) error {
	k.mu.Lock()
	k.cqmLists = append(k.cqmLists, append([]int32(nil), th...))
	k.mu.Unlock()
	return nil
}
func (k *fakeKernel) Station(ctx context.Context, ifindex int, mac net.HardwareAddr) (*nl80211.StationInfo, error) {
	return &nl80211.StationInfo{Signal: -50, HasSignal: true}, nil
}
func (k *fakeKernel) SendFrame(ctx context.Context, ifindex int, req nl80211.FrameRequest) (uint64, error) {
	k.mu.Lock()
	k.frames = append(k.frames, req.Frame)
	k.mu.Unlock()
	return 1, nil
}
func (k *fakeKernel) setResults(r ...*nl80211.BSS) {
	k.mu.Lock()
	k.results = r
	k.mu.Unlock()
}
func (k *fakeKernel) OpenEAPOLPort(ifindex int, overNL80211 bool) (nl80211.EAPOLPort, error) {
	return nil, io.ErrClosedPipe
}

// openBSS is a scan result for an open network: SSID, rates, DS channel.
func openBSS(ssid string, bssid byte) *nl80211.BSS {
	ies := []byte{0, byte(len(ssid))}
	ies = append(ies, ssid...)
	ies = append(ies, 1, 8, 0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24, 3, 1, 1)
	return &nl80211.BSS{BSSID: net.HardwareAddr{2, 0, 0, 0, 0, bssid}, Freq: 2412, SignalMBm: -4000,
		HasSignalMBm: true, IEs: ies, Capability: 1}
}

type harness struct {
	t      *testing.T
	k      *fakeKernel
	events chan nl80211.Event
	st     *Station
	views  chan View
	cancel context.CancelFunc
	done   chan struct{}
}

func newHarness(t *testing.T, files map[string]string, autoconnect bool, results ...*nl80211.BSS) *harness {
	return newHarnessConfig(t, files, autoconnect, nil, results...)
}

// newHarnessConfig is newHarness with a last say on the station's Config.
func newHarnessConfig(t *testing.T, files map[string]string, autoconnect bool, mod func(*Config), results ...*nl80211.BSS) *harness {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(testLogOut(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := knownnetworks.NewStore(dir, log)
	for name, body := range files {
		ssid, sec, err := knownnetworks.ParseFileName(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := knownnetworks.ParseFile(name, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Save(ssid, sec, f); err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{t: t, k: &fakeKernel{results: results, connCh: make(chan nl80211.ConnectRequest, 4)},
		events: make(chan nl80211.Event, 8), views: make(chan View, 256), done: make(chan struct{})}
	cfg := Config{Ifindex: 7, Ifname: "wlan7", MAC: net.HardwareAddr{2, 1, 1, 1, 1, 1},
		Kernel: h.k, Events: h.events, Known: store, AutoConnect: autoconnect, Logger: log,
		OnChange: func(v View) {
			select {
			case h.views <- v:
			default:
			}
		}}
	if mod != nil {
		mod(&cfg)
	}
	h.st = New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.st.Run(ctx); close(h.done) }()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

// waitState waits for a published view in state s.
func (h *harness) waitState(s State) View {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case v := <-h.views:
			if v.State == s {
				return v
			}
		case <-timeout:
			h.t.Fatalf("state %v not reached; now %v", s, h.st.View().State)
		}
	}
}

func (h *harness) waitConnect() nl80211.ConnectRequest {
	h.t.Helper()
	select {
	case r := <-h.k.connCh:
		return r
	case <-time.After(5 * time.Second):
		h.t.Fatal("no CMD_CONNECT")
	}
	return nl80211.ConnectRequest{}
}

func TestAutoconnectOpenThenReconnectAfterLoss(t *testing.T) {
	h := newHarness(t, map[string]string{"cafe.open": ""}, true, openBSS("cafe", 1))
	req := h.waitConnect()
	if string(req.SSID) != "cafe" || !req.SocketOwner || req.BSSID.String() != "02:00:00:00:00:01" {
		t.Errorf("connect request %+v", req)
	}
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	v := h.waitState(Connected)
	if v.Connected != NetworkPathID("cafe", knownnetworks.SecurityOpen) || v.State.DBusState() != "connected" {
		t.Errorf("view %+v", v)
	}
	h.events <- &nl80211.DisconnectEvent{Reason: 3, ByAP: true}
	h.waitState(Disconnected)
	h.waitConnect() // autoconnect again
}

func TestAutoconnectSkipsUnknownAndStaysIdleInDeveloperMode(t *testing.T) {
	h := newHarness(t, nil, true, openBSS("stranger", 1))
	h.waitState(AutoconnectFull)
	select {
	case r := <-h.k.connCh:
		t.Fatalf("connected to an unknown network: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	d := newHarness(t, map[string]string{"cafe.open": ""}, false, openBSS("cafe", 1))
	if err := d.st.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-d.k.connCh:
		t.Fatalf("autoconnect off, yet a connect: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	if got := d.st.View().State; got != Disconnected {
		t.Errorf("state %v, want disconnected", got)
	}
}

func TestConnectFailureBlacklistsAndUserConnect(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("cafe", 1))
	if err := h.st.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := NetworkPathID("cafe", knownnetworks.SecurityOpen)
	errc := make(chan error, 1)
	go func() { errc <- h.st.Connect(context.Background(), id) }()
	h.waitConnect()
	h.events <- &nl80211.ConnectEvent{Status: 1}
	if err := <-errc; err == nil {
		t.Fatal("a failed association reported success")
	}
	if !h.st.blacklistContains("02:00:00:00:00:01") {
		t.Error("the BSS that refused us is not blacklisted")
	}
	if err := h.st.Connect(context.Background(), "00_open"); err != ErrNotFound {
		t.Errorf("unknown network: %v", err)
	}
	if err := h.st.Disconnect(context.Background()); err != ErrNotConnected {
		t.Errorf("disconnect while idle: %v", err)
	}
}

// TestConnectWhileConnectingReplaces: a user's connect to another network
// while an attempt runs aborts that one (its caller gets ErrAborted) and
// connects to the new one, as iwd does (testHiddenNetworks'
// connect_after_hidden_connect_test got InProgress).
func TestConnectWhileConnectingReplaces(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("cafe", 1), openBSS("bar", 2))
	if err := h.st.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- h.st.Connect(context.Background(), NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
	h.waitConnect()
	second := make(chan error, 1)
	go func() { second <- h.st.Connect(context.Background(), NetworkPathID("bar", knownnetworks.SecurityOpen)) }()
	if err := <-first; !errors.Is(err, ErrAborted) {
		t.Errorf("first connect: %v, want ErrAborted", err)
	}
	req := h.waitConnect()
	if req.BSSID.String() != "02:00:00:00:00:02" {
		t.Fatalf("second connect request %+v", req)
	}
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	if err := <-second; err != nil {
		t.Errorf("second connect: %v", err)
	}
}

// rsnBSS is a WPA2 BSS with one AKM (2 PSK, 1 802.1X, 8 SAE).
func rsnBSS(ssid string, bssid, akm byte) *nl80211.BSS {
	b := openBSS(ssid, bssid)
	b.IEs = append(b.IEs, 48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, akm, 0, 0)
	b.Capability |= 0x10
	return b
}

// An unsupported known network (or an 802.1X file without EAP settings) is
// tried once at most, never associated with, so autoconnect cannot spin on
// it (a loop seen once with 802.1X before this test).
func TestAutoconnectSkipsUnsupportedWithoutSpinning(t *testing.T) {
	h := newHarness(t, map[string]string{"corp.8021x": "", "wpa3.psk": "[Security]\nPassphrase=secret123\n"}, true,
		rsnBSS("corp", 1, 1), rsnBSS("wpa3", 2, 8))
	h.waitState(AutoconnectFull)
	select {
	case r := <-h.k.connCh:
		t.Fatalf("tried an unsupported network: %s", r.SSID)
	case <-time.After(500 * time.Millisecond):
	}
	if err := h.st.Connect(context.Background(), NetworkPathID("corp", knownnetworks.Security8021X)); err == nil ||
		!errors.Is(err, ErrNotConfigured) {
		t.Errorf("user connect to an 802.1X network without EAP settings: %v, want ErrNotConfigured", err)
	}
}

func testLogOut() io.Writer {
	if os.Getenv("STATION_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// TestConnectTriesNextBSS: a user's connect whose best BSS refuses goes on
// to the next BSS of the network before answering, as iwd's does; a full
// AP (status 17) is skipped for this connect only and marked busy (iwd
// 3.9's InitialAccessPointBusyTimeout), a timeout blacklists.
func TestConnectTriesNextBSS(t *testing.T) {
	for _, c := range []struct {
		name      string
		fail      nl80211.ConnectEvent
		blacklist bool
	}{
		{"AP full", nl80211.ConnectEvent{Status: 17}, false},
		{"timeout", nl80211.ConnectEvent{TimedOut: true, Status: 1}, true},
	} {
		strong, weak := openBSS("cafe", 1), openBSS("cafe", 2)
		weak.SignalMBm = -7000
		h := newHarness(t, nil, false, strong, weak)
		if err := h.st.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- h.st.Connect(context.Background(), NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
		first := h.waitConnect()
		if first.BSSID.String() != "02:00:00:00:00:01" {
			t.Fatalf("%s: first try %v", c.name, first.BSSID)
		}
		ev := c.fail
		ev.BSSID = first.BSSID
		h.events <- &ev
		second := h.waitConnect()
		if second.BSSID.String() != "02:00:00:00:00:02" {
			t.Fatalf("%s: second try %v, want the next BSS", c.name, second.BSSID)
		}
		select {
		case err := <-errc:
			t.Fatalf("%s: connect answered (%v) before the next BSS was tried", c.name, err)
		default:
		}
		h.events <- &nl80211.ConnectEvent{BSSID: second.BSSID}
		if err := <-errc; err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := h.st.blacklistContains("02:00:00:00:00:01"); got != c.blacklist {
			t.Errorf("%s: first BSS blacklisted %v, want %v", c.name, got, c.blacklist)
		}
		var busy bool
		h.st.call(context.Background(), func() { busy = h.st.blacklist.busy("02:00:00:00:00:01", h.st.now()) })
		if want := c.fail.Status == 17 && !c.fail.TimedOut; busy != want {
			t.Errorf("%s: first BSS marked busy %v, want %v (a busy entry ranks it last in roams)", c.name, busy, want)
		}
		h.stop()
	}
}

// TestConnectElsewhereIgnoresOwnDisconnect: a user's connect to another
// network while connected tears the link down; the kernel's event for that
// disconnect (reason 3, not by the AP) lands after the new attempt started
// and must not end it (iwd's testDisconnectOnConnect saw Failed).
func TestConnectElsewhereIgnoresOwnDisconnect(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("cafe", 1), openBSS("bar", 2))
	if err := h.st.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- h.st.Connect(context.Background(), NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	go func() { errc <- h.st.Connect(context.Background(), NetworkPathID("bar", knownnetworks.SecurityOpen)) }()
	req = h.waitConnect()
	if req.BSSID.String() != "02:00:00:00:00:02" {
		t.Fatalf("connect request %+v", req)
	}
	h.events <- &nl80211.DisconnectEvent{Reason: 3} // the old link's echo
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	if err := <-errc; err != nil {
		t.Fatalf("connect elsewhere: %v", err)
	}
	h.waitView(func(v View) bool {
		return v.State == Connected && v.Connected == NetworkPathID("bar", knownnetworks.SecurityOpen)
	})
}
