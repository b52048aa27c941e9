package ie

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// Real-world RSN elements, whole (ID and length included).
var rsnVectors = []struct {
	name string
	hex  string
	want RSN
}{
	{
		// hostapd's default for wpa=2 wpa_key_mgmt=WPA-PSK rsn_pairwise=CCMP
		name: "WPA2-PSK CCMP (hostapd default)",
		hex:  "30 14 0100 000fac04 0100 000fac04 0100 000fac02 0000",
		want: RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK}},
	},
	{
		// WPA3-Personal only, ieee80211w=2 (MFPR|MFPC)
		name: "WPA3-SAE MFP required",
		hex:  "30 14 0100 000fac04 0100 000fac04 0100 000fac08 c000",
		want: RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMSAE}, Capabilities: RSNCapMFPR | RSNCapMFPC},
	},
	{
		// WPA2/WPA3 transition: PSK and SAE, MFP capable
		name: "WPA2/WPA3 transition",
		hex:  "30 18 0100 000fac04 0100 000fac04 0200 000fac02 000fac08 8000",
		want: RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK, AKMSAE}, Capabilities: RSNCapMFPC},
	},
	{
		// WPA2-Enterprise with TKIP group (mixed mode), CCMP+TKIP
		// pairwise, 802.1X and FT-802.1X, preauthentication, 16 PTKSA
		// replay counters
		name: "WPA2-Enterprise mixed",
		hex:  "30 1c 0100 000fac02 0200 000fac04 000fac02 0200 000fac01 000fac03 0d00",
		want: RSN{Version: 1, GroupCipher: CipherTKIP, PairwiseCiphers: []CipherSuite{CipherCCMP128, CipherTKIP}, AKMs: []AKMSuite{AKM8021X, AKMFT8021X}, Capabilities: RSNCapPreAuth | 3<<2},
	},
	{
		// WPA3-Enterprise 192-bit: GCMP-256, Suite B 192, BIP-GMAC-256
		name: "WPA3-Enterprise 192-bit",
		hex:  "30 1a 0100 000fac09 0100 000fac09 0100 000fac0c e000 0000 000fac0c",
		want: RSN{Version: 1, GroupCipher: CipherGCMP256, PairwiseCiphers: []CipherSuite{CipherGCMP256}, AKMs: []AKMSuite{AKM8021XSuiteB192}, Capabilities: RSNCapMFPR | RSNCapMFPC | 2<<4, GroupManagementCipher: CipherBIPGMAC256},
	},
	{
		// a station's RSNE in a reassociation request with one PMKID
		name: "PSK with PMKID",
		hex: "30 26 0100 000fac04 0100 000fac04 0100 000fac02 0000 0100" +
			"00112233445566778899aabbccddeeff",
		want: RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK},
			PMKIDs: []PMKID{{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}}},
	},
	{
		// OWE with MFP required
		name: "OWE",
		hex:  "30 14 0100 000fac04 0100 000fac04 0100 000fac12 c000",
		want: RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMOWE}, Capabilities: RSNCapMFPR | RSNCapMFPC},
	},
}

func rsnEqual(a, b *RSN) bool {
	return a.Version == b.Version && a.GroupCipher == b.GroupCipher &&
		slices.Equal(a.PairwiseCiphers, b.PairwiseCiphers) && slices.Equal(a.AKMs, b.AKMs) &&
		a.Capabilities == b.Capabilities && slices.Equal(a.PMKIDs, b.PMKIDs) &&
		a.GroupManagementCipher == b.GroupManagementCipher
}

func TestRSNVectors(t *testing.T) {
	for _, v := range rsnVectors {
		t.Run(v.name, func(t *testing.T) {
			raw := hx(t, v.hex)
			if int(raw[1]) != len(raw)-2 {
				t.Fatalf("bad vector: length %d, body %d", raw[1], len(raw)-2)
			}
			r, err := ParseRSN(raw[2:])
			if err != nil {
				t.Fatal(err)
			}
			if !rsnEqual(r, &v.want) {
				t.Fatalf("got %+v\nwant %+v", r, v.want)
			}
			enc, err := r.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, raw) {
				t.Errorf("round trip:\n got % x\nwant % x", enc, raw)
			}
		})
	}
}

func TestRSNDefaults(t *testing.T) {
	// Every optional tail field may be absent.
	for _, tc := range []struct {
		hex  string
		want RSN
	}{
		{"0100", RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKM8021X}}},
		{"0100 000fac02", RSN{Version: 1, GroupCipher: CipherTKIP, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKM8021X}}},
		{"0100 000fac04 0100 000fac04", RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKM8021X}}},
		{"0100 000fac04 0100 000fac04 0100 000fac02", RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK}}},
		{"0100 000fac04 0100 000fac04 0100 000fac02 8000 0000", RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK}, Capabilities: RSNCapMFPC}},
		// trailing octets after the group management cipher are ignored
		{"0100 000fac04 0100 000fac04 0100 000fac02 8000 0000 000fac06 ff", RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK}, Capabilities: RSNCapMFPC, GroupManagementCipher: CipherBIPCMAC128}},
	} {
		r, err := ParseRSN(hx(t, tc.hex))
		if err != nil {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		if !rsnEqual(r, &tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.hex, r, tc.want)
		}
	}
}

func TestRSNErrors(t *testing.T) {
	for _, tc := range []struct{ hex, want string }{
		{"", "ie: RSN (48) at offset 0: version truncated: 0 bytes"},
		{"0200", "ie: RSN (48) at offset 0: version 2, want 1"},
		{"0100 000f", "ie: RSN (48) at offset 2: group cipher truncated: 2 of 4 bytes"},
		{"0100 000fac04 03", "ie: RSN (48) at offset 6: pairwise count truncated: 1 of 2 bytes"},
		{"0100 000fac04 0300 000fac04", "ie: RSN (48) at offset 6: pairwise count 3 exceeds length (4 bytes left)"},
		{"0100 000fac04 0000", "ie: RSN (48) at offset 6: pairwise count 0"},
		{"0100 000fac04 0100 000fac04 0200 000fac02", "ie: RSN (48) at offset 12: AKM count 2 exceeds length (4 bytes left)"},
		{"0100 000fac04 0100 000fac04 0100 000fac02 00", "ie: RSN (48) at offset 18: RSN capabilities truncated: 1 of 2 bytes"},
		{"0100 000fac04 0100 000fac04 0100 000fac02 0000 0200 00112233445566778899aabbccddeeff", "ie: RSN (48) at offset 20: PMKID count 2 exceeds length (16 bytes left)"},
		{"0100 000fac04 0100 000fac04 0100 000fac02 0000 0000 000fac", "ie: RSN (48) at offset 22: group management cipher truncated: 3 of 4 bytes"},
	} {
		_, err := ParseRSN(hx(t, tc.hex))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.hex, err, tc.want)
		}
	}
}

func TestRSNInBuffer(t *testing.T) {
	// An RSN element after an SSID: the error offset counts from the
	// start of the buffer given to Summarize.
	b := hx(t, "00 02 6869  30 0c 0100 000fac04 0300 000fac04")
	s, err := Summarize(b, 0)
	want := "ie: RSN (48) at offset 12: pairwise count 3 exceeds length (4 bytes left)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.ID != IDRSN || e.Offset != 12 {
		t.Errorf("errors.As: %+v", e)
	}
	if s.Security != SecurityUnknown || s.RSN != nil || string(s.SSID) != "hi" {
		t.Errorf("summary = %+v", s)
	}
}

func TestRSNHelpers(t *testing.T) {
	r, err := ParseRSN(hx(t, "0100 000fac04 0100 000fac04 0200 000fac02 000fac08 8000"))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.GroupMgmtCipher(); got != CipherBIPCMAC128 {
		t.Errorf("default group management cipher = %v", got)
	}
	if !r.HasAKM(AKMSAE) || r.HasAKM(AKMFTSAE) || !r.HasPairwise(CipherCCMP128) {
		t.Error("HasAKM/HasPairwise")
	}
	// Same parameters, other order, a PMKID and an explicit default
	// BIP-CMAC-128: same security.
	o := &RSN{Version: 1, GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128},
		AKMs: []AKMSuite{AKMSAE, AKMPSK}, Capabilities: RSNCapMFPC, PMKIDs: []PMKID{{1}}, GroupManagementCipher: CipherBIPCMAC128}
	if !r.SameSecurity(o) {
		t.Error("SameSecurity = false, want true")
	}
	o.Capabilities |= RSNCapMFPR
	if r.SameSecurity(o) {
		t.Error("SameSecurity ignores MFPR")
	}
	if _, err := (&RSN{GroupCipher: CipherCCMP128}).Marshal(); err == nil {
		t.Error("Marshal without pairwise cipher succeeded")
	}
	big := &RSN{GroupCipher: CipherCCMP128, PairwiseCiphers: []CipherSuite{CipherCCMP128}, AKMs: []AKMSuite{AKMPSK}, PMKIDs: make([]PMKID, 16)}
	if _, err := big.Marshal(); err == nil {
		t.Error("Marshal of a 278-byte body succeeded")
	}
}

func TestWPA(t *testing.T) {
	// hostapd wpa=1 wpa_pairwise=TKIP wpa_key_mgmt=WPA-PSK
	raw := hx(t, "dd 16 0050f2 01 0100 0050f202 0100 0050f202 0100 0050f202")
	if !IsWPA(raw[2:]) {
		t.Fatal("IsWPA = false")
	}
	r, err := ParseWPA(raw[2:])
	if err != nil {
		t.Fatal(err)
	}
	want := RSN{Version: 1, GroupCipher: CipherTKIP, PairwiseCiphers: []CipherSuite{CipherTKIP}, AKMs: []AKMSuite{AKMPSK}}
	if !rsnEqual(r, &want) {
		t.Fatalf("got %+v", r)
	}
	enc, err := r.MarshalWPA()
	if err != nil || !bytes.Equal(enc, raw) {
		t.Errorf("MarshalWPA = % x, %v", enc, err)
	}
	// WPA/WPA2 mixed mode vendor element: TKIP group, CCMP+TKIP pairwise, 802.1X
	r, err = ParseWPA(hx(t, "0050f2 01 0100 0050f202 0200 0050f204 0050f202 0100 0050f201"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.PairwiseCiphers, []CipherSuite{CipherCCMP128, CipherTKIP}) || !slices.Equal(r.AKMs, []AKMSuite{AKM8021X}) {
		t.Errorf("mixed: %+v", r)
	}
	for _, tc := range []struct{ hex, want string }{
		{"0050f2 02 0100", "ie: Vendor Specific (221) at offset 0: not a WPA element (want OUI 00-50-F2 type 1)"},
		{"0050f2 01 0200", "ie: Vendor Specific (221) at offset 4: WPA version 2, want 1"},
		{"0050f2 01 0100 0050f203", "ie: Vendor Specific (221) at offset 6: unknown WPA cipher 00-50-F2:3"},
		{"0050f2 01 0100 0050f202 0500 0050f202", "ie: Vendor Specific (221) at offset 10: WPA pairwise count 5 exceeds length (4 bytes left)"},
		{"0050f2 01 0100 0050f202 0100 0050f202 0100 000fac02", "ie: Vendor Specific (221) at offset 18: unknown WPA AKM 00-0F-AC:2"},
	} {
		_, err := ParseWPA(hx(t, tc.hex))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.hex, err, tc.want)
		}
	}
}

func TestSuites(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{CipherCCMP128.String(), "CCMP-128"},
		{CipherCCMP128.Selector(), "00-0F-AC:4"},
		{CipherSuite(0x000fac63).String(), "00-0F-AC:99"},
		{AKMSAE.String(), "SAE"},
		{AKMFT8021XSHA384.Selector(), "00-0F-AC:13"},
		{AKMOSEN.String(), "OSEN"},
		{AKMSuite(0x00904c01).String(), "00-90-4C:1"},
		{OUIWFA.String(), "50-6F-9A"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if !AKMFTSAE.IsSAE() || !AKMFTSAE.IsFT() || AKMSAE.IsFT() || !AKMSAEExtKey.IsSAE() {
		t.Error("IsSAE/IsFT")
	}
	if !AKMFT8021XSHA384.IsSHA384() || !AKM8021XSuiteB192.IsSHA384() || AKM8021XSuiteB.IsSHA384() || AKMSAE.IsSHA384() {
		t.Error("IsSHA384")
	}
	if !AKMFILSSHA256.Is8021X() || !AKMFILSSHA256.IsFILS() || AKMPSK.Is8021X() || !AKMFTPSK.IsPSK() {
		t.Error("Is8021X/IsFILS/IsPSK")
	}
	for c, n := range map[CipherSuite]int{CipherCCMP128: 16, CipherTKIP: 32, CipherGCMP256: 32, CipherWEP40: 5, CipherWEP104: 13, CipherBIPCMAC128: 16, CipherBIPGMAC256: 32, CipherNoGroupTraffic: 0} {
		if got := c.KeyLen(); got != n {
			t.Errorf("%v.KeyLen() = %d, want %d", c, got, n)
		}
	}
	if CipherBIPCMAC128.MICLen() != 8 || CipherBIPGMAC128.MICLen() != 16 || !CipherBIPCMAC256.IsGroupManagement() || CipherCCMP128.IsGroupManagement() {
		t.Error("BIP helpers")
	}
	if c := CipherGCMP256; c.OUI() != OUIIEEE || c.Type() != 9 {
		t.Error("OUI/Type")
	}
}

func FuzzRSN(f *testing.F) {
	for _, v := range rsnVectors {
		f.Add(hx(f, v.hex)[2:])
	}
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 0, 0, 0x0f, 0xac, 4, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRSN(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		enc, err := r.Marshal()
		if err != nil {
			return // e.g. too many PMKIDs for one element after defaults
		}
		r2, err := ParseRSN(enc[2:])
		if err != nil {
			t.Fatalf("re-parse of % x: %v", enc, err)
		}
		if !rsnEqual(r, r2) {
			t.Fatalf("round trip changed %+v into %+v", r, r2)
		}
	})
}

func FuzzWPA(f *testing.F) {
	f.Add(hx(f, "0050f2 01 0100 0050f202 0100 0050f202 0100 0050f202"))
	f.Add(hx(f, "0050f2 01 0100 0050f202 0200 0050f204 0050f202 0100 0050f201 0000"))
	f.Add(hx(f, "0050f2 01 0100"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseWPA(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if enc, err := r.MarshalWPA(); err == nil {
			r2, err := ParseWPA(enc[2:])
			if err != nil || !rsnEqual(r, r2) {
				t.Fatalf("round trip: %+v -> % x -> %+v, %v", r, enc, r2, err)
			}
		}
	})
}
