package station

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf8"

	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// OWE transition mode (Wi-Fi Alliance OWE specification 2.2), as iwd runs
// it. An AP serves one network twice: an open BSS under the SSID users
// see, and an OWE BSS under another, usually hidden, SSID; each carries an
// OWE Transition Mode element naming the other's BSSID and SSID. The OWE
// BSS is listed in the open network (the user sees one open network), is
// tried before the open one, and the open one is the fallback. When a
// scan heard the open BSS but not its hidden twin, a directed scan for the
// twin's SSID on its channel follows before autoconnect acts on the
// results. A twin whose element does not pair with an open BSS of the
// network it names is left out, and a hidden OWE SSID is no network of
// its own (Station.ConnectHidden finds nothing under it).

// oweTwin tells whether b is the OWE side of a transition pair.
func (b *BSS) oweTwin() bool {
	return b.Summary.Security == ie.SecurityOWE && b.Summary.OWETransition != nil
}

// oweOpenSide tells whether b is the open side of a transition pair.
func (b *BSS) oweOpenSide() bool {
	return b.Summary.Security == ie.SecurityOpen && b.Summary.OWETransition != nil
}

// oweOrder places b in its network's list: an OWE transition pair's OWE
// side first (the network's encrypted way in), any other BSS after it, the
// pair's open side last (the fallback), as iwd chooses (testOWE-transition's
// extra open BSS of the same SSID is not chosen over the twin).
func (b *BSS) oweOrder() int {
	switch {
	case b.oweTwin():
		return 0
	case b.oweOpenSide():
		return 2
	}
	return 1
}

// ssid is what b is associated to under: its own SSID (an OWE twin's is
// not its network's), or the network's when b's elements hid it.
func (b *BSS) ssid(n *Network) []byte {
	if len(b.Summary.SSID) > 0 && !b.Summary.Hidden {
		return b.Summary.SSID
	}
	return []byte(n.SSID)
}

// oweTwinNetwork is the open network an OWE twin joins, or why it joins
// none: the open SSID must be UTF-8 (to be a network's name), and the
// element must name another BSS and another SSID than the twin's own.
func oweTwinNetwork(b *BSS) (name, why string) {
	t := b.Summary.OWETransition
	switch {
	case !utf8.Valid(t.SSID) || len(t.SSID) == 0:
		return "", "OWE transition element with an SSID that is not UTF-8"
	case bytes.Equal(t.SSID, b.Summary.SSID) || bytes.Equal(t.BSSID[:], b.Addr):
		return "", "OWE transition element naming the BSS itself"
	}
	return string(t.SSID), ""
}

// dropUnpairedOWETwins removes from nets the OWE twins that no open BSS of
// their network names back (the open BSS's element gives the twin's BSSID
// and SSID, the twin's the open BSS's), and returns why, per BSS.
func dropUnpairedOWETwins(nets map[string]*Network) (dropped []string) {
	for id, n := range nets {
		n.BSSes = slices.DeleteFunc(n.BSSes, func(twin *BSS) bool {
			if !twin.oweTwin() || slices.ContainsFunc(n.BSSes, func(open *BSS) bool { return owePair(open, twin) }) {
				return false
			}
			dropped = append(dropped, twin.Addr.String()+": OWE transition BSS without its open twin")
			return true
		})
		if len(n.BSSes) == 0 {
			delete(nets, id)
		}
	}
	return dropped
}

// owePair tells whether open and twin name each other.
func owePair(open, twin *BSS) bool {
	o, t := open.Summary.OWETransition, twin.Summary.OWETransition
	return open.oweOpenSide() &&
		bytes.Equal(o.BSSID[:], twin.Addr) && bytes.Equal(o.SSID, twin.Summary.SSID) &&
		bytes.Equal(t.BSSID[:], open.Addr) && bytes.Equal(t.SSID, open.Summary.SSID)
}

// oweHiddenScan is the directed scan for the hidden OWE twins of the open
// BSSes nets holds without them (nil when there are none): their SSIDs,
// on the channels the open BSSes' elements give (or their own).
func oweHiddenScan(nets map[string]*Network) *nl80211.ScanRequest {
	var req *nl80211.ScanRequest
	for _, n := range nets {
		for _, open := range n.BSSes {
			t := open.Summary.OWETransition
			if !open.oweOpenSide() || open.Missed || len(t.SSID) == 0 ||
				slices.ContainsFunc(n.BSSes, func(b *BSS) bool { return bytes.Equal(b.Addr, t.BSSID[:]) }) {
				continue
			}
			if req == nil {
				req = &nl80211.ScanRequest{}
			}
			freq := open.Freq
			if t.HasBand {
				if f := ie.OperatingClassFreq(t.OperatingClass, t.Channel); f != 0 {
					freq = f
				}
			}
			if !slices.Contains(req.Freqs, freq) {
				req.Freqs = append(req.Freqs, freq)
			}
			if !slices.ContainsFunc(req.SSIDs, func(s []byte) bool { return bytes.Equal(s, t.SSID) }) {
				req.SSIDs = append(req.SSIDs, bytes.Clone(t.SSID))
			}
		}
	}
	return req
}

// startOWEHiddenScan runs req, the directed scan for hidden OWE twins; its
// results go through scanDone like any scan's, and what waited for the
// scan before it (autoconnect) acts on them.
func (s *Station) startOWEHiddenScan(req *nl80211.ScanRequest) {
	s.oweScan = true
	s.runScan(*req, fmt.Sprintf("OWE transition: the hidden OWE BSSes %q", req.SSIDs), req.Freqs)
}
