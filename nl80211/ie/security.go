package ie

// Security is the kind of security a BSS offers, named as iwd names
// networks where iwd has a name (open, wep, psk, 8021x) and with sae and
// owe told apart from psk and open. NetworkType folds it back onto iwd's
// net.connman.iwd.Network Type values.
type Security int

const (
	SecurityOpen Security = iota
	SecurityWEP
	SecurityPSK
	Security8021X
	SecuritySAE // WPA3-Personal only (no PSK AKM offered besides SAE)
	SecurityOWE
	// SecurityUnknown: the RSN or WPA element is malformed; iwd skips
	// such a BSS.
	SecurityUnknown
)

func (s Security) String() string {
	switch s {
	case SecurityOpen:
		return "open"
	case SecurityWEP:
		return "wep"
	case SecurityPSK:
		return "psk"
	case Security8021X:
		return "8021x"
	case SecuritySAE:
		return "sae"
	case SecurityOWE:
		return "owe"
	}
	return "unknown"
}

// NetworkType returns iwd's Network Type for s: "open", "wep", "psk" or
// "8021x". SAE networks are "psk" and OWE networks "open" in iwd, so a
// WPA3-Personal and a WPA2-Personal network of the same SSID are one
// known network.
func (s Security) NetworkType() string {
	switch s {
	case SecuritySAE:
		return "psk"
	case SecurityOWE:
		return "open"
	}
	return s.String()
}

// CapabilityPrivacy is the Privacy bit of the Capability Information
// field of beacons and probe responses.
const CapabilityPrivacy = 1 << 4

// DetermineSecurity follows iwd's order: a PSK-family AKM (PSK, FT-PSK,
// PSK-SHA256, SAE, FT-SAE, ...) makes the BSS psk (sae when every such
// AKM is SAE), else an 802.1X-family AKM (including FILS and OSEN) makes
// it 8021x, else OWE makes it owe; without any of those the Privacy bit
// means wep, else open. rsn is the RSN element, or the WPA element when
// the BSS has no RSN element; nil when neither.
func DetermineSecurity(capability uint16, rsn *RSN) Security {
	if rsn != nil {
		var psk, sae, dot1x, owe bool
		for _, a := range rsn.AKMs {
			switch {
			case a.IsSAE():
				sae = true
			case a.IsPSK():
				psk = true
			case a.Is8021X():
				dot1x = true
			case a == AKMOWE:
				owe = true
			}
		}
		switch {
		case psk:
			return SecurityPSK
		case sae:
			return SecuritySAE
		case dot1x:
			return Security8021X
		case owe:
			return SecurityOWE
		}
	}
	if capability&CapabilityPrivacy != 0 {
		return SecurityWEP
	}
	return SecurityOpen
}
