// Package netconfig configures IP on an interface it is handed by index:
// DHCPv4, IPv6 (kernel SLAAC, DHCPv6 stateful and stateless as the router
// advertisements ask, DNS from RDNSS/DNSSL), static addresses probed with
// ACD (RFC 5227), routes with a metric offset, and DNS through resolvconf,
// systemd-resolved, a resolv.conf file written atomically, or nothing.
// Start returns at once; Events says configured, renewed, lost or failed
// (and, with Config.IPv6Events, the same for DHCPv6); Stop removes
// everything added.
//
// It knows nothing of Wi-Fi and imports nothing of wifid's. It is not a
// DHCP server, and it does no DHCPv6 prefix delegation.
//
// Libraries, and why:
//   - insomniacslk/dhcp/dhcpv4 and dhcpv6 only as message and option
//     codecs: they build requests and decode options well, but their
//     clients (nclient4, nclient6) own the socket and the exchange, while
//     the lease state machines here (DHCPv4: INIT-REBOOT, RENEWING and
//     REBINDING at T1/T2, expiry, DECLINE, RELEASE, rapid commit; DHCPv6:
//     SOLICIT with ADVERTISE collection and preference, REQUEST, RENEW,
//     REBIND, RELEASE, INFORMATION-REQUEST with its refresh time) must be
//     ours with named states. DHCPv4 replies are checked on the raw bytes
//     first (op, xid, chaddr, cookie) and the option overload of RFC 2132
//     9.3 is handled here, which the codec does not do; DHCPv6 replies are
//     checked for xid, our DUID-LL and a server DUID, and addresses and
//     T1/T2 are held to RFC 8415 21.4/21.6.
//   - mdlayher/packet for AF_PACKET (SOCK_DGRAM) sockets: DHCPv4 before an
//     address exists (with a BPF filter for UDP port 68) and ARP for ACD.
//     It is small, takes a BPF program and supports deadlines and Close
//     from another goroutine. The IPv4/UDP headers are built here. DHCPv6
//     needs no raw socket: a UDP socket bound to the link-local address,
//     port 546, sending to ff02::1:2 port 547.
//   - jsimonetti/rtnetlink/v2 for routes (NLM_F_APPEND, never REPLACE, so
//     another interface's route with the same metric is left alone),
//     links and link events; RTM_NEWADDR is encoded with mdlayher/netlink
//     directly because rtnetlink does not encode IFA_CACHEINFO, and the
//     lease lifetimes go into the address (DHCPv6 addresses as /128 with
//     their preferred and valid lifetimes; the prefix is on-link by the
//     RA, which the kernel handles).
//   - mdlayher/ndp for router solicitations and for decoding router
//     advertisements (M/O flags, RDNSS, DNSSL), read raw so that the hop
//     limit (255) and link-local source are checked here; godbus for
//     systemd-resolved.
package netconfig
