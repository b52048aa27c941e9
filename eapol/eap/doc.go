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
// Use: one Method and one Peer per conversation (NewMD5, NewGTC,
// NewMSCHAPv2, NewPWD, or a TLS method; then NewPeer). Give Receive each
// EAP packet from the authenticator (the body of an EAPOL EAP-Packet
// frame, eapol.ParseEAPFrame) and send back what it returns
// (eapol.EAPFrame). When State is Success, Result's PMK (32 octets of the
// MSK, 48 for the SHA-384 AKMs) goes to the 4-way handshake; when it is
// Failure, Err says why. On Wi-Fi, an EAPOL-Key message 1 arriving before
// the EAP-Success is AltAccept. A new conversation (re-authentication, a
// new EAPOL-Start) needs a new Method and Peer: an ended Peer drops
// everything. Timers are the caller's: the Peer has none (the server
// retransmits; the station gives up).
//
// It is not for EAPOL framing, sockets or the 4-way handshake: it opens
// nothing, starts no goroutine and keeps no global state.
//
// It leans on the standard library (crypto/md5 for MD5-Challenge,
// crypto/hmac with SHA-256 for EAP-pwd), on eapol/eap/mschap for
// MSCHAPv2's RFC 2759 and RFC 3079 functions (MD4 from
// golang.org/x/crypto/md4, which the standard library lacks; DES from
// crypto/des), and on eapol/internal/ecgroup, shared with SAE, for
// EAP-pwd's P-256 arithmetic (filippo.io/nistec) and hunting-and-pecking.
package eap
