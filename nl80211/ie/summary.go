package ie

import "errors"

// Summary is what the station needs to know about a BSS from its
// elements: name, security, load and the PHY elements for the data rate
// estimate that ranks it. Pointer fields are nil when the element is
// absent (or malformed; see Summarize).
type Summary struct {
	SSID   []byte
	Hidden bool

	Security Security
	// RSN is the RSN element, or the WPA element (suites mapped to the
	// RSN constants) when WPA is true.
	RSN  *RSN
	WPA  bool
	RSNX RSNX

	// Rates holds the Supported Rates then the Extended Supported Rates.
	Rates   []Rate
	Channel uint8 // DS Parameter Set, 0 if absent

	BSSLoad *BSSLoad

	HTCapabilities  *HTCapabilities
	HTOperation     *HTOperation
	VHTCapabilities *VHTCapabilities
	VHTOperation    *VHTOperation
	HECapabilities  *HECapabilities
	HEOperation     *HEOperation

	MobilityDomain        *MobilityDomain
	ExtendedCapabilities  ExtendedCapabilities
	Country               *Country
	RMEnabledCapabilities *RMEnabledCapabilities
	Vendors               []Vendor
	// OWETransition is the Wi-Fi Alliance OWE Transition Mode element.
	OWETransition *OWETransition

	// Hotspot 2.0: the Interworking and Roaming Consortium elements and
	// the Wi-Fi Alliance Hotspot 2.0 Indication.
	Interworking      *Interworking
	RoamingConsortium *RoamingConsortium
	HS20              *HS20Indication

	// Elements is every element in frame order.
	Elements Elements

	walkErr error
	// rateErr is the first malformed element that the data rate
	// estimate depends on.
	rateErr error
}

// Summarize parses a BSS's elements (the raw IE bytes of a scan result)
// and the Capability Information field (for the Privacy bit; 0 if not
// known). When an element is a duplicate, the first one counts.
//
// It always returns a Summary with everything it could use. err joins one
// *Error per element it could not use (and a truncated tail, after which
// nothing is read); callers log it. The Summary's byte slices alias ies. A malformed RSN or WPA element leaves
// Security as SecurityUnknown: such a BSS must not be connected to.
func Summarize(ies []byte, capability uint16) (*Summary, error) {
	s := &Summary{}
	es, walkErr := Parse(ies)
	s.Elements = es
	var errs []error
	if walkErr != nil {
		s.walkErr = walkErr
		errs = append(errs, walkErr)
	}
	fail := func(e Element, err error) error {
		err = rebase(err, e.DataOffset())
		errs = append(errs, err)
		return err
	}
	rateFail := func(e Element, err error) {
		err = fail(e, err)
		if s.rateErr == nil {
			s.rateErr = err
		}
	}

	if e, ok := es.Find(IDSSID); ok {
		if ssid, err := ParseSSID(e.Data); err != nil {
			fail(e, err)
		} else {
			s.SSID = ssid
		}
	}
	s.Hidden = SSIDHidden(s.SSID)

	rsnBad := false
	if e, ok := es.Find(IDRSN); ok {
		if r, err := ParseRSN(e.Data); err != nil {
			fail(e, err)
			rsnBad = true
		} else {
			s.RSN = r
		}
	} else if e, ok := es.FindVendor(OUIMicrosoft, VendorTypeWPA); ok {
		if r, err := ParseWPA(e.Data); err != nil {
			fail(e, err)
			rsnBad = true
		} else {
			s.RSN, s.WPA = r, true
		}
	}
	if rsnBad {
		s.Security = SecurityUnknown
	} else {
		s.Security = DetermineSecurity(capability, s.RSN)
	}

	if e, ok := es.Find(IDRSNX); ok {
		if r, err := ParseRSNX(e.Data); err != nil {
			fail(e, err)
		} else {
			s.RSNX = r
		}
	}
	if e, ok := es.Find(IDSupportedRates); ok {
		if r, err := ParseSupportedRates(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.Rates = append(s.Rates, r...)
		}
	}
	if e, ok := es.Find(IDExtendedSupportedRates); ok {
		if r, err := ParseExtendedSupportedRates(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.Rates = append(s.Rates, r...)
		}
	}
	if e, ok := es.Find(IDDSParameterSet); ok {
		if c, err := ParseDSParameterSet(e.Data); err != nil {
			fail(e, err)
		} else {
			s.Channel = c
		}
	}
	if e, ok := es.Find(IDBSSLoad); ok {
		if l, err := ParseBSSLoad(e.Data); err != nil {
			fail(e, err)
		} else {
			s.BSSLoad = l
		}
	}
	if e, ok := es.Find(IDHTCapabilities); ok {
		if v, err := ParseHTCapabilities(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.HTCapabilities = v
		}
	}
	if e, ok := es.Find(IDHTOperation); ok {
		if v, err := ParseHTOperation(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.HTOperation = v
		}
	}
	if e, ok := es.Find(IDVHTCapabilities); ok {
		if v, err := ParseVHTCapabilities(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.VHTCapabilities = v
		}
	}
	if e, ok := es.Find(IDVHTOperation); ok {
		if v, err := ParseVHTOperation(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.VHTOperation = v
		}
	}
	if e, ok := es.FindExt(ExtHECapabilities); ok {
		if v, err := ParseHECapabilities(e.Data); err != nil {
			rateFail(e, err)
		} else {
			s.HECapabilities = v
		}
	}
	if e, ok := es.FindExt(ExtHEOperation); ok {
		if v, err := ParseHEOperation(e.Data); err != nil {
			fail(e, err)
		} else {
			s.HEOperation = v
		}
	}
	if e, ok := es.Find(IDMobilityDomain); ok {
		if v, err := ParseMobilityDomain(e.Data); err != nil {
			fail(e, err)
		} else {
			s.MobilityDomain = v
		}
	}
	if e, ok := es.Find(IDExtendedCapabilities); ok {
		if v, err := ParseExtendedCapabilities(e.Data); err != nil {
			fail(e, err)
		} else {
			s.ExtendedCapabilities = v
		}
	}
	if e, ok := es.Find(IDCountry); ok {
		if v, err := ParseCountry(e.Data); err != nil {
			fail(e, err)
		} else {
			s.Country = v
		}
	}
	if e, ok := es.Find(IDRMEnabledCapabilities); ok {
		if v, err := ParseRMEnabledCapabilities(e.Data); err != nil {
			fail(e, err)
		} else {
			s.RMEnabledCapabilities = &v
		}
	}
	for _, e := range es.FindAll(IDVendorSpecific) {
		if v, err := ParseVendor(e.Data); err != nil {
			fail(e, err)
		} else {
			s.Vendors = append(s.Vendors, *v)
		}
	}
	if e, ok := es.FindVendor(OUIWFA, VendorTypeOWETransition); ok {
		if v, err := ParseOWETransition(e.Data); err != nil {
			fail(e, err)
		} else {
			s.OWETransition = v
		}
	}
	if e, ok := es.Find(IDInterworking); ok {
		if v, err := ParseInterworking(e.Data); err != nil {
			fail(e, err)
		} else {
			s.Interworking = v
		}
	}
	if e, ok := es.Find(IDRoamingConsortium); ok {
		if v, err := ParseRoamingConsortium(e.Data); err != nil {
			fail(e, err)
		} else {
			s.RoamingConsortium = v
		}
	}
	if e, ok := es.FindVendor(OUIWFA, VendorTypeHS20); ok {
		// the body after the OUI and type octet: its offsets move by 4
		if v, err := ParseHS20Indication(e.Data[4:]); err != nil {
			fail(e, rebase(err, 4))
		} else {
			s.HS20 = v
		}
	}
	return s, errors.Join(errs...)
}

// FT reports whether the BSS offers fast BSS transition: a Mobility
// Domain element and an FT AKM.
func (s *Summary) FT() bool {
	if s.MobilityDomain == nil || s.RSN == nil {
		return false
	}
	for _, a := range s.RSN.AKMs {
		if a.IsFT() {
			return true
		}
	}
	return false
}

// MFPRequired reports RSN Capabilities MFPR.
func (s *Summary) MFPRequired() bool { return s.RSN != nil && s.RSN.Capabilities.MFPR() }

// SAEH2E reports the RSNX SAE hash-to-element bit.
func (s *Summary) SAEH2E() bool { return s.RSNX.SAEH2E() }

// Utilization returns the BSS Load channel utilisation, and false when
// the BSS sends no BSS Load element (iwd then ranks it as neither loaded
// nor idle).
func (s *Summary) Utilization() (uint8, bool) {
	if s.BSSLoad == nil {
		return 0, false
	}
	return s.BSSLoad.ChannelUtilization, true
}

// PHYMode is the newest PHY a BSS advertises.
type PHYMode int

const (
	PHYLegacy PHYMode = iota // 802.11a/b/g
	PHYHT                    // 802.11n
	PHYVHT                   // 802.11ac
	PHYHE                    // 802.11ax
)

func (m PHYMode) String() string {
	switch m {
	case PHYLegacy:
		return "legacy"
	case PHYHT:
		return "ht"
	case PHYVHT:
		return "vht"
	case PHYHE:
		return "he"
	}
	return "unknown"
}

// PHYInfo is the AP's side of the data rate estimate in brief: its newest
// PHY, operating bandwidth (from HT, VHT and HE Operation), transmit spatial streams and highest
// MCS for that many streams. It does not take our own capabilities or the
// signal into account (EstimateDataRate does).
type PHYInfo struct {
	Mode     PHYMode
	WidthMHz int
	NSS      int
	MaxMCS   int
}

// PHY summarises the AP's PHY elements.
func (s *Summary) PHY() PHYInfo {
	p := PHYInfo{Mode: PHYLegacy, WidthMHz: 20}
	if s.HTCapabilities != nil {
		p.Mode = PHYHT
		p.NSS = s.HTCapabilities.RxSpatialStreams()
		if s.HTCapabilities.TxMCSSetDefined() && s.HTCapabilities.TxRxMCSSetNotEqual() {
			p.NSS = s.HTCapabilities.TxMaxSpatialStreams()
		}
		p.MaxMCS = 7
		if s.HTOperation != nil && s.HTOperation.Width40() {
			p.WidthMHz = 40
		}
	}
	if s.VHTCapabilities != nil && s.VHTOperation != nil {
		p.Mode = PHYVHT
		m := s.VHTCapabilities.TxMCSMap
		if n := m.MaxNSS(); n > 0 {
			p.NSS, p.MaxMCS = n, 7+int(m.Get(n))
		}
		if w := s.VHTOperation.WidthMHz(); w > p.WidthMHz {
			p.WidthMHz = w
		}
	}
	if h := s.HECapabilities; h != nil {
		p.Mode = PHYHE
		m := h.MCS80.Tx
		if n := m.MaxNSS(); n > 0 {
			p.NSS, p.MaxMCS = n, 7+2*int(m.Get(n))
		}
		if o := s.HEOperation; o != nil {
			switch {
			case o.SixGHz != nil:
				p.WidthMHz = o.SixGHz.WidthMHz()
			case o.VHTInfo != nil:
				v := VHTOperation{ChannelWidth: o.VHTInfo[0], CCFS0: o.VHTInfo[1], CCFS1: o.VHTInfo[2]}
				p.WidthMHz = max(p.WidthMHz, v.WidthMHz())
			}
		}
	}
	return p
}
