// Package eapol implements the supplicant side of the IEEE 802.11 EAPOL-Key
// handshakes (4-way and group key; EAP itself is eapol/eap, whose packets
// eapframe.go puts in EAPOL frames): frames in, frames and keys out. A Supplicant is given the association's
// addresses, PMK, RSN elements, AKM and ciphers (Config) and talks to the
// world through the small Port interface, so tests play whole handshakes
// in memory against a test authenticator. Both RSN (descriptor type 2)
// and the older WPA (descriptor type 254, the WPA vendor element, GTK by a
// separate group key handshake; see wpa.go) are handled: which one is
// told by the kind of element in Config.OwnRSNE.
//
// It is not for sockets, nl80211 or choosing networks: it opens nothing,
// starts no goroutine, and compares the message 3 RSNE (or WPA element)
// with the AP's as octets, without parsing elements through nl80211/ie (it
// takes only the suite and reason-code types from there, their one home).
//
// Its crypto is the standard library's (crypto/pbkdf2 for the PSK,
// crypto/hmac with SHA-1/SHA-256/SHA-384 for the PRF and KDF, crypto/aes,
// crypto/md5 and crypto/rc4 for TKIP's descriptor version 1). AES-CMAC and
// the RFC 3394 AES key wrap are not in the standard library and are written
// here, pinned by the RFC 4493 and RFC 3394 vectors of package unit.
package eapol
