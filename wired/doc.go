// Package wired authenticates Ethernet ports with IEEE 802.1X, as iwd's
// ead does: on carrier an EAPOL-Start to the PAE group address, then the
// EAP conversation the authenticator (a switch) starts, answered by an
// eapol/eap Peer; after a failure the port is held for a while before it
// tries again, and every link-up starts over.
//
// It is not for Wi-Fi (station drives EAP inside the 4-way handshake's
// world) and not for EAP itself (eapol/eap): here are the per-port state
// machine (port.go), the PAE packet socket (pae.go), the carrier watch
// (carrier.go), ead's interface manager (manager.go) and its settings file
// (settings.go: <state dir>/default.8021x, iwd's EAP-* keys through
// knownnetworks/eapconf, turned into an eapol/eap Method). It leans on mdlayher/packet for the PF_PACKET socket
// and its PAE group membership, and on jsimonetti/rtnetlink for carrier
// events.
package wired
