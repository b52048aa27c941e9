package ie

// MaxSSIDLen is the longest SSID the standard allows.
const MaxSSIDLen = 32

// ParseSSID checks the body of an SSID element (0 to 32 octets) and
// returns it. The SSID is an octet string, not necessarily UTF-8.
func ParseSSID(b []byte) ([]byte, error) {
	if len(b) > MaxSSIDLen {
		return nil, errf(IDSSID, 0, "length %d exceeds %d", len(b), MaxSSIDLen)
	}
	return b, nil
}

// SSIDHidden reports whether an SSID is the one a hidden network
// advertises: empty, or all zero octets of any length.
func SSIDHidden(ssid []byte) bool {
	for _, c := range ssid {
		if c != 0 {
			return false
		}
	}
	return true
}
