// Package tls is what EAP-TLS, PEAP and TTLS share, and EAP-TLS itself
// (RFC 5216, RFC 9190 for TLS 1.3): the flags octet with PEAP's and
// TTLS's version bits, RFC 5216's fragmentation of the peer's TLS
// messages to an MTU with the server's acknowledgements, reassembly of
// the server's into a buffer bounded by MaxMessage (a larger TLS Message
// Length, fragments beyond the one announced and fragments without end
// are refused), and a crypto/tls client driven by whole messages.
//
// The TLS is the standard library's. It falls short in two places, both
// worked around here: a handshake cannot be stepped, so it runs in a
// goroutine over an in-memory conn in lockstep with the method (Engine:
// the goroutine ends with the handshake, on Close or after IdleTimeout);
// and TLS 1.2 keying material is given only when the server negotiated
// Extended Master Secret (RFC 7627). That is kept as the default (a
// server without it is refused with an error that says so; OpenSSL-based
// servers, hostapd and FreeRADIUS included, and Windows NPS since 2016
// negotiate it); GODEBUG=tlsunsafeekm=1 in the daemon's environment
// accepts old servers without it, as wpa_supplicant and iwd do.
//
// The server's certificate is checked against Config.RootCAs and then by
// Config.VerifyServer (ServerDomainMask) inside the handshake, so no
// method gets the tunnel, and nothing of an inner method leaves, before
// the server has proved itself. Without RootCAs nothing is checked and a
// warning is logged.
//
// Config.SessionCache turns on TLS session resumption (iwd's
// FastReauthentication): the daemon gives one crypto/tls
// ClientSessionCache per network. A resumed PEAP or TTLS tunnel may end
// without phase 2, as iwd allows (the server proved itself in the full
// handshake that made the session, and only the session's owner can
// resume it); a conversation that does not succeed forgets the session.
//
// It imports net only for the net.Conn interface crypto/tls wants: it
// opens nothing.
package tls
