package station

import (
	"context"
	"testing"

	"wifid/nl80211"
)

// TestEventsLost: a station told its events were lost asks the kernel;
// its AP still there, it stays connected; gone (the disconnect event was
// among the lost), it tears down and autoconnects again.
func TestEventsLost(t *testing.T) {
	h, sk := sleepHarness(t, openBSS("cafe", 1))
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	h.waitState(Connected)
	if err := h.st.EventsLost(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A call after it runs once the check's answer was taken or not;
	// either way a live link stays.
	if err := h.st.call(context.Background(), func() {}); err != nil {
		t.Fatal(err)
	}
	if v := h.st.View(); v.State != Connected {
		t.Errorf("state %v with the AP still there", v.State)
	}
	sk.mu.Lock()
	sk.gone = true
	sk.mu.Unlock()
	if err := h.st.EventsLost(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.waitConnect() // torn down, then autoconnect
}
