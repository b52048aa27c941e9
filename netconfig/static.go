package netconfig

import (
	"context"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// applyStatic4 probes the address with ACD (RFC 5227), then adds it with
// its subnet route, the default route and DNS, and announces it.
func (n *Netconfig) applyStatic4(ctx context.Context, s *IPv4Static) error {
	mask := s.Netmask
	if !mask.IsValid() {
		mask = netip.AddrFrom4([4]byte{255, 255, 255, 0})
	}
	bits, err := maskBits(mask)
	if err != nil {
		return fmt.Errorf("netconfig: %s: [IPv4].Netmask: %w", n.ifname(), err)
	}
	p := netip.PrefixFrom(s.Address, bits)
	inUse, err := probeAddress(ctx, n.cfg.IfIndex, n.cfg.HWAddr, s.Address, n.cfg.ACD)
	if err != nil {
		return fmt.Errorf("netconfig: %s: probing %v: %w", n.ifname(), s.Address, err)
	}
	if inUse {
		return fmt.Errorf("netconfig: %s: static address %v: %w", n.ifname(), s.Address, ErrAddressInUse)
	}
	brd := s.Broadcast
	if !brd.IsValid() {
		brd = broadcastOf(p)
	}
	if err := n.addAddr(p, brd, 0); err != nil {
		return fmt.Errorf("netconfig: %s: %w", n.ifname(), err)
	}
	n.bg.Go(func() { announceAddress(ctx, n.cfg.IfIndex, n.cfg.HWAddr, s.Address, n.cfg.ACD) })
	n.bg.Go(func() {
		err := defendAddress(ctx, n.cfg.IfIndex, n.cfg.HWAddr, s.Address, n.cfg.ACD)
		if err == nil || ctx.Err() != nil {
			return
		}
		n.log.Warn("netconfig: static address given up", "iface", n.ifname(), "address", s.Address, "err", err)
		n.teardownFamily(true)
		n.emit(ctx, Event{Kind: Lost, Err: fmt.Errorf("netconfig: %s: %w", n.ifname(), err)})
	})
	if err := n.addRoute(route{Dst: p.Masked(), Src: s.Address, Priority: n.cfg.RoutePriorityOffset, Protocol: unix.RTPROT_STATIC}); err != nil {
		return fmt.Errorf("netconfig: %s: %w", n.ifname(), err)
	}
	if s.Gateway.IsValid() {
		if err := n.addGatewayRoute(netip.PrefixFrom(netip.IPv4Unspecified(), 0), s.Gateway, s.Address, unix.RTPROT_STATIC); err != nil {
			return fmt.Errorf("netconfig: %s: %w", n.ifname(), err)
		}
	}
	var doms []string
	if s.DomainName != "" {
		doms = []string{s.DomainName}
	}
	if err := n.setDNS(dnsFromIPv4, s.DNS, doms); err != nil {
		n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
	}
	n.emit(ctx, Event{Kind: Configured, Address: p, Gateway: s.Gateway, DNS: s.DNS, Domains: doms})
	return nil
}

// applyStatic6 adds a static IPv6 address (kernel DAD applies), its prefix
// route and the default route.
func (n *Netconfig) applyStatic6(s *IPv6Static) error {
	if !s.Address.Addr().Is6() {
		return fmt.Errorf("netconfig: %s: [IPv6].Address %v is not IPv6", n.ifname(), s.Address)
	}
	if err := n.addAddr(s.Address, netip.Addr{}, 0); err != nil {
		return fmt.Errorf("netconfig: %s: %w", n.ifname(), err)
	}
	if err := n.addRoute(route{Dst: s.Address.Masked(), Priority: n.cfg.RoutePriorityOffset, Protocol: unix.RTPROT_STATIC}); err != nil {
		return fmt.Errorf("netconfig: %s: %w", n.ifname(), err)
	}
	if s.Gateway.IsValid() {
		if err := n.addGatewayRoute(netip.PrefixFrom(netip.IPv6Unspecified(), 0), s.Gateway, netip.Addr{}, unix.RTPROT_STATIC); err != nil {
			return fmt.Errorf("netconfig: %s: %w", n.ifname(), err)
		}
	}
	if len(s.DNS) > 0 || s.DomainName != "" {
		var doms []string
		if s.DomainName != "" {
			doms = []string{s.DomainName}
		}
		if err := n.setDNS(dnsFromStatic6, s.DNS, doms); err != nil {
			n.log.Warn("netconfig: DNS", "iface", n.ifname(), "err", err)
		}
	}
	return nil
}

func maskBits(m netip.Addr) (int, error) {
	if !m.Is4() {
		return 0, fmt.Errorf("%v is not an IPv4 mask", m)
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := 0
	for v&0x80000000 != 0 {
		ones++
		v <<= 1
	}
	if v != 0 || ones == 0 {
		return 0, fmt.Errorf("%v is not a contiguous mask", m)
	}
	return ones, nil
}
