package ie

import (
	"errors"
	"strings"
	"testing"
)

// The elements of a beacon from a WPA2/WPA3 transition-mode, FT-capable
// 5 GHz 802.11ax AP, as hostapd builds them (element order of
// IEEE 802.11-2020 Table 9-34).
func beacon5GHz(t testing.TB) []byte {
	return ies(t,
		"00 08 436f7270204e6574", // SSID "Corp Net"
		rates11a,
		"07 06 444520 24 04 17", // Country "DE ", channels 36-48 at 23 dBm
		"0b 05 0500 40 0000",    // BSS Load: 5 stations, utilisation 64
		htCap2x2,
		"30 22 0100 000fac04 0100 000fac04 0300 000fac02 000fac08 000fac04 8000 0000 000fac06",
		"36 03 a1b2 01", // Mobility Domain
		htOp40,
		"7f 08 0400080000000040", // Extended Capabilities: BSS transition
		vhtCap2x2,
		vhtOp80,
		heCap80,
		heOp5,
		"f4 01 20",         // RSNX: SAE H2E
		"46 05 7300000000", // RM Enabled Capabilities
		"dd 18 0050f2 02 0101 80 0003a4000027a4000042435e0062322f00", // WMM
	)
}

func TestSummarize(t *testing.T) {
	s, err := Summarize(beacon5GHz(t), 0x0011) // ESS, Privacy
	if err != nil {
		t.Fatal(err)
	}
	if string(s.SSID) != "Corp Net" || s.Hidden {
		t.Errorf("SSID %q hidden %v", s.SSID, s.Hidden)
	}
	if s.Security != SecurityPSK || s.Security.NetworkType() != "psk" || s.WPA {
		t.Errorf("security %v", s.Security)
	}
	if s.RSN == nil || !s.RSN.HasAKM(AKMFTPSK) || s.RSN.GroupManagementCipher != CipherBIPCMAC128 || !s.FT() || s.MFPRequired() {
		t.Errorf("RSN %+v", s.RSN)
	}
	if !s.SAEH2E() {
		t.Error("SAE H2E")
	}
	if u, ok := s.Utilization(); !ok || u != 64 || s.BSSLoad.StationCount != 5 {
		t.Errorf("load %+v", s.BSSLoad)
	}
	if len(s.Rates) != 8 || s.Channel != 0 || s.Country.Alpha2() != "DE" {
		t.Errorf("rates %v channel %d country %+v", s.Rates, s.Channel, s.Country)
	}
	if s.MobilityDomain == nil || s.MobilityDomain.MDID != 0xb2a1 || !s.ExtendedCapabilities.BSSTransition() || !s.RMEnabledCapabilities.NeighborReport() {
		t.Errorf("MDE %+v extcap % x RM %v", s.MobilityDomain, s.ExtendedCapabilities, s.RMEnabledCapabilities)
	}
	if len(s.Vendors) != 1 || s.Vendors[0].Type != VendorTypeWMM {
		t.Errorf("vendors %+v", s.Vendors)
	}
	if s.HTCapabilities == nil || s.HTOperation == nil || s.VHTCapabilities == nil || s.VHTOperation == nil || s.HECapabilities == nil || s.HEOperation == nil {
		t.Error("PHY elements missing")
	}
	if p := s.PHY(); p != (PHYInfo{Mode: PHYHE, WidthMHz: 80, NSS: 2, MaxMCS: 11}) {
		t.Errorf("PHY %+v", p)
	}
	if r, err := s.EstimateDataRate(nil, -45); err != nil || r != 1_201_000_000 {
		t.Errorf("rate %d, %v", r, err)
	}
}

func TestSecurity(t *testing.T) {
	const ess, privacy = 0x0001, 0x0011
	wpaPSK := "dd 16 0050f2 01 0100 0050f202 0100 0050f202 0100 0050f202"
	for _, tc := range []struct {
		name string
		ies  string
		capa uint16
		want Security
		typ  string
		wpa  bool
	}{
		{"open", ssidHome, ess, SecurityOpen, "open", false},
		{"wep", ssidHome, privacy, SecurityWEP, "wep", false},
		{"wpa2-psk", ssidHome + rsnVectors[0].hex, privacy, SecurityPSK, "psk", false},
		{"wpa3-sae", ssidHome + rsnVectors[1].hex, privacy, SecuritySAE, "psk", false},
		{"transition", ssidHome + rsnVectors[2].hex, privacy, SecurityPSK, "psk", false},
		{"8021x", ssidHome + rsnVectors[3].hex, privacy, Security8021X, "8021x", false},
		{"suite-b", ssidHome + rsnVectors[4].hex, privacy, Security8021X, "8021x", false},
		{"owe", ssidHome + rsnVectors[6].hex, privacy, SecurityOWE, "open", false},
		{"wpa1 only", ssidHome + wpaPSK, privacy, SecurityPSK, "psk", true},
		{"rsn wins over wpa", ssidHome + wpaPSK + rsnVectors[3].hex, privacy, Security8021X, "8021x", false},
		{"bad rsn", ssidHome + "30 02 0200", privacy, SecurityUnknown, "unknown", false},
		{"bad wpa", ssidHome + "dd 06 0050f2 01 0200", privacy, SecurityUnknown, "unknown", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := Summarize(hx(t, tc.ies), tc.capa)
			if s.Security != tc.want || s.Security.NetworkType() != tc.typ || s.WPA != tc.wpa {
				t.Errorf("security %v (%s) wpa %v, want %v (%s) %v", s.Security, s.Security.NetworkType(), s.WPA, tc.want, tc.typ, tc.wpa)
			}
		})
	}
}

func TestSummarizeOWETransition(t *testing.T) {
	s, err := Summarize(hx(t, ssidHome+rates11a+"dd 15 506f9a 1c 020000000200 08 6f77652d686f6d65 73 24"), 0x0001)
	if err != nil {
		t.Fatal(err)
	}
	if s.Security != SecurityOpen || s.OWETransition == nil || string(s.OWETransition.SSID) != "owe-home" {
		t.Errorf("summary %+v", s)
	}
}

func TestSummarizeHidden(t *testing.T) {
	for _, in := range []string{"00 00", "00 06 000000000000", ""} {
		s, err := Summarize(hx(t, in), 0)
		if err != nil || !s.Hidden || len(s.SSID) != len(hx(t, in))-min(2, len(hx(t, in))) {
			t.Errorf("%q: hidden %v ssid % x, %v", in, s.Hidden, s.SSID, err)
		}
	}
}

func TestSummarizeErrors(t *testing.T) {
	// Two malformed elements and a truncated tail: everything else is
	// still there and each problem is reported.
	b := ies(t, "00 21 4141414141414141414141414141414141414141414141414141414141414141 41",
		"03 01 24", "0b 04 00000000", "36 03 a1b2 01", "dd 02 0050")
	s, err := Summarize(b, 0)
	if err == nil {
		t.Fatal("no error")
	}
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrMalformed) {
		t.Errorf("error types: %v", err)
	}
	for _, sub := range []string{
		"ie: SSID (0) at offset 2: length 33 exceeds 32",
		"ie: BSS Load (11) at offset 40: length 4, want 5",
		"ie: Vendor Specific (221) at offset 51: OUI truncated: 2 of 3 bytes",
	} {
		if !contains(err.Error(), sub) {
			t.Errorf("error %q lacks %q", err, sub)
		}
	}
	if s.SSID != nil || s.Channel != 36 || s.BSSLoad != nil || s.MobilityDomain == nil {
		t.Errorf("summary %+v", s)
	}
	// truncated tail
	_, err = Summarize(ies(t, "03 01 24", "30 14 0100"), 0)
	if err == nil || !contains(err.Error(), "ie: RSN (48) at offset 3: length 20 exceeds the 2 bytes left") {
		t.Errorf("truncated: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func FuzzSummarize(f *testing.F) {
	f.Add(beacon5GHz(f), uint16(0x11))
	f.Add(hx(f, ssidHome+rsnVectors[2].hex), uint16(0x11))
	f.Add(hx(f, "00 00 dd 06 0050f2 01 0200"), uint16(0))
	f.Add(ies(f, "00 00", hotspotInterworking, hotspotRC, hotspotHS20), uint16(0x11))
	f.Fuzz(func(t *testing.T, b []byte, capa uint16) {
		s, err := Summarize(b, capa)
		if s == nil {
			t.Fatal("nil summary")
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v is not ErrMalformed", err)
		}
		_ = s.PHY()
		_ = s.Security.String()
		_, _ = s.EstimateDataRate(nil, -50)
		s.FT()
		if s.RoamingConsortium != nil && !s.RoamingConsortium.Contains(s.RoamingConsortium.OIs[0]) {
			t.Fatal("Roaming Consortium lacks its OI #1")
		}
	})
}
