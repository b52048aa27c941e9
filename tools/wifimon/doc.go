// wifimon is a monitor in the spirit of iwd's iwmon: it shows what a Wi-Fi
// daemon (wifid, iwd, wpa_supplicant) says to the kernel and what goes over
// the air, one decoded line (or JSON object) per message or frame.
//
//   - Netlink: it creates an nlmon interface (removed on exit, SIGINT and
//     SIGTERM included), reads it with a packet socket (mdlayher/packet,
//     recvfrom for the netlink protocol in sockaddr_ll) and decodes nl80211
//     commands and events by name with their attributes, plus rtnetlink
//     link, address and route changes. nl80211's generic netlink id is
//     asked from the kernel at start (genetlink) and learned from
//     CTRL_CMD_NEWFAMILY messages seen in the capture.
//   - Air: a monitor interface (-air, hwsim0 in the lab) with radiotap:
//     management frames, SAE commit/confirm headers, EAPOL-Key messages.
//     After the 4-way handshake the data frames are CCMP-encrypted and
//     wifimon holds no keys, so DHCP is not visible there: -i captures the
//     station's own interface, where frames are already decrypted, and shows
//     DHCP and ARP.
//   - -w writes one pcapng file with one interface per source (netlink as
//     LINKTYPE_NETLINK with the Linux cooked header, as libpcap writes an
//     nlmon capture; the air as radiotap; -i as Ethernet) that Wireshark and
//     tshark open; -r reads it (or a plain pcap of a monitor interface) back
//     through the same decoder.
//
// Key material (EAPOL-Key nonces, MICs and key data, nl80211 key data and
// PMKs) prints as lengths unless -show-secrets. Malformed input prints as
// "malformed: <why>" and the monitor goes on.
//
// It leans on gopacket (the maintained fork) for pcapng reading and
// writing, the radiotap header and IPv4/UDP/DHCPv4/ARP; its Dot11 layer
// assumes an FCS and its EAPOLKey layer a 16-octet MIC, so the 802.11
// header and bodies are decoded in the decode package and EAPOL-Key frames
// with wifid/eapol's parser. gopacket stays out of the daemon.
package main
