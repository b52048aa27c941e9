package anqp

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestRoamingConsortiumList(t *testing.T) {
	// hostapd's anqp_add_roaming_consortium for roaming_consortium=112233,
	// 1020304050, 010203040506, fedcba: all four, the last one only here
	oi, err := ParseRoamingConsortiumList(hx(t, "03 112233 05 1020304050 06 010203040506 03 fedcba"))
	if err != nil || len(oi) != 4 || !bytes.Equal(oi[3], hx(t, "fedcba")) || cap(oi[0]) != 3 {
		t.Fatalf("%x %v", oi, err)
	}
	if oi, err := ParseRoamingConsortiumList(nil); oi != nil || err != nil {
		t.Errorf("empty: %x %v", oi, err)
	}
	for _, tc := range []struct{ hex, want string }{
		{"03 1122", "anqp: Roaming Consortium: OI at offset 0: length 3 exceeds the 2 bytes left"},
		{"03 112233 00", "anqp: Roaming Consortium: empty OI at offset 4"},
	} {
		if _, err := ParseRoamingConsortiumList(hx(t, tc.hex)); err == nil || err.Error() != tc.want || !errors.Is(err, ErrMalformed) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestDomainNames(t *testing.T) {
	// hostapd's domain_name=example.com,example.net
	names, err := ParseDomainNames(hx(t, "0b 6578616d706c652e636f6d 0b 6578616d706c652e6e6574"))
	if err != nil || !slices.Equal(names, []string{"example.com", "example.net"}) {
		t.Fatalf("%q %v", names, err)
	}
	if _, err := ParseDomainNames(hx(t, "0c 6578616d706c652e636f6d")); err == nil ||
		err.Error() != "anqp: Domain Name: name at offset 0: length 12 exceeds the 11 bytes left" {
		t.Errorf("truncated: %v", err)
	}
}

func FuzzLists(f *testing.F) {
	f.Add(hx(f, "03 112233 05 1020304050 06 010203040506 03 fedcba"))
	f.Add(hx(f, "03 112233 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		oi, err := ParseRoamingConsortiumList(b)
		names, err2 := ParseDomainNames(b)
		if (err == nil) != (err2 == nil) || len(oi) != len(names) {
			t.Fatalf("the two lists disagree: %v, %v", err, err2)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		n := 0
		for _, o := range oi {
			n += 1 + len(o)
		}
		if n != len(b) {
			t.Fatalf("OIs cover %d of %d bytes", n, len(b))
		}
	})
}
