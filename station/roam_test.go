package station

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"wifid/nl80211"
)

// openBSSAt is openBSS heard at dbm on freq.
func openBSSAt(ssid string, bssid byte, dbm int, freq uint32) *nl80211.BSS {
	b := openBSS(ssid, bssid)
	b.SignalMBm, b.Freq = int32(dbm*100), freq
	return b
}

// waitView waits for a published view that ok accepts.
func (h *harness) waitView(ok func(View) bool) View {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case v := <-h.views:
			if ok(v) {
				return v
			}
		case <-timeout:
			v := h.st.View()
			h.t.Fatalf("view not reached; now %v on %v", v.State, v.ConnectedBSS)
		}
	}
}

func fastRoam(c *Config) {
	c.Roam = RoamConfig{Threshold: -70, Threshold5G: -76, RetryInterval: time.Hour, Delay: 10 * time.Millisecond}
}

// connectedTo autoconnects the harness to the BSS the fake's results rank
// first and returns its address.
func connectedTo(t *testing.T, h *harness, want string) net.HardwareAddr {
	t.Helper()
	req := h.waitConnect()
	if req.BSSID.String() != want {
		t.Fatalf("connected to %v, want %s", req.BSSID, want)
	}
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	h.waitState(Connected)
	return req.BSSID
}

func TestRoamOnLowSignalToBetterBSS(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -80, 2437))
	first := connectedTo(t, h, "02:00:00:00:00:01")
	h.k.setResults(openBSSAt("cafe", 1, -82, 2412), openBSSAt("cafe", 2, -40, 2437))
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -82, HasRSSILevel: true}
	req := h.waitConnect()
	if req.BSSID.String() != "02:00:00:00:00:02" || req.PrevBSSID.String() != first.String() {
		t.Fatalf("roam request to %v from %v, want 02:00:00:00:00:02 from %v", req.BSSID, req.PrevBSSID, first)
	}
	if v := h.st.View(); v.State != Roaming || v.State.DBusState() != "roaming" {
		t.Errorf("state while reassociating: %v", v.State)
	}
	// The kernel leaves the old BSS as it reassociates: not a lost connection.
	h.events <- &nl80211.DisconnectEvent{Reason: 3}
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	v := h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == "02:00:00:00:00:02" })
	if v.Last == nil || v.Last.Kind != "roam" || v.Last.Outcome != "roamed" {
		t.Fatalf("last timeline: %+v", v.Last)
	}
	if _, ok := v.Last.Phase(PhaseScan); !ok {
		t.Errorf("roam timeline has no scan phase: %s", v.Last)
	}
	if cqm := h.waitCQM(2); cqm[0] != -70 || cqm[1] != -70 {
		t.Errorf("CQM thresholds set: %v, want -70 after each association", cqm)
	}
}

// waitCQM waits until the station has set n CQM thresholds.
func (h *harness) waitCQM(n int) []int32 {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.k.mu.Lock()
		cqm := append([]int32(nil), h.k.cqm...)
		h.k.mu.Unlock()
		if len(cqm) >= n {
			return cqm
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d CQM thresholds set, want %d", len(cqm), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRoamUses5GHzThreshold(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam, openBSSAt("cafe", 1, -40, 5180))
	connectedTo(t, h, "02:00:00:00:00:01")
	if cqm := h.waitCQM(1); cqm[0] != -76 {
		t.Errorf("CQM threshold on 5 GHz %d, want -76", cqm[0])
	}
}

func TestNoRoamWithoutBetterBSS(t *testing.T) {
	var events []string
	evc := make(chan string, 64)
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
		fastRoam(c)
		c.OnEvent = func(name string, args ...any) { evc <- name }
	}, openBSSAt("cafe", 1, -60, 2412), openBSSAt("cafe", 2, -85, 2437))
	connectedTo(t, h, "02:00:00:00:00:01")
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -72, HasRSSILevel: true}
	timeout := time.After(5 * time.Second)
	for n := 0; n < 2; {
		select {
		case e := <-evc:
			events = append(events, e)
			if e == "no-roam-candidates" {
				n++
			}
		case <-timeout:
			t.Fatalf("no no-roam-candidates event; events: %v", events)
		}
	}
	if got := strings.Count(strings.Join(events, " "), "roam-scan-triggered"); got != 2 {
		t.Errorf("%d roam scans, want 2 (known frequencies, then all): %v", got, events)
	}
	select {
	case r := <-h.k.connCh:
		t.Fatalf("roamed to a worse BSS: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	if v := h.st.View(); v.State != Connected || v.ConnectedBSS.String() != "02:00:00:00:00:01" {
		t.Errorf("after no roam: %v on %v", v.State, v.ConnectedBSS)
	}
	// Signal back up and down again: a new try at once (no retry wait).
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSIHigh, RSSILevel: -60, HasRSSILevel: true}
	h.k.setResults(openBSSAt("cafe", 1, -80, 2412), openBSSAt("cafe", 2, -45, 2437))
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -80, HasRSSILevel: true}
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:02" {
		t.Errorf("second roam went to %v", req.BSSID)
	}
}

func TestFailedRoamLosesConnectionAndAutoconnects(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -80, 2437))
	connectedTo(t, h, "02:00:00:00:00:01")
	h.k.setResults(openBSSAt("cafe", 1, -82, 2412), openBSSAt("cafe", 2, -40, 2437))
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -82, HasRSSILevel: true}
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID, Status: 1}
	h.waitState(Disconnected)
	if !h.st.blacklistContains("02:00:00:00:00:02") {
		t.Error("the BSS that refused the reassociation is not blacklisted")
	}
	// Autoconnect goes on; the refusing BSS is skipped.
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:01" || len(req.PrevBSSID) != 0 {
		t.Errorf("after the failed roam: connect to %v (prev %v)", req.BSSID, req.PrevBSSID)
	}
}

func TestForcedRoam(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -50, 2437))
	first := connectedTo(t, h, "02:00:00:00:00:01")
	ctx := context.Background()
	if err := h.st.Roam(ctx, first); err != ErrAlreadyConnected {
		t.Errorf("roam to the connected BSS: %v", err)
	}
	if err := h.st.Roam(ctx, net.HardwareAddr{2, 0, 0, 0, 0, 9}); err != ErrNotFound {
		t.Errorf("roam to an unknown BSS: %v", err)
	}
	// A forced roam goes to the BSS asked for, even a weaker one.
	if err := h.st.Roam(ctx, net.HardwareAddr{2, 0, 0, 0, 0, 2}); err != nil {
		t.Fatal(err)
	}
	req := h.waitConnect()
	if req.BSSID.String() != "02:00:00:00:00:02" || req.PrevBSSID.String() != first.String() {
		t.Fatalf("forced roam request to %v from %v", req.BSSID, req.PrevBSSID)
	}
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == "02:00:00:00:00:02" })
}

func TestPacketLossRoams(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -80, 2437))
	connectedTo(t, h, "02:00:00:00:00:01")
	h.k.setResults(openBSSAt("cafe", 1, -88, 2412), openBSSAt("cafe", 2, -40, 2437))
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSINone, PacketLoss: 3}
	select {
	case r := <-h.k.connCh:
		t.Fatalf("roamed on 3 lost packets: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSINone, PacketLoss: 50}
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:02" {
		t.Errorf("packet loss roam went to %v", req.BSSID)
	}
}

func TestDisconnectDuringRoam(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -80, 2437))
	connectedTo(t, h, "02:00:00:00:00:01")
	h.k.setResults(openBSSAt("cafe", 1, -88, 2412), openBSSAt("cafe", 2, -40, 2437))
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -88, HasRSSILevel: true}
	h.waitConnect()
	if err := h.st.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := h.st.View()
	if v.State != Disconnected || v.Connected != "" || v.Connecting != "" {
		t.Errorf("after disconnect during a roam: %v connected=%q connecting=%q", v.State, v.Connected, v.Connecting)
	}
	// The reassociation's late result changes nothing.
	h.events <- &nl80211.ConnectEvent{BSSID: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	if err := h.st.Disconnect(context.Background()); err != ErrNotConnected {
		t.Errorf("second disconnect: %v", err)
	}
	if v := h.st.View(); v.State != Disconnected {
		t.Errorf("a late connect event revived the connection: %v", v.State)
	}
}

func TestStopDuringRoamScan(t *testing.T) {
	block := make(chan struct{})
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -80, 2437))
	connectedTo(t, h, "02:00:00:00:00:01")
	h.k.mu.Lock()
	h.k.scanBlock = block
	h.k.mu.Unlock()
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -88, HasRSSILevel: true}
	h.waitView(func(v View) bool { return v.Scanning })
	stopped := make(chan struct{})
	go func() { h.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the station did not stop while a roam scan ran")
	}
	close(block)
}

// TestConnectionLostDuringRoamScan: the link is lost while a roam scan
// runs (packet loss began it just before). Autoconnect finds the radio
// busy; once the roam scan ends, its own scan runs and it reconnects
// rather than waiting for nothing.
func TestConnectionLostDuringRoamScan(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, fastRoam,
		openBSSAt("cafe", 1, -40, 2412))
	connectedTo(t, h, "02:00:00:00:00:01")
	n := len(h.waitScans(1))
	block := make(chan struct{})
	h.k.mu.Lock()
	h.k.scanBlock = block
	h.k.mu.Unlock()
	h.events <- &nl80211.CQMEvent{PacketLoss: 50}
	h.waitScans(n + 1) // the roam scan, held
	h.events <- &nl80211.DisconnectEvent{Reason: 4}
	h.waitState(AutoconnectQuick)
	h.k.mu.Lock()
	h.k.scanBlock = nil
	h.k.mu.Unlock()
	close(block)
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:01" {
		t.Fatalf("reconnected to %v", req.BSSID)
	}
	if scans := h.waitScans(n + 2); len(scans) < n+2 {
		t.Fatalf("no autoconnect scan after the roam scan: %+v", scans)
	}
}

// TestAffinity: a client's affinity to the connected BSS (Station.Affinities,
// iwd 3.x) moves the CQM threshold to CriticalRoamThreshold and back when
// cleared; affinity for another BSS is refused, and without a connection
// it is NotConnected; a roam ends it.
func TestAffinity(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
		fastRoam(c)
		c.Roam.CriticalThreshold, c.Roam.CriticalThreshold5G = -80, -82
	}, openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -80, 2437))
	ctx := context.Background()
	first := connectedTo(t, h, "02:00:00:00:00:01")
	if err := h.st.SetAffinity(ctx, net.HardwareAddr{2, 0, 0, 0, 0, 2}); !errors.Is(err, ErrInvalidArgs) {
		t.Errorf("affinity to another BSS: %v, want ErrInvalidArgs", err)
	}
	if err := h.st.SetAffinity(ctx, first); err != nil {
		t.Fatal(err)
	}
	if !h.st.View().Affinity {
		t.Error("View.Affinity false after SetAffinity")
	}
	if cqm := h.waitCQM(2); cqm[1] != -80 {
		t.Errorf("CQM thresholds %v, want -80 (critical) with affinity", cqm)
	}
	if err := h.st.SetAffinity(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if cqm := h.waitCQM(3); cqm[2] != -70 {
		t.Errorf("CQM thresholds %v, want -70 once cleared", cqm)
	}
	if err := h.st.SetAffinity(ctx, first); err != nil {
		t.Fatal(err)
	}
	// Below the critical threshold the station roams, and the roam ends
	// the affinity.
	h.k.setResults(openBSSAt("cafe", 1, -85, 2412), openBSSAt("cafe", 2, -40, 2437))
	h.events <- &nl80211.CQMEvent{RSSIThreshold: nl80211.CQMRSSILow, RSSILevel: -85, HasRSSILevel: true}
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	v := h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == "02:00:00:00:00:02" })
	if v.Affinity {
		t.Error("affinity kept after a roam")
	}
	if err := h.st.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	h.waitState(Disconnected)
	if err := h.st.SetAffinity(ctx, first); !errors.Is(err, ErrNotConnected) {
		t.Errorf("affinity while disconnected: %v, want ErrNotConnected", err)
	}
}
