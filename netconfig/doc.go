// Package netconfig configures IP on an interface it is handed by index:
// DHCPv4 and IPv6, static addresses, routes with a metric offset, and DNS
// through resolvconf, systemd-resolved or nothing.
//
// It knows nothing of Wi-Fi and imports nothing of wifid's. Addresses and
// routes go through jsimonetti/rtnetlink.
package netconfig
