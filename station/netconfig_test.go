package station

import (
	"context"
	"errors"
	"testing"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// fakeIP is an IPConfigurator whose events the test sends.
type fakeIP struct {
	events chan IPEvent
	refuse error // Configure fails at once
}

func (f *fakeIP) Configure(ctx context.Context, req IPRequest) (<-chan IPEvent, func(), error) {
	if f.refuse != nil {
		return nil, nil, f.refuse
	}
	out := make(chan IPEvent)
	go func() {
		defer close(out)
		for {
			select {
			case ev := <-f.events:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, func() {}, nil
}

// TestConnectAnsweredBeforeNetconfig: as iwd, Network.Connect succeeds once
// the link is keyed; State stays connecting until an address is in place,
// and a netconfig failure then ends the connection.
func TestConnectAnsweredBeforeNetconfig(t *testing.T) {
	for _, ok := range []bool{true, false} {
		ip := &fakeIP{events: make(chan IPEvent)}
		h := newHarnessConfig(t, nil, false, func(c *Config) { c.IP = ip }, openBSS("cafe", 1))
		if err := h.st.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- h.st.Connect(context.Background(), NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
		req := h.waitConnect()
		h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
		if err := <-errc; err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if v := h.st.View(); v.State.DBusState() != "connecting" {
			t.Errorf("state before an address: %v, want connecting", v.State)
		}
		if ok {
			ip.events <- IPEvent{Kind: IPConfigured, Address: "10.0.0.2/24", Detail: "DHCP"}
			v := h.waitState(Connected)
			if v.Address != "10.0.0.2/24" || v.Last == nil || v.Last.Outcome != "connected" {
				t.Errorf("after the address: %+v", v)
			}
		} else {
			ip.events <- IPEvent{Kind: IPFailed, Err: errors.New("no lease")}
			h.waitState(Disconnected)
		}
		h.stop()
	}
}

// TestNetconfigRefusedEndsTheConnection: an IP configuration refused at
// once ends the connection as one that fails later does (it left the
// station in "connecting (netconfig)" for good).
func TestNetconfigRefusedEndsTheConnection(t *testing.T) {
	ip := &fakeIP{refuse: errors.New("interface gone")}
	h := newHarnessConfig(t, nil, false, func(c *Config) { c.IP = ip }, openBSS("cafe", 1))
	if err := h.st.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- h.st.Connect(context.Background(), NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	<-errc
	v := h.waitState(Disconnected)
	for v.Last == nil || v.Last.Outcome == "" { // views from before the connect
		v = h.waitState(Disconnected)
	}
	if v.Last == nil || v.Last.Outcome != "failed: netconfig: interface gone" {
		t.Errorf("outcome %+v, want failed: netconfig: interface gone", v.Last)
	}
	h.stop()
}
