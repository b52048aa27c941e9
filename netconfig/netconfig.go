package netconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Netconfig is IP configuration in progress on one interface. Start makes
// one; Stop removes everything it added.
type Netconfig struct {
	cfg    Config
	log    *slog.Logger
	ops    netOps
	tr     dhcpTransport
	events chan Event
	cancel context.CancelCauseFunc
	done   chan struct{}
	ctx    context.Context // the run context, for event delivery
	bg     sync.WaitGroup  // background helpers (RA listener, ARP announcements)

	// Owned by the run goroutine.
	addrs   []netip.Prefix
	routes  []route
	origMTU int

	dnsMu  sync.Mutex // guards the DNS fields below (RA listener and run)
	dns4   []netip.Addr
	dns6   []netip.Addr
	doms   []string
	dnsSet bool
}

// Start begins configuring cfg.IfIndex and returns at once; progress comes
// on Events. Errors returned are about setting up (sockets, bad Config).
// Cancelling ctx is the same as Stop, except that Stop also waits.
func Start(ctx context.Context, cfg Config) (*Netconfig, error) {
	if cfg.IfIndex <= 0 || cfg.IfName == "" || len(cfg.HWAddr) != 6 {
		return nil, fmt.Errorf("netconfig: Config needs IfIndex, IfName and a 6-byte HWAddr (got %d, %q, %v)",
			cfg.IfIndex, cfg.IfName, cfg.HWAddr)
	}
	if s := cfg.Static; s != nil && !s.Address.Is4() {
		return nil, fmt.Errorf("netconfig: %s: [IPv4].Address %v is not IPv4", cfg.IfName, s.Address)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.DNS == nil {
		cfg.DNS = NoDNS{}
	}
	ops, err := dialRTNL(cfg.IfIndex)
	if err != nil {
		return nil, fmt.Errorf("netconfig: %s: %w", cfg.IfName, err)
	}
	n := &Netconfig{cfg: cfg, log: log, ops: ops, events: make(chan Event, 16), done: make(chan struct{})}
	if cfg.Static == nil {
		tr, err := listenDHCP(cfg.IfIndex)
		if err != nil {
			ops.Close()
			return nil, fmt.Errorf("netconfig: %s: %w", cfg.IfName, err)
		}
		n.tr = tr
	}
	ctx, n.cancel = context.WithCancelCause(ctx)
	watch, err := n.watchLink(ctx, n.cancel)
	if err != nil {
		if n.tr != nil {
			n.tr.Close()
		}
		ops.Close()
		return nil, fmt.Errorf("netconfig: %s: %w", cfg.IfName, err)
	}
	n.ctx = ctx
	go n.run(ctx, watch)
	return n, nil
}

// Events delivers what happened; it is closed after Stop.
func (n *Netconfig) Events() <-chan Event { return n.events }

// Stop removes every address, route, DNS entry and sysctl change made on
// the interface and waits until that is done.
func (n *Netconfig) Stop() {
	n.cancel(errStopped)
	<-n.done
}

var errLinkDown = errors.New("link down")

func (n *Netconfig) run(ctx context.Context, watchDone <-chan struct{}) {
	defer close(n.done)
	defer close(n.events)
	defer func() { <-watchDone }()
	defer n.bg.Wait()
	defer n.ops.Close()
	defer n.teardown()

	if n.cfg.IPv6 {
		restore := n.enableSLAAC()
		defer restore()
		n.bg.Go(func() { n.listenRA(ctx) })
	}
	if s := n.cfg.StaticIPv6; s != nil {
		if err := n.applyStatic6(s); err != nil {
			n.emit(ctx, Event{Kind: Failed, Err: err})
		}
	}
	if s := n.cfg.Static; s != nil {
		if err := n.applyStatic4(ctx, s); err != nil {
			if ctx.Err() == nil {
				n.emit(ctx, Event{Kind: Failed, Err: err})
			}
		}
		<-ctx.Done()
	} else {
		c := newDHCPClient(n.cfg.DHCP, n.cfg.IfName, n.cfg.HWAddr, n.log, n.tr, n)
		c.run(ctx, n.cfg.Lease)
	}
	if errors.Is(context.Cause(ctx), errLinkDown) && len(n.addrs) > 0 {
		n.teardown()
		n.emitNow(Event{Kind: Lost, Err: fmt.Errorf("netconfig: %s: link down", n.cfg.IfName)})
	}
}

func (n *Netconfig) emit(ctx context.Context, ev Event) {
	n.log.Debug("netconfig: event", "iface", n.cfg.IfName, "kind", ev.Kind, "address", ev.Address, "err", ev.Err)
	select {
	case n.events <- ev:
	case <-ctx.Done():
	}
}

// emitNow delivers an event during shutdown if there is room.
func (n *Netconfig) emitNow(ev Event) {
	select {
	case n.events <- ev:
	default:
	}
}

func (n *Netconfig) addAddr(p netip.Prefix, brd netip.Addr, valid time.Duration) error {
	if err := n.ops.AddAddr(p, brd, valid, valid); err != nil {
		return err
	}
	if !slices.Contains(n.addrs, p) {
		n.addrs = append(n.addrs, p)
	}
	return nil
}

func (n *Netconfig) addRoute(r route) error {
	if err := n.ops.AddRoute(r); err != nil {
		return err
	}
	if !slices.Contains(n.routes, r) {
		n.routes = append(n.routes, r)
	}
	return nil
}

// addGatewayRoutes adds dst via gw, with an on-link host route to gw first
// when gw lies outside every prefix of ours.
func (n *Netconfig) addGatewayRoute(dst netip.Prefix, gw, src netip.Addr, proto uint8) error {
	onLink := gw.IsUnspecified()
	for _, p := range n.addrs {
		if p.Contains(gw) {
			onLink = true
		}
	}
	prio := n.cfg.RoutePriorityOffset
	if !onLink {
		if err := n.addRoute(route{Dst: netip.PrefixFrom(gw, gw.BitLen()), Src: src, Priority: prio, Protocol: proto}); err != nil {
			return err
		}
	}
	r := route{Dst: dst, Gateway: gw, Src: src, Priority: prio, Protocol: proto}
	if gw.IsUnspecified() {
		r.Gateway = netip.Addr{}
	}
	return n.addRoute(r)
}

// teardown removes what was added, newest first. Errors are logged: the
// interface may be gone already.
func (n *Netconfig) teardown() {
	for i := len(n.routes) - 1; i >= 0; i-- {
		if err := n.ops.DelRoute(n.routes[i]); err != nil {
			n.log.Debug("netconfig: teardown", "iface", n.cfg.IfName, "err", err)
		}
	}
	n.routes = nil
	for i := len(n.addrs) - 1; i >= 0; i-- {
		if err := n.ops.DelAddr(n.addrs[i]); err != nil {
			n.log.Debug("netconfig: teardown", "iface", n.cfg.IfName, "err", err)
		}
	}
	n.addrs = nil
	if n.origMTU > 0 {
		if err := n.ops.SetMTU(n.origMTU); err != nil {
			n.log.Debug("netconfig: teardown", "iface", n.cfg.IfName, "err", err)
		}
		n.origMTU = 0
	}
	n.dnsMu.Lock()
	n.dns4, n.dns6, n.doms = nil, nil, nil
	if n.dnsSet {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.cfg.DNS.RevertDNS(ctx, n.cfg.IfName, n.cfg.IfIndex); err != nil {
			n.log.Warn("netconfig: teardown", "iface", n.cfg.IfName, "err", err)
		}
		cancel()
		n.dnsSet = false
	}
	n.dnsMu.Unlock()
}

// setDNS4 records the IPv4 DNS servers and domains and pushes the union
// with the IPv6 ones to the resolver.
func (n *Netconfig) setDNS(v4 *[]netip.Addr, v6 *[]netip.Addr, doms []string) error {
	n.dnsMu.Lock()
	defer n.dnsMu.Unlock()
	if v4 != nil {
		n.dns4 = *v4
	}
	if v6 != nil {
		n.dns6 = *v6
	}
	if doms != nil {
		n.doms = doms
	}
	servers := slices.Concat(n.dns4, n.dns6)
	if len(servers) == 0 && len(n.doms) == 0 && !n.dnsSet {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.cfg.DNS.SetDNS(ctx, n.cfg.IfName, n.cfg.IfIndex, servers, n.doms); err != nil {
		return err
	}
	n.dnsSet = true
	return nil
}

// bind implements leaseSink.
func (n *Netconfig) bind(l *Lease, renewed bool) error {
	valid := time.Until(l.Expiry())
	brd := l.Broadcast
	if !brd.IsValid() {
		brd = broadcastOf(l.Address)
	}
	if err := n.addAddr(l.Address, brd, valid); err != nil {
		return err
	}
	if renewed {
		n.emit(n.ctx, Event{Kind: Renewed, Address: l.Address, Gateway: l.Gateway(), DNS: l.DNS, Lease: l})
		return nil
	}
	src := l.Address.Addr()
	if err := n.addRoute(route{Dst: l.Address.Masked(), Src: src, Priority: n.cfg.RoutePriorityOffset, Protocol: unix.RTPROT_DHCP}); err != nil {
		return err
	}
	if len(l.Routes) > 0 { // RFC 3442: routers are ignored then
		for _, r := range l.Routes {
			if err := n.addGatewayRoute(r.Dst, r.Gateway, src, unix.RTPROT_DHCP); err != nil {
				return err
			}
		}
	} else if gw := l.Gateway(); gw.IsValid() {
		if err := n.addGatewayRoute(netip.PrefixFrom(netip.IPv4Unspecified(), 0), gw, src, unix.RTPROT_DHCP); err != nil {
			return err
		}
	}
	if l.MTU > 0 {
		if cur, err := n.ops.MTU(); err == nil && cur != l.MTU {
			if err := n.ops.SetMTU(l.MTU); err != nil {
				n.log.Warn("netconfig: MTU option", "iface", n.cfg.IfName, "mtu", l.MTU, "err", err)
			} else if n.origMTU == 0 {
				n.origMTU = cur
			}
		}
	}
	var doms []string
	if l.DomainName != "" {
		doms = []string{l.DomainName}
	}
	dns := l.DNS
	if err := n.setDNS(&dns, nil, doms); err != nil {
		n.log.Warn("netconfig: DNS", "iface", n.cfg.IfName, "err", err)
	}
	n.emit(n.ctx, Event{Kind: Configured, Address: l.Address, Gateway: l.Gateway(), DNS: l.DNS,
		Domains: doms, Lease: l})
	return nil
}

// unbind implements leaseSink.
func (n *Netconfig) unbind(why string) {
	n.log.Info("netconfig: removing lease", "iface", n.cfg.IfName, "why", why)
	n.teardown()
	n.emit(n.ctx, Event{Kind: Lost, Err: fmt.Errorf("dhcp: %s: %s", n.cfg.IfName, why)})
}

// failed implements leaseSink.
func (n *Netconfig) failed(err error) {
	n.emit(n.ctx, Event{Kind: Failed, Err: err})
}

// probe implements leaseSink.
func (n *Netconfig) probe(ctx context.Context, a netip.Addr) (bool, error) {
	return probeAddress(ctx, n.cfg.IfIndex, n.cfg.HWAddr, a, n.cfg.ACD)
}

func broadcastOf(p netip.Prefix) netip.Addr {
	if !p.Addr().Is4() || p.Bits() >= 31 {
		return netip.Addr{}
	}
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= 1<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// watchLink cancels ctx with errLinkDown when the interface goes down or
// disappears. The returned channel is closed when the watcher has exited.
func (n *Netconfig) watchLink(ctx context.Context, cancel context.CancelCauseFunc) (<-chan struct{}, error) {
	c, err := rtnetlink.Dial(&netlink.Config{Groups: unix.RTMGRP_LINK})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: link events: %w", err)
	}
	done := make(chan struct{})
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	go func() {
		defer close(done)
		for {
			msgs, raw, err := c.Receive()
			if err != nil {
				return
			}
			for i, m := range msgs {
				lm, ok := m.(*rtnetlink.LinkMessage)
				if !ok || lm.Index != uint32(n.cfg.IfIndex) {
					continue
				}
				if raw[i].Header.Type == unix.RTM_DELLINK || lm.Flags&unix.IFF_UP == 0 || lm.Attributes != nil && lm.Attributes.OperationalState == rtnetlink.OperStateDown {
					n.log.Info("netconfig: link down", "iface", n.cfg.IfName)
					cancel(errLinkDown)
					return
				}
			}
		}
	}()
	return done, nil
}
