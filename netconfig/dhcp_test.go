package netconfig

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// fakeServer answers client messages in memory; answer may return nil to
// stay silent.
type fakeServer struct {
	mu      sync.Mutex // guards fields below
	answer  func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4
	seen    []dhcpv4.MessageType
	dsts    []netip.Addr
	in      chan []byte
	closed  chan struct{}
	closeMu sync.Once
}

func newFakeServer(answer func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4) *fakeServer {
	return &fakeServer{answer: answer, in: make(chan []byte, 16), closed: make(chan struct{})}
}

func (s *fakeServer) Send(payload []byte, src, dst netip.Addr, _ net.HardwareAddr) error {
	req, err := dhcpv4.FromBytes(payload)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.seen = append(s.seen, req.MessageType())
	s.dsts = append(s.dsts, dst)
	answer := s.answer
	s.mu.Unlock()
	if r := answer(req); r != nil {
		select {
		case s.in <- r.ToBytes():
		case <-s.closed:
		}
	}
	return nil
}

func (s *fakeServer) Recv() ([]byte, net.HardwareAddr, error) {
	select {
	case b := <-s.in:
		return b, net.HardwareAddr{2, 0, 0, 0, 0, 0x99}, nil
	case <-s.closed:
		return nil, nil, errors.New("closed")
	}
}

func (s *fakeServer) Close() error {
	s.closeMu.Do(func() { close(s.closed) })
	return nil
}

func (s *fakeServer) setAnswer(f func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4) {
	s.mu.Lock()
	s.answer = f
	s.mu.Unlock()
}

func (s *fakeServer) messages() []dhcpv4.MessageType {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]dhcpv4.MessageType(nil), s.seen...)
}

// leaseServer hands out 10.9.0.77 with the given lease time and T1/T2 (in
// seconds; 0 leaves them out), and supports rapid commit when asked.
func leaseServer(lease, t1, t2 uint32, rapid bool) func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
	return func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
		var mt dhcpv4.MessageType
		var extra []dhcpv4.Modifier
		switch req.MessageType() {
		case dhcpv4.MessageTypeDiscover:
			mt = dhcpv4.MessageTypeOffer
			if rapid && req.Options.Has(dhcpv4.OptionRapidCommit) {
				mt = dhcpv4.MessageTypeAck
				extra = append(extra, dhcpv4.WithGeneric(dhcpv4.OptionRapidCommit, nil))
			}
		case dhcpv4.MessageTypeRequest:
			mt = dhcpv4.MessageTypeAck
		default:
			return nil
		}
		mods := []dhcpv4.Modifier{
			func(d *dhcpv4.DHCPv4) { d.OpCode = dhcpv4.OpcodeBootReply },
			dhcpv4.WithTransactionID(req.TransactionID),
			dhcpv4.WithHwAddr(req.ClientHWAddr),
			dhcpv4.WithMessageType(mt),
			dhcpv4.WithYourIP(net.IPv4(10, 9, 0, 77)),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 9, 0, 1))),
			dhcpv4.WithLeaseTime(lease),
			dhcpv4.WithNetmask(net.CIDRMask(24, 32)),
			dhcpv4.WithOption(dhcpv4.OptRouter(net.IPv4(10, 9, 0, 1))),
		}
		if t1 > 0 {
			mods = append(mods, dhcpv4.WithOption(dhcpv4.OptRenewTimeValue(time.Duration(t1)*time.Second)))
		}
		if t2 > 0 {
			mods = append(mods, dhcpv4.WithOption(dhcpv4.OptRebindingTimeValue(time.Duration(t2)*time.Second)))
		}
		m, _ := dhcpv4.New(append(mods, extra...)...)
		return m
	}
}

type sinkEvent struct {
	kind    string
	lease   *Lease
	renewed bool
}

type fakeSink struct {
	ev    chan sinkEvent
	inUse bool
}

func (f *fakeSink) bind(l *Lease, renewed bool) error {
	f.ev <- sinkEvent{"bind", l, renewed}
	return nil
}
func (f *fakeSink) unbind(why string) { f.ev <- sinkEvent{kind: "unbind: " + why} }
func (f *fakeSink) failed(err error)  { f.ev <- sinkEvent{kind: "failed"} }
func (f *fakeSink) probe(context.Context, netip.Addr) (bool, error) {
	return f.inUse, nil
}

func runClient(t *testing.T, srv *fakeServer, cfg DHCPConfig, last *Lease) (*fakeSink, context.CancelFunc) {
	t.Helper()
	sink := &fakeSink{ev: make(chan sinkEvent, 32)}
	if cfg.RetransmitBase == 0 {
		cfg.RetransmitBase = 40 * time.Millisecond
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newDHCPClient(cfg, func() string { return "test0" }, testHW, log, srv, sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		c.run(ctx, last)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return sink, cancel
}

func nextEvent(t *testing.T, s *fakeSink, timeout time.Duration) sinkEvent {
	t.Helper()
	select {
	case ev := <-s.ev:
		return ev
	case <-time.After(timeout):
		t.Fatalf("no sink event within %v", timeout)
		return sinkEvent{}
	}
}

func TestDHCPDORA(t *testing.T) {
	srv := newFakeServer(leaseServer(3600, 0, 0, false))
	sink, _ := runClient(t, srv, DHCPConfig{}, nil)
	ev := nextEvent(t, sink, 2*time.Second)
	if ev.kind != "bind" || ev.lease.Address != netip.MustParsePrefix("10.9.0.77/24") || ev.renewed {
		t.Fatalf("got %+v", ev)
	}
	want := []dhcpv4.MessageType{dhcpv4.MessageTypeDiscover, dhcpv4.MessageTypeRequest}
	if got := srv.messages(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("messages %v, want %v", got, want)
	}
}

func TestDHCPRapidCommit(t *testing.T) {
	srv := newFakeServer(leaseServer(3600, 0, 0, true))
	sink, _ := runClient(t, srv, DHCPConfig{RapidCommit: true}, nil)
	if ev := nextEvent(t, sink, 2*time.Second); ev.kind != "bind" {
		t.Fatalf("got %+v", ev)
	}
	if got := srv.messages(); len(got) != 1 {
		t.Errorf("messages %v, want one DISCOVER", got)
	}
}

func TestDHCPRetransmitThenOffer(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := newFakeServer(nil)
	srv.setAnswer(func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k < 3 {
			return nil // lose the first two DISCOVERs
		}
		return leaseServer(3600, 0, 0, false)(req)
	})
	sink, _ := runClient(t, srv, DHCPConfig{}, nil)
	if ev := nextEvent(t, sink, 3*time.Second); ev.kind != "bind" {
		t.Fatalf("got %+v", ev)
	}
	if got := srv.messages(); len(got) != 4 {
		t.Errorf("messages %v, want 3 DISCOVER + REQUEST", got)
	}
}

// TestDHCPFirstRetry: with FirstRetry, a lost first DISCOVER is sent again
// after FirstRetry, not after the backoff; later losses wait the backoff.
func TestDHCPFirstRetry(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := newFakeServer(nil)
	srv.setAnswer(func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
		mu.Lock()
		times = append(times, time.Now())
		k := len(times)
		mu.Unlock()
		if k < 3 {
			return nil // lose two DISCOVERs
		}
		return leaseServer(3600, 0, 0, false)(req)
	})
	sink, _ := runClient(t, srv, DHCPConfig{RetransmitBase: 400 * time.Millisecond, FirstRetry: 20 * time.Millisecond}, nil)
	if ev := nextEvent(t, sink, 5*time.Second); ev.kind != "bind" {
		t.Fatalf("got %+v", ev)
	}
	mu.Lock()
	defer mu.Unlock()
	if first := times[1].Sub(times[0]); first > 250*time.Millisecond {
		t.Errorf("first retransmission after %v, want about FirstRetry (20ms)", first)
	}
	if second := times[2].Sub(times[1]); second < 250*time.Millisecond {
		t.Errorf("second retransmission after %v, want the backoff (400ms ± 100ms)", second)
	}
}

func TestDHCPRenewRebindExpire(t *testing.T) {
	// Lease 3 s, T1 1 s, T2 2 s: renew works once, then the server goes
	// silent and the lease runs through REBINDING to expiry.
	srv := newFakeServer(leaseServer(3, 1, 2, false))
	sink, _ := runClient(t, srv, DHCPConfig{}, nil)
	if ev := nextEvent(t, sink, 2*time.Second); ev.kind != "bind" || ev.renewed {
		t.Fatalf("got %+v", ev)
	}
	ev := nextEvent(t, sink, 3*time.Second)
	if ev.kind != "bind" || !ev.renewed {
		t.Fatalf("want renew, got %+v", ev)
	}
	srv.mu.Lock()
	if d := srv.dsts[len(srv.dsts)-1]; d != netip.MustParseAddr("10.9.0.1") {
		t.Errorf("RENEWING REQUEST sent to %v, want the server (unicast)", d)
	}
	srv.mu.Unlock()
	srv.setAnswer(func(*dhcpv4.DHCPv4) *dhcpv4.DHCPv4 { return nil })
	start := time.Now()
	ev = nextEvent(t, sink, 5*time.Second)
	if ev.kind != "unbind: lease expired" {
		t.Fatalf("want expiry, got %+v", ev)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("expired after %v, lease was 3 s", d)
	}
}

func TestDHCPInitRebootNAK(t *testing.T) {
	last := &Lease{Address: netip.MustParsePrefix("10.9.0.33/24"), Server: netip.MustParseAddr("10.9.0.1"),
		Duration: time.Hour, T1: 30 * time.Minute, T2: 50 * time.Minute, Acquired: time.Now(), HWAddr: testHW.String()}
	srv := newFakeServer(func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
		if req.MessageType() == dhcpv4.MessageTypeRequest && req.RequestedIPAddress().Equal(net.IPv4(10, 9, 0, 33)) {
			m, _ := dhcpv4.New(func(d *dhcpv4.DHCPv4) { d.OpCode = dhcpv4.OpcodeBootReply },
				dhcpv4.WithTransactionID(req.TransactionID), dhcpv4.WithHwAddr(req.ClientHWAddr),
				dhcpv4.WithMessageType(dhcpv4.MessageTypeNak),
				dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 9, 0, 1))))
			return m
		}
		return leaseServer(3600, 0, 0, false)(req)
	})
	sink, _ := runClient(t, srv, DHCPConfig{}, last)
	ev := nextEvent(t, sink, 2*time.Second)
	if ev.kind != "bind" || ev.lease.Address.Addr() != netip.MustParseAddr("10.9.0.77") {
		t.Fatalf("got %+v", ev)
	}
	if got := srv.messages(); len(got) != 3 || got[0] != dhcpv4.MessageTypeRequest || got[1] != dhcpv4.MessageTypeDiscover {
		t.Errorf("messages %v, want REQUEST (NAKed), DISCOVER, REQUEST", got)
	}
}

func TestDHCPInitRebootExpiredLeaseIgnored(t *testing.T) {
	last := &Lease{Address: netip.MustParsePrefix("10.9.0.33/24"), Duration: time.Minute,
		Acquired: time.Now().Add(-time.Hour), HWAddr: testHW.String()}
	srv := newFakeServer(leaseServer(3600, 0, 0, false))
	sink, _ := runClient(t, srv, DHCPConfig{}, last)
	nextEvent(t, sink, 2*time.Second)
	if got := srv.messages(); got[0] != dhcpv4.MessageTypeDiscover {
		t.Errorf("expired lease was tried: %v", got)
	}
}

func TestDHCPDeclineOnConflict(t *testing.T) {
	srv := newFakeServer(leaseServer(3600, 0, 0, false))
	sink := &fakeSink{ev: make(chan sinkEvent, 8), inUse: true}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newDHCPClient(DHCPConfig{ConflictCheck: true, RetransmitBase: 40 * time.Millisecond, DeclineWait: 100 * time.Millisecond},
		func() string { return "test0" }, testHW, log, srv, sink)
	ctx, cancel := context.WithTimeout(context.Background(), 350*time.Millisecond)
	defer cancel()
	c.run(ctx, nil)
	got := srv.messages()
	var declines, discovers int
	for _, m := range got {
		switch m {
		case dhcpv4.MessageTypeDecline:
			declines++
		case dhcpv4.MessageTypeDiscover:
			discovers++
		}
	}
	if declines < 1 || discovers < 2 {
		t.Errorf("messages %v: want DECLINE and a new DISCOVER after the wait", got)
	}
	if len(sink.ev) != 0 {
		t.Errorf("bound despite conflict: %+v", <-sink.ev)
	}
}

func TestBackoff(t *testing.T) {
	base := 4 * time.Second
	for n, want := range []time.Duration{4, 8, 16, 32, 64, 64, 64} {
		want *= time.Second
		for range 20 {
			d := backoff(base, n)
			if d < want-time.Second || d > want+time.Second {
				t.Fatalf("backoff(%d) = %v, want %v ± 1s", n, d, want)
			}
		}
	}
}

func TestLeaseText(t *testing.T) {
	l := &Lease{Address: netip.MustParsePrefix("10.0.0.5/24"), Server: netip.MustParseAddr("10.0.0.1"),
		Routers: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, Duration: time.Hour, T1: time.Minute, T2: 2 * time.Minute,
		Acquired: time.Unix(1700000000, 0).UTC(), HWAddr: testHW.String(),
		Routes: []Route{{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("10.0.0.2")}}}
	b, err := l.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got Lease
	if err := got.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	if got.Address != l.Address || got.Acquired != l.Acquired || got.Gateway() != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("round trip %s -> %+v", b, got)
	}
	if err := got.UnmarshalText([]byte(`{"address":"fe80::1/64"}`)); err == nil {
		t.Error("IPv6 lease accepted")
	}
	if !l.Valid(l.Acquired.Add(time.Minute), testHW) || l.Valid(l.Acquired.Add(2*time.Hour), testHW) ||
		l.Valid(l.Acquired, net.HardwareAddr{2, 0, 0, 0, 0, 2}) {
		t.Error("Valid wrong")
	}
}

// confirmClient binds a lease from srv, then asks the client to confirm it
// (Netconfig.Confirm) and returns the messages sent after the ask.
func confirmClient(t *testing.T, srv *fakeServer) (*fakeSink, chan<- struct{}) {
	t.Helper()
	sink := &fakeSink{ev: make(chan sinkEvent, 32)}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newDHCPClient(DHCPConfig{RetransmitBase: 40 * time.Millisecond, FirstRetry: 10 * time.Millisecond},
		func() string { return "test0" }, testHW, log, srv, sink)
	confirm := make(chan struct{}, 1)
	c.confirm = confirm
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		c.run(ctx, nil)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	if ev := nextEvent(t, sink, 2*time.Second); ev.kind != "bind" || ev.renewed {
		t.Fatalf("first lease: got %+v", ev)
	}
	return sink, confirm
}

// TestDHCPConfirmAck: a bound client asked to confirm sends an INIT-REBOOT
// REQUEST (requested address, no server identifier, no ciaddr, broadcast)
// and the ACK refreshes the lease in place, with no unbind.
func TestDHCPConfirmAck(t *testing.T) {
	var mu sync.Mutex
	var reqs []*dhcpv4.DHCPv4
	srv := newFakeServer(nil)
	answer := leaseServer(3600, 0, 0, false)
	srv.setAnswer(func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		return answer(req)
	})
	sink, confirm := confirmClient(t, srv)
	confirm <- struct{}{}
	ev := nextEvent(t, sink, 2*time.Second)
	if ev.kind != "bind" || !ev.renewed || ev.lease.Address != netip.MustParsePrefix("10.9.0.77/24") {
		t.Fatalf("after confirm: got %+v, want the lease refreshed", ev)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != 3 {
		t.Fatalf("%d messages, want DISCOVER, REQUEST, REQUEST", len(reqs))
	}
	r := reqs[2]
	if r.MessageType() != dhcpv4.MessageTypeRequest || !r.RequestedIPAddress().Equal(net.IPv4(10, 9, 0, 77)) ||
		r.Options.Has(dhcpv4.OptionServerIdentifier) || !r.ClientIPAddr.IsUnspecified() {
		t.Errorf("confirming REQUEST: %v", r.Summary())
	}
	srv.mu.Lock()
	if d := srv.dsts[2]; d != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		t.Errorf("confirming REQUEST sent to %v, want broadcast", d)
	}
	srv.mu.Unlock()
}

// TestDHCPConfirmNak: a NAK to the confirming REQUEST removes the address
// and starts over (DISCOVER).
func TestDHCPConfirmNak(t *testing.T) {
	srv := newFakeServer(leaseServer(3600, 0, 0, false))
	sink, confirm := confirmClient(t, srv)
	srv.setAnswer(func(req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
		if req.MessageType() != dhcpv4.MessageTypeRequest || req.Options.Has(dhcpv4.OptionServerIdentifier) {
			return leaseServer(3600, 0, 0, false)(req)
		}
		m, _ := dhcpv4.New(func(d *dhcpv4.DHCPv4) { d.OpCode = dhcpv4.OpcodeBootReply },
			dhcpv4.WithTransactionID(req.TransactionID), dhcpv4.WithHwAddr(req.ClientHWAddr),
			dhcpv4.WithMessageType(dhcpv4.MessageTypeNak),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 9, 0, 1))))
		return m
	})
	confirm <- struct{}{}
	if ev := nextEvent(t, sink, 2*time.Second); ev.kind != "unbind: NAK from 10.9.0.1" {
		t.Fatalf("after a NAK: got %+v, want unbind", ev)
	}
	if ev := nextEvent(t, sink, 2*time.Second); ev.kind != "bind" || ev.renewed {
		t.Fatalf("after the NAK: got %+v, want a new lease", ev)
	}
}

// TestDHCPConfirmSilence: no answer to the confirming REQUESTs keeps the
// lease (no unbind) and the client goes back to BOUND, renewing as before.
func TestDHCPConfirmSilence(t *testing.T) {
	srv := newFakeServer(leaseServer(3600, 0, 0, false))
	sink, confirm := confirmClient(t, srv)
	srv.setAnswer(func(*dhcpv4.DHCPv4) *dhcpv4.DHCPv4 { return nil })
	confirm <- struct{}{}
	// FirstRetry, then 40, 80, 160 ms of backoff (± jitter): about 0.3 s.
	time.Sleep(1200 * time.Millisecond)
	select {
	case ev := <-sink.ev:
		t.Fatalf("silence: got %+v, want the lease kept", ev)
	default:
	}
	got := srv.messages()
	if n := len(got); n != 2+4 {
		t.Errorf("messages %v: want DISCOVER, REQUEST, then 4 confirming REQUESTs and no more", got)
	}
	srv.setAnswer(leaseServer(3600, 0, 0, false))
	confirm <- struct{}{} // BOUND again: a new confirm is answered
	if ev := nextEvent(t, sink, 2*time.Second); ev.kind != "bind" || !ev.renewed {
		t.Fatalf("second confirm: got %+v", ev)
	}
}
