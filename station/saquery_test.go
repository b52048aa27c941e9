package station

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
)

// mfpConnected puts the harness's station into a connection with MFP to
// bssid (the fake kernel cannot run a real 4-way handshake).
func mfpConnected(t *testing.T, h *harness, bssid net.HardwareAddr) {
	t.Helper()
	n := &Network{SSID: "wpa2", BSSes: []*BSS{{Addr: bssid, Freq: 2412}}}
	h.st.call(context.Background(), func() {
		h.st.conn = &connection{network: n, bss: n.BSSes[0], sec: &rsnChoice{mfp: true}, configured: true,
			hsCancel: func() {}, netCancel: func() {}}
		h.st.setState(Connected, "test")
	})
}

func unprotDeauth(ap, sta net.HardwareAddr) *nl80211.MLMEEvent {
	f := []byte{0xc0, 0x00, 0x00, 0x00}
	f = append(f, sta...)
	f = append(f, ap...)
	f = append(f, ap...)
	f = append(f, 0x00, 0x00, 7, 0)
	return &nl80211.MLMEEvent{EventInfo: nl80211.EventInfo{Cmd: unix.NL80211_CMD_UNPROT_DEAUTHENTICATE}, Frame: f}
}

func (h *harness) waitFrame() []byte {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		h.k.mu.Lock()
		n := len(h.k.frames)
		var f []byte
		if n > 0 {
			f = h.k.frames[n-1]
		}
		h.k.mu.Unlock()
		if f != nil {
			return f
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatal("no frame sent")
	return nil
}

func TestSAQuery(t *testing.T) {
	ap := net.HardwareAddr{2, 0, 0, 0, 0, 9}
	// The AP answers: the unprotected deauthentication was forged.
	h := newHarness(t, nil, false)
	mfpConnected(t, h, ap)
	h.events <- unprotDeauth(ap, h.st.cfg.MAC)
	req := h.waitFrame()
	if len(req) != 28 || req[24] != saQueryCategory || req[25] != saQueryRequest || net.HardwareAddr(req[4:10]).String() != ap.String() {
		t.Fatalf("SA Query request % x", req)
	}
	resp := append([]byte{0xd0, 0x00, 0x00, 0x00}, h.st.cfg.MAC...)
	resp = append(resp, ap...)
	resp = append(resp, ap...)
	resp = append(resp, 0x00, 0x00, saQueryCategory, saQueryResponse, req[26], req[27])
	h.events <- &nl80211.FrameEvent{Frame: resp}
	time.Sleep(saQueryTimeout + 300*time.Millisecond)
	if v := h.st.View(); v.State != Connected {
		t.Errorf("answered SA Query, yet state %v", v.State)
	}
	h.stop()

	// No answer: the AP lost us; the station lets go.
	h = newHarness(t, nil, false)
	mfpConnected(t, h, ap)
	h.events <- unprotDeauth(ap, h.st.cfg.MAC)
	h.waitFrame()
	h.waitState(Disconnected)

	// Without MFP there is nothing to ask: no SA Query.
	h = newHarness(t, nil, false)
	h.st.call(context.Background(), func() {
		n := &Network{SSID: "open", BSSes: []*BSS{{Addr: ap}}}
		h.st.conn = &connection{network: n, bss: n.BSSes[0], configured: true, hsCancel: func() {}, netCancel: func() {}}
	})
	h.events <- unprotDeauth(ap, h.st.cfg.MAC)
	time.Sleep(100 * time.Millisecond)
	h.k.mu.Lock()
	defer h.k.mu.Unlock()
	if len(h.k.frames) != 0 {
		t.Errorf("SA Query sent without MFP")
	}
}
