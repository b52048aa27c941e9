// Package decode turns wifimon's captures into events: netlink messages
// (generic netlink controller, nl80211 by name via wifid/nl80211's name
// table, rtnetlink links, addresses and routes), 802.11 frames from a
// monitor interface (radiotap, management frames with their elements
// summarised by wifid/nl80211/ie, SAE, EAPOL via wifid/eapol) and Ethernet
// frames of a station's interface (DHCP, ARP via gopacket's layers).
//
// It is not a capture: no sockets, no files. A Decoder keeps the little
// state a capture needs (generic netlink family ids) and never panics on
// any input: what it cannot decode becomes an event whose Malformed field
// says why. Key material prints as lengths unless ShowSecrets is set.
package decode
