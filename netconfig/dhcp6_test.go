package netconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
)

// fake6Server answers client messages in memory; answer may return nil to
// stay silent.
type fake6Server struct {
	mu     sync.Mutex // guards answer and seen
	answer func(req *dhcpv6.Message) *dhcpv6.Message
	seen   []*dhcpv6.Message
	in     chan []byte
	closed chan struct{}
	once   sync.Once
}

func newFake6Server(answer func(req *dhcpv6.Message) *dhcpv6.Message) *fake6Server {
	return &fake6Server{answer: answer, in: make(chan []byte, 16), closed: make(chan struct{})}
}

func (s *fake6Server) Send(b []byte) error {
	req, err := dhcpv6.MessageFromBytes(b)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.seen = append(s.seen, req)
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

func (s *fake6Server) Recv() ([]byte, error) {
	select {
	case b := <-s.in:
		return b, nil
	case <-s.closed:
		return nil, errors.New("closed")
	}
}

func (s *fake6Server) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func (s *fake6Server) setAnswer(f func(req *dhcpv6.Message) *dhcpv6.Message) {
	s.mu.Lock()
	s.answer = f
	s.mu.Unlock()
}

func (s *fake6Server) types() []dhcpv6.MessageType {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dhcpv6.MessageType
	for _, m := range s.seen {
		out = append(out, m.MessageType)
	}
	return out
}

func (s *fake6Server) last(t dhcpv6.MessageType) *dhcpv6.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.seen) - 1; i >= 0; i-- {
		if s.seen[i].MessageType == t {
			return s.seen[i]
		}
	}
	return nil
}

// server6 answers SOLICIT with ADVERTISE and REQUEST, RENEW, REBIND and
// INFORMATION-REQUEST with REPLY, giving testAddr6 with the given times.
func server6(pref, valid, t1, t2 time.Duration, preference int) func(req *dhcpv6.Message) *dhcpv6.Message {
	return func(req *dhcpv6.Message) *dhcpv6.Message {
		m := &dhcpv6.Message{MessageType: dhcpv6.MessageTypeReply, TransactionID: req.TransactionID}
		m.AddOption(req.GetOneOption(dhcpv6.OptionClientID))
		m.AddOption(dhcpv6.OptServerID(serverDUID))
		m.AddOption(dhcpv6.OptDNS(testDNS6.AsSlice()))
		switch req.MessageType {
		case dhcpv6.MessageTypeSolicit:
			m.MessageType = dhcpv6.MessageTypeAdvertise
			if preference > 0 {
				m.AddOption(dhcpv6.OptPreference(uint8(preference)))
			}
		case dhcpv6.MessageTypeInformationRequest:
			m.AddOption(dhcpv6.OptInformationRefreshTime(time.Hour))
			return m
		case dhcpv6.MessageTypeRelease:
			m.AddOption(&dhcpv6.OptStatusCode{StatusCode: iana.StatusSuccess})
			return m
		}
		ia := &dhcpv6.OptIANA{IaId: req.Options.OneIANA().IaId, T1: t1, T2: t2}
		ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: testAddr6.AsSlice(), PreferredLifetime: pref, ValidLifetime: valid})
		m.AddOption(ia)
		return m
	}
}

type sink6Event struct {
	kind    string
	lease   *Lease6
	renewed bool
	dns     []netip.Addr
}

type fake6Sink struct {
	ev       chan sink6Event
	dadFails atomic.Int32 // this many binds fail DAD
}

func (f *fake6Sink) bind6(l *Lease6, renewed bool) error {
	if f.dadFails.Add(-1) >= 0 {
		f.ev <- sink6Event{kind: "dad failed", lease: l}
		return fmt.Errorf("test: %w", ErrAddressInUse)
	}
	f.ev <- sink6Event{kind: "bind", lease: l, renewed: renewed}
	return nil
}
func (f *fake6Sink) unbind6(l *Lease6, why string) {
	f.ev <- sink6Event{kind: "unbind: " + why, lease: l}
}
func (f *fake6Sink) info6(dns []netip.Addr, _ []string) {
	f.ev <- sink6Event{kind: "info", dns: dns}
}

// runClient6 runs a DHCPv6 client against srv with retransmission times
// scaled down by 20 and the given mode.
func runClient6(t *testing.T, srv *fake6Server, mode dhcp6Mode) (*fake6Sink, context.CancelFunc) {
	t.Helper()
	return runClient6Sink(t, srv, mode, &fake6Sink{ev: make(chan sink6Event, 32)})
}

func runClient6Sink(t *testing.T, srv *fake6Server, mode dhcp6Mode, sink *fake6Sink, opts ...func(*dhcp6Client)) (*fake6Sink, context.CancelFunc) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newDHCP6Client(func() string { return "test0" }, testHW, log, func(context.Context) (dhcp6Transport, error) { return srv, nil }, sink)
	c.scale = 0.05
	for _, o := range opts {
		o(c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	modes := make(chan dhcp6Mode, 1)
	modes <- mode
	done := make(chan struct{})
	go func() {
		c.run(ctx, modes)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return sink, func() { cancel(); <-done }
}

func nextEvent6(t *testing.T, s *fake6Sink, timeout time.Duration) sink6Event {
	t.Helper()
	select {
	case ev := <-s.ev:
		return ev
	case <-time.After(timeout):
		t.Fatalf("no sink event within %v", timeout)
		return sink6Event{}
	}
}

func TestDHCPv6Stateful(t *testing.T) {
	srv := newFake6Server(server6(time.Hour, 2*time.Hour, 0, 0, 0))
	sink, stop := runClient6(t, srv, dhcp6Stateful)
	ev := nextEvent6(t, sink, 2*time.Second)
	if ev.kind != "bind" || ev.renewed || ev.lease.Address != testAddr6 || ev.lease.T1 != 30*time.Minute ||
		len(ev.lease.DNS) != 1 || ev.lease.DNS[0] != testDNS6 {
		t.Fatalf("got %+v (lease %+v)", ev, ev.lease)
	}
	if got := srv.types(); !slices.Equal(got, []dhcpv6.MessageType{dhcpv6.MessageTypeSolicit, dhcpv6.MessageTypeRequest}) {
		t.Errorf("messages %v, want SOLICIT, REQUEST", got)
	}
	req := srv.last(dhcpv6.MessageTypeRequest)
	if sid := req.Options.ServerID(); sid == nil || !sid.Equal(serverDUID) {
		t.Errorf("REQUEST server ID %v", sid)
	}
	if ia := req.Options.OneIANA(); ia == nil || ia.Options.OneAddress() == nil || !ia.Options.OneAddress().IPv6Addr.Equal(testAddr6.AsSlice()) {
		t.Errorf("REQUEST IA_NA %v", ia)
	}
	if cid := req.Options.ClientID(); cid == nil || cid.DUIDType() != dhcpv6.DUID_LL {
		t.Errorf("client ID %v, want DUID-LL", cid)
	}
	stop()
	rel := srv.last(dhcpv6.MessageTypeRelease)
	if rel == nil || rel.Options.ServerID() == nil || rel.Options.OneIANA() == nil {
		t.Fatalf("no RELEASE with server ID and IA_NA on stop: %v", srv.types())
	}
}

func TestDHCPv6Preference255(t *testing.T) {
	srv := newFake6Server(server6(time.Hour, 2*time.Hour, 0, 0, 255))
	sink := &fake6Sink{ev: make(chan sink6Event, 4)}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newDHCP6Client(func() string { return "test0" }, testHW, log, func(context.Context) (dhcp6Transport, error) { return srv, nil }, sink)
	// Real timings: the first SOLICIT RT is 1.0-1.1 s, so a bind well
	// before it means the ADVERTISE was taken at once.
	ctx, cancel := context.WithCancel(context.Background())
	modes := make(chan dhcp6Mode, 1)
	modes <- dhcp6Stateful
	done := make(chan struct{})
	go func() { defer close(done); c.run(ctx, modes) }()
	// The client logs through t: it must be gone before the test ends
	// (CI's race detector caught a log line after it).
	defer func() { cancel(); <-done }()
	start := time.Now()
	ev := nextEvent6(t, sink, 2*time.Second)
	if ev.kind != "bind" || time.Since(start) > 500*time.Millisecond {
		t.Errorf("%s after %v; preference 255 should be requested at once", ev.kind, time.Since(start))
	}
}

func TestDHCPv6IgnoresAdvertiseWithoutAddresses(t *testing.T) {
	noAddrs := func(req *dhcpv6.Message) *dhcpv6.Message {
		m := server6(time.Hour, 2*time.Hour, 0, 0, 0)(req)
		if req.MessageType == dhcpv6.MessageTypeSolicit {
			m.Options.Del(dhcpv6.OptionIANA)
			m.AddOption(&dhcpv6.OptStatusCode{StatusCode: iana.StatusNoAddrsAvail})
		}
		return m
	}
	srv := newFake6Server(noAddrs)
	sink, _ := runClient6(t, srv, dhcp6Stateful)
	time.Sleep(300 * time.Millisecond)
	if n := len(srv.types()); n < 3 || slices.Contains(srv.types(), dhcpv6.MessageTypeRequest) {
		t.Errorf("messages %v: want SOLICIT retransmissions and no REQUEST", srv.types())
	}
	srv.setAnswer(server6(time.Hour, 2*time.Hour, 0, 0, 0))
	if ev := nextEvent6(t, sink, 5*time.Second); ev.kind != "bind" {
		t.Errorf("got %s, want bind once addresses are offered", ev.kind)
	}
}

// TestDHCPv6RenewRebindExpire: T1 1 s, T2 2 s, valid 3 s. The server
// ignores RENEW and answers REBIND; then it falls silent and the address
// expires.
func TestDHCPv6RenewRebindExpire(t *testing.T) {
	answer := server6(3*time.Second, 3*time.Second, time.Second, 2*time.Second, 0)
	srv := newFake6Server(func(req *dhcpv6.Message) *dhcpv6.Message {
		if req.MessageType == dhcpv6.MessageTypeRenew {
			return nil
		}
		return answer(req)
	})
	sink, _ := runClient6(t, srv, dhcp6Stateful)
	ev := nextEvent6(t, sink, 2*time.Second)
	if ev.kind != "bind" {
		t.Fatalf("got %s", ev.kind)
	}
	first := ev.lease
	ev = nextEvent6(t, sink, 3*time.Second)
	if ev.kind != "bind" || !ev.renewed || ev.lease.Acquired.Sub(first.Acquired) < 2*time.Second {
		t.Fatalf("got %s renewed=%v after %v, want a rebind at T2", ev.kind, ev.renewed, ev.lease.Acquired.Sub(first.Acquired))
	}
	types := srv.types()
	if !slices.Contains(types, dhcpv6.MessageTypeRenew) || types[len(types)-1] != dhcpv6.MessageTypeRebind {
		t.Errorf("messages %v: want RENEW(s) then REBIND", types)
	}
	if rb := srv.last(dhcpv6.MessageTypeRebind); rb.Options.ServerID() != nil {
		t.Errorf("REBIND carries a server ID")
	}
	srv.setAnswer(func(*dhcpv6.Message) *dhcpv6.Message { return nil })
	ev = nextEvent6(t, sink, 5*time.Second)
	if ev.kind != "unbind: valid lifetime over" {
		t.Fatalf("got %q, want expiry", ev.kind)
	}
	// The SOLICIT follows the expiry event; give it a moment to leave
	// (under load the event can reach the test first).
	deadline := time.Now().Add(3 * time.Second)
	for {
		got := srv.types()
		if got[len(got)-1] == dhcpv6.MessageTypeSolicit {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after expiry: %v, want SOLICIT", got[len(got)-1])
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDHCPv6NotOnLink(t *testing.T) {
	answer := server6(time.Hour, 2*time.Hour, time.Second, 2*time.Second, 0)
	srv := newFake6Server(answer)
	sink, _ := runClient6(t, srv, dhcp6Stateful)
	if ev := nextEvent6(t, sink, 2*time.Second); ev.kind != "bind" {
		t.Fatalf("got %s", ev.kind)
	}
	srv.setAnswer(func(req *dhcpv6.Message) *dhcpv6.Message {
		m := answer(req)
		if req.MessageType == dhcpv6.MessageTypeRenew {
			m.Options.Del(dhcpv6.OptionIANA)
			m.AddOption(&dhcpv6.OptStatusCode{StatusCode: iana.StatusNotOnLink})
		}
		return m
	})
	if ev := nextEvent6(t, sink, 3*time.Second); ev.kind != "unbind: NotOnLink" {
		t.Fatalf("got %q, want unbind on NotOnLink", ev.kind)
	}
	if ev := nextEvent6(t, sink, 3*time.Second); ev.kind != "bind" || ev.renewed {
		t.Fatalf("got %q renewed=%v, want a fresh bind", ev.kind, ev.renewed)
	}
}

func TestDHCPv6Stateless(t *testing.T) {
	srv := newFake6Server(server6(0, 0, 0, 0, 0))
	sink, stop := runClient6(t, srv, dhcp6Stateless)
	ev := nextEvent6(t, sink, 2*time.Second)
	if ev.kind != "info" || len(ev.dns) != 1 || ev.dns[0] != testDNS6 {
		t.Fatalf("got %+v", ev)
	}
	ir := srv.last(dhcpv6.MessageTypeInformationRequest)
	if ir == nil || ir.Options.OneIANA() != nil || !slices.Contains(ir.Options.RequestedOptions(), dhcpv6.OptionInformationRefreshTime) {
		t.Errorf("INFORMATION-REQUEST %v", ir)
	}
	stop()
	if slices.Contains(srv.types(), dhcpv6.MessageTypeRelease) {
		t.Errorf("RELEASE sent without a binding")
	}
}

func TestDHCPv6DeclineOnDADFailure(t *testing.T) {
	srv := newFake6Server(server6(time.Hour, 2*time.Hour, 0, 0, 255))
	sink := &fake6Sink{ev: make(chan sink6Event, 32)}
	sink.dadFails.Store(1)
	runClient6Sink(t, srv, dhcp6Stateful, sink)
	if ev := nextEvent6(t, sink, 2*time.Second); ev.kind != "dad failed" {
		t.Fatalf("got %q", ev.kind)
	}
	if ev := nextEvent6(t, sink, 2*time.Second); ev.kind != "bind" {
		t.Fatalf("got %q, want a bind after DECLINE and a new SOLICIT", ev.kind)
	}
	want := []dhcpv6.MessageType{dhcpv6.MessageTypeSolicit, dhcpv6.MessageTypeRequest, dhcpv6.MessageTypeDecline,
		dhcpv6.MessageTypeSolicit, dhcpv6.MessageTypeRequest}
	if got := srv.types(); !slices.Equal(got, want) {
		t.Errorf("messages %v, want %v", got, want)
	}
	dec := srv.last(dhcpv6.MessageTypeDecline)
	if dec.Options.ServerID() == nil || dec.Options.OneIANA() == nil ||
		!dec.Options.OneIANA().Options.OneAddress().IPv6Addr.Equal(testAddr6.AsSlice()) {
		t.Errorf("DECLINE %v", dec)
	}
}

func TestDHCPv6RapidCommit(t *testing.T) {
	answer := server6(time.Hour, 2*time.Hour, 0, 0, 0)
	srv := newFake6Server(func(req *dhcpv6.Message) *dhcpv6.Message {
		m := answer(req)
		if req.MessageType == dhcpv6.MessageTypeSolicit && req.GetOneOption(dhcpv6.OptionRapidCommit) != nil {
			m.MessageType = dhcpv6.MessageTypeReply
			m.AddOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionRapidCommit})
		}
		return m
	})
	sink, _ := runClient6Sink(t, srv, dhcp6Stateful, &fake6Sink{ev: make(chan sink6Event, 32)},
		func(c *dhcp6Client) { c.rapid = true })
	if ev := nextEvent6(t, sink, 2*time.Second); ev.kind != "bind" || ev.lease.Address != testAddr6 {
		t.Fatalf("got %+v", ev)
	}
	if got := srv.types(); !slices.Equal(got, []dhcpv6.MessageType{dhcpv6.MessageTypeSolicit}) {
		t.Errorf("messages %v, want one SOLICIT", got)
	}
}

// A server that advertises and then refuses every REQUEST must not make
// the client loop without pause.
func TestDHCPv6RefusedRequestBacksOff(t *testing.T) {
	answer := server6(time.Hour, 2*time.Hour, 0, 0, 255)
	srv := newFake6Server(func(req *dhcpv6.Message) *dhcpv6.Message {
		m := answer(req)
		if req.MessageType == dhcpv6.MessageTypeRequest {
			ia := &dhcpv6.OptIANA{IaId: req.Options.OneIANA().IaId}
			ia.Options.Add(&dhcpv6.OptStatusCode{StatusCode: iana.StatusNoAddrsAvail})
			m.UpdateOption(ia)
		}
		return m
	})
	runClient6(t, srv, dhcp6Stateful) // timeouts scaled by 0.05: first SOLICIT RT 50-55 ms
	// Refusals at about 0, 50, 150, 350 ms: the pause doubles each time.
	time.Sleep(600 * time.Millisecond)
	if n := len(srv.types()); n > 10 {
		t.Errorf("%d messages in 600 ms: %v", n, srv.types())
	}
}
