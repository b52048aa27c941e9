// Package ie parses IEEE 802.11 information elements (SSID, RSN, BSS Load,
// HT/VHT/HE, Mobility Domain, vendor elements, ...) from beacons, probe
// responses and EAPOL-Key data.
//
// Every parser returns an error naming the element for malformed input and
// never panics; each has a fuzz target. Standard library only.
package ie
