package netconfig

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mdlayher/ndp"
)

// raInfo is what netconfig takes from one router advertisement. The kernel
// does on-link prefixes and routes itself; netconfig wants the M/O flags
// (RFC 4861 4.2) that ask for DHCPv6, DNS (RFC 8106 RDNSS and DNSSL) and
// the prefixes for its own SLAAC (slaac.go).
type raInfo struct {
	Router    netip.Addr // link-local source
	Managed   bool       // M: addresses from DHCPv6
	Other     bool       // O: other configuration (DNS) from DHCPv6
	Lifetime  time.Duration
	DNS       []netip.Addr
	DNSLife   time.Duration // shortest RDNSS lifetime (0: none or withdrawn)
	Withdrawn bool          // an RDNSS or DNSSL option had lifetime 0
	Domains   []string
	DomLife   time.Duration
	Prefixes  []raPrefix // prefix information options with A set
	MTU       int
	HasSource bool // a source link-layer address option is present
}

var errNotRA = errors.New("not a router advertisement")

// parseRA checks and decodes an ICMPv6 message received on the interface:
// it must be a router advertisement from a link-local address with hop
// limit 255 (RFC 4861 6.1.2). hopLimit < 0 means unknown (not checked).
func parseRA(b []byte, src netip.Addr, hopLimit int) (*raInfo, error) {
	if len(b) == 0 || b[0] != 134 { // ICMPv6 type Router Advertisement
		return nil, errNotRA
	}
	if hopLimit >= 0 && hopLimit != ndp.HopLimit {
		return nil, fmt.Errorf("ra: hop limit %d from %v, want 255", hopLimit, src)
	}
	if !src.Is6() || !src.IsLinkLocalUnicast() {
		return nil, fmt.Errorf("ra: source %v is not link-local", src)
	}
	m, err := ndp.ParseMessage(b)
	if err != nil {
		return nil, fmt.Errorf("ra: from %v: %w", src, err)
	}
	ra, ok := m.(*ndp.RouterAdvertisement)
	if !ok {
		return nil, errNotRA
	}
	info := &raInfo{Router: src, Managed: ra.ManagedConfiguration, Other: ra.OtherConfiguration,
		Lifetime: ra.RouterLifetime}
	for _, o := range ra.Options {
		switch o := o.(type) {
		case *ndp.RecursiveDNSServer:
			if o.Lifetime <= 0 {
				info.Withdrawn = true
				continue
			}
			for _, s := range o.Servers {
				if !s.Is6() || s.IsUnspecified() || s.IsMulticast() || s.IsLoopback() {
					return nil, fmt.Errorf("ra: from %v: RDNSS server %v is not a unicast IPv6 address", src, s)
				}
				if s.IsLinkLocalUnicast() {
					s = s.WithZone(src.Zone())
				}
				if !slices.Contains(info.DNS, s) {
					info.DNS = append(info.DNS, s)
				}
			}
			if info.DNSLife == 0 || o.Lifetime < info.DNSLife {
				info.DNSLife = o.Lifetime
			}
		case *ndp.DNSSearchList:
			if o.Lifetime <= 0 {
				info.Withdrawn = true
				continue
			}
			for _, d := range o.DomainNames {
				d = strings.TrimSuffix(d, ".")
				if d == "" || strings.ContainsAny(d, " \t\n\r#;") {
					return nil, fmt.Errorf("ra: from %v: DNSSL name %q unusable", src, d)
				}
				if !slices.Contains(info.Domains, d) {
					info.Domains = append(info.Domains, d)
				}
			}
			if info.DomLife == 0 || o.Lifetime < info.DomLife {
				info.DomLife = o.Lifetime
			}
		case *ndp.PrefixInformation:
			if o.AutonomousAddressConfiguration && o.Prefix.Is6() && !o.Prefix.IsLinkLocalUnicast() {
				info.Prefixes = append(info.Prefixes, raPrefix{Prefix: netip.PrefixFrom(o.Prefix, int(o.PrefixLength)).Masked(),
					Valid: o.ValidLifetime, Preferred: o.PreferredLifetime})
			}
		case *ndp.MTU:
			info.MTU = int(o.MTU)
		case *ndp.LinkLayerAddress:
			if o.Direction == ndp.Source {
				info.HasSource = true
			}
		}
	}
	return info, nil
}
