package netconfig

import (
	"log/slog"
	"net"
	"net/netip"
	"time"
)

// Config says what to configure on one interface. IfIndex, IfName and
// HWAddr are required. With Static nil, IPv4 comes from DHCP.
type Config struct {
	IfIndex int
	IfName  string
	HWAddr  net.HardwareAddr

	// RoutePriorityOffset is the metric of every route added (iwd's
	// [General].RoutePriorityOffset, 300 by default there).
	RoutePriorityOffset uint32

	// Static, when set, replaces DHCP for IPv4 (iwd's [IPv4] keys).
	Static *IPv4Static
	// StaticIPv6, when set, adds a static IPv6 address and gateway
	// (iwd's [IPv6] keys).
	StaticIPv6 *IPv6Static
	// IPv6 enables router advertisements on the interface: the kernel's
	// routes from them (accept_ra), netconfig's own SLAAC (one /128
	// address, as iwd; the kernel's autoconf stays 0) and DNS (RDNSS,
	// DNSSL); false turns RAs off (accept_ra and autoconf 0). The previous
	// sysctl values are restored on Stop. It also runs the
	// DHCPv6 client when the RAs ask for it: stateful (IA_NA addresses and
	// DNS) on the M flag, stateless (INFORMATION-REQUEST for DNS) on the O
	// flag.
	IPv6 bool
	// IPv6Events delivers IPv6Configured, IPv6Renewed and IPv6Lost events
	// for DHCPv6 and SLAAC. Off by default: callers written before these kinds
	// existed may take an unknown kind for a failure.
	IPv6Events bool

	DHCP DHCPConfig

	// DNS receives the name servers and search domains; nil means none.
	DNS Resolver

	// IgnoreCarrier keeps the configuration through carrier loss: only
	// the interface going administratively down or away ends the run. A
	// Wi-Fi station sets it: the carrier drops for a moment when it
	// reassociates (roams) within the network, and the station itself
	// stops netconfig when the connection is really gone. It also keeps
	// the ARP and NDP caches through carrier loss (arp_evict_nocarrier=0,
	// ndisc_evict_nocarrier=0 while netconfig runs).
	IgnoreCarrier bool

	// Lease is the last lease of this network, for INIT-REBOOT. It is used
	// only if it has not expired and is for the same hardware address.
	Lease *Lease

	// ACD tunes the RFC 5227 probe of a static address (and of a DHCP
	// address with DHCP.ConflictCheck). Zero fields take RFC 5227 values.
	ACD ACDTimings

	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// IPv4Static mirrors iwd's [IPv4] settings group.
type IPv4Static struct {
	Address netip.Addr
	// Netmask defaults to 255.255.255.0.
	Netmask netip.Addr
	Gateway netip.Addr
	// Broadcast defaults to the subnet's broadcast address.
	Broadcast  netip.Addr
	DNS        []netip.Addr
	DomainName string
}

// IPv6Static mirrors iwd's [IPv6] settings group.
type IPv6Static struct {
	Address    netip.Prefix // Address/plen
	Gateway    netip.Addr
	DNS        []netip.Addr
	DomainName string
}

// DHCPConfig tunes the DHCPv4 client.
type DHCPConfig struct {
	// ClientID is option 61 as sent (type byte first). Empty means
	// type 1 (Ethernet) followed by the hardware address.
	ClientID []byte
	// Hostname is sent as option 12 when not empty.
	Hostname string
	// SendRelease sends a DHCPRELEASE on Stop.
	SendRelease bool
	// RapidCommit asks for a two-message exchange (RFC 4039), and in
	// DHCPv6 too (SOLICIT/REPLY, RFC 8415 18.2.1). Servers that do not
	// support it answer with an ordinary OFFER or ADVERTISE.
	RapidCommit bool
	// ConflictCheck ARP-probes the acknowledged address (RFC 5227) before
	// use and declines it on conflict. Off by default, as in iwd: it adds
	// seconds to every connect.
	ConflictCheck bool
	// RetransmitBase is the first retransmission delay (RFC 2131: 4 s);
	// it doubles up to 64 s, with up to a quarter of jitter either way.
	RetransmitBase time.Duration
	// FirstRetry, when set, retransmits the run's first DISCOVER (or
	// INIT-REBOOT REQUEST) after this long instead of RetransmitBase,
	// once; the backoff then goes on as usual. A Wi-Fi station sets it to
	// 1 s: the first frame after the 4-way handshake can reach the AP
	// before the AP has opened its port for us and be dropped, and four
	// seconds is a long wait for that.
	FirstRetry time.Duration
	// Timeout is how long acquiring a first lease may take before a Failed
	// event (the client keeps trying afterwards). Default 30 s.
	Timeout time.Duration
	// DeclineWait is how long to wait after a DECLINE before starting
	// over (RFC 2131: at least 10 s).
	DeclineWait time.Duration
}

// ACDTimings are RFC 5227's probe constants.
type ACDTimings struct {
	ProbeWait    time.Duration // random delay before the first probe: 1 s
	ProbeNum     int           // number of probes: 3
	ProbeMin     time.Duration // 1 s
	ProbeMax     time.Duration // 2 s
	AnnounceWait time.Duration // wait after the last probe: 2 s
	AnnounceNum  int           // 2
	AnnounceIntv time.Duration // 2 s
	// DefendInterval: a second conflict this soon after defending the
	// address gives it up (RFC 5227 2.4 (b)): 10 s.
	DefendInterval time.Duration
}

func (a ACDTimings) withDefaults() ACDTimings {
	if a.ProbeWait == 0 {
		a.ProbeWait = time.Second
	}
	if a.ProbeNum == 0 {
		a.ProbeNum = 3
	}
	if a.ProbeMin == 0 {
		a.ProbeMin = time.Second
	}
	if a.ProbeMax < a.ProbeMin {
		a.ProbeMax = 2 * a.ProbeMin
	}
	if a.DefendInterval == 0 {
		a.DefendInterval = 10 * time.Second
	}
	if a.AnnounceWait == 0 {
		a.AnnounceWait = 2 * time.Second
	}
	if a.AnnounceNum == 0 {
		a.AnnounceNum = 2
	}
	if a.AnnounceIntv == 0 {
		a.AnnounceIntv = 2 * time.Second
	}
	return a
}

func (d DHCPConfig) withDefaults() DHCPConfig {
	if d.RetransmitBase == 0 {
		d.RetransmitBase = 4 * time.Second
	}
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
	if d.DeclineWait == 0 {
		d.DeclineWait = 10 * time.Second
	}
	return d
}

// EventKind says what an Event reports.
type EventKind int

const (
	// Configured: an address is in place (first time, or again after
	// Lost).
	Configured EventKind = iota + 1
	// Renewed: the DHCP lease was extended; Lease carries the new one to
	// persist.
	Renewed
	// Lost: the address was removed (lease expired or NAKed, link down).
	Lost
	// Failed: no configuration could be obtained (DHCP timeout, static
	// address in use, netlink error).
	Failed
	// IPv6Configured: DHCPv6 gave an address (Address is a /128, Lease6
	// is set), SLAAC made one (a /128, no Lease6), or, for stateless
	// DHCPv6, DNS only (Address is invalid).
	// Only with Config.IPv6Events.
	IPv6Configured
	// IPv6Renewed: the DHCPv6 binding was extended (RENEW or REBIND).
	IPv6Renewed
	// IPv6Lost: the DHCPv6 address was removed (valid lifetime over,
	// NotOnLink, or a different address given).
	IPv6Lost
)

func (k EventKind) String() string {
	switch k {
	case Configured:
		return "configured"
	case Renewed:
		return "renewed"
	case Lost:
		return "lost"
	case Failed:
		return "failed"
	case IPv6Configured:
		return "ipv6-configured"
	case IPv6Renewed:
		return "ipv6-renewed"
	case IPv6Lost:
		return "ipv6-lost"
	}
	return "unknown"
}

// Event is delivered on Netconfig.Events.
type Event struct {
	Kind    EventKind
	Address netip.Prefix
	Gateway netip.Addr
	DNS     []netip.Addr
	Domains []string
	// Lease is set for DHCP Configured and Renewed events: the caller
	// persists it and passes it back in Config.Lease next time.
	Lease *Lease
	// Lease6 is set for DHCPv6 IPv6Configured and IPv6Renewed events.
	Lease6 *Lease6
	Err    error
}
