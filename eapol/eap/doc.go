// Package eap is the peer side of EAP (RFC 3748) for 802.1X on Wi-Fi and
// wired ports: EAP packets in, EAP packets and, on success, the MSK and
// EMSK out. A Peer runs the RFC 4137 peer state machine (Identity,
// Notification, Nak to the configured method, retransmission of the last
// response, Success and Failure); a Method is one authentication method
// (MD5-Challenge, GTC, MSCHAPv2, PWD here; TLS, PEAP and TTLS in
// subpackages), and the Peer takes EAP-Success only when the method's
// decision allows it (RFC 4137 methodState and decision), so a server that
// announces success before the method finished gets no keys.
//
// It is not for EAPOL framing, sockets or the 4-way handshake: it opens
// nothing, starts no goroutine and keeps no global state. The station
// feeds it the EAP packets of EAPOL-EAP frames and, when the Peer reports
// success, derives the PMK from the MSK (Result.PMK).
//
// It leans on the standard library (crypto/md5, crypto/des, crypto/sha256)
// and golang.org/x/crypto/md4 for MSCHAPv2's NT hash, which the standard
// library lacks.
package eap
