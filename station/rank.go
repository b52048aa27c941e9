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
}

// DefaultRankConfig is iwd's default.
func DefaultRankConfig() RankConfig {
	return RankConfig{BandModifier2_4GHz: 1, BandModifier5GHz: 1, BandModifier6GHz: 1}
}

// maxDataRate is the rate iwd scales BSS ranks by (the highest VHT rate).
const maxDataRate = 2340000000

// bssRank is iwd's BSS rank: the estimated data rate scaled to 16 bits,
// times the band modifier, times 0.8 for a loaded BSS (utilisation >= 192)
// or 1.2 for a lightly loaded one (<= 63), capped at 65535.
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
	if b.Summary != nil {
		if u, ok := b.Summary.Utilization(); ok {
			switch {
			case u >= 192:
				rank *= 0.8
			case u <= 63:
				rank *= 1.2
			}
		}
	}
	if rank > math.MaxUint16 {
		return math.MaxUint16
	}
	if rank < 0 {
		return 0
	}
	return uint16(rank)
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
