package anqp

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestNAIRealmHostapd(t *testing.T) {
	built := hostapdNAIRealm(
		naiRealmConf{1, []string{"example.com"}, []eapConf{{13, [][2]uint8{{5, 6}}}, {21, [][2]uint8{{2, 4}, {5, 7}}}}},
		naiRealmConf{1, []string{"another.example.com"}, nil},
	)
	if !bytes.Equal(built, hx(t, naiRealmHostapd)) {
		t.Fatalf("hostapd's encoding\n built % x\n const % x", built, hx(t, naiRealmHostapd))
	}
	rs, err := ParseNAIRealms(built)
	if err != nil {
		t.Fatal(err)
	}
	want := []NAIRealm{
		{Names: []string{"example.com"}, EAPMethods: []uint8{13, 21}},
		{Names: []string{"another.example.com"}},
	}
	if !equalRealms(rs, want) {
		t.Errorf("got %+v\nwant %+v", rs, want)
	}
}

func TestNAIRealmSeveralNames(t *testing.T) {
	// nai_realm=0,example.com;example.net,25[2:4] (PEAP, inner
	// MSCHAPv2), RFC 4282 encoding
	b := hostapdNAIRealm(naiRealmConf{0, []string{"example.com", "example.net"}, []eapConf{{25, [][2]uint8{{2, 4}}}}})
	rs, err := ParseNAIRealms(b)
	want := []NAIRealm{{Names: []string{"example.com", "example.net"}, EAPMethods: []uint8{25}}}
	if err != nil || !equalRealms(rs, want) {
		t.Errorf("got %+v, %v", rs, err)
	}
	// empty names dropped; octets past the EAP methods skipped, as the
	// field's length says
	b = hx(t, "0100 0a00 00 04 3b612e62 00 ffff ff")
	rs, err = ParseNAIRealms(b)
	if err != nil || !equalRealms(rs, []NAIRealm{{Names: []string{"a.b"}}}) {
		t.Errorf("got %+v, %v", rs, err)
	}
	// no realms
	if rs, err := ParseNAIRealms(hx(t, "0000")); err != nil || len(rs) != 0 {
		t.Errorf("empty list: %+v, %v", rs, err)
	}
}

func equalRealms(a, b []NAIRealm) bool {
	return slices.EqualFunc(a, b, func(x, y NAIRealm) bool {
		return slices.Equal(x.Names, y.Names) && slices.Equal(x.EAPMethods, y.EAPMethods)
	})
}

func TestNAIRealmHostile(t *testing.T) {
	for _, tc := range []struct{ hex, want string }{
		{"", "anqp: NAI Realm: count truncated: 0 of 2 bytes"},
		{"ffff", "anqp: NAI Realm: realm 1 of 65535: length truncated at offset 2"},
		{"ffff 0400 00 00 00", "anqp: NAI Realm: realm 1 of 65535 at offset 2: length 4 exceeds the 3 bytes left"},
		{"0200 0300 00 00 00", "anqp: NAI Realm: realm 2 of 2: length truncated at offset 7"},
		{"0100 0100 00", "anqp: NAI Realm: field at offset 4: encoding and realm length truncated"},
		{"0100 0300 00 05 61", "anqp: NAI Realm: field at offset 4: realm length 5 exceeds the 1 bytes left"},
		{"0100 0300 00 01 61", "anqp: NAI Realm: field at offset 4: EAP method count missing"},
		{"0100 0400 01 01 ff 00", "anqp: NAI Realm: field at offset 4: realm flagged UTF-8 is not"},
		{"0100 0300 00 00 01", "anqp: NAI Realm: field at offset 4: EAP method 1 of 1 missing"},
		{"0100 0300 00 00 ff", "anqp: NAI Realm: field at offset 4: EAP method 1 of 255 missing"},
		{"0100 0500 00 00 01 05 0d", "anqp: NAI Realm: field at offset 4: EAP method 1 length 5 exceeds the 1 bytes left"},
		{"0100 0600 00 00 01 01 0d 00", "anqp: NAI Realm: EAP method at offset 8: 1 bytes, want at least 2"},
		{"0100 0600 00 00 01 02 0d 01", "anqp: NAI Realm: EAP method 13 at offset 8: parameter 1 of 1 truncated"},
		{"0100 0700 00 00 01 03 0d 01 05", "anqp: NAI Realm: EAP method 13 at offset 8: parameter 1 of 1 truncated"},
		{"0100 0900 00 00 01 05 0d 01 05 03 06", "anqp: NAI Realm: EAP method 13 at offset 8: parameter 1 length 3 exceeds the 1 bytes left"},
		{"0100 0900 00 00 01 05 0d ff 05 01 06", "anqp: NAI Realm: EAP method 13 at offset 8: parameter 2 of 255 truncated"},
	} {
		rs, err := ParseNAIRealms(hx(t, tc.hex))
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrMalformed) || rs != nil {
			t.Errorf("%s:\n got %v\nwant %s", tc.hex, err, tc.want)
		}
	}
	// RFC 4282 encoding is not checked (iwd does not either): the
	// realm is taken as it is
	rs, err := ParseNAIRealms(hx(t, "0100 0400 00 01 ff 00"))
	if err != nil || len(rs) != 1 || rs[0].Names[0] != "\xff" {
		t.Errorf("RFC 4282 realm: %+v, %v", rs, err)
	}
}

func FuzzParseNAIRealms(f *testing.F) {
	f.Add(hx(f, naiRealmHostapd))
	f.Add(hx(f, "ffff 0400 00 00 00"))
	f.Add(hx(f, "0100 0a00 00 04 3b612e62 00 ffff ff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := ParseNAIRealms(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || rs != nil {
				t.Fatalf("error %v is not ErrMalformed, or realms with it", err)
			}
			return
		}
		for _, r := range rs {
			for _, n := range r.Names {
				if n == "" || bytes.IndexByte([]byte(n), ';') >= 0 {
					t.Fatalf("name %q", n)
				}
			}
		}
	})
}
