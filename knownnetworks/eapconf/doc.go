// Package eapconf turns the EAP-* keys of an iwd network file (.8021x, and
// ead's wired files) into a typed configuration for the EAP methods: which
// method, identities and passwords, and for the TLS-based methods the CA
// certificates, client certificate and key, the server domain mask and
// session caching. It checks what iwd 2.3 checks, with errors that name the
// key, and reports which secrets are missing so the daemon can ask the
// agent for them (RequestUserNameAndPassword, RequestUserPassword,
// RequestPrivateKeyPassphrase). Agent answers are held in memory only:
// nothing here writes a file.
//
// The keys, all in [Security], as iwd 2.3 reads them (P is the prefix:
// "EAP-" outside, "EAP-PEAP-Phase2-" or "EAP-TTLS-Phase2-" for the inner
// method, nesting further for a tunnel inside a tunnel):
//
//	P+Method                 TLS, WFA-TLS, TTLS, PEAP, PWD, MSCHAPV2; MD5, GTC
//	                         inside a tunnel (or wired); SIM, AKA, AKA' refused;
//	                         TTLS inner also Tunneled-PAP/-CHAP/-MSCHAP/-MSCHAPv2
//	P+Identity               any method (NAI, at most 253 octets)
//	P+Password               PWD, MSCHAPV2, MD5, GTC, Tunneled-*
//	P+Password-Hash          MSCHAPV2: 32 hex digits, instead of Password
//	P+GTC-Secret, P+MD5-Secret  GTC's, MD5's password when Password is absent
//	P+T+CACert               T is TLS-, PEAP- or TTLS-: path or embed:name
//	P+T+ServerDomainMask     ';'-separated masks; needs CACert
//	P+T+FastReauthentication boolean, default true
//	P+TLS-ClientCert, P+TLS-ClientKey, P+TLS-ClientKeyBundle,
//	P+TLS-ClientKeyPassphrase  EAP-TLS and WFA-TLS only
//
// iwd 2.3 has no PEAP or TLS version key (versions are negotiated);
// EAP-PEAP-ClientCert and -ClientKey, found in iwd's own autotests, are read
// by nothing and land in Config.Unused.
//
// It lives under knownnetworks, not eapol/eap, because it reads network
// files and certificate files, and by the project's import rules eapol
// imports only the standard library, x/crypto and nl80211/ie. The methods
// get what this package makes, in standard library types: *x509.CertPool,
// tls.Certificate, the domain mask check for eapol/eap/tls's VerifyServer
// hook (ServerCheck) and a whole VerifyPeerCertificate function for plain
// crypto/tls clients (TLSMaterial). It imports knownnetworks and nothing
// else of ours.
//
// Files:
//   - config.go: Config, Parse, the key scheme (prefixes, methods).
//   - secrets.go: SecretRequest and Config.Missing.
//   - certs.go: CA lists, client certificates and keys, PKCS#12 bundles,
//     from files or [@pem@name] groups; TLSSettings.Load.
//   - pkcs8.go: encrypted PKCS#8 (PBES2 with PBKDF2 and AES-CBC or
//     DES-EDE3-CBC; PBES1 with MD5 or SHA-1 and DES-CBC, which iwd's own
//     test keys use; PKCS#12's SHA-1 triple-DES PBE) and legacy
//     "Proc-Type: 4,ENCRYPTED" PEM keys (DES, 3DES, AES-CBC), as ell's
//     pem.c reads them.
//   - domainmask.go: ServerDomainMask matching as ell's TLS does.
//   - eapmetadata.go: eduroam CAT / geteduroam "eap-config" files (EAP
//     metadata XML) into a network file with the certificates embedded.
//
// Libraries: the standard library (crypto/x509, crypto/pbkdf2, crypto/des)
// and software.sslmate.com/src/go-pkcs12 for PKCS#12 (the standard library
// has none). Encrypted PKCS#8 is our own small decoder: the known Go
// packages lack PBES1, which iwd's autotest keys use. iwd hands keys to the
// kernel's keyring, which takes RSA; this package takes ECDSA and Ed25519
// keys as well, as crypto/tls can use them.
package eapconf
