package station

import (
	"strings"

	"wifid/knownnetworks"
)

// transitionDisable is the Transition Disable bitmap (WPA3 specification
// v3, 13.2): an AP's message 3 says which older modes of its network the
// station must refuse from then on, against a rogue twin that offers
// only those. iwd keeps it in the network file ([Settings]
// TransitionDisable, DisabledTransitionModes); so does wifid.
type transitionDisable uint8

const (
	tdPersonal   transitionDisable = 1 << 0 // WPA3-Personal: no WPA2-PSK
	tdEnterprise transitionDisable = 1 << 2 // WPA3-Enterprise: no 802.1X with SHA-1
	tdOpen       transitionDisable = 1 << 3 // Enhanced Open: no open association
	// tdKnown are the bits acted on (bit 1, SAE-PK, is not).
	tdKnown = tdPersonal | tdEnterprise | tdOpen
)

var tdModes = []struct {
	bit  transitionDisable
	name string // DisabledTransitionModes' word
}{{tdPersonal, "personal"}, {tdEnterprise, "enterprise"}, {tdOpen, "open"}}

// String is the DisabledTransitionModes value: the modes, space separated
// (as iwd writes them).
func (t transitionDisable) String() string {
	var out []string
	for _, m := range tdModes {
		if t&m.bit != 0 {
			out = append(out, m.name)
		}
	}
	return strings.Join(out, " ")
}

// fileTransitionDisable is what a network's file says was disabled.
func fileTransitionDisable(k *knownnetworks.KnownNetwork) transitionDisable {
	if k == nil || !k.Settings.TransitionDisable {
		return 0
	}
	var t transitionDisable
	for _, name := range k.Settings.DisabledTransitionModes {
		for _, m := range tdModes {
			if m.name == name {
				t |= m.bit
			}
		}
	}
	return t
}

// setTransitionDisable writes t into a network file's [Settings].
func setTransitionDisable(f *knownnetworks.File, t transitionDisable) error {
	if err := f.SetBool(knownnetworks.GroupSettings, knownnetworks.KeyTransitionDisable, true); err != nil {
		return err
	}
	return f.SetString(knownnetworks.GroupSettings, knownnetworks.KeyDisabledTransitionModes, t.String())
}
