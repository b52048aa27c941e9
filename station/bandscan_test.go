package station

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// dualBand is a radio with two channels in each of the 2.4 and 5 GHz bands;
// the fake kernel's scans return only the results on the channels asked for.
func dualBand(c *Config) {
	c.Kernel.(*fakeKernel).byFreq = true
	c.Wiphy = &nl80211.Wiphy{Name: "phy7", Bands: []nl80211.Band{
		{Band: unix.NL80211_BAND_2GHZ, Channels: []nl80211.Channel{{Freq: 2412}, {Freq: 2437}}},
		{Band: unix.NL80211_BAND_5GHZ, Channels: []nl80211.Channel{{Freq: 5180}, {Freq: 5200}, {Freq: 5260, Disabled: true}}},
	}}
}

// waitScans waits for the fake kernel to have seen n scan requests.
func (h *harness) waitScans(n int) []nl80211.ScanRequest {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.k.mu.Lock()
		scans := slices.Clone(h.k.scans)
		h.k.mu.Unlock()
		if len(scans) >= n {
			return scans
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d scans, want %d: %+v", len(scans), n, scans)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFullScanConnectsOnFirstBandThenRoamsToBetterBand: autoconnect's full
// scan covers 2.4 GHz first and connects to the known network found there;
// once connected it scans 5 GHz (without flushing the 2.4 GHz results),
// finds the same network's better BSS there, and roams to it.
func TestFullScanConnectsOnFirstBandThenRoamsToBetterBand(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"home.open": ""}, true, dualBand,
		openBSSAt("home", 1, -84, 2412), openBSSAt("home", 2, -50, 5180), openBSSAt("cafe", 3, -40, 5200))
	connectedTo(t, h, "02:00:00:00:00:01")
	scans := h.waitScans(2)
	if !slices.Equal(scans[0].Freqs, []uint32{2412, 2437}) || scans[0].Flags&unix.NL80211_SCAN_FLAG_FLUSH == 0 {
		t.Fatalf("first scan %+v, want 2.4 GHz with FLUSH", scans[0])
	}
	if !slices.Equal(scans[1].Freqs, []uint32{5180, 5200}) || scans[1].Flags&unix.NL80211_SCAN_FLAG_FLUSH != 0 {
		t.Fatalf("scan once connected %+v, want 5 GHz without FLUSH", scans[1])
	}
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:02" {
		t.Fatalf("roamed to %v, want the 5 GHz BSS", req.BSSID)
	}
	// Both bands' networks are listed.
	h.onLoop(func(s *Station) {
		if len(s.networks) != 2 {
			t.Errorf("networks %v", s.networks)
		}
	})
}

// TestFullScanNextBandKeepsScanning: no known network on 2.4 GHz, so the
// full scan goes on to 5 GHz, with Scanning true throughout, and connects
// there.
func TestFullScanNextBandKeepsScanning(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"home.open": ""}, true, dualBand,
		openBSSAt("cafe", 3, -40, 2412), openBSSAt("home", 2, -50, 5200))
	sawScanning := false
	timeout := time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case v := <-h.views:
			if v.Scanning {
				sawScanning = true
			} else if sawScanning && v.State == AutoconnectFull && len(h.waitScans(1)) < 2 {
				t.Fatal("Scanning went false between the bands")
			}
			done = v.Connecting != ""
		case <-timeout:
			t.Fatal("no connect")
		}
	}
	req := h.waitConnect()
	if req.BSSID.String() != "02:00:00:00:00:02" {
		t.Fatalf("connected to %v", req.BSSID)
	}
	scans := h.waitScans(2)
	if !slices.Equal(scans[1].Freqs, []uint32{5180, 5200}) || scans[1].Flags&unix.NL80211_SCAN_FLAG_FLUSH != 0 {
		t.Fatalf("second band's scan %+v", scans[1])
	}
	h.onLoop(func(s *Station) {
		if s.networks[NetworkPathID("cafe", 0)] == nil && len(s.networks) != 2 {
			t.Errorf("the first band's network dropped: %v", s.networks)
		}
	})
}

// connectedRestScanHangs completes the autoconnect the harness started;
// the scan of the bands left for later, which follows, hangs in the fake
// until its context ends.
func (h *harness) connectedRestScanHangs() {
	h.t.Helper()
	req := h.waitConnect()
	h.k.mu.Lock()
	h.k.scanBlock = make(chan struct{})
	h.k.mu.Unlock()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	h.waitState(Connected)
	h.waitScans(2)
}

// TestUserConnectAbortsBandsLeftScan: a user's connect does not wait for
// the background scan of the bands left for later; it aborts it.
func TestUserConnectAbortsBandsLeftScan(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"home.open": ""}, true, dualBand,
		openBSSAt("home", 1, -60, 2412), openBSSAt("cafe", 3, -40, 2437))
	h.connectedRestScanHangs()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- h.st.Connect(ctx, NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:03" {
		t.Fatalf("connected to %v", req.BSSID)
	}
	// The scan hangs in the fake until its context ends: only the abort
	// ends it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var running bool
		h.onLoop(func(s *Station) { running = s.restScan || s.scanning })
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background scan still runs")
		}
	}
}

// TestRoamPreemptsBandsLeftScan: a roam asked for while the bands left for
// later are being scanned does not fail as busy: that scan is aborted and
// the roam's own runs after it.
func TestRoamPreemptsBandsLeftScan(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"home.open": ""}, true, dualBand,
		openBSSAt("home", 1, -50, 2412), openBSSAt("home", 2, -70, 2437))
	h.connectedRestScanHangs()
	h.k.mu.Lock()
	h.k.scanBlock = nil // the roam's scan does not
	h.k.mu.Unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- h.st.Roam(ctx, net.HardwareAddr{2, 0, 0, 0, 0, 2}) }()
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:02" {
		t.Fatalf("roamed to %v", req.BSSID)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Roam: %v", err)
	}
}

// TestConnectionLostAbortsBandsLeftScan: the connection is lost while the
// bands left for later are being scanned. That scan is aborted and
// autoconnect scans again (the quick scan of the lost network's channel)
// before it tries anything: the list's 2.4 GHz BSSes are as the first scan
// saw them, and the AP that went away may come back changed.
func TestConnectionLostAbortsBandsLeftScan(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"home.open": ""}, true, dualBand,
		openBSSAt("home", 1, -60, 2412))
	h.connectedRestScanHangs()
	h.k.mu.Lock()
	h.k.scanBlock = nil
	h.k.mu.Unlock()
	h.events <- &nl80211.DisconnectEvent{Reason: 2, ByAP: true}
	scans := h.waitScans(3)
	if !slices.Equal(scans[2].Freqs, []uint32{2412}) {
		t.Fatalf("scan after the loss %+v, want the quick scan of 2412", scans[2])
	}
	// The reconnect comes from that scan's results.
	if req := h.waitConnect(); req.BSSID.String() != "02:00:00:00:00:01" {
		t.Fatalf("reconnected to %v", req.BSSID)
	}
}

// TestDisconnectWaitsForBandsLeftScanAbort: a user's disconnect while the
// bands left for later are being scanned aborts that scan and sends
// CMD_DISCONNECT once it ended: sent while the radio listens on another
// channel, the deauthentication is lost and the AP keeps the station.
func TestDisconnectWaitsForBandsLeftScanAbort(t *testing.T) {
	h := newHarnessConfig(t, map[string]string{"home.open": ""}, true, dualBand,
		openBSSAt("home", 1, -60, 2412))
	h.connectedRestScanHangs()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	h.k.mu.Lock()
	defer h.k.mu.Unlock()
	if h.k.discs != 1 || h.k.discsInScan != 0 || h.k.scansRunning != 0 {
		t.Fatalf("%d disconnects, %d of them during a scan, %d scans running", h.k.discs, h.k.discsInScan, h.k.scansRunning)
	}
}

// TestPreemptRestScanKeepsEveryWaiter: two things that wait for the
// background scan's abort both run, in order (a roam asked for over D-Bus
// must get its answer even if a BSS transition request came meanwhile).
func TestPreemptRestScanKeepsEveryWaiter(t *testing.T) {
	s := &Station{restScan: true, scanCancel: func() {}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var order []int
	if !s.preemptRestScan(func() { order = append(order, 1) }) || !s.preemptRestScan(func() { order = append(order, 2) }) {
		t.Fatal("preemptRestScan: false while the background scan runs")
	}
	s.afterAbort()
	if !slices.Equal(order, []int{1, 2}) {
		t.Fatalf("ran %v, want [1 2]", order)
	}
	if (&Station{}).preemptRestScan(func() {}) {
		t.Error("preemptRestScan: true with no background scan")
	}
}

// TestQueuedScanWaitsForAttempt: a user's scan queued behind another does
// not start while a connect attempt is under way (it would take the radio
// off the handshake's channel); it starts once the attempt is over.
func TestQueuedScanWaitsForAttempt(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("cafe", 1))
	h.onLoop(func(s *Station) {
		s.queuedScan = &[]uint32{}
		s.attempt = &attempt{}
		s.runQueuedScan()
		if s.scanning || s.queuedScan == nil {
			t.Error("the queued scan started during a connect attempt")
		}
		s.attempt = nil
		s.runQueuedScan()
		if !s.scanning || s.queuedScan != nil {
			t.Error("the queued scan did not start once the attempt was over")
		}
	})
	h.waitScans(1)
}
