package nl80211

//go:generate sh gen_names.sh

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"
)

// Iftype is an nl80211 interface type (NL80211_IFTYPE_*).
type Iftype uint32

// Interface types wifid uses.
const (
	IftypeUnspecified Iftype = unix.NL80211_IFTYPE_UNSPECIFIED
	IftypeAdhoc       Iftype = unix.NL80211_IFTYPE_ADHOC
	IftypeStation     Iftype = unix.NL80211_IFTYPE_STATION
	IftypeAP          Iftype = unix.NL80211_IFTYPE_AP
	IftypeMonitor     Iftype = unix.NL80211_IFTYPE_MONITOR
	IftypeP2PClient   Iftype = unix.NL80211_IFTYPE_P2P_CLIENT
	IftypeP2PGO       Iftype = unix.NL80211_IFTYPE_P2P_GO
	IftypeP2PDevice   Iftype = unix.NL80211_IFTYPE_P2P_DEVICE
)

var iftypeNames = map[Iftype]string{
	unix.NL80211_IFTYPE_UNSPECIFIED: "unspecified",
	unix.NL80211_IFTYPE_ADHOC:       "ad-hoc",
	unix.NL80211_IFTYPE_STATION:     "station",
	unix.NL80211_IFTYPE_AP:          "ap",
	unix.NL80211_IFTYPE_AP_VLAN:     "ap-vlan",
	unix.NL80211_IFTYPE_WDS:         "wds",
	unix.NL80211_IFTYPE_MONITOR:     "monitor",
	unix.NL80211_IFTYPE_MESH_POINT:  "mesh-point",
	unix.NL80211_IFTYPE_P2P_CLIENT:  "p2p-client",
	unix.NL80211_IFTYPE_P2P_GO:      "p2p-go",
	unix.NL80211_IFTYPE_P2P_DEVICE:  "p2p-device",
	unix.NL80211_IFTYPE_OCB:         "ocb",
	unix.NL80211_IFTYPE_NAN:         "nan",
}

func (t Iftype) String() string {
	if n, ok := iftypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("iftype(%d)", uint32(t))
}

// Features is the NL80211_ATTR_FEATURE_FLAGS word (NL80211_FEATURE_*).
type Features uint32

// Has reports whether flag (an NL80211_FEATURE_* value) is set.
func (f Features) Has(flag uint32) bool { return uint32(f)&flag == flag }

// HasName reports whether the feature named like the uapi constant
// without its NL80211_FEATURE_ prefix (e.g. "SCAN_RANDOM_MAC_ADDR") is set.
func (f Features) HasName(name string) bool {
	for bit, n := range featureNames {
		if n == name {
			return f.Has(bit)
		}
	}
	return false
}

// Names lists the set feature flags by name, sorted.
func (f Features) Names() []string {
	var out []string
	for bit, n := range featureNames {
		if f.Has(bit) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// ExtFeatures is the NL80211_ATTR_EXT_FEATURES bitmap: bit n of byte n/8
// is NL80211_EXT_FEATURE_* number n.
type ExtFeatures []byte

// Has reports whether extended feature number bit (an
// NL80211_EXT_FEATURE_* value) is set.
func (e ExtFeatures) Has(bit uint) bool {
	i := bit / 8
	return int(i) < len(e) && e[i]&(1<<(bit%8)) != 0
}

// HasName reports whether the extended feature named like the uapi
// constant without its NL80211_EXT_FEATURE_ prefix (e.g.
// "CONTROL_PORT_OVER_NL80211") is set. Unknown names report false.
func (e ExtFeatures) HasName(name string) bool {
	for bit, n := range extFeatureNames {
		if n == name {
			return e.Has(bit)
		}
	}
	return false
}

// Names lists the set extended features by name, sorted; bits this
// build has no name for appear as "EXT_FEATURE_<n>".
func (e ExtFeatures) Names() []string {
	var out []string
	for bit := uint(0); bit < uint(len(e))*8; bit++ {
		if !e.Has(bit) {
			continue
		}
		if n, ok := extFeatureNames[bit]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("EXT_FEATURE_%d", bit))
		}
	}
	sort.Strings(out)
	return out
}

// EthertypeEAPOL is the IEEE 802.1X ethertype (ETH_P_PAE).
const EthertypeEAPOL = 0x888e
