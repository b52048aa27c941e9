package station

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// lockedBuffer is a log destination read while the station writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// namingIP is an IPConfigurator that records the interface name each
// configuration was asked for.
type namingIP struct {
	fakeIP
	names chan string
}

func (n *namingIP) Configure(ctx context.Context, req IPRequest) (<-chan IPEvent, func(), error) {
	n.names <- req.Ifname
	return n.fakeIP.Configure(ctx, req)
}

// TestRenamed: after the kernel renamed the interface, the station's log
// lines (and those of loggers derived from its own), its View and the IP
// configuration of its next connection carry the new name.
func TestRenamed(t *testing.T) {
	var out lockedBuffer
	ip := &namingIP{fakeIP: fakeIP{events: make(chan IPEvent)}, names: make(chan string, 4)}
	h := newHarnessConfig(t, nil, false, func(c *Config) {
		c.IP = ip
		c.Logger = slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, openBSS("cafe", 1))
	ctx := context.Background()
	if err := h.st.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "iface=wlan7") {
		t.Fatalf("log before the rename lacks iface=wlan7:\n%s", out.String())
	}
	if err := h.st.Renamed(ctx, "wlren0"); err != nil {
		t.Fatal(err)
	}
	if v := h.st.View(); v.Ifname != "wlren0" {
		t.Errorf("View.Ifname %q after the rename, want wlren0", v.Ifname)
	}
	mark := len(out.String())
	errc := make(chan error, 1)
	go func() { errc <- h.st.Connect(ctx, NetworkPathID("cafe", knownnetworks.SecurityOpen)) }()
	req := h.waitConnect()
	h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
	if err := <-errc; err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if name := <-ip.names; name != "wlren0" {
		t.Errorf("IPRequest.Ifname %q, want wlren0", name)
	}
	ip.events <- IPEvent{Kind: IPConfigured, Address: "10.0.0.2/24", Detail: "DHCP"}
	h.waitState(Connected)
	h.stop()
	after := out.String()[mark:]
	if strings.Contains(after, "iface=wlan7") {
		t.Errorf("the old name is still logged after the rename:\n%s", after)
	}
	for _, line := range strings.Split(strings.TrimSpace(after), "\n") {
		if !strings.Contains(line, " iface=wlren0") {
			t.Errorf("line without iface=wlren0: %s", line)
		}
	}
	if !strings.Contains(after, `msg=connected iface=wlren0`) {
		t.Errorf("no connected line with the new name (the timeline's):\n%s", after)
	}
}
