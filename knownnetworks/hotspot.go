package knownnetworks

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HotspotDir is the subdirectory of the storage directory that holds Hotspot
// 2.0 (Passpoint) profiles, as iwd's hotspot.c keeps them: every regular
// file in it (or symlink to one) is a profile, whatever its name.
const HotspotDir = "hotspot"

// The [Hotspot] group of a profile (see iwd.network(5), "Hotspot 2.0").
const (
	GroupHotspot              = "Hotspot"
	KeyHotspotName            = "Name"
	KeyHESSID                 = "HESSID"
	KeyNAIRealmNames          = "NAIRealmNames"
	KeyRoamingConsortium      = "RoamingConsortium"
	nairealmSeparator    byte = ','
)

// Hotspot is a profile's [Hotspot] group: how the networks it may connect to
// are recognised. Its other groups are those of a .8021x file ([Security]
// EAP-* keys, [Settings], [IPv4], ...), in KnownNetwork.Settings and File.
type Hotspot struct {
	// Name is the profile's display name ([Hotspot] Name).
	Name string
	// HESSID is the homogeneous ESS identifier; nil if none (or all zero,
	// which iwd treats as none).
	HESSID net.HardwareAddr
	// NAIRealms are the NAI realm names ([Hotspot] NAIRealmNames, comma
	// separated), exactly as written.
	NAIRealms []string
	// RoamingConsortium is the roaming consortium OI, 3 or 5 octets; nil if
	// none or of another length (iwd warns and ignores those).
	RoamingConsortium []byte
}

// MatchesRealm reports whether any of realms (from an AP's ANQP NAI Realm
// list) is one of the profile's, compared exactly as iwd does.
func (h *Hotspot) MatchesRealm(realms []string) bool {
	if h == nil {
		return false
	}
	for _, r := range realms {
		if slices.Contains(h.NAIRealms, r) {
			return true
		}
	}
	return false
}

// MatchesHESSID reports whether hessid (an AP's Interworking element) is the
// profile's HESSID; false if either is nil.
func (h *Hotspot) MatchesHESSID(hessid net.HardwareAddr) bool {
	if h == nil || h.HESSID == nil || hessid == nil {
		return false
	}
	return bytes.Equal(h.HESSID, hessid)
}

// MatchesConsortium reports whether the profile's roaming consortium OI is
// one of ois (an AP's Roaming Consortium element holds up to three).
func (h *Hotspot) MatchesConsortium(ois [][]byte) bool {
	if h == nil || h.RoamingConsortium == nil {
		return false
	}
	for _, oi := range ois {
		if bytes.Equal(h.RoamingConsortium, oi) {
			return true
		}
	}
	return false
}

// ParseHotspot reads a profile's [Hotspot] group as iwd's hs20_config_new
// does. It is an error (the profile is skipped) if Name is missing or empty,
// if none of HESSID, NAIRealmNames and RoamingConsortium is given, or if
// HESSID is not a MAC address. A RoamingConsortium that is not 3 or 5
// octets is dropped with a warning, as iwd does; one that is not hex is
// dropped with a warning (iwd: silently) and does not count as given.
func ParseHotspot(f *File) (*Hotspot, []error, error) {
	var warns []error
	h := &Hotspot{}
	name, hasName, err := f.String(GroupHotspot, KeyHotspotName)
	if err != nil {
		return nil, nil, err
	}
	hessid, hasHESSID, err := f.String(GroupHotspot, KeyHESSID)
	if err != nil {
		return nil, nil, err
	}
	realms, hasRealms, err := f.StringList(GroupHotspot, KeyNAIRealmNames, nairealmSeparator)
	if err != nil {
		return nil, nil, err
	}
	hasRealms = hasRealms && len(realms) > 0
	rc, hasRC := f.Value(GroupHotspot, KeyRoamingConsortium)
	if hasRC {
		b, herr := hex.DecodeString(rc)
		if herr != nil || len(b) == 0 {
			warns = append(warns, f.valueError(GroupHotspot, KeyRoamingConsortium, "not hex bytes"))
			hasRC = false
		} else if len(b) != 3 && len(b) != 5 {
			warns = append(warns, f.valueError(GroupHotspot, KeyRoamingConsortium,
				fmt.Sprintf("%d octets, not 3 or 5; ignored", len(b))))
		} else {
			h.RoamingConsortium = b
		}
	}
	if !hasName || name == "" {
		return nil, warns, errors.New("knownnetworks: hotspot profile has no [Hotspot] Name")
	}
	if !hasHESSID && !hasRealms && !hasRC {
		return nil, warns, errors.New("knownnetworks: hotspot profile has none of [Hotspot] HESSID, NAIRealmNames, RoamingConsortium")
	}
	h.Name = name
	h.NAIRealms = realms
	if hasHESSID {
		mac, ok := parseHESSID(hessid)
		if !ok {
			return nil, warns, f.valueError(GroupHotspot, KeyHESSID, "not a MAC address (xx:xx:xx:xx:xx:xx)")
		}
		if !isZero(mac) {
			h.HESSID = mac
		}
	}
	return h, warns, nil
}

// parseHESSID accepts what iwd's util_string_to_address does: six two-digit
// hex octets separated by ':'.
func parseHESSID(s string) (net.HardwareAddr, bool) {
	if len(s) != 17 {
		return nil, false
	}
	mac := make(net.HardwareAddr, 6)
	for i := range mac {
		if i > 0 && s[3*i-1] != ':' {
			return nil, false
		}
		if _, err := hex.Decode(mac[i:i+1], []byte(s[3*i:3*i+2])); err != nil {
			return nil, false
		}
	}
	return mac, true
}

// checkHotspotName accepts the name of a profile file inside HotspotDir:
// one path element of UTF-8 without control characters (it is the
// profile's key, which callers may show or send over D-Bus; iwd takes any
// name), not a temporary file of a writer (ErrNotNetworkFile).
func checkHotspotName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("knownnetworks: %q is not a hotspot profile name", name)
	case strings.IndexByte(name, '/') >= 0:
		return fmt.Errorf("knownnetworks: hotspot profile name %q has a '/'", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("knownnetworks: hotspot profile name %q is not UTF-8", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("knownnetworks: hotspot profile name %q has control characters", name)
	case isTempName(name):
		return ErrNotNetworkFile
	}
	return nil
}
