package netconfig

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Lease is a DHCPv4 lease as the caller persists it between connections
// (for INIT-REBOOT). It marshals to JSON; MarshalText/UnmarshalText give a
// single-line form for a key file.
type Lease struct {
	Address    netip.Prefix  `json:"address"`
	Server     netip.Addr    `json:"server"`
	Routers    []netip.Addr  `json:"routers,omitempty"`
	DNS        []netip.Addr  `json:"dns,omitempty"`
	DomainName string        `json:"domain,omitempty"`
	Routes     []Route       `json:"routes,omitempty"`
	MTU        int           `json:"mtu,omitempty"`
	Broadcast  netip.Addr    `json:"broadcast,omitzero"`
	Duration   time.Duration `json:"duration"`
	T1         time.Duration `json:"t1"`
	T2         time.Duration `json:"t2"`
	Acquired   time.Time     `json:"acquired"`
	HWAddr     string        `json:"hwaddr"`
}

// Route is a static route from DHCP option 121 (or 249).
type Route struct {
	Dst     netip.Prefix `json:"dst"`
	Gateway netip.Addr   `json:"gw"` // unspecified (0.0.0.0) for on-link
}

// Expiry is when the lease runs out.
func (l *Lease) Expiry() time.Time { return l.Acquired.Add(l.Duration) }

// Valid reports whether the lease can still be used at now for hwaddr.
func (l *Lease) Valid(now time.Time, hw net.HardwareAddr) bool {
	return l != nil && l.Address.IsValid() && now.Before(l.Expiry()) &&
		(l.HWAddr == "" || l.HWAddr == hw.String())
}

// MarshalText encodes the lease as one line of JSON.
func (l *Lease) MarshalText() ([]byte, error) {
	type plain Lease
	return json.Marshal((*plain)(l))
}

// UnmarshalText decodes what MarshalText produced.
func (l *Lease) UnmarshalText(b []byte) error {
	type plain Lease
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("dhcp: lease: %w", err)
	}
	if !p.Address.Addr().Is4() {
		return fmt.Errorf("dhcp: lease: address %v is not IPv4", p.Address)
	}
	*l = Lease(p)
	return nil
}

// Gateway is the default gateway of the lease: the first router, unless
// classless static routes are present (RFC 3442: then routers are ignored
// and the default route, if any, comes from the static routes).
func (l *Lease) Gateway() netip.Addr {
	if len(l.Routes) > 0 {
		for _, r := range l.Routes {
			if r.Dst.Bits() == 0 {
				return r.Gateway
			}
		}
		return netip.Addr{}
	}
	if len(l.Routers) > 0 {
		return l.Routers[0]
	}
	return netip.Addr{}
}
