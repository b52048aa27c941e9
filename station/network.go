package station

import (
	"encoding/hex"
	"net"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// BSS is one access point of a network, as the last scan saw it.
type BSS struct {
	Addr     net.HardwareAddr
	Freq     uint32 // MHz
	Signal   int    // dBm
	Summary  *ie.Summary
	DataRate uint64 // estimated, bit/s
	Rank     uint16 // iwd's BSS rank: data rate, band and load
	Raw      *nl80211.BSS
	// Seen is when a scan last reported the BSS (the station's clock).
	Seen time.Time
	// Missed: the last scan of the BSS's channel did not hear it. It is
	// listed until bssRetention after Seen, as iwd keeps it (one lost
	// probe response under load must not make a network vanish), but
	// autoconnect and roaming leave it alone; a user may still pick it.
	Missed bool
}

// bssRetention is how long a BSS scans missed stays listed (iwd: 30 s).
const bssRetention = 30 * time.Second

// Network is an SSID with one kind of security (iwd's network identity):
// every BSS that advertises it, best first.
type Network struct {
	SSID     string
	Security knownnetworks.Security
	BSSes    []*BSS
	Known    *knownnetworks.KnownNetwork // nil if there is no network file
	Rank     float64
	Hidden   bool // found only through a directed probe
	// Visible: a beacon named the SSID (a network can be neither Hidden
	// nor Visible when only probe responses were heard).
	Visible bool
}

// NetworkPathID is how iwd names a network in object paths: the SSID in
// lower-case hex, '_', and the type (open, psk, 8021x).
func NetworkPathID(ssid string, sec knownnetworks.Security) string {
	return hex.EncodeToString([]byte(ssid)) + "_" + sec.String()
}

// ID is the network's NetworkPathID.
func (n *Network) ID() string { return NetworkPathID(n.SSID, n.Security) }

// Best is the network's best BSS (nil if it has none).
func (n *Network) Best() *BSS {
	if len(n.BSSes) == 0 {
		return nil
	}
	return n.BSSes[0]
}

// Signal is the best BSS's signal in dBm.
func (n *Network) Signal() int {
	if b := n.Best(); b != nil {
		return b.Signal
	}
	return -100
}

// fileSecurity maps what a BSS offers onto iwd's network types: SAE joins
// psk networks, OWE joins open ones, as iwd groups them. WEP and malformed
// security are not offered at all.
func fileSecurity(s ie.Security) (knownnetworks.Security, bool) {
	switch s {
	case ie.SecurityOpen, ie.SecurityOWE:
		return knownnetworks.SecurityOpen, true
	case ie.SecurityPSK, ie.SecuritySAE:
		return knownnetworks.SecurityPSK, true
	case ie.Security8021X:
		return knownnetworks.Security8021X, true
	}
	return 0, false
}

// groupNetworks turns scan results into networks. BSSes whose elements are
// unusable, hidden BSSes and unsupported security are left out; the second
// result says how many and why, for the log.
func groupNetworks(results []*nl80211.BSS, rc RankConfig) (map[string]*Network, []string) {
	nets := map[string]*Network{}
	var skipped []string
	for _, r := range results {
		src := r.IEs
		if len(src) == 0 {
			src = r.BeaconIEs
		}
		sum, err := ie.Summarize(src, r.Capability)
		if sum == nil {
			skipped = append(skipped, r.BSSID.String()+": "+err.Error())
			continue
		}
		if sum.Hidden || len(sum.SSID) == 0 {
			continue
		}
		sec, ok := fileSecurity(sum.Security)
		if !ok {
			skipped = append(skipped, r.BSSID.String()+": security "+sum.Security.String())
			continue
		}
		b := &BSS{Addr: r.BSSID, Freq: r.Freq, Signal: signalDBm(r), Summary: sum, Raw: r}
		b.DataRate, _ = sum.EstimateDataRate(nil, b.Signal)
		b.Rank = bssRank(b, rc)
		name := string(sum.SSID)
		if b.oweTwin() {
			// The OWE side of an OWE transition pair joins the open
			// network its element names (owetransition.go).
			var why string
			if name, why = oweTwinNetwork(b); why != "" {
				skipped = append(skipped, r.BSSID.String()+": "+why)
				continue
			}
		}
		id := NetworkPathID(name, sec)
		n := nets[id]
		if n == nil {
			n = &Network{SSID: name, Security: sec}
			nets[id] = n
		}
		// Seen by name only in a probe response: its beacons hide it
		// (an OWE twin's hidden SSID is its own, not the network's).
		if len(r.BeaconIEs) > 0 && !b.oweTwin() {
			if bsum, _ := ie.Summarize(r.BeaconIEs, r.Capability); bsum != nil {
				n.Hidden = n.Hidden || bsum.Hidden
				n.Visible = n.Visible || !bsum.Hidden
			}
		}
		n.BSSes = append(n.BSSes, b)
	}
	skipped = append(skipped, dropUnpairedOWETwins(nets)...)
	for _, n := range nets {
		sortBSSes(n.BSSes)
	}
	return nets, skipped
}

func signalDBm(b *nl80211.BSS) int {
	switch {
	case b.HasSignalMBm:
		return int(b.SignalMBm / 100)
	case b.HasSignalUnspec:
		return int(b.SignalUnspec)/2 - 100
	}
	return -100
}
