package ie

import (
	"errors"
	"testing"
)

const (
	// 2x2 5 GHz AP, 40/80 MHz, HE-MCS 0-11, no PPE thresholds
	heCap80 = "ff 16 23 0178c81a4000 04700c897f030004000000 faff faff"
	// the same with 160 MHz and PPE thresholds (2 NSS, 2 RUs: 4 octets)
	heCap160PPE = "ff 1e 23 0178c81a4000 0c700c897f038004000000 faff faff faff faff 19 1c c7 71"
	// 2.4 GHz AP, 40 MHz (B0)
	heCap24 = "ff 16 23 0178c81a4000 02700c897f030004000000 faff faff"
	// BSS color 28, no optional fields
	heOp5 = "ff 07 24 f40100 1c fcff"
	// VHT info, co-hosted BSS and 6 GHz info (primary 37, 80 MHz)
	heOp6 = "ff 10 24 00c002 05 fcff 012a00 03 25022700 06"
)

func TestHECapabilities(t *testing.T) {
	h, err := ParseHECapabilities(hx(t, heCap80)[3:])
	if err != nil {
		t.Fatal(err)
	}
	if h.ChannelWidthSet() != HEWidth40And80 || h.Has160 || h.Has8080 || h.PPEThresholds != nil || h.MCS80.Tx.MaxNSS() != 2 {
		t.Errorf("HE caps %+v", h)
	}
	h, err = ParseHECapabilities(hx(t, heCap160PPE)[3:])
	if err != nil {
		t.Fatal(err)
	}
	if h.ChannelWidthSet() != HEWidth40And80|HEWidth160 || !h.Has160 || h.MCS160.Rx != 0xfffa || len(h.PPEThresholds) != 4 {
		t.Errorf("HE caps 160 %+v", h)
	}
	for _, tc := range []struct{ hex, want string }{
		{"0178c81a4000 04700c897f030004000000 faff", "ie: HE Capabilities (255/35) at offset 0: length 19, want at least 21"},
		{"0178c81a4000 0c700c897f030004000000 faff faff faff", "ie: HE Capabilities (255/35) at offset 21: 160 MHz HE-MCS maps truncated: 2 of 4 bytes"},
		{"0178c81a4000 1c700c897f030004000000 faff faff faff faff", "ie: HE Capabilities (255/35) at offset 25: 80+80 MHz HE-MCS maps truncated: 0 of 4 bytes"},
		{"0178c81a4000 04700c897f038004000000 faff faff", "ie: HE Capabilities (255/35) at offset 21: PPE thresholds missing"},
		{"0178c81a4000 04700c897f038004000000 faff faff 19 1c", "ie: HE Capabilities (255/35) at offset 21: PPE thresholds truncated: 2 of 4 bytes"},
	} {
		_, err := ParseHECapabilities(hx(t, tc.hex))
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestHEOperation(t *testing.T) {
	o, err := ParseHEOperation(hx(t, heOp5)[3:])
	if err != nil {
		t.Fatal(err)
	}
	if o.BSSColor() != 28 || o.VHTInfo != nil || o.SixGHz != nil || o.MaxCoHostedBSSID != nil || o.BasicMCSMap != 0xfffc {
		t.Errorf("HE op %+v", o)
	}
	o, err = ParseHEOperation(hx(t, heOp6)[3:])
	if err != nil {
		t.Fatal(err)
	}
	if o.VHTInfo == nil || o.VHTInfo[1] != 42 || o.MaxCoHostedBSSID == nil || *o.MaxCoHostedBSSID != 3 {
		t.Errorf("HE op optional fields %+v", o)
	}
	if s := o.SixGHz; s == nil || s.PrimaryChannel != 37 || s.WidthMHz() != 80 || s.CCFS0 != 39 || s.MinRate != 6 {
		t.Errorf("6 GHz info %+v", o.SixGHz)
	}
	for _, tc := range []struct{ hex, want string }{
		{"f40100 1c fc", "ie: HE Operation (255/36) at offset 0: length 5, want at least 6"},
		{"004000 05 fcff 012a", "ie: HE Operation (255/36) at offset 6: VHT Operation Information truncated: 2 of 3 bytes"},
		{"008000 05 fcff", "ie: HE Operation (255/36) at offset 6: Max Co-Hosted BSSID Indicator missing"},
		{"000002 05 fcff 2502", "ie: HE Operation (255/36) at offset 6: 6 GHz Operation Information truncated: 2 of 5 bytes"},
	} {
		_, err := ParseHEOperation(hx(t, tc.hex))
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func FuzzHECapabilities(f *testing.F) {
	f.Add(hx(f, heCap80)[3:])
	f.Add(hx(f, heCap160PPE)[3:])
	f.Add(hx(f, heCap24)[3:])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseHECapabilities(b)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
	})
}

func FuzzHEOperation(f *testing.F) {
	f.Add(hx(f, heOp5)[3:])
	f.Add(hx(f, heOp6)[3:])
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseHEOperation(b)
		fuzzCheck(t, err)
		if err == nil && o.SixGHz != nil {
			o.SixGHz.WidthMHz()
		}
	})
}
