// Package ie parses IEEE 802.11 information elements (SSID, rates, RSN,
// RSNX, WPA, BSS Load, HT/VHT/HE, Mobility Domain, FTE, Country, vendor
// elements, Hotspot 2.0's Interworking, Roaming Consortium and Indication,
// ...) from beacons, probe responses, association frames and EAPOL-Key
// data, and builds the few the station sends (RSNE, RSNXE, WPA, MDE, FTE,
// the Hotspot 2.0 Indication and Roaming Consortium Selection). Summarize
// turns a scan result's raw IEs into what the station ranks and chooses
// by, and EstimateDataRate follows iwd's estimate.
//
// It is not a frame decoder (no 802.11 headers, no EAPOL-Key framing) and
// talks to no socket. Standard library only: the formats are small and
// fixed, and the parsers must be fuzzable without a dependency.
//
// Walk and Parse iterate elements; a truncated element ends the walk with
// an *Error. Elements.Find takes the first of duplicate elements, as iwd
// does. Every parser returns an *Error (matching ErrMalformed) naming the
// element, the field and the byte offset, and never panics on any input;
// each has a fuzz target. Offsets count from the start of the buffer
// given to Walk/Parse/Summarize, or from the element body when a typed
// parser is called directly.
package ie
