// Package station is the per-interface state machine: it scans, ranks
// networks, autoconnects to known ones, drives authentication, association
// and the EAPOL handshake, reconnects and roams.
//
// One connection attempt, in the order the files follow it: scan.go (the
// autoconnect scans and their results), network.go and rank.go (networks
// from scan results, iwd's ranking), connect.go (the attempt: secrets,
// CMD_CONNECT, the outcome), handshake.go (the 4-way and group handshakes
// and their keys), netconfig.go (IP configuration, after which the
// connection counts as up), timeline.go (the record of each attempt's
// phases). Later in a connection's life: roam.go (roaming on low signal,
// packet loss or on request) and btm.go (802.11v BSS transition requests
// from the AP). state.go names the states, the kinds of attempt and their
// stages; blacklist.go keeps BSSes that failed out of the way for a while.
//
// It does not configure IP addresses or talk D-Bus: it asks for what it needs
// (network configuration, secrets from an agent) through small interfaces the
// daemon fills. It leans on our nl80211 and eapol packages.
package station
