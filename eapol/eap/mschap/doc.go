// Package mschap is the cryptography of MS-CHAPv2 (RFC 2759) and of its
// MPPE keys (RFC 3079), shared by EAP-MSCHAPv2 and by TTLS's inner
// MS-CHAP and MS-CHAPv2: the NT password hash, the NT-Response, the
// authenticator response the server proves itself with, and the master
// and start keys an MSK is made of. Pure functions, no state.
//
// It is not the EAP framing (package eap's MSCHAPv2 is) nor MPPE's
// encryption. MD4 comes from golang.org/x/crypto/md4 and DES from
// crypto/des; both are broken ciphers kept only because the protocol is
// built on them.
package mschap
