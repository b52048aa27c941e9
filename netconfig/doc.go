// Package netconfig configures IP on an interface it is handed by index:
// DHCPv4 and IPv6 (kernel SLAAC, DNS from RAs), static addresses probed
// with ACD (RFC 5227), routes with a metric offset, and DNS through
// resolvconf, systemd-resolved or nothing. Start returns at once; Events
// says configured, renewed, lost or failed; Stop removes everything added.
//
// It knows nothing of Wi-Fi and imports nothing of wifid's. It is not a
// DHCP server, and DHCPv6 is not done yet.
//
// Libraries, and why:
//   - insomniacslk/dhcp/dhcpv4 only as the message and option codec: it
//     builds requests and decodes options well, but its clients (nclient4)
//     own the socket and the exchange, while the lease state machine here
//     (INIT-REBOOT, RENEWING/REBINDING at T1/T2, expiry, DECLINE, RELEASE,
//     rapid commit) must be ours with named states. Replies are checked on
//     the raw bytes first (op, xid, chaddr, cookie) and the option overload
//     of RFC 2132 9.3 is handled here, which the codec does not do.
//   - mdlayher/packet for AF_PACKET (SOCK_DGRAM) sockets: DHCP before an
//     address exists (with a BPF filter for UDP port 68) and ARP for ACD.
//     It is small, takes a BPF program and supports deadlines and Close
//     from another goroutine. The IPv4/UDP headers are built here.
//   - jsimonetti/rtnetlink/v2 for routes (NLM_F_APPEND, never REPLACE, so
//     another interface's route with the same metric is left alone),
//     links and link events; RTM_NEWADDR is encoded with mdlayher/netlink
//     directly because rtnetlink does not encode IFA_CACHEINFO, and the
//     lease lifetime goes into the address.
//   - mdlayher/ndp for RDNSS/DNSSL in router advertisements; godbus for
//     systemd-resolved.
package netconfig
