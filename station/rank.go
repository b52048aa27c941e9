package station

import (
	"math"
	"sort"
	"time"

	"wifid/knownnetworks"
)

// RankConfig holds main.conf's [Rank] settings.
type RankConfig struct {
	BandModifier2_4GHz float64 // default 1.0; 0 disables the band
	BandModifier5GHz   float64 // default 1.0
	BandModifier6GHz   float64 // default 1.0
	// HighUtilizationThreshold and HighStationCountThreshold (0-255, 0
	// off, iwd's default) are the BSS Load channel utilisation and
	// station count from which a BSS's rank decays (loadFactor).
	HighUtilizationThreshold  uint8
	HighStationCountThreshold uint8
}

// DefaultRankConfig is iwd's default.
func DefaultRankConfig() RankConfig {
	return RankConfig{BandModifier2_4GHz: 1, BandModifier5GHz: 1, BandModifier6GHz: 1}
}

// maxDataRate is the rate iwd scales BSS ranks by (the highest VHT rate).
const maxDataRate = 2340000000

// bssRank is iwd's BSS rank: the estimated data rate scaled to 16 bits,
// times the band modifier, times loadFactor for a BSS with a BSS Load
// element, capped at 65535.
func bssRank(b *BSS, rc RankConfig) uint16 {
	rank := float64(b.DataRate) / maxDataRate * math.MaxUint16
	switch {
	case b.Freq >= 5955:
		rank *= rc.BandModifier6GHz
	case b.Freq >= 4900:
		rank *= rc.BandModifier5GHz
	default:
		rank *= rc.BandModifier2_4GHz
	}
	if b.Summary != nil && b.Summary.BSSLoad != nil {
		rank *= loadFactor(b.Summary.BSSLoad.ChannelUtilization, b.Summary.BSSLoad.StationCount, rc)
	}
	if rank > math.MaxUint16 {
		return math.MaxUint16
	}
	if rank < 0 {
		return 0
	}
	return uint16(rank)
}

// loadDecaySteps is how far into the rankmod curve a fully loaded BSS
// goes: iwd stops at step 30 (a factor of 0.357) rather than 63 (0.287).
const loadDecaySteps = 30

// loadFactor is iwd 3.9's rank factor for a BSS's load (scan.c's
// scan_get_load_factors). With HighUtilizationThreshold off, the fixed
// one: 0.8 from utilisation 192, 1.2 up to 63. With it set, utilisation
// below it gives 1 (no bonus for an idle BSS) and from it to 255 the
// factor follows rankmod from step 0 to loadDecaySteps. A station count
// at or above HighStationCountThreshold (if set; counts above 255 count
// as 255) multiplies in the same curve. A threshold of 255 never decays:
// iwd's mapping of the empty range 255..255 fails and it keeps the factor.
func loadFactor(utilization uint8, stations uint16, rc RankConfig) float64 {
	factor := 1.0
	switch th := rc.HighUtilizationThreshold; {
	case th == 0:
		switch {
		case utilization >= 192:
			factor = 0.8
		case utilization <= 63:
			factor = 1.2
		}
	case utilization >= th:
		factor = loadDecay(int(utilization), int(th))
	}
	if th := rc.HighStationCountThreshold; th != 0 && stations >= uint16(th) {
		factor *= loadDecay(int(min(stations, 255)), int(th))
	}
	return factor
}

// loadDecay maps v in threshold..255 linearly onto rankmod's steps
// 0..loadDecaySteps, the step truncated as iwd's unsigned index is.
func loadDecay(v, threshold int) float64 {
	if threshold >= 255 {
		return 1
	}
	step := float64(loadDecaySteps) / float64(255-threshold) * float64(v-threshold)
	return rankmod(int(step))
}

// rankmod is iwd's modifier for the n-th most recently connected known
// network that is in range (n from 0): 1/(n+1)^0.3.
func rankmod(n int) float64 {
	if n > 63 {
		n = 63
	}
	return 1 / math.Pow(float64(n+1), 0.3)
}

// priorityStep makes one step of the wifid [Settings] Priority= extension
// outweigh any rank iwd's formula can give (at most 2*65535).
const priorityStep = 4 * math.MaxUint16

// rankNetworks sets each network's rank as iwd does and returns them best
// first. Known networks rank above unknown ones (their rank is offset by
// 65535), the more recently connected of them higher (rankmod); a network
// file's Priority, wifid's extension, outranks everything else (absent or 0
// keeps iwd's order exactly). Ties go to the stronger signal, then the more
// secure network, then the name, so the order is stable.
func rankNetworks(nets map[string]*Network) []*Network {
	var known []*Network
	var out []*Network
	for _, n := range nets {
		out = append(out, n)
		if n.Known != nil {
			known = append(known, n)
		}
	}
	sort.SliceStable(known, func(i, j int) bool {
		return lastConnected(known[i]).After(lastConnected(known[j]))
	})
	for _, n := range out {
		best := 0.0
		if b := n.Best(); b != nil {
			best = float64(b.Rank)
		}
		n.Rank = best
	}
	for i, n := range known {
		n.Rank = rankmod(i)*n.Rank + math.MaxUint16 + float64(n.Known.Settings.Priority)*priorityStep
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Rank != b.Rank {
			return a.Rank > b.Rank
		}
		if a.Signal() != b.Signal() {
			return a.Signal() > b.Signal()
		}
		if securityWeight(a.Security) != securityWeight(b.Security) {
			return securityWeight(a.Security) > securityWeight(b.Security)
		}
		return a.ID() < b.ID()
	})
	return out
}

func lastConnected(n *Network) time.Time {
	if n.Known == nil {
		return time.Time{}
	}
	return n.Known.LastConnected
}

func securityWeight(s knownnetworks.Security) int {
	switch s {
	case knownnetworks.Security8021X:
		return 2
	case knownnetworks.SecurityPSK:
		return 1
	}
	return 0
}
