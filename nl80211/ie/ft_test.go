package ie

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestMobilityDomain(t *testing.T) {
	// hostapd mobility_domain=a1b2, ft_over_ds=1
	raw := hx(t, "36 03 a1b2 01")
	m, err := ParseMobilityDomain(raw[2:])
	if err != nil {
		t.Fatal(err)
	}
	if *m != (MobilityDomain{MDID: 0xb2a1, FTOverDS: true}) {
		t.Errorf("MDE %+v", m)
	}
	if got := m.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("Marshal = % x", got)
	}
	if _, err := ParseMobilityDomain([]byte{1, 2}); err == nil || err.Error() != "ie: Mobility Domain (54) at offset 0: length 2, want 3" {
		t.Errorf("short MDE: %v", err)
	}
}

var (
	ftANonce = strings.Repeat("a0", 32)
	ftSNonce = strings.Repeat("5e", 32)
	ftMIC16  = "00112233445566778899aabbccddeeff"
)

// An FTE from a reassociation response (FT-PSK): MIC control with element
// count 3, MIC, nonces, R1KH-ID, GTK (16-byte key wrapped into 24 octets),
// R0KH-ID "nas1.example.com", IGTK, OCI.
func ftReassocResp(t testing.TB) []byte {
	return hx(t, "37 b9 0003"+ftMIC16+ftANonce+ftSNonce+
		"01 06 020000000100"+
		"02 23 0100 10 0100000000000000"+strings.Repeat("6b", 24)+
		"03 10 6e6173312e6578616d706c652e636f6d"+
		"04 21 0400 050000000000 10"+strings.Repeat("17", 24)+
		"05 03 51 06 00")
}

func TestFTE(t *testing.T) {
	raw := ftReassocResp(t)
	if int(raw[1]) != len(raw)-2 {
		t.Fatalf("bad vector: length %d, body %d", raw[1], len(raw)-2)
	}
	f, err := ParseFTE(raw[2:], 16)
	if err != nil {
		t.Fatal(err)
	}
	if f.ElementCount != 3 || f.RSNXEUsed || !bytes.Equal(f.MIC, hx(t, ftMIC16)) || f.ANonce[0] != 0xa0 || f.SNonce[31] != 0x5e {
		t.Errorf("fixed fields %+v", f)
	}
	if f.R1KHID == nil || *f.R1KHID != [6]byte{2, 0, 0, 0, 1, 0} || string(f.R0KHID) != "nas1.example.com" {
		t.Errorf("KH-IDs %v %q", f.R1KHID, f.R0KHID)
	}
	if f.GTK == nil || f.GTK.KeyID != 1 || f.GTK.KeyLength != 16 || f.GTK.RSC[0] != 1 || len(f.GTK.WrappedKey) != 24 {
		t.Errorf("GTK %+v", f.GTK)
	}
	if f.IGTK == nil || f.IGTK.KeyID != 4 || f.IGTK.PN[0] != 5 || f.IGTK.KeyLength != 16 || len(f.IGTK.WrappedKey) != 24 {
		t.Errorf("IGTK %+v", f.IGTK)
	}
	if !bytes.Equal(f.OCI, []byte{0x51, 6, 0}) || f.BIGTK != nil || len(f.Other) != 0 {
		t.Errorf("OCI/BIGTK/Other %+v", f)
	}
	enc, err := f.Marshal(16)
	if err != nil || !bytes.Equal(enc, raw) {
		t.Errorf("Marshal:\n got % x, %v\nwant % x", enc, err, raw)
	}

	// FT authentication request: SHA-384 AKM (24-byte MIC, zero),
	// SNonce and R0KH-ID only; RSNXE used.
	req := &FTE{RSNXEUsed: true, R0KHID: []byte("nas1")}
	copy(req.SNonce[:], hx(t, ftSNonce))
	enc, err = req.Marshal(24)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != 2+2+24+64+6 || enc[2] != 1 {
		t.Fatalf("auth request FTE % x", enc)
	}
	back, err := ParseFTE(enc[2:], 24)
	if err != nil || !back.RSNXEUsed || string(back.R0KHID) != "nas1" || back.SNonce != req.SNonce || len(back.MIC) != 24 {
		t.Errorf("re-parse %+v, %v", back, err)
	}
}

func TestFTEErrors(t *testing.T) {
	fixed := "0000" + ftMIC16 + ftANonce + ftSNonce
	for _, tc := range []struct {
		hex    string
		micLen int
		want   string
	}{
		{fixed, 24, "ie: Fast BSS Transition (55) at offset 0: length 82, want at least 90 for a 24-byte MIC"},
		{fixed, 20, "ie: Fast BSS Transition (55) at offset 0: MIC length 20, want 16, 24 or 32"},
		{fixed + "01", 16, "ie: Fast BSS Transition (55) at offset 82: subelement header truncated"},
		{fixed + "01 06 0200", 16, "ie: Fast BSS Transition (55) at offset 82: subelement 1 length 6 exceeds the 2 bytes left"},
		{fixed + "01 05 0200000001", 16, "ie: Fast BSS Transition (55) at offset 82: R1KH-ID length 5, want 6"},
		{fixed + "03 00", 16, "ie: Fast BSS Transition (55) at offset 82: R0KH-ID length 0, want 1 to 48"},
		{fixed + "02 23 0100 20 0000000000000000" + strings.Repeat("6b", 24), 16, "ie: Fast BSS Transition (55) at offset 82: GTK key length 32 needs a 40-byte wrapped key, have 24"},
		{fixed + "04 10 0400 050000000000 10 0000000000000000", 16, "ie: Fast BSS Transition (55) at offset 82: IGTK subelement length 16, want 33 to 49"},
		{fixed + "01 06 020000000100 01 06 020000000100", 16, "ie: Fast BSS Transition (55) at offset 90: duplicate R1KH-ID"},
	} {
		_, err := ParseFTE(hx(t, tc.hex), tc.micLen)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	// unknown subelements are kept
	f, err := ParseFTE(hx(t, fixed+"09 02 abcd"), 16)
	if err != nil || len(f.Other) != 1 || f.Other[0].ID != 9 {
		t.Errorf("unknown subelement: %+v, %v", f, err)
	}
}

func FuzzMobilityDomain(f *testing.F) {
	f.Add([]byte{0xa1, 0xb2, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMobilityDomain(b)
		fuzzCheck(t, err)
		if err == nil && !bytes.Equal(m.Marshal()[2:], append([]byte{b[0], b[1]}, b[2]&3)) {
			t.Fatal("round trip")
		}
	})
}

func FuzzFTE(f *testing.F) {
	f.Add(ftReassocResp(f)[2:], 16)
	f.Add(hx(f, "0000"+ftMIC16+ftANonce+ftSNonce+"01"), 16)
	f.Add(hx(f, "0000"+ftMIC16+ftMIC16[:16]+ftANonce+ftSNonce+"03 01 41"), 24)
	f.Fuzz(func(t *testing.T, b []byte, micLen int) {
		fte, err := ParseFTE(b, micLen)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		enc, err := fte.Marshal(micLen)
		if len(b) > 255 {
			return // no element carries such a body; Marshal refuses it
		}
		if err != nil {
			t.Fatalf("Marshal of a parsed FTE: %v", err)
		}
		if _, err := ParseFTE(enc[2:], micLen); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
