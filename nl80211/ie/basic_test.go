package ie

import (
	"errors"
	"testing"
)

func TestSSID(t *testing.T) {
	if s, err := ParseSSID([]byte("Corp Net")); err != nil || string(s) != "Corp Net" {
		t.Errorf("ParseSSID = %q, %v", s, err)
	}
	if _, err := ParseSSID(make([]byte, 33)); err == nil || err.Error() != "ie: SSID (0) at offset 0: length 33 exceeds 32" {
		t.Errorf("33-byte SSID: %v", err)
	}
	for _, tc := range []struct {
		ssid   []byte
		hidden bool
	}{
		{nil, true}, {[]byte{}, true}, {make([]byte, 8), true}, {[]byte("x"), false}, {[]byte{0, 0, 1}, false},
	} {
		if got := SSIDHidden(tc.ssid); got != tc.hidden {
			t.Errorf("SSIDHidden(% x) = %v", tc.ssid, got)
		}
	}
}

func TestRates(t *testing.T) {
	// 802.11g AP: basic 1, 2, 5.5, 11; 6, 9, 12, 18; extended 24, 36, 48, 54
	r, err := ParseSupportedRates(hx(t, "82 84 8b 96 0c 12 18 24"))
	if err != nil {
		t.Fatal(err)
	}
	if !r[0].Basic() || r[0].Value() != 2 || r[2].BitsPerSecond() != 5_500_000 || r[4].Basic() {
		t.Errorf("rates %v", r)
	}
	if got := r[2].String(); got != "5.5*" {
		t.Errorf("String = %q", got)
	}
	x, err := ParseExtendedSupportedRates(hx(t, "30 48 60 6c"))
	if err != nil || x[3].BitsPerSecond() != 54_000_000 {
		t.Errorf("ext rates %v, %v", x, err)
	}
	// HT PHY and SAE H2E only membership selectors
	sel, _ := ParseSupportedRates(hx(t, "ff fb"))
	if !sel[0].IsSelector() || sel[0].Value() != SelectorHTPHY || !sel[1].IsSelector() || sel[1].Value() != SelectorSAEH2EOnly || sel[0].BitsPerSecond() != 0 {
		t.Errorf("selectors %v", sel)
	}
	if _, err := ParseSupportedRates(make([]byte, 9)); err == nil || err.Error() != "ie: Supported Rates (1) at offset 0: length 9, want 1 to 8" {
		t.Errorf("9 rates: %v", err)
	}
	if _, err := ParseExtendedSupportedRates(nil); err == nil {
		t.Error("empty extended rates accepted")
	}
}

func TestDSBSSLoadCountry(t *testing.T) {
	if c, err := ParseDSParameterSet([]byte{11}); err != nil || c != 11 {
		t.Errorf("DS = %d, %v", c, err)
	}
	if _, err := ParseDSParameterSet([]byte{1, 2}); err == nil {
		t.Error("2-byte DS accepted")
	}
	// 3 stations, 18% utilisation (47/255), admission capacity 0
	l, err := ParseBSSLoad(hx(t, "0300 2f 0000"))
	if err != nil || *l != (BSSLoad{StationCount: 3, ChannelUtilization: 47}) {
		t.Errorf("BSS Load = %+v, %v", l, err)
	}
	if _, err := ParseBSSLoad(hx(t, "0300 2f 00")); err == nil || err.Error() != "ie: BSS Load (11) at offset 0: length 4, want 5" {
		t.Errorf("short BSS Load: %v", err)
	}
	// "DE " with channels 1-13 at 20 dBm (hostapd country_code=DE, 2.4 GHz)
	c, err := ParseCountry(hx(t, "44 45 20 01 0d 14"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Alpha2() != "DE" || c.String[2] != ' ' || len(c.Triplets) != 1 || c.Triplets[0] != (CountryTriplet{1, 13, 20}) {
		t.Errorf("country %+v", c)
	}
	// "US" with an operating triplet and 5 GHz subbands and a pad octet
	c, err = ParseCountry(hx(t, "55 53 04 c9 7d 00 24 04 17 95 05 1e 00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Triplets) != 3 || !c.Triplets[0].IsOperating() || c.Triplets[1].IsOperating() || c.Triplets[2] != (CountryTriplet{149, 5, 30}) {
		t.Errorf("country %+v", c)
	}
	if _, err := ParseCountry(hx(t, "55 53 04 01 0b")); err == nil || err.Error() != "ie: Country (7) at offset 3: 2 bytes after the last triplet" {
		t.Errorf("bad country: %v", err)
	}
}

func fuzzCheck(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrMalformed) {
		t.Fatalf("error %v is not ErrMalformed", err)
	}
}

func FuzzSSID(f *testing.F) {
	f.Add([]byte("home"))
	f.Add(make([]byte, 33))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseSSID(b)
		fuzzCheck(t, err)
		SSIDHidden(b)
	})
}

func FuzzSupportedRates(f *testing.F) {
	f.Add([]byte{0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24})
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseSupportedRates(b)
		fuzzCheck(t, err)
		for _, x := range r {
			_ = x.String()
		}
		_, err = ParseExtendedSupportedRates(b)
		fuzzCheck(t, err)
	})
}

func FuzzDSParameterSet(f *testing.F) {
	f.Add([]byte{6})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseDSParameterSet(b)
		fuzzCheck(t, err)
	})
}

func FuzzBSSLoad(f *testing.F) {
	f.Add([]byte{3, 0, 0x2f, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseBSSLoad(b)
		fuzzCheck(t, err)
	})
}

func FuzzCountry(f *testing.F) {
	f.Add([]byte("DE \x01\x0d\x14"))
	f.Add([]byte("US\x04\xc9\x7d\x00\x24\x04\x17\x95\x05\x1e\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCountry(b)
		fuzzCheck(t, err)
		if err == nil {
			_ = c.Alpha2()
		}
	})
}
