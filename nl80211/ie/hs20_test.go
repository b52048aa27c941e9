package ie

import (
	"bytes"
	"testing"
)

// The Hotspot 2.0 elements of hostapd's beacon for
//
//	interworking=1 access_network_type=14 internet=1
//	venue_group=7 venue_type=1 hessid=02:00:00:00:04:00
//	roaming_consortium=112233, 1020304050, 010203040506, fedcba
//	hs20=1 (release 3, ANQP Domain ID 0x1234) disable_dgaf=1
//
// four OIs configured: the first three in the beacon, one more over ANQP.
const (
	hotspotInterworking = "6b 09 1e 0701 020000000400"
	hotspotRC           = "6f 10 01 53 112233 1020304050 010203040506"
	hotspotHS20         = "dd 07 506f9a 10 25 3412"
)

func TestInterworking(t *testing.T) {
	iw, err := ParseInterworking(hx(t, hotspotInterworking)[2:])
	if err != nil {
		t.Fatal(err)
	}
	if iw.AccessNetworkType != 14 || !iw.Internet || iw.ASRA || iw.ESR || iw.UESA {
		t.Errorf("options %+v", iw)
	}
	if !iw.HasVenue || iw.VenueGroup != 7 || iw.VenueType != 1 {
		t.Errorf("venue %+v", iw)
	}
	if !bytes.Equal(iw.HESSID, hx(t, "020000000400")) || cap(iw.HESSID) != 6 {
		t.Errorf("HESSID % x", iw.HESSID)
	}
	for _, tc := range []struct {
		hex            string
		venue, hessid  bool
		typ            uint8
		asra, esr, ues bool
	}{
		{"e2", false, false, 2, true, true, true},
		{"03 0201", true, false, 3, false, false, false},
		{"00 020000000400", false, true, 0, false, false, false},
	} {
		iw, err := ParseInterworking(hx(t, tc.hex))
		if err != nil {
			t.Fatalf("%s: %v", tc.hex, err)
		}
		if iw.HasVenue != tc.venue || (iw.HESSID != nil) != tc.hessid || iw.AccessNetworkType != tc.typ ||
			iw.ASRA != tc.asra || iw.ESR != tc.esr || iw.UESA != tc.ues || iw.Internet {
			t.Errorf("%s: %+v", tc.hex, iw)
		}
	}
	for _, tc := range []struct{ hex, want string }{
		{"", "ie: Interworking (107) at offset 0: length 0, want 1, 3, 7 or 9"},
		{"1e 07", "ie: Interworking (107) at offset 0: length 2, want 1, 3, 7 or 9"},
		{"1e 0701 0200000004", "ie: Interworking (107) at offset 0: length 8, want 1, 3, 7 or 9"},
		{"1e 0701 020000000400 00", "ie: Interworking (107) at offset 0: length 10, want 1, 3, 7 or 9"},
	} {
		if _, err := ParseInterworking(hx(t, tc.hex)); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestRoamingConsortium(t *testing.T) {
	rc, err := ParseRoamingConsortium(hx(t, hotspotRC)[2:])
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{hx(t, "112233"), hx(t, "1020304050"), hx(t, "010203040506")}
	if rc.NumANQPOIs != 1 || len(rc.OIs) != 3 {
		t.Fatalf("%+v", rc)
	}
	for i, oi := range rc.OIs {
		if !bytes.Equal(oi, want[i]) || cap(oi) != len(oi) {
			t.Errorf("OI #%d % x, want % x", i+1, oi, want[i])
		}
		if !rc.Contains(want[i]) {
			t.Errorf("Contains(% x) false", want[i])
		}
	}
	for _, oi := range []string{"fedcba", "1122", "11223344", ""} {
		if rc.Contains(hx(t, oi)) {
			t.Errorf("Contains(%s) true", oi)
		}
	}
	var none *RoamingConsortium
	if none.Contains(want[0]) {
		t.Error("nil element contains an OI")
	}

	// one OI, and two (OI #3 empty)
	rc, err = ParseRoamingConsortium(hx(t, "00 03 506f9a"))
	if err != nil || len(rc.OIs) != 1 || !rc.Contains(hx(t, "506f9a")) {
		t.Errorf("one OI: %+v, %v", rc, err)
	}
	rc, err = ParseRoamingConsortium(hx(t, "00 33 506f9a 001bc5"))
	if err != nil || len(rc.OIs) != 2 || !rc.Contains(hx(t, "001bc5")) {
		t.Errorf("two OIs: %+v, %v", rc, err)
	}

	for _, tc := range []struct{ hex, want string }{
		{"00", "ie: Roaming Consortium (111) at offset 0: length 1, want at least 2"},
		{"00 30 112233", "ie: Roaming Consortium (111) at offset 1: OI #1 length 0"},
		{"00 03 1122", "ie: Roaming Consortium (111) at offset 1: OI lengths 3 and 0 exceed the 2 bytes left"},
		{"01 53 112233 10203040", "ie: Roaming Consortium (111) at offset 1: OI lengths 3 and 5 exceed the 7 bytes left"},
	} {
		if _, err := ParseRoamingConsortium(hx(t, tc.hex)); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestHS20Indication(t *testing.T) {
	h, err := ParseHS20Indication(hx(t, hotspotHS20)[6:])
	if err != nil {
		t.Fatal(err)
	}
	if *h != (HS20Indication{Version: 2, DGAFDisabled: true, ANQPDomainID: 0x1234, HasANQPDomainID: true}) {
		t.Errorf("%+v", h)
	}
	for _, tc := range []struct {
		hex  string
		want HS20Indication
	}{
		{"00", HS20Indication{}}, // release 1, as hostapd's hs20_release=1
		{"10", HS20Indication{Version: 1}},
		{"13 0100", HS20Indication{Version: 1, DGAFDisabled: true, PPSMOID: 1, HasPPSMOID: true}},
	} {
		h, err := ParseHS20Indication(hx(t, tc.hex))
		if err != nil || *h != tc.want {
			t.Errorf("%s: %+v, %v", tc.hex, h, err)
		}
	}
	for _, tc := range []struct{ hex, want string }{
		{"", "ie: Vendor Specific (221) at offset 0: Hotspot 2.0 Indication: configuration octet missing"},
		{"26 0000", "ie: Vendor Specific (221) at offset 0: Hotspot 2.0 Indication: both PPS MO ID and ANQP Domain ID flagged"},
		{"24", "ie: Vendor Specific (221) at offset 0: Hotspot 2.0 Indication: length 1, want 3 for configuration 0x24"},
		{"20 0000", "ie: Vendor Specific (221) at offset 0: Hotspot 2.0 Indication: length 3, want 1 for configuration 0x20"},
		{"22 00", "ie: Vendor Specific (221) at offset 0: Hotspot 2.0 Indication: length 2, want 3 for configuration 0x22"},
	} {
		if _, err := ParseHS20Indication(hx(t, tc.hex)); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestMarshalHS20(t *testing.T) {
	for _, tc := range []struct {
		version uint8
		want    string
	}{
		{0, "dd 05 506f9a 10 00"},
		{1, "dd 05 506f9a 10 10"},
		{2, "dd 05 506f9a 10 20"},
		{3, "dd 05 506f9a 10 20"}, // iwd sends no release above 3
		{255, "dd 05 506f9a 10 20"},
	} {
		b := MarshalHS20Indication(tc.version)
		if !bytes.Equal(b, hx(t, tc.want)) {
			t.Errorf("MarshalHS20Indication(%d) = % x, want %s", tc.version, b, tc.want)
		}
		es, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := es.FindVendor(OUIWFA, VendorTypeHS20)
		if !ok {
			t.Fatal("no HS20 vendor element")
		}
		h, err := ParseHS20Indication(e.Data[4:])
		if err != nil || h.Version != min(tc.version, MaxHS20Version) || h.DGAFDisabled || h.HasPPSMOID || h.HasANQPDomainID {
			t.Errorf("round trip %+v, %v", h, err)
		}
	}

	b := MarshalRoamingConsortiumSelection(hx(t, "1020304050"))
	if !bytes.Equal(b, hx(t, "dd 09 506f9a 1d 1020304050")) {
		t.Errorf("MarshalRoamingConsortiumSelection = % x", b)
	}
	if b := MarshalRoamingConsortiumSelection(nil); b != nil {
		t.Errorf("empty OI: % x", b)
	}
	if b := MarshalRoamingConsortiumSelection(make([]byte, 252)); b != nil {
		t.Errorf("252-octet OI: % x", b)
	}
	if b := MarshalRoamingConsortiumSelection(make([]byte, 251)); len(b) != 257 || b[1] != 255 {
		t.Errorf("251-octet OI: length %d", len(b))
	}
}

func TestSummaryHotspot(t *testing.T) {
	s, err := Summarize(ies(t, "00 07 686f7473706f74", hotspotInterworking, hotspotRC, hotspotHS20,
		"6b 01 00", "6f 05 00 03 aabbcc"), 0x0011) // duplicates: the first counts
	if err != nil {
		t.Fatal(err)
	}
	if s.Interworking == nil || s.Interworking.AccessNetworkType != 14 || !bytes.Equal(s.Interworking.HESSID, hx(t, "020000000400")) {
		t.Errorf("Interworking %+v", s.Interworking)
	}
	if s.RoamingConsortium == nil || len(s.RoamingConsortium.OIs) != 3 || s.RoamingConsortium.Contains(hx(t, "aabbcc")) {
		t.Errorf("RoamingConsortium %+v", s.RoamingConsortium)
	}
	if s.HS20 == nil || s.HS20.Version != 2 || s.HS20.ANQPDomainID != 0x1234 {
		t.Errorf("HS20 %+v", s.HS20)
	}

	s, err = Summarize(ies(t, "00 00", "6b 02 1e07", "6f 02 0000", "dd 05 506f9a 10 26"), 0)
	if s.Interworking != nil || s.RoamingConsortium != nil || s.HS20 != nil {
		t.Errorf("malformed elements used: %+v", s)
	}
	for _, sub := range []string{
		"ie: Interworking (107) at offset 4: length 2, want 1, 3, 7 or 9",
		"ie: Roaming Consortium (111) at offset 9: OI #1 length 0",
		"ie: Vendor Specific (221) at offset 16: Hotspot 2.0 Indication: both PPS MO ID and ANQP Domain ID flagged",
	} {
		if err == nil || !contains(err.Error(), sub) {
			t.Errorf("error %v lacks %q", err, sub)
		}
	}
}

func FuzzInterworking(f *testing.F) {
	f.Add(hx(f, hotspotInterworking)[2:])
	f.Add(hx(f, "03 0201"))
	f.Fuzz(func(t *testing.T, b []byte) {
		iw, err := ParseInterworking(b)
		fuzzCheck(t, err)
		if err == nil && iw.HESSID != nil && len(iw.HESSID) != 6 {
			t.Fatalf("HESSID % x", iw.HESSID)
		}
	})
}

func FuzzRoamingConsortium(f *testing.F) {
	f.Add(hx(f, hotspotRC)[2:])
	f.Add(hx(f, "00 33 506f9a 001bc5"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rc, err := ParseRoamingConsortium(b)
		fuzzCheck(t, err)
		if err != nil {
			return
		}
		n := 2
		for _, oi := range rc.OIs {
			if len(oi) == 0 || !rc.Contains(oi) {
				t.Fatalf("OI % x", oi)
			}
			n += len(oi)
		}
		if n != len(b) || len(rc.OIs) == 0 || len(rc.OIs) > 3 {
			t.Fatalf("%d OIs cover %d of %d bytes", len(rc.OIs), n, len(b))
		}
	})
}

func FuzzHS20Indication(f *testing.F) {
	f.Add(hx(f, hotspotHS20)[6:])
	f.Add(hx(f, "13 0100"))
	f.Add(hx(f, "00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHS20Indication(b)
		fuzzCheck(t, err)
		if err == nil && h.HasPPSMOID && h.HasANQPDomainID {
			t.Fatal("both PPS MO ID and ANQP Domain ID")
		}
	})
}
