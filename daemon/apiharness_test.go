package daemon

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
	"wifid/nl80211"
)

// scriptedKernel stands in for nl80211 behind a real station: scans answer
// from a list (or wait while held), CMD_CONNECT is reported on a channel
// for the test to answer with a connect event. Nothing else happens.
type scriptedKernel struct {
	mu       sync.Mutex
	results  []*nl80211.BSS
	hold     chan struct{} // non-nil: scans wait until it closes
	connects chan nl80211.ConnectRequest
	ports    int // EAPOL control ports asked for
	discs    int
}

func (k *scriptedKernel) Scan(ctx context.Context, ifindex int, req nl80211.ScanRequest) ([]*nl80211.BSS, error) {
	k.mu.Lock()
	hold := k.hold
	k.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.results, nil
}

// holdScans makes scans wait until the returned func releases them.
func (k *scriptedKernel) holdScans() (release func()) {
	ch := make(chan struct{})
	k.mu.Lock()
	k.hold = ch
	k.mu.Unlock()
	return sync.OnceFunc(func() {
		k.mu.Lock()
		k.hold = nil
		k.mu.Unlock()
		close(ch)
	})
}

func (k *scriptedKernel) Connect(ctx context.Context, ifindex int, req nl80211.ConnectRequest) error {
	k.connects <- req
	return nil
}

func (k *scriptedKernel) Disconnect(ctx context.Context, ifindex int, reason uint16) error {
	k.mu.Lock()
	k.discs++
	k.mu.Unlock()
	return nil
}

func (k *scriptedKernel) OpenEAPOLPort(ifindex int, overNL80211 bool) (nl80211.EAPOLPort, error) {
	k.mu.Lock()
	k.ports++
	k.mu.Unlock()
	return nil, io.ErrClosedPipe // no handshake here: the lab has one
}

func (k *scriptedKernel) Authenticate(context.Context, int, nl80211.AuthenticateRequest) error {
	return nil
}
func (k *scriptedKernel) Associate(context.Context, int, nl80211.AssociateRequest) error { return nil }
func (k *scriptedKernel) NewKey(context.Context, int, nl80211.Key) error                 { return nil }
func (k *scriptedKernel) SetStationAuthorized(context.Context, int, net.HardwareAddr, bool) error {
	return nil
}
func (k *scriptedKernel) SetCQM(context.Context, int, int32, uint32) error             { return nil }
func (k *scriptedKernel) SetCQMThresholds(context.Context, int, []int32, uint32) error { return nil }
func (k *scriptedKernel) RegisterFrame(context.Context, int, uint16, []byte) error     { return nil }
func (k *scriptedKernel) Station(context.Context, int, net.HardwareAddr) (*nl80211.StationInfo, error) {
	return &nl80211.StationInfo{Signal: -45, HasSignal: true}, nil
}
func (k *scriptedKernel) SendFrame(context.Context, int, nl80211.FrameRequest) (uint64, error) {
	return 1, nil
}

// airBSS is a scan result: SSID, rates and channel 1, with an RSN element
// of one AKM when akm is not 0 (2 PSK, 1 802.1X).
func airBSS(ssid string, last, akm byte, mbm int32) *nl80211.BSS {
	ies := append([]byte{0, byte(len(ssid))}, ssid...)
	ies = append(ies, 1, 4, 0x82, 0x84, 0x8b, 0x96, 3, 1, 1)
	capab := uint16(1)
	if akm != 0 {
		ies = append(ies, 48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, akm, 0, 0)
		capab |= 0x10
	}
	return &nl80211.BSS{BSSID: net.HardwareAddr{2, 0, 0, 0, 9, last}, Freq: 2412, SignalMBm: mbm,
		HasSignalMBm: true, IEs: ies, Capability: capab}
}

// The harness's fixed identities: wiphy 0 "phy0", interface 7 "wlan7".
const (
	hWiphy   = 0
	hIfindex = 7
)

var hDevice = dbusapi.DevicePath(hWiphy, hIfindex)

// apiHarness is the real daemon on a private dbus-daemon: its D-Bus server
// and bridge (serveDBus), its known-network store on a temporary state
// directory and one real station (runStation) over a scriptedKernel. A
// client connection calls it and collects its signals.
type apiHarness struct {
	t      *testing.T
	d      *Daemon
	k      *scriptedKernel
	ctx    context.Context
	addr   string
	dir    string // the state directory (network files)
	client *dbus.Conn
	sigs   chan *dbus.Signal
}

// newAPIHarness starts the daemon with the network files given (name ->
// contents) and the air to scan. Developer mode: autoconnect starts off and
// StationDebug is there.
func newAPIHarness(t *testing.T, files map[string]string, air ...*nl80211.BSS) *apiHarness {
	t.Helper()
	return newAPIHarnessOn(t, dbustest.StartBus(t), files, air...)
}

// newAPIHarnessOn is newAPIHarness on the bus at addr.
func newAPIHarnessOn(t *testing.T, addr string, files map[string]string, air ...*nl80211.BSS) *apiHarness {
	t.Helper()
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
	dir, confDir := t.TempDir(), t.TempDir()
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	level := slog.LevelInfo
	if os.Getenv("WIFID_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	out := io.Discard
	if os.Getenv("WIFID_TEST_LOG") != "" {
		out = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	d, err := New(Options{StateDir: dir, ConfigDir: confDir, Developer: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		d.wg.Wait()
	})
	h := &apiHarness{t: t, d: d, ctx: ctx, addr: addr, dir: dir,
		k: &scriptedKernel{results: air, connects: make(chan nl80211.ConnectRequest, 8)}}
	d.serveDBus(ctx)
	if d.api == nil {
		t.Fatal("the daemon did not get on the bus")
	}
	ext := make(nl80211.ExtFeatures, unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211/8+1)
	ext[unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211/8] |= 1 << (unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211 % 8)
	w := &nl80211.Wiphy{Index: hWiphy, Name: "phy0", ExtFeatures: ext}
	d.mu.Lock()
	d.wiphys[w.Index] = w
	d.radios[w.Index] = &radio{name: w.Name} // no rfkill switch
	d.mu.Unlock()
	// An interface that is up: its Device, then its station.
	d.kernel = h.k
	m := &managed{iface: &nl80211.Interface{Index: hIfindex, Name: "wlan7", Wiphy: hWiphy,
		MAC: net.HardwareAddr{2, 0, 0, 0, 0, 7}, Type: nl80211.IftypeStation}, wiphy: w, wantUp: true, up: true}
	d.mu.Lock()
	d.devices[hIfindex] = m
	d.mu.Unlock()
	d.api.DeviceAdded(d.deviceInfo(m))
	if err := d.startStation(ctx, m); err != nil {
		t.Fatal(err)
	}

	h.client = dbustest.Connect(t, addr)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var has bool
		if err := h.client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, dbusapi.Service).Store(&has); err == nil && has {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("net.connman.iwd not owned within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.sigs = make(chan *dbus.Signal, 512)
	h.client.Signal(h.sigs)
	if err := h.client.AddMatchSignal(dbus.WithMatchSender(dbusapi.Service)); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *apiHarness) call(path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return dbustest.Call(h.client, path, method, args...)
}

// ok fails the test on a call's error.
func (h *apiHarness) ok(c *dbus.Call) {
	h.t.Helper()
	if c.Err != nil {
		h.t.Fatalf("%s: %v", c.Method, c.Err)
	}
}

// wantErr checks a call failed with the named error.
func (h *apiHarness) wantErr(what string, c *dbus.Call, name string) {
	h.t.Helper()
	if got := dbusapi.ErrorName(c.Err); got != name {
		h.t.Errorf("%s: error %q (%v), want %s", what, got, c.Err, name)
	}
}

// goCall makes a call without waiting; its answer comes on the channel.
func (h *apiHarness) goCall(path dbus.ObjectPath, method string, args ...any) <-chan *dbus.Call {
	done := make(chan *dbus.Call, 1)
	h.client.Object(dbusapi.Service, path).GoWithContext(h.ctx, method, 0, done, args...)
	return done
}

func (h *apiHarness) answer(what string, ch <-chan *dbus.Call) *dbus.Call {
	h.t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(10 * time.Second):
		h.t.Fatalf("%s: no answer within 10 s", what)
	}
	return nil
}

// waitSignal returns the first signal (from now on) that match accepts.
func (h *apiHarness) waitSignal(what string, match func(*dbus.Signal) bool) *dbus.Signal {
	h.t.Helper()
	return dbustest.WaitSignal(h.t, h.sigs, what, match)
}

// stationProp matches Station PropertiesChanged carrying name == want.
func stationProp(name string, want any) func(*dbus.Signal) bool {
	return func(s *dbus.Signal) bool {
		if s.Path != hDevice || s.Name != dbusapi.PropertiesInterface+".PropertiesChanged" || s.Body[0] != dbusapi.StationInterface {
			return false
		}
		v, ok := s.Body[1].(map[string]dbus.Variant)[name]
		return ok && v.Value() == want
	}
}

func stationState(want string) func(*dbus.Signal) bool { return stationProp("State", want) }

func (h *apiHarness) managed() map[dbus.ObjectPath]map[string]map[string]dbus.Variant {
	h.t.Helper()
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := h.call("/", dbusapi.ObjectManagerInterface+".GetManagedObjects").Store(&objs); err != nil {
		h.t.Fatal(err)
	}
	return objs
}

// scan runs Station.Scan and waits for its end (Scanning false).
func (h *apiHarness) scan() {
	h.t.Helper()
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Scan"))
	h.waitSignal("Scanning false", stationProp("Scanning", false))
}

// connectEvent answers the pending CMD_CONNECT as the kernel would.
func (h *apiHarness) connectEvent(status uint16) nl80211.ConnectRequest {
	h.t.Helper()
	var req nl80211.ConnectRequest
	select {
	case req = <-h.k.connects:
	case <-time.After(10 * time.Second):
		h.t.Fatal("no CMD_CONNECT")
	}
	h.d.route(h.ctx, &nl80211.ConnectEvent{EventInfo: nl80211.EventInfo{Cmd: unix.NL80211_CMD_CONNECT, Ifindex: hIfindex},
		BSSID: req.BSSID, Status: status})
	return req
}

func network(ssid, typ string) dbus.ObjectPath {
	return dbusapi.NetworkPath(hDevice, dbusapi.NetworkID{SSID: ssid, Type: typ})
}

// TestBusLostEndsTheRun: when dbus-daemon goes away (a restart), the D-Bus
// server returns instead of spinning on its closed signal channel, and the
// daemon's run ends with an error so the service manager restarts it.
func TestBusLostEndsTheRun(t *testing.T) {
	addr, kill := dbustest.StartStoppableBus(t)
	h := newAPIHarnessOn(t, addr, nil)
	cause := make(chan error, 1)
	h.d.mu.Lock()
	h.d.fail = func(err error) { cause <- err }
	h.d.mu.Unlock()
	kill()
	select {
	case err := <-cause:
		if err == nil || !strings.Contains(err.Error(), "bus connection was lost") {
			t.Errorf("run ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon did not notice the bus was gone")
	}
}
