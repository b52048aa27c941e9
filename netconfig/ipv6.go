package netconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mdlayher/ndp"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// setSLAAC turns the kernel's router advertisement processing for the
// interface on (Config.IPv6) or off, and returns a function that restores
// the previous values. The kernel's address autoconfiguration stays off
// either way: netconfig does SLAAC itself (slaac.go), as iwd does; the
// kernel keeps the routes an RA gives (default router, on-link prefixes,
// RFC 4191 routes). On also clears disable_ipv6, and uses accept_ra=2
// where the interface forwards (accept_ra=1 is ignored then). Off leaves
// IPv6 itself (the link-local address) alone.
func (n *Netconfig) setSLAAC(on bool) (restore func()) {
	dir := n.sysctlDir("ipv6")
	read := func(k string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir(), k))
		return strings.TrimSpace(string(b)), err
	}
	want := []kv{{"accept_ra", "0"}, {"autoconf", "0"}}
	if on {
		ra := "1"
		if fwd, err := read("forwarding"); err == nil && fwd != "0" {
			ra = "2"
		}
		// Route Information options (RFC 4191) too: routes to off-link
		// prefixes through the router, as iwd installs them.
		want = []kv{{"disable_ipv6", "0"}, {"accept_ra", ra}, {"autoconf", "0"}, {"accept_ra_rt_info_max_plen", "128"}}
	}
	logf := n.log.Warn
	if !on {
		logf = n.log.Debug // IPv6 may be absent from the kernel: fine when off
	}
	return n.setSysctls(dir, want, func(key string, err error) {
		logf("netconfig: IPv6 sysctl", "iface", n.ifname(), "key", key, "err", err)
	})
}

// kv is a sysctl and its value.
type kv struct{ key, val string }

// sysctlDir is the interface's sysctl directory for family ("ipv4",
// "ipv6") under its name at the time of asking.
func (n *Netconfig) sysctlDir(family string) func() string {
	return func() string { return confDir(family, n.ifname()) }
}

// confDir is the per-interface sysctl directory of family ("ipv4",
// "ipv6").
func confDir(family, ifname string) string {
	return filepath.Join("/proc/sys/net", family, "conf", ifname)
}

// WriteSysctl sets the per-interface sysctl key of family ("ipv4",
// "ipv6") on interface ifname, e.g. drop_gratuitous_arp.
func WriteSysctl(family, ifname, key, value string) error {
	return os.WriteFile(filepath.Join(confDir(family, ifname), key), []byte(value), 0o644)
}

// setSysctls writes the values under dir that differ and returns a
// function that puts the old ones back (under dir as it is then: the
// interface may have been renamed); fail hears of each one that could not
// be read or written.
func (n *Netconfig) setSysctls(dir func() string, want []kv, fail func(key string, err error)) (restore func()) {
	var old []kv
	for _, w := range want {
		b, err := os.ReadFile(filepath.Join(dir(), w.key))
		if err != nil {
			fail(w.key, err)
			continue
		}
		cur := strings.TrimSpace(string(b))
		if cur == w.val {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir(), w.key), []byte(w.val), 0o644); err != nil {
			fail(w.key, err)
			continue
		}
		old = append(old, kv{w.key, cur})
	}
	return func() {
		for i := len(old) - 1; i >= 0; i-- {
			_ = os.WriteFile(filepath.Join(dir(), old[i].key), []byte(old[i].val), 0o644)
		}
	}
}

// keepNeighbours stops the kernel from flushing the interface's ARP and
// NDP caches when the carrier drops (arp_evict_nocarrier,
// ndisc_evict_nocarrier, Linux 5.16 and later), as iwd does: a Wi-Fi roam
// drops the carrier for a moment, and re-resolving the gateway after it
// costs a second of traffic. Older kernels lack the knobs: nothing to do.
func (n *Netconfig) keepNeighbours() (restore func()) {
	quiet := func(key string, err error) {
		n.log.Debug("netconfig: neighbour sysctl", "iface", n.ifname(), "key", key, "err", err)
	}
	r4 := n.setSysctls(n.sysctlDir("ipv4"), []kv{{"arp_evict_nocarrier", "0"}}, quiet)
	r6 := n.setSysctls(n.sysctlDir("ipv6"), []kv{{"ndisc_evict_nocarrier", "0"}}, quiet)
	return func() { r6(); r4() }
}

// runIPv6 owns the IPv6 side while cfg.IPv6 is set: it solicits and reads
// router advertisements, makes an address from their prefixes (SLAAC,
// slaac.go), hands their RDNSS/DNSSL to the resolver, and runs the DHCPv6
// client in the mode their M and O flags ask for. The kernel does on-link
// prefixes and routes from the same RAs.
func (n *Netconfig) runIPv6(ctx context.Context) {
	modes := make(chan dhcp6Mode, 1)
	dial := func(ctx context.Context) (dhcp6Transport, error) { return listenDHCP6(ctx, n.cfg.IfIndex) }
	c := newDHCP6Client(n.ifname, n.cfg.HWAddr, n.log, dial, n)
	c.rapid = n.cfg.DHCP.RapidCommit
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(ctx, modes)
	}()
	defer func() { <-done }()

	ras := make(chan *raInfo, 4)
	raDone := make(chan struct{})
	go func() {
		defer close(raDone)
		n.readRAs(ctx, ras)
	}()
	defer func() { <-raDone }()
	mode := dhcp6Off
	var slaac *slaacAddr
	// RA DNS lasts for the shortest RDNSS/DNSSL lifetime unless an RA
	// refreshes it (RFC 8106 5.1), or until an RA withdraws it.
	dnsExpiry := time.NewTimer(time.Hour)
	dnsExpiry.Stop()
	defer dnsExpiry.Stop()
	setRADNS := func(servers []netip.Addr, doms []string, why string) {
		n.log.Debug("netconfig: RA DNS", "iface", n.ifname(), "servers", servers, "domains", doms, "why", why)
		if err := n.setDNS(dnsFromRA, servers, doms); err != nil {
			n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-dnsExpiry.C:
			setRADNS(nil, nil, "RDNSS/DNSSL lifetime over")
		case ra := <-ras:
			n.log.Debug("netconfig: RA", "iface", n.ifname(), "router", ra.Router, "M", ra.Managed, "O", ra.Other,
				"dns", ra.DNS, "domains", ra.Domains, "prefixes", len(ra.Prefixes))
			switch life := raDNSLifetime(ra); {
			case life > 0:
				setRADNS(ra.DNS, ra.Domains, "RA")
				dnsExpiry.Reset(life)
			case ra.Withdrawn:
				dnsExpiry.Stop()
				setRADNS(nil, nil, "withdrawn by RA")
			}
			want := dhcp6Off
			switch {
			case ra.Managed:
				want = dhcp6Stateful
			case ra.Other:
				want = dhcp6Stateless
			}
			if want > mode { // RFC 8415 18.2: a client keeps what it started
				mode = want
				select {
				case <-modes:
				default:
				}
				modes <- mode
			}
			// Last: a new address waits for its DAD.
			slaac = n.slaacRA(slaac, ra)
		}
	}
}

// raDNSLifetime is how long the RA's DNS information lasts: the shorter
// of the RDNSS and DNSSL lifetimes present, 0 when it carries none.
func raDNSLifetime(ra *raInfo) time.Duration {
	var life time.Duration
	for _, l := range []time.Duration{ra.DNSLife, ra.DomLife} {
		if l > 0 && (life == 0 || l < life) {
			life = l
		}
	}
	return life
}

// readRAs listens for router advertisements, sending router
// solicitations (RFC 4861 6.3.7: up to 3, 4 s apart) until one arrives.
func (n *Netconfig) readRAs(ctx context.Context, out chan<- *raInfo) {
	ifi, err := net.InterfaceByIndex(n.cfg.IfIndex)
	if err != nil {
		n.log.Warn("netconfig: RA", "iface", n.ifname(), "err", err)
		return
	}
	var c *ndp.Conn
	for try := 0; c == nil; try++ { // the link-local address may still be tentative
		c, _, err = ndp.Listen(ifi, ndp.LinkLocal)
		if err != nil {
			wait := 200 * time.Millisecond
			if try >= 25 { // 5 s: IPv6 is likely off on this link; poll slowly
				wait = 5 * time.Second
				if try == 25 {
					n.log.Info("netconfig: no IPv6 link-local address yet; RAs not read", "iface", n.ifname(), "err", err)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
	var f ipv6.ICMPFilter
	f.SetAll(true)
	f.Accept(ipv6.ICMPTypeRouterAdvertisement)
	if err := c.SetICMPFilter(&f); err != nil {
		n.log.Debug("netconfig: RA ICMPv6 filter", "iface", n.ifname(), "err", err)
	}
	if err := c.SetControlMessage(ipv6.FlagHopLimit, true); err != nil {
		n.log.Debug("netconfig: RA hop limit", "iface", n.ifname(), "err", err)
	}
	got := make(chan struct{})
	var helpers sync.WaitGroup
	defer helpers.Wait()
	helpers.Go(func() {
		<-ctx.Done()
		c.Close()
	})
	helpers.Go(func() { // router solicitations
		rs := &ndp.RouterSolicitation{Options: []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: n.cfg.HWAddr}}}
		for range 3 {
			if err := c.WriteTo(rs, nil, netip.IPv6LinkLocalAllRouters()); err != nil {
				n.log.Debug("netconfig: RS", "iface", n.ifname(), "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-got:
				return
			case <-time.After(4 * time.Second):
			}
		}
	})
	b := make([]byte, 65536)
	first := true
	for {
		k, cm, src, err := c.ReadRaw(b)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		hop := -1
		if cm != nil {
			hop = cm.HopLimit
		}
		ra, err := parseRA(b[:k], src, hop)
		if err != nil {
			if err != errNotRA {
				n.log.Debug("netconfig: dropped RA", "iface", n.ifname(), "err", err)
			}
			continue
		}
		if first {
			close(got)
			first = false
		}
		select {
		case out <- ra:
		case <-ctx.Done():
			return
		}
	}
}

// bind6 implements lease6Sink: the address goes in as a /128 (the prefix
// is on-link by the RA, not by DHCPv6) with the lease's lifetimes.
func (n *Netconfig) bind6(l *Lease6, renewed bool) error {
	left := time.Until(l.Expiry())
	pref := l.Preferred - time.Since(l.Acquired)
	if pref <= 0 {
		pref = time.Second // deprecated but valid; 0 would mean forever
	}
	p := netip.PrefixFrom(l.Address, 128)
	if err := n.addAddrLifetimes(p, netip.Addr{}, left, min(pref, left)); err != nil {
		return err
	}
	if !renewed {
		if err := n.waitDAD(p); err != nil {
			if errors.Is(err, ErrAddressInUse) {
				if derr := n.delAddr(p); derr != nil {
					n.log.Debug("netconfig: DHCPv6 address", "iface", n.ifname(), "err", derr)
				}
			}
			return err
		}
	}
	if err := n.setDNS(dnsFromDHCPv6, l.DNS, l.Domains); err != nil {
		n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
	}
	kind := IPv6Configured
	if renewed {
		kind = IPv6Renewed
	}
	n.emit6(Event{Kind: kind, Address: netip.PrefixFrom(l.Address, 128), DNS: l.DNS, Domains: l.Domains, Lease6: l})
	return nil
}

// waitDAD waits (at most 5 s) for the kernel's duplicate address
// detection of p: ErrAddressInUse when it failed.
func (n *Netconfig) waitDAD(p netip.Prefix) error {
	deadline := time.Now().Add(5 * time.Second)
	missing := 0
	for {
		n.kmu.Lock()
		flags, found, err := n.ops.AddrFlags(p)
		n.kmu.Unlock()
		if !found && err == nil {
			missing++
		}
		switch {
		case err != nil:
			return err
		case n.ctx.Err() != nil:
			return fmt.Errorf("netconfig: %s: DAD of %v: %w", n.ifname(), p.Addr(), n.ctx.Err())
		case missing >= 2:
			// The kernel deletes an address with a finite lifetime when
			// its DAD fails (a permanent one stays with DADFAILED).
			// Twice, 100 ms apart: one dump may miss an address that
			// changes while it runs (seen once in the host tests).
			return fmt.Errorf("netconfig: %s: %v gone during DAD: %w", n.ifname(), p.Addr(), ErrAddressInUse)
		case !found:
		case flags&unix.IFA_F_DADFAILED != 0:
			return fmt.Errorf("netconfig: %s: DAD of %v: %w", n.ifname(), p.Addr(), ErrAddressInUse)
		case flags&unix.IFA_F_TENTATIVE == 0:
			return nil
		case time.Now().After(deadline):
			n.log.Warn("netconfig: DAD still running; using the address", "iface", n.ifname(), "addr", p.Addr())
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// unbind6 implements lease6Sink.
func (n *Netconfig) unbind6(l *Lease6, why string) {
	n.log.Info("netconfig: removing DHCPv6 address", "iface", n.ifname(), "addr", l.Address, "why", why)
	if err := n.delAddr(netip.PrefixFrom(l.Address, 128)); err != nil {
		n.log.Debug("netconfig: DHCPv6 address", "iface", n.ifname(), "err", err)
	}
	if err := n.setDNS(dnsFromDHCPv6, nil, nil); err != nil {
		n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
	}
	n.emit6(Event{Kind: IPv6Lost, Address: netip.PrefixFrom(l.Address, 128),
		Err: fmt.Errorf("dhcp6: %s: %s", n.ifname(), why)})
}

// info6 implements lease6Sink.
func (n *Netconfig) info6(dns []netip.Addr, domains []string) {
	if err := n.setDNS(dnsFromDHCPv6, dns, domains); err != nil {
		n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
	}
	n.emit6(Event{Kind: IPv6Configured, DNS: dns, Domains: domains})
}

func (n *Netconfig) emit6(ev Event) {
	if n.cfg.IPv6Events {
		n.emit(n.ctx, ev)
	} else {
		n.log.Debug("netconfig: IPv6 event not delivered (Config.IPv6Events is off)", "iface", n.ifname(),
			"kind", ev.Kind, "address", ev.Address)
	}
}
