package station

import (
	"context"
	"testing"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// TestSlowListenerDoesNotHoldTheLoop: a listener that takes its time (D-Bus
// under a lock) delays the news, not the station: autoconnect connects
// while it is stuck. It then hears every change, in order, and a caller's
// answer waits for it.
func TestSlowListenerDoesNotHoldTheLoop(t *testing.T) {
	release, released := make(chan struct{}), false
	defer func() {
		if !released { // a failure: let the station stop
			close(release)
		}
	}()
	var heard []State
	got := make(chan struct{})
	h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
		c.OnChange = func(v View) {
			<-release
			if n := len(heard); n == 0 || heard[n-1] != v.State {
				heard = append(heard, v.State)
				if v.State == Connected {
					close(got)
				}
			}
		}
	}, openBSS("cafe", 1))
	h.events <- &nl80211.ConnectEvent{BSSID: h.waitConnect().BSSID}
	for deadline := time.Now().Add(5 * time.Second); h.st.View().State != Connected; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("state %v with the listener stuck, want connected", h.st.View().State)
		}
	}
	answered := make(chan error, 1)
	go func() { answered <- h.st.SetAutoConnect(context.Background(), true) }()
	select {
	case err := <-answered:
		t.Fatalf("a call answered (%v) before the listener heard what came before it", err)
	case <-time.After(50 * time.Millisecond):
	}
	released = true
	close(release)
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the listener never heard of the connection")
	}
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	want := []State{Disconnected, AutoconnectFull, ConnectingAuto, Connected}
	if len(heard) != len(want) {
		t.Fatalf("heard %v, want %v", heard, want)
	}
	for i := range want {
		if heard[i] != want[i] {
			t.Fatalf("heard %v, want %v", heard, want)
		}
	}
}

// TestDisconnectInBackground: CMD_DISCONNECT does not hold the loop; the
// user's Disconnect is answered once it is done, and the next connect goes
// to the kernel only after it.
func TestDisconnectInBackground(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("cafe", 1))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.st.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	id := NetworkPathID("cafe", knownnetworks.SecurityOpen)
	errc := make(chan error, 1)
	go func() { errc <- h.st.Connect(ctx, id) }()
	h.events <- &nl80211.ConnectEvent{BSSID: h.waitConnect().BSSID}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	block := make(chan struct{})
	h.k.mu.Lock()
	h.k.discBlock = block
	h.k.mu.Unlock()
	discErr := make(chan error, 1)
	go func() { discErr <- h.st.Disconnect(ctx) }()
	h.waitState(Disconnecting)
	h.waitState(Disconnected)
	// The loop answers while the kernel holds the disconnect.
	if err := h.st.SetAutoConnect(ctx, false); err != nil {
		t.Fatal(err)
	}
	go func() { errc <- h.st.Connect(ctx, id) }()
	select {
	case err := <-discErr:
		t.Fatalf("Disconnect answered (%v) before the kernel was done", err)
	case r := <-h.k.connCh:
		t.Fatalf("CMD_CONNECT %v sent before CMD_DISCONNECT was done", r.BSSID)
	case <-time.After(200 * time.Millisecond):
	}
	close(block)
	if err := <-discErr; err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	h.events <- &nl80211.ConnectEvent{BSSID: h.waitConnect().BSSID}
	if err := <-errc; err != nil {
		t.Fatalf("connect after the disconnect: %v", err)
	}
}
