// Package sae implements the STA side of SAE, Simultaneous Authentication
// of Equals (IEEE 802.11-2020 12.4), the WPA3-Personal authentication, as
// a pure state machine: Authentication frame bodies in, bodies to send and
// keys out. It does not open sockets or talk nl80211: the station carries
// the messages in Authentication frames (algorithm 3, CMD_AUTHENTICATE)
// and gives the PMK to eapol's 4-way handshake under AKM 00-0F-AC:8.
//
// Use: New(Config), then Commit for the first frame (transaction 1,
// status 0 or 126), then Receive for each SAE Authentication frame from
// the AP, sending the Message it returns; when Done, PMK and PMKID are
// the PMKSA. States are the standard's: Nothing, Committed, Confirmed,
// Accepted. Body is always the SAE part of the frame body, after the
// Authentication Algorithm Number, Transaction Sequence Number and Status
// Code fields: group, scalar, element (and elements) for a commit;
// send-confirm and confirm for a confirm.
//
// For the station: each Message goes out as CMD_AUTHENTICATE with
// NL80211_AUTHTYPE_SAE and NL80211_ATTR_AUTH_DATA = Seq (2 octets LE) ||
// Status (2 octets LE) || Body; the AP's frames come back as
// CMD_AUTHENTICATE events whose frame, after the 24-octet header, holds
// the algorithm (3), Seq, Status and Body to give to Receive. Timers are
// the station's: on silence resend the last Message (iwd waits 2 s, a
// few times). Once Done, associate with AKM 00-0F-AC:8 and MFP capable
// (required on WPA3-only networks) and no PMKID (the AP finds the fresh
// SAE PMKSA by address; a PMKID is for PMKSA caching later); with H2E
// also send an RSNXE with the SAE Hash-to-Element bit (octet 0 bit 5,
// e.g. F4 01 20) and pass it to eapol as OwnRSNXE. Use H2E when the AP's
// RSNXE has that bit (its Supported Rates may carry the "SAE H2E only"
// selector 123, then it is required). The 4-way then runs in eapol with
// PMK = PMK() (KDF-SHA256, AES-128-CMAC MIC, key descriptor version 0);
// message 1's PMKID KDE, if any, is PMKID().
//
// Covered: ECC groups 19, 20 and 21 (NIST P-256, P-384, P-521); both
// password element derivations, hunting-and-pecking (12.4.4.2.2; at
// least 40 rounds, the same work in every round) and hash-to-element
// (12.4.4.2.3, PT by the simplified SWU map of RFC 9380, status 126);
// password identifiers (H2E only, as WPA3 has it); anti-clogging tokens
// (status 76, bare or in the Anti-Clogging Token Container with H2E);
// group rejection (status 77: the next of Config.Groups, listed in the
// Rejected Groups element with H2E); checks of the peer's commit (scalar
// in 1 < s < r, element on the curve, reflection of our own commit). Not
// covered: FFC groups, SAE-PK, the AP side's anti-clogging (an AP never
// sends us a commit with a token), the SAE-EXT-KEY AKMs' longer PMKs.
// Hunting-and-pecking uses SHA-256 for every group, as hostapd and iwd
// do; H2E uses the group's hash (SHA-256/384/512).
//
// It leans, through eapol/internal/ecgroup (the groups and the
// hunting-and-pecking loop it shares with EAP-pwd), on filippo.io/nistec
// for point arithmetic (the constant-time P-256/384/521 code the standard
// library uses inside, with the point addition, negation and scalar
// multiplication by an arbitrary point that crypto/ecdh does not expose;
// crypto/elliptic's equivalents are
// deprecated and panic on invalid points), on crypto/elliptic only for
// the curves' domain parameters, and on math/big for field arithmetic
// (Legendre symbols, square roots, SSWU). math/big is not constant-time:
// hunting-and-pecking keeps its loop shape and selections constant-time,
// but the field arithmetic inside it is not. HKDF comes from crypto/hkdf;
// the 802.11 KDF is written here as it must take 521-bit lengths.
package sae
