// Package ttls is EAP-TTLS version 0 (RFC 5281): phase 2 as Diameter-style
// AVPs inside the TLS tunnel of package tls, either a non-EAP method
// (Tunneled-PAP, -CHAP, -MSCHAP, -MSCHAPv2, as iwd names them) or an EAP
// method of package eap carried in EAP-Message AVPs by an inner eap.Peer.
//
// The CHAP-style challenges come from the TLS PRF ("ttls challenge", RFC
// 5281 11.2.2), the MSK and EMSK from "ttls keying material". The user
// name and password are asked for (Credentials.Resolve) only once the
// server's certificate has been checked. The method's decision stays Fail
// until phase 2 has done its part: PAP, CHAP and MS-CHAP after the
// credentials are sent (the server's EAP-Success is their only answer),
// MS-CHAPv2 after the server's MS-CHAP2-Success proved it knows the
// password, an inner EAP method after it finished well; an earlier
// EAP-Success is refused.
package ttls
