package netconfig

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/mdlayher/ndp"
)

// SLAAC as iwd does it (RFC 4862 with ell's choices): from the prefixes a
// router advertises with the A flag, one address, a /128 (the prefix is
// on-link by the RA's L flag: the kernel's route, not the address's), in
// the /64 with the longest preferred lifetime, its interface identifier
// the modified EUI-64 of the interface's MAC (RFC 4291 2.5.1). netconfig
// adds and refreshes it with the prefix's lifetimes, so the kernel expires
// it; the kernel's own SLAAC is off while wifid configures IPv6
// (setSLAAC), as it would add every prefix as a /64.

// raPrefix is a prefix information option with the A flag set.
type raPrefix struct {
	Prefix           netip.Prefix
	Valid, Preferred time.Duration // ndp.Infinity: for ever
}

// slaacAddr is the address SLAAC made.
type slaacAddr struct {
	prefix netip.Prefix
	addr   netip.Addr
	expiry time.Time // of its valid lifetime; zero: infinite
}

// chooseSLAACPrefix picks the prefix to form an address in: a /64 (the
// interface identifier has 64 bits, RFC 4862 5.5.3 d) whose preferred
// lifetime is not above its valid lifetime (5.5.3 c) and whose valid
// lifetime is not zero, the longest preferred lifetime first, then the
// longest valid one, then the first advertised.
func chooseSLAACPrefix(ps []raPrefix) (raPrefix, bool) {
	var best raPrefix
	found := false
	for _, p := range ps {
		if p.Prefix.Bits() != 64 || p.Valid <= 0 || p.Preferred > p.Valid {
			continue
		}
		if !found || p.Preferred > best.Preferred || (p.Preferred == best.Preferred && p.Valid > best.Valid) {
			best, found = p, true
		}
	}
	return best, found
}

var errNoEUI64 = errors.New("no 48-bit MAC for a modified EUI-64 interface identifier")

// eui64Address is prefix (a /64) with the modified EUI-64 interface
// identifier of mac: the MAC with ff:fe in its middle and the
// universal/local bit inverted (RFC 4291 appendix A).
func eui64Address(prefix netip.Prefix, mac net.HardwareAddr) (netip.Addr, error) {
	if len(mac) != 6 || prefix.Bits() != 64 || !prefix.Addr().Is6() {
		return netip.Addr{}, errNoEUI64
	}
	a := prefix.Masked().Addr().As16()
	a[8], a[9], a[10] = mac[0]^0x02, mac[1], mac[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(a), nil
}

// twoHours is RFC 4862 5.5.3 e's bound.
const twoHours = 2 * time.Hour

// slaacValidLifetime is the valid lifetime an address keeps when an RA
// advertises its prefix again with received (RFC 4862 5.5.3 e): longer
// than two hours or than what is left, it is taken; otherwise an address
// with two hours or less left keeps what it has (an unauthenticated RA
// cannot cut it short), and one with more left gets two hours. remaining
// < 0 means infinite.
func slaacValidLifetime(remaining, received time.Duration) time.Duration {
	infinite := received >= ndp.Infinity
	switch {
	case infinite || received > twoHours:
		return received
	case remaining >= 0 && received > remaining:
		return received
	case remaining >= 0 && remaining <= twoHours:
		return remaining
	}
	return twoHours
}

// slaacRA runs SLAAC for one router advertisement: the address cur is
// refreshed when the RA advertises its prefix again, or, with none yet,
// one is made in the prefix chooseSLAACPrefix picks (and checked by DAD).
// It returns the address now in place (nil: none).
func (n *Netconfig) slaacRA(cur *slaacAddr, ra *raInfo) *slaacAddr {
	now := time.Now()
	if cur != nil && !cur.expiry.IsZero() && !now.Before(cur.expiry) {
		// The kernel removed it at the end of its valid lifetime.
		n.log.Info("netconfig: SLAAC address expired", "iface", n.ifname(), "addr", cur.addr)
		n.forgetAddr(netip.PrefixFrom(cur.addr, 128))
		cur = nil
	}
	if cur != nil {
		for _, p := range ra.Prefixes {
			if p.Prefix != cur.prefix || !cur.addr.IsValid() {
				continue
			}
			remaining := time.Duration(-1)
			if !cur.expiry.IsZero() {
				remaining = cur.expiry.Sub(now)
			}
			n.slaacAdd(cur, slaacValidLifetime(remaining, p.Valid), p.Preferred, now)
		}
		return cur
	}
	p, ok := chooseSLAACPrefix(ra.Prefixes)
	if !ok {
		return nil
	}
	addr, err := eui64Address(p.Prefix, n.cfg.HWAddr)
	if err != nil {
		n.log.Warn("netconfig: SLAAC", "iface", n.ifname(), "prefix", p.Prefix, "err", err)
		return nil
	}
	cur = &slaacAddr{prefix: p.Prefix, addr: addr}
	if !n.slaacAdd(cur, p.Valid, p.Preferred, now) {
		return nil
	}
	a := netip.PrefixFrom(addr, 128)
	if err := n.waitDAD(a); err != nil {
		n.log.Warn("netconfig: SLAAC address not used", "iface", n.ifname(), "addr", addr, "err", err)
		if derr := n.delAddr(a); derr != nil {
			n.log.Debug("netconfig: SLAAC address", "iface", n.ifname(), "err", derr)
		}
		// RFC 4862 5.4.5: no address in this prefix; later RAs for it
		// change nothing.
		return &slaacAddr{prefix: p.Prefix}
	}
	n.log.Info("netconfig: SLAAC address", "iface", n.ifname(), "addr", a, "prefix", p.Prefix,
		"valid", p.Valid, "preferred", p.Preferred)
	n.emit6(Event{Kind: IPv6Configured, Address: a})
	return cur
}

// slaacAdd adds (or refreshes) cur's address with the lifetimes and keeps
// its expiry; false when the kernel refused it.
func (n *Netconfig) slaacAdd(cur *slaacAddr, valid, preferred time.Duration, now time.Time) bool {
	preferred = min(preferred, valid)
	if preferred <= 0 {
		preferred = time.Second // deprecated but valid; 0 would mean for ever
	}
	a := netip.PrefixFrom(cur.addr, 128)
	if err := n.addAddrLifetimes(a, netip.Addr{}, valid, preferred); err != nil {
		n.log.Warn("netconfig: SLAAC address", "iface", n.ifname(), "addr", a, "err", err)
		return false
	}
	cur.expiry = time.Time{}
	if valid < ndp.Infinity {
		cur.expiry = now.Add(valid)
	}
	return true
}
