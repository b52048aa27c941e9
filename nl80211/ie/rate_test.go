package ie

import (
	"errors"
	"testing"
)

const (
	ssidHome = "00 04 686f6d65"
	rates11g = "01 08 82848b960c121824 32 04 3048606c"
	rates11a = "01 08 8c129824b048606c"
)

func ies(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b []byte
	for _, p := range parts {
		b = append(b, hx(t, p)...)
	}
	return b
}

func TestRateFormulas(t *testing.T) {
	// Spot checks against the standard's MCS tables (IEEE 802.11-2020
	// Tables 19-27ff, 21-30ff; 802.11ax Table 27-55ff), in kb/s.
	for _, tc := range []struct {
		name string
		got  uint64
		want uint64 // b/s
	}{
		{"HT MCS 7 20 MHz long GI", htVHTRate(7, w20, 1, false), 65_000_000},
		{"HT MCS 15 40 MHz short GI", htVHTRate(7, w40, 2, true), 300_000_000},
		{"VHT MCS 9 80 MHz 2 SS short GI", htVHTRate(9, w80, 2, true), 866_666_660},
		{"VHT MCS 9 160 MHz 1 SS long GI", htVHTRate(9, w160, 1, false), 780_000_000},
		{"HE MCS 0 20 MHz", heRate(0, w20, 1), 8_600_000},
		{"HE MCS 11 80 MHz 2 SS", heRate(11, w80, 2), 1_201_000_000},
		{"HE MCS 11 160 MHz 2 SS", heRate(11, w160, 2), 2_402_000_000},
		{"HE MCS 6 40 MHz", heRate(6, w40, 1), 154_900_000},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

func TestEstimateDataRate(t *testing.T) {
	noHE := DefaultCapabilities()
	noHE.HE = false
	htOnly := DefaultCapabilities()
	htOnly.HE, htOnly.VHT = false, false
	legacy := &Capabilities{}

	htCapUnequal := "2d 1a ef09 1b 00000000000000000000 0000 07 000000 0000 00000000 00"
	htCapTxUndefined := "2d 1a ef09 1b ffff0000000000000000 0000 00 000000 0000 00000000 00"

	for _, tc := range []struct {
		name string
		ies  []byte
		own  *Capabilities
		rssi int
		want uint64
	}{
		{"legacy 11g at -68: 36 Mb/s", ies(t, ssidHome, rates11g), nil, -68, 36_000_000},
		{"legacy 11g at -89: 1 Mb/s", ies(t, ssidHome, rates11g), nil, -89, 1_000_000},
		{"legacy 11a at -40: 54 Mb/s", ies(t, ssidHome, rates11a), nil, -40, 54_000_000},
		{"legacy ignores HT when we lack it", ies(t, rates11g, htCap2x2, htOp20), legacy, -40, 54_000_000},
		{"HT 20 MHz 2 SS short GI at -50", ies(t, rates11g, htCap2x2, htOp20), nil, -50, 144_444_440},
		{"HT 40 MHz 2 SS short GI at -50", ies(t, rates11a, htCap2x2, htOp40), nil, -50, 300_000_000},
		{"HT 40 MHz at -70: MCS 11", ies(t, rates11a, htCap2x2, htOp40), nil, -70, 120_000_000},
		{"HT Tx MCS set undefined: MCS 0-7", ies(t, rates11g, htCapTxUndefined, htOp20), nil, -50, 72_222_220},
		{"HT Tx set unequal, 2 Tx streams", ies(t, rates11g, htCapUnequal, htOp20), nil, -50, 144_444_440},
		{"VHT 80 MHz 2 SS MCS 9 at -40", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp80), noHE, -40, 866_666_660},
		{"VHT 80 MHz at -60: MCS 5", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp80), noHE, -60, 520_000_000},
		{"VHT 160 MHz, long GI, at -40", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp160), noHE, -40, 1_560_000_000},
		{"VHT with HT-only us: HT 40", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp80), htOnly, -40, 300_000_000},
		{"HE 80 MHz 2 SS MCS 11 at -40", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp80, heCap80, heOp5), nil, -40, 1_201_000_000},
		{"HE 80 MHz at -60: MCS 5", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp80, heCap80, heOp5), nil, -60, 576_400_000},
		{"HE 160 MHz at -30", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp160, heCap160PPE, heOp5), nil, -30, 2_402_000_000},
		{"HE 2.4 GHz 40 MHz at -40", ies(t, rates11g, htCap2x2, htOp40, heCap24, heOp5), nil, -40, 573_600_000},
		{"HE without VHT on our side", ies(t, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp80, heCap80), noHE, -40, 866_666_660},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EstimateDataRate(tc.ies, tc.own, tc.rssi)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("rate %d, want %d", got, tc.want)
			}
		})
	}
}

func TestEstimateDataRateErrors(t *testing.T) {
	if _, err := EstimateDataRate(ies(t, ssidHome, rates11g), nil, -95); !errors.Is(err, ErrRateUnreachable) {
		t.Errorf("-95 dBm: %v", err)
	}
	if _, err := EstimateDataRate(ies(t, ssidHome), nil, -40); !errors.Is(err, ErrNoRates) {
		t.Errorf("no rates: %v", err)
	}
	// A 25-byte HT Capabilities element: like iwd, no estimate at all.
	bad := ies(t, ssidHome, rates11g, "2d 19 ef09 1b ffff0000000000000000 0000 01 000000 0000 00000000", htOp20)
	_, err := EstimateDataRate(bad, nil, -40)
	if err == nil || err.Error() != "ie: HT Capabilities (45) at offset 24: length 25, want 26" {
		t.Errorf("bad HT caps: %v", err)
	}
	// ... but Summary.EstimateDataRate uses what parsed.
	s, _ := Summarize(bad, 0)
	if r, err := s.EstimateDataRate(nil, -40); err != nil || r != 54_000_000 {
		t.Errorf("summary estimate %d, %v", r, err)
	}
	if _, err := EstimateDataRate(ies(t, ssidHome, rates11g, "30 14 01"), nil, -40); err == nil {
		t.Error("truncated element list accepted")
	}
}

func FuzzEstimateDataRate(f *testing.F) {
	f.Add(ies(f, rates11a, htCap2x2, htOp40, vhtCap2x2, vhtOp160, heCap160PPE, heOp5), -40)
	f.Add(ies(f, rates11g, htCap2x2, htOp20), -70)
	f.Add(ies(f, rates11g), -100)
	f.Fuzz(func(t *testing.T, b []byte, rssi int) {
		r, err := EstimateDataRate(b, nil, rssi)
		if err == nil && r == 0 {
			t.Fatal("zero rate without error")
		}
		if r > 10_000_000_000 {
			t.Fatalf("rate %d", r)
		}
	})
}

func TestCapabilitiesFromNL80211(t *testing.T) {
	var c Capabilities
	if err := c.SetVHTMCSSet(hx(t, "faff 0000 faff 0000")); err != nil || c.VHTRxMCSMap != 0xfffa {
		t.Errorf("VHT: %#x, %v", uint16(c.VHTRxMCSMap), err)
	}
	if err := c.SetHEMCSSet(hx(t, "faff faff feff feff")); err != nil || c.HERxMCS80 != 0xfffa || c.HERxMCS160 != 0xfffe || c.HERxMCS8080 != 0xffff {
		t.Errorf("HE: %+v, %v", c, err)
	}
	if err := c.SetVHTMCSSet(make([]byte, 4)); err == nil {
		t.Error("short VHT set accepted")
	}
	if err := c.SetHEMCSSet(make([]byte, 6)); err == nil {
		t.Error("6-byte HE set accepted")
	}
	if PHYMode(9).String() != "unknown" || PHYVHT.String() != "vht" {
		t.Error("PHYMode.String")
	}
}
