package netconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Netconfig is IP configuration in progress on one interface. Start makes
// one; Stop removes everything it added.
type Netconfig struct {
	cfg    Config
	name   atomic.Pointer[string] // the interface's current name (Config.IfName until a rename)
	log    *slog.Logger
	ops    netOps
	tr     dhcpTransport
	events chan Event
	cancel context.CancelCauseFunc
	done   chan struct{}
	// confirm carries Confirm's requests to the DHCP client (one waiting
	// is enough).
	confirm chan struct{}
	// taken carries the DHCP address that ACD found another host
	// defending (defendLease) to the DHCP client; stopDefend ends the
	// defence of the lease in place (nil: none).
	taken      chan netip.Addr
	stopDefend context.CancelFunc
	ctx        context.Context // the run context, for event delivery
	bg         sync.WaitGroup  // background helpers (RA listener, ARP announcements)

	v6 sync.WaitGroup // the IPv6 goroutine (RAs, DHCPv6): done before teardown

	kmu     sync.Mutex // guards what was added to the kernel (run and IPv6 goroutines)
	addrs   []netip.Prefix
	routes  []route
	origMTU int

	dnsMu  sync.Mutex // guards the DNS fields below (IPv6 goroutine and run)
	dns    map[dnsSource]dnsEntry
	dnsSet bool
}

// dnsSource is where name servers came from; the resolver gets the union,
// in this order.
type dnsSource int

const (
	dnsFromIPv4    dnsSource = iota // DHCPv4 or [IPv4] static
	dnsFromDHCPv6                   // DHCPv6 (stateful or stateless)
	dnsFromRA                       // RDNSS/DNSSL
	dnsFromStatic6                  // [IPv6] static
	numDNSSources
)

type dnsEntry struct {
	servers []netip.Addr
	domains []string
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
	n := &Netconfig{cfg: cfg, log: log, ops: ops, events: make(chan Event, 16), done: make(chan struct{}),
		confirm: make(chan struct{}, 1), taken: make(chan netip.Addr, 1)}
	n.name.Store(&cfg.IfName)
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

// ifname is the interface's current name: the kernel may rename it while
// netconfig runs (udev, `ip link set name`; Linux 6.2 and later allow it
// while the link is up), and watchLink follows.
func (n *Netconfig) ifname() string { return *n.name.Load() }

// Events delivers what happened; it is closed after Stop.
func (n *Netconfig) Events() <-chan Event { return n.events }

// Stop removes every address, route, DNS entry and sysctl change made on
// the interface and waits until that is done.
func (n *Netconfig) Stop() {
	n.cancel(errStopped)
	<-n.done
}

// Confirm asks the DHCP client to confirm the lease in use, keeping the
// address while it asks (see dhcpClient.confirmLease): for a link that may
// have been away, as across a suspend the station did not notice. It
// returns at once; a refreshed lease comes as Renewed, a refused one as
// Lost and then a new Configured. With a static address it does nothing.
func (n *Netconfig) Confirm() {
	select {
	case n.confirm <- struct{}{}:
	default:
	}
}

var errLinkDown = errors.New("link down")

func (n *Netconfig) run(ctx context.Context, watchDone <-chan struct{}) {
	defer close(n.done)
	defer close(n.events)
	defer func() { <-watchDone }()
	defer n.bg.Wait()
	defer n.ops.Close()
	defer n.teardown()
	defer n.v6.Wait()

	restore := n.setSLAAC(n.cfg.IPv6)
	defer restore()
	if n.cfg.IgnoreCarrier {
		defer n.keepNeighbours()()
	}
	if n.cfg.IPv6 {
		n.v6.Go(func() { n.runIPv6(ctx) })
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
		c := newDHCPClient(n.cfg.DHCP, n.ifname, n.cfg.HWAddr, n.log, n.tr, n)
		c.confirm, c.taken = n.confirm, n.taken
		c.run(ctx, n.cfg.Lease)
	}
	n.v6.Wait() // it sends its RELEASE and stops adding before teardown
	n.kmu.Lock()
	had := len(n.addrs) > 0
	n.kmu.Unlock()
	if errors.Is(context.Cause(ctx), errLinkDown) && had {
		n.teardown()
		n.emitNow(Event{Kind: Lost, Err: fmt.Errorf("netconfig: %s: link down", n.ifname())})
	}
}

func (n *Netconfig) emit(ctx context.Context, ev Event) {
	n.log.Debug("netconfig: event", "iface", n.ifname(), "kind", ev.Kind, "address", ev.Address, "err", ev.Err)
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
	return n.addAddrLifetimes(p, brd, valid, valid)
}

func (n *Netconfig) addAddrLifetimes(p netip.Prefix, brd netip.Addr, valid, preferred time.Duration) error {
	n.kmu.Lock()
	defer n.kmu.Unlock()
	if err := n.ops.AddAddr(p, brd, valid, preferred); err != nil {
		return err
	}
	if !slices.Contains(n.addrs, p) {
		n.addrs = append(n.addrs, p)
	}
	return nil
}

// forgetAddr drops an address the kernel removed itself (its lifetime
// ended) from what teardown removes.
func (n *Netconfig) forgetAddr(p netip.Prefix) {
	n.kmu.Lock()
	defer n.kmu.Unlock()
	n.addrs = slices.DeleteFunc(n.addrs, func(x netip.Prefix) bool { return x == p })
}

// delAddr removes one address netconfig added.
func (n *Netconfig) delAddr(p netip.Prefix) error {
	n.forgetAddr(p)
	n.kmu.Lock()
	defer n.kmu.Unlock()
	return n.ops.DelAddr(p)
}

func (n *Netconfig) addRoute(r route) error {
	n.kmu.Lock()
	defer n.kmu.Unlock()
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
	n.kmu.Lock()
	for _, p := range n.addrs {
		if p.Contains(gw) {
			onLink = true
		}
	}
	n.kmu.Unlock()
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
	n.kmu.Lock()
	n.teardownKernel()
	n.kmu.Unlock()
	n.dnsMu.Lock()
	n.dns = nil
	if n.dnsSet {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.cfg.DNS.RevertDNS(ctx, n.ifname(), n.cfg.IfIndex); err != nil {
			n.log.Warn("netconfig: teardown", "iface", n.ifname(), "err", err)
		}
		cancel()
		n.dnsSet = false
	}
	n.dnsMu.Unlock()
}

// teardownFamily removes the IPv4 (or the IPv6) addresses and routes only.
func (n *Netconfig) teardownFamily(v4 bool) {
	n.kmu.Lock()
	defer n.kmu.Unlock()
	is := func(a netip.Addr) bool { return a.IsValid() && a.Unmap().Is4() == v4 }
	var keepR []route
	for i := len(n.routes) - 1; i >= 0; i-- {
		r := n.routes[i]
		if is(r.Dst.Addr()) || is(r.Gateway) || is(r.Src) {
			if err := n.ops.DelRoute(r); err != nil {
				n.log.Debug("netconfig: teardown", "iface", n.ifname(), "err", err)
			}
			continue
		}
		keepR = append([]route{r}, keepR...)
	}
	n.routes = keepR
	var keepA []netip.Prefix
	for _, p := range n.addrs {
		if is(p.Addr()) {
			if err := n.ops.DelAddr(p); err != nil {
				n.log.Debug("netconfig: teardown", "iface", n.ifname(), "err", err)
			}
			continue
		}
		keepA = append(keepA, p)
	}
	n.addrs = keepA
}

// teardownKernel removes routes, addresses and the MTU change; kmu held.
func (n *Netconfig) teardownKernel() {
	for i := len(n.routes) - 1; i >= 0; i-- {
		if err := n.ops.DelRoute(n.routes[i]); err != nil {
			n.log.Debug("netconfig: teardown", "iface", n.ifname(), "err", err)
		}
	}
	n.routes = nil
	for i := len(n.addrs) - 1; i >= 0; i-- {
		if err := n.ops.DelAddr(n.addrs[i]); err != nil {
			n.log.Debug("netconfig: teardown", "iface", n.ifname(), "err", err)
		}
	}
	n.addrs = nil
	if n.origMTU > 0 {
		if err := n.ops.SetMTU(n.origMTU); err != nil {
			n.log.Debug("netconfig: teardown", "iface", n.ifname(), "err", err)
		}
		n.origMTU = 0
	}
}

// setDNS records the servers and domains of one source and pushes the
// union of all sources to the resolver.
func (n *Netconfig) setDNS(src dnsSource, servers []netip.Addr, domains []string) error {
	n.dnsMu.Lock()
	defer n.dnsMu.Unlock()
	if n.dns == nil {
		n.dns = map[dnsSource]dnsEntry{}
	}
	n.dns[src] = dnsEntry{servers, domains}
	all, doms := n.dnsUnion()
	if len(all) == 0 && len(doms) == 0 && !n.dnsSet {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.cfg.DNS.SetDNS(ctx, n.ifname(), n.cfg.IfIndex, all, doms); err != nil {
		return err
	}
	n.dnsSet = true
	return nil
}

// dnsUnion is the servers and domains of all sources, in source order;
// dnsMu held.
func (n *Netconfig) dnsUnion() (servers []netip.Addr, domains []string) {
	for s := range numDNSSources {
		for _, a := range n.dns[s].servers {
			if !slices.Contains(servers, a) {
				servers = append(servers, a)
			}
		}
		for _, d := range n.dns[s].domains {
			if !slices.Contains(domains, d) {
				domains = append(domains, d)
			}
		}
	}
	return servers, domains
}

// renamed follows the kernel's new name for the interface: the resolver's
// entry moves to it (resolvconf keys entries by name), and the sysctls
// restored on Stop are found under it.
func (n *Netconfig) renamed(name string) {
	old := n.ifname()
	n.name.Store(&name)
	n.dnsMu.Lock()
	defer n.dnsMu.Unlock()
	if !n.dnsSet {
		n.log.Info("netconfig: interface renamed; following", "iface", name, "was", old)
		return
	}
	// Revert first: a resolver keyed by ifindex (systemd-resolved) would
	// lose the new entry to a revert after it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.cfg.DNS.RevertDNS(ctx, old, n.cfg.IfIndex); err != nil {
		n.log.Warn("netconfig: DNS under the old name", "iface", name, "was", old, "err", err)
	}
	all, doms := n.dnsUnion()
	if err := n.cfg.DNS.SetDNS(ctx, name, n.cfg.IfIndex, all, doms); err != nil {
		n.log.Warn("netconfig: interface renamed; DNS not moved to the new name", "iface", name, "was", old, "err", err)
		n.dnsSet = false
		return
	}
	n.log.Info("netconfig: interface renamed; DNS moved to the new name", "iface", name, "was", old)
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
		n.kmu.Lock()
		if cur, err := n.ops.MTU(); err == nil && cur != l.MTU {
			if err := n.ops.SetMTU(l.MTU); err != nil {
				n.log.Warn("netconfig: MTU option", "iface", n.ifname(), "mtu", l.MTU, "err", err)
			} else if n.origMTU == 0 {
				n.origMTU = cur
			}
		}
		n.kmu.Unlock()
	}
	// Some servers put several space-separated domains in option 15.
	doms := strings.Fields(l.DomainName)
	if err := n.setDNS(dnsFromIPv4, l.DNS, doms); err != nil {
		n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
	}
	// Tell the link the address is taken (RFC 5227 2.3): a host that
	// holds it by mistake (a static one, say) hears of it; and defend it.
	n.bg.Go(func() { announceAddress(n.ctx, n.cfg.IfIndex, n.cfg.HWAddr, src, n.cfg.ACD) })
	n.defendLease(src)
	n.emit(n.ctx, Event{Kind: Configured, Address: l.Address, Gateway: l.Gateway(), DNS: l.DNS,
		Domains: doms, Lease: l})
	return nil
}

// defendLease defends a DHCP address as iwd's ACD does (RFC 5227 2.4,
// policy (b), as for static addresses): a host claiming it gets one
// announcement back, and a second claim within DefendInterval hands the
// address to the DHCP client as taken, which gives it up and asks for
// another (ELL's netconfig runs ACD on DHCP addresses the same way).
func (n *Netconfig) defendLease(addr netip.Addr) {
	ctx, cancel := context.WithCancel(n.ctx)
	n.stopDefend = cancel
	n.bg.Go(func() {
		err := defendAddress(ctx, n.cfg.IfIndex, n.cfg.HWAddr, addr, n.cfg.ACD)
		if err == nil || ctx.Err() != nil {
			return
		}
		n.log.Warn("netconfig: DHCP address taken by another host", "iface", n.ifname(), "address", addr, "err", err)
		select {
		case n.taken <- addr:
		default:
		}
	})
}

// unbind implements leaseSink.
func (n *Netconfig) unbind(why string) {
	if n.stopDefend != nil {
		n.stopDefend()
		n.stopDefend = nil
	}
	n.log.Info("netconfig: removing lease", "iface", n.ifname(), "why", why)
	n.teardown()
	n.emit(n.ctx, Event{Kind: Lost, Err: fmt.Errorf("dhcp: %s: %s", n.ifname(), why)})
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
// disappears, and follows a rename. The returned channel is closed when the watcher has exited.
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
				if lm.Attributes != nil && lm.Attributes.Name != "" && lm.Attributes.Name != n.ifname() &&
					raw[i].Header.Type == unix.RTM_NEWLINK {
					n.renamed(lm.Attributes.Name)
				}
				carrierLost := lm.Attributes != nil && lm.Attributes.OperationalState == rtnetlink.OperStateDown
				if raw[i].Header.Type == unix.RTM_DELLINK || lm.Flags&unix.IFF_UP == 0 || carrierLost && !n.cfg.IgnoreCarrier {
					n.log.Info("netconfig: link down", "iface", n.ifname())
					cancel(errLinkDown)
					return
				}
			}
		}
	}()
	return done, nil
}
