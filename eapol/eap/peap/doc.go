// Package peap is PEAP, Protected EAP, versions 0 and 1
// (draft-kamath-pppext-peapv0-00, draft-josefsson-pppext-eap-tls-eap-05,
// and Microsoft's MS-PEAP for the Extensions method and its Result and
// Crypto-Binding TLVs): an inner EAP method (MSCHAPv2, GTC, MD5 of package
// eap) run by an inner eap.Peer inside the TLS tunnel of package tls.
//
// As in iwd: PEAPv0's inner packets travel without their EAP header (the
// outer Identifier stands in for theirs), except the Extensions method's;
// PEAPv1's travel whole. The MSK is the first 64 octets of the TLS PRF
// with "client EAP encryption" for both versions; when the server sends a
// Crypto-Binding TLV its Compound MAC is checked and the MSK comes from
// the Compound Session Key (MS-PEAP 3.1.5.5), binding the inner method's
// keys to the tunnel. No EMSK.
//
// The method takes EAP-Success only after the inner method has finished
// well and the server's Result TLV (v0) or inner EAP-Success (v1) said so:
// a server that skips phase 2, or reports success for an inner method
// that did not succeed, gets a Failure Result and no keys.
package peap
