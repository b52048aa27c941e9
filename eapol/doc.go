// Package eapol implements the supplicant side of the IEEE 802.11 EAPOL-Key
// handshakes (4-way and group key) and, later, EAP: frames in, frames and
// keys out.
//
// It opens no sockets and knows nothing of nl80211: it talks to the world
// through a small interface it defines, so tests play whole handshakes in
// memory. Crypto is the standard library and golang.org/x/crypto.
package eapol
