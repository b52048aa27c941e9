package ie

import "fmt"

// ID is an element identifier (IEEE 802.11-2020 Table 9-92).
type ID uint8

// Element IDs this package knows by name.
const (
	IDSSID                   ID = 0
	IDSupportedRates         ID = 1
	IDDSParameterSet         ID = 3
	IDTIM                    ID = 5
	IDCountry                ID = 7
	IDBSSLoad                ID = 11
	IDPowerCapability        ID = 33
	IDSupportedChannels      ID = 36
	IDChannelSwitch          ID = 37
	IDHTCapabilities         ID = 45
	IDRSN                    ID = 48
	IDExtendedSupportedRates ID = 50
	IDAPChannelReport        ID = 51
	IDNeighborReport         ID = 52
	IDMobilityDomain         ID = 54
	IDFastBSSTransition      ID = 55
	IDTimeoutInterval        ID = 56
	IDRICData                ID = 57
	IDHTOperation            ID = 61
	IDRMEnabledCapabilities  ID = 70
	IDMultipleBSSID          ID = 71
	IDInterworking           ID = 107
	IDAdvertisementProtocol  ID = 108
	IDRoamingConsortium      ID = 111
	IDExtendedCapabilities   ID = 127
	IDVHTCapabilities        ID = 191
	IDVHTOperation           ID = 192
	IDVendorSpecific         ID = 221
	IDRSNX                   ID = 244
	IDExtension              ID = 255
)

// ExtID is an element ID extension, the first body octet of an element
// with ID 255 (IEEE 802.11-2020 Table 9-92).
type ExtID uint8

// Element ID extensions this package knows by name.
const (
	ExtOWEDHParam         ExtID = 32
	ExtHECapabilities     ExtID = 35
	ExtHEOperation        ExtID = 36
	ExtMUEDCAParameters   ExtID = 38
	ExtSpatialReuse       ExtID = 39
	ExtHE6GHzBandCaps     ExtID = 59
	ExtEHTOperation       ExtID = 106
	ExtMultiLink          ExtID = 107
	ExtEHTCapabilities    ExtID = 108
	ExtPasswordIdentifier ExtID = 33
	// FILS (9.4.2.180 to 9.4.2.190).
	ExtFILSKeyConfirmation ExtID = 3
	ExtFILSSession         ExtID = 4
	ExtKeyDelivery         ExtID = 7
	ExtFILSWrappedData     ExtID = 8
	ExtFILSNonce           ExtID = 13
)

var idNames = map[ID]string{
	IDSSID:                   "SSID",
	IDSupportedRates:         "Supported Rates",
	IDDSParameterSet:         "DS Parameter Set",
	IDTIM:                    "TIM",
	IDCountry:                "Country",
	IDBSSLoad:                "BSS Load",
	IDPowerCapability:        "Power Capability",
	IDSupportedChannels:      "Supported Channels",
	IDChannelSwitch:          "Channel Switch Announcement",
	IDHTCapabilities:         "HT Capabilities",
	IDRSN:                    "RSN",
	IDExtendedSupportedRates: "Extended Supported Rates",
	IDAPChannelReport:        "AP Channel Report",
	IDNeighborReport:         "Neighbor Report",
	IDMobilityDomain:         "Mobility Domain",
	IDFastBSSTransition:      "Fast BSS Transition",
	IDTimeoutInterval:        "Timeout Interval",
	IDRICData:                "RIC Data",
	IDHTOperation:            "HT Operation",
	IDRMEnabledCapabilities:  "RM Enabled Capabilities",
	IDMultipleBSSID:          "Multiple BSSID",
	IDInterworking:           "Interworking",
	IDAdvertisementProtocol:  "Advertisement Protocol",
	IDRoamingConsortium:      "Roaming Consortium",
	IDExtendedCapabilities:   "Extended Capabilities",
	IDVHTCapabilities:        "VHT Capabilities",
	IDVHTOperation:           "VHT Operation",
	IDVendorSpecific:         "Vendor Specific",
	IDRSNX:                   "RSNX",
	IDExtension:              "Extension",
}

var extNames = map[ExtID]string{
	ExtOWEDHParam:          "OWE Diffie-Hellman Parameter",
	ExtPasswordIdentifier:  "Password Identifier",
	ExtHECapabilities:      "HE Capabilities",
	ExtHEOperation:         "HE Operation",
	ExtMUEDCAParameters:    "MU EDCA Parameter Set",
	ExtSpatialReuse:        "Spatial Reuse Parameter Set",
	ExtHE6GHzBandCaps:      "HE 6 GHz Band Capabilities",
	ExtEHTOperation:        "EHT Operation",
	ExtMultiLink:           "Multi-Link",
	ExtEHTCapabilities:     "EHT Capabilities",
	ExtFILSKeyConfirmation: "FILS Key Confirmation",
	ExtFILSSession:         "FILS Session",
	ExtKeyDelivery:         "Key Delivery",
	ExtFILSWrappedData:     "FILS Wrapped Data",
	ExtFILSNonce:           "FILS Nonce",
}

// String returns the element's name and number, e.g. "RSN (48)".
func (id ID) String() string {
	if n, ok := idNames[id]; ok {
		return fmt.Sprintf("%s (%d)", n, uint8(id))
	}
	return fmt.Sprintf("element %d", uint8(id))
}

// String returns the extension's name and number, e.g.
// "HE Capabilities (255/35)".
func (e ExtID) String() string {
	if n, ok := extNames[e]; ok {
		return fmt.Sprintf("%s (255/%d)", n, uint8(e))
	}
	return fmt.Sprintf("element 255/%d", uint8(e))
}
