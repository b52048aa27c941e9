// Package anqp asks an access point about the networks behind it before
// associating, as Hotspot 2.0 (Passpoint) needs: which NAI realms (home
// operators) it authenticates and with which EAP methods. It speaks ANQP
// (IEEE 802.11-2020 9.4.5) over GAS, the Generic Advertisement Service's
// public action frames (9.6.7.12-15): a Request builds the GAS Initial
// Request the station sends, takes the action frames it receives, asks
// for GAS Comeback Requests when the answer is delayed or fragmented, and
// reassembles the query response; Elements splits it, ParseNAIRealms,
// ParseRoamingConsortiumList and ParseDomainNames read the elements.
//
// It is pure: frames in, frames out, no sockets, no goroutines, no
// timers. The station sends the frames (after the delay Handle returns),
// receives the action frames, and bounds the whole exchange with its own
// timeout; iwd does the same in src/anqp.c and src/station.c. It does not
// choose a network or a credential: matching realms and roaming
// consortium OIs against the user's files is the station's. Standard
// library only, plus nl80211/ie for the element IDs and the Wi-Fi
// Alliance vendor type it shares with the beacons.
package anqp
