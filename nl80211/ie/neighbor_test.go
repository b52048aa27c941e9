package ie

import (
	"bytes"
	"testing"
)

func TestNeighborReport(t *testing.T) {
	// BSS Transition Management Request candidate: reachable, security,
	// key scope, mobility domain, HT, VHT; op class 128, channel 36,
	// PHY type 9 (VHT), preference 255
	b := hx(t, "020000000100 8f1c0000 80 24 09 0301ff")
	n, err := ParseNeighborReport(b)
	if err != nil {
		t.Fatal(err)
	}
	if n.BSSID != [6]byte{2, 0, 0, 0, 1, 0} || n.Reachability() != 3 || n.BSSIDInfo&NeighborInfoMobilityDomain == 0 || n.BSSIDInfo&NeighborInfoVHT == 0 || n.BSSIDInfo&NeighborInfoHE != 0 {
		t.Errorf("report %+v", n)
	}
	if n.OperatingClass != 128 || n.Channel != 36 || n.PHYType != 9 {
		t.Errorf("channel fields %+v", n)
	}
	if p, ok := n.Preference(); !ok || p != 255 {
		t.Errorf("preference %d %v", p, ok)
	}
	for _, tc := range []struct{ hex, want string }{
		{"020000000100 8f1c0000 80 24", "ie: Neighbor Report (52) at offset 0: length 12, want at least 13"},
		{"020000000100 8f1c0000 80 24 09 03", "ie: Neighbor Report (52) at offset 13: subelement header truncated"},
		{"020000000100 8f1c0000 80 24 09 0302ffff", "ie: Neighbor Report (52) at offset 13: candidate preference length 2, want 1"},
		{"020000000100 8f1c0000 80 24 09 2d1a00", "ie: Neighbor Report (52) at offset 13: subelement 45 length 26 exceeds the 1 bytes left"},
	} {
		if _, err := ParseNeighborReport(hx(t, tc.hex)); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestTimeoutInterval(t *testing.T) {
	raw := MarshalTimeoutInterval(TimeoutKeyLifetime, 43200)
	if !bytes.Equal(raw, hx(t, "38 05 02 c0a80000")) {
		t.Errorf("Marshal = % x", raw)
	}
	typ, v, err := ParseTimeoutInterval(raw[2:])
	if err != nil || typ != TimeoutKeyLifetime || v != 43200 {
		t.Errorf("parse %d %d %v", typ, v, err)
	}
	if _, _, err := ParseTimeoutInterval(raw[2:6]); err == nil {
		t.Error("short accepted")
	}
}

func TestOWETransition(t *testing.T) {
	// open BSS pointing at its hidden OWE twin "owe-home" on op class 115 channel 36
	o, err := ParseOWETransition(hx(t, "506f9a 1c 020000000200 08 6f77652d686f6d65 73 24"))
	if err != nil {
		t.Fatal(err)
	}
	if o.BSSID[5] != 0 || o.BSSID[4] != 2 || string(o.SSID) != "owe-home" || !o.HasBand || o.OperatingClass != 115 || o.Channel != 36 {
		t.Errorf("OWE transition %+v", o)
	}
	o, err = ParseOWETransition(hx(t, "506f9a 1c 020000000200 00"))
	if err != nil || len(o.SSID) != 0 || o.HasBand {
		t.Errorf("no SSID/band: %+v, %v", o, err)
	}
	for _, tc := range []struct{ hex, want string }{
		{"0050f2 01", "ie: Vendor Specific (221) at offset 0: not an OWE Transition Mode element (want OUI 50-6F-9A type 0x1c)"},
		{"506f9a 1c 0200000002", "ie: Vendor Specific (221) at offset 4: BSSID and SSID length truncated: 5 of 7 bytes"},
		{"506f9a 1c 020000000200 09 6f77652d686f6d65", "ie: Vendor Specific (221) at offset 10: SSID length 9 exceeds 32 or the 8 bytes left"},
		{"506f9a 1c 020000000200 00 73", "ie: Vendor Specific (221) at offset 11: 1 bytes after the SSID, want 0 or 2"},
	} {
		if _, err := ParseOWETransition(hx(t, tc.hex)); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func FuzzNeighborReport(f *testing.F) {
	f.Add(hx(f, "020000000100 8f1c0000 80 24 09 0301ff"))
	f.Add(hx(f, "020000000100 8f1c0000 80 24 09 03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNeighborReport(b)
		fuzzCheck(t, err)
		if err == nil {
			n.Preference()
		}
	})
}

func FuzzTimeoutInterval(f *testing.F) {
	f.Add(hx(f, "02 c0a80000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, err := ParseTimeoutInterval(b)
		fuzzCheck(t, err)
	})
}

func FuzzOWETransition(f *testing.F) {
	f.Add(hx(f, "506f9a 1c 020000000200 08 6f77652d686f6d65 73 24"))
	f.Add(hx(f, "506f9a 1c 020000000200 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseOWETransition(b)
		fuzzCheck(t, err)
	})
}

func TestOperatingClassFreq(t *testing.T) {
	for _, c := range []struct {
		class, ch uint8
		want      uint32
	}{
		{81, 1, 2412}, {81, 6, 2437}, {81, 13, 2472}, {82, 14, 2484}, {83, 2, 2417},
		{115, 36, 5180}, {124, 149, 5745}, {128, 42, 5210},
		{131, 1, 5955}, {136, 2, 5935}, {133, 7, 5985},
		{12, 11, 2462}, {1, 36, 5180}, // country classes: by channel
		{81, 36, 0}, {115, 6, 0}, {200, 1, 0},
	} {
		if got := OperatingClassFreq(c.class, c.ch); got != c.want {
			t.Errorf("OperatingClassFreq(%d, %d) = %d, want %d", c.class, c.ch, got, c.want)
		}
	}
}
