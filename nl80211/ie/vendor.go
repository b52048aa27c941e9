package ie

// Vendor is a Vendor Specific element (IEEE 802.11-2020 9.4.2.25).
type Vendor struct {
	OUI OUI
	// Type is the first octet after the OUI, the vendor's element type
	// for the OUIs that use one (Microsoft, Wi-Fi Alliance); HasType is
	// false when the body is only the OUI.
	Type    uint8
	HasType bool
	// Body is everything after the OUI and type octet.
	Body []byte
}

// ParseVendor parses the body of a Vendor Specific element (at least the
// 3-octet OUI).
func ParseVendor(b []byte) (*Vendor, error) {
	if len(b) < 3 {
		return nil, errf(IDVendorSpecific, 0, "OUI truncated: %d of 3 bytes", len(b))
	}
	v := &Vendor{OUI: OUI(b[:3])}
	if len(b) >= 4 {
		v.Type, v.HasType = b[3], true
		v.Body = b[4:]
	}
	return v, nil
}

// Well-known vendor element types.
const (
	VendorTypeWPA           = 1    // 00-50-F2
	VendorTypeWMM           = 2    // 00-50-F2
	VendorTypeWPS           = 4    // 00-50-F2
	VendorTypeP2P           = 9    // 50-6F-9A
	VendorTypeHS20          = 0x10 // 50-6F-9A Hotspot 2.0 indication
	VendorTypeHS20ANQP      = 0x11 // 50-6F-9A Hotspot 2.0 ANQP element (in ANQP, not in frames)
	VendorTypeOSEN          = 0x12 // 50-6F-9A
	VendorTypeHS20RCSelect  = 0x1d // 50-6F-9A Hotspot 2.0 Roaming Consortium Selection
	VendorTypeOWETransition = 0x1c // 50-6F-9A
)
