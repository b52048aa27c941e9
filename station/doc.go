// Package station is the per-interface state machine: it scans, ranks
// networks, autoconnects to known ones, drives authentication, association
// and the EAPOL handshake, reconnects and roams.
//
// It does not configure IP addresses or talk D-Bus: it asks for what it needs
// (network configuration, secrets from an agent) through small interfaces the
// daemon fills. It leans on our nl80211 and eapol packages.
package station
