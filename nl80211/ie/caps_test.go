package ie

import (
	"bytes"
	"testing"
)

func TestExtendedCapabilities(t *testing.T) {
	// 20/40 coexistence (bit 0), BSS transition (19), interworking (31),
	// operating mode notification (62)
	e, err := ParseExtendedCapabilities(hx(t, "01 00 08 80 00 00 00 40"))
	if err != nil {
		t.Fatal(err)
	}
	if !e.Bit(ExtCap2040Coexistence) || !e.BSSTransition() || e.ProxyARP() || !e.Interworking() || !e.Bit(ExtCapOperatingModeNotif) {
		t.Errorf("bits wrong in % x", []byte(e))
	}
	e, _ = ParseExtendedCapabilities(hx(t, "00 10"))
	if !e.ProxyARP() || e.BSSTransition() || e.Bit(200) || e.Bit(-1) || e.BeaconProtection() {
		t.Error("short field: bits past the end must read 0")
	}
	if _, err := ParseExtendedCapabilities(nil); err == nil {
		t.Error("empty accepted")
	}
}

func TestRMEnabledCapabilities(t *testing.T) {
	// link measurement, neighbor report, beacon passive/active/table
	r, err := ParseRMEnabledCapabilities(hx(t, "73 00 00 00 00"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.NeighborReport() || !r.LinkMeasurement() || !r.BeaconReport() || r.Bit(RMCapParallelMeasurement) {
		t.Errorf("bits wrong in % x", r)
	}
	if _, err := ParseRMEnabledCapabilities(hx(t, "02 00 00")); err == nil || err.Error() != "ie: RM Enabled Capabilities (70) at offset 0: length 3, want 5" {
		t.Errorf("short: %v", err)
	}
}

func TestRSNX(t *testing.T) {
	// hostapd sae_pwe=1 or 2: one octet, length subfield 0, H2E bit 5
	r, err := ParseRSNX([]byte{0x20})
	if err != nil {
		t.Fatal(err)
	}
	if !r.SAEH2E() || r.SAEPK() || r.ProtectedTWT() {
		t.Errorf("RSNX % x", []byte(r))
	}
	// two octets: H2E, SAE-PK, secure LTF
	r, err = ParseRSNX([]byte{0x61, 0x01, 0xee})
	if err != nil || !r.SAEPK() || !r.Bit(RSNXSecureLTF) || len(r) != 2 {
		t.Errorf("RSNX % x, %v", []byte(r), err)
	}
	if _, err := ParseRSNX([]byte{0x23}); err == nil || err.Error() != "ie: RSNX (244) at offset 0: field length 4 exceeds element length 1" {
		t.Errorf("bad length: %v", err)
	}
	if _, err := ParseRSNX(nil); err == nil {
		t.Error("empty RSNX accepted")
	}
	if got := MarshalRSNX(RSNXSAEH2E); !bytes.Equal(got, []byte{0xf4, 1, 0x20}) {
		t.Errorf("MarshalRSNX(H2E) = % x", got)
	}
	if got := MarshalRSNX(RSNXSAEH2E, RSNXSecureLTF); !bytes.Equal(got, []byte{0xf4, 2, 0x21, 0x01}) {
		t.Errorf("MarshalRSNX(H2E, LTF) = % x", got)
	}
	if got := MarshalRSNX(); got != nil {
		t.Errorf("MarshalRSNX() = % x", got)
	}
}

func TestVendor(t *testing.T) {
	// WMM parameter element
	v, err := ParseVendor(hx(t, "0050f2 02 0101 80 0003a4000027a4000042435e0062322f00"))
	if err != nil {
		t.Fatal(err)
	}
	if v.OUI != OUIMicrosoft || !v.HasType || v.Type != VendorTypeWMM || len(v.Body) != 20 {
		t.Errorf("vendor %+v", v)
	}
	v, err = ParseVendor(hx(t, "00904c"))
	if err != nil || v.HasType || v.Body != nil {
		t.Errorf("OUI-only vendor %+v, %v", v, err)
	}
	if _, err := ParseVendor([]byte{0, 1}); err == nil || err.Error() != "ie: Vendor Specific (221) at offset 0: OUI truncated: 2 of 3 bytes" {
		t.Errorf("short vendor: %v", err)
	}
}

func FuzzExtendedCapabilities(f *testing.F) {
	f.Add([]byte{1, 0, 8, 0x80, 0, 0, 0, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseExtendedCapabilities(b)
		fuzzCheck(t, err)
		for i := -1; i < 8*len(b)+9; i++ {
			e.Bit(i)
		}
	})
}

func FuzzRMEnabledCapabilities(f *testing.F) {
	f.Add([]byte{0x73, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseRMEnabledCapabilities(b)
		fuzzCheck(t, err)
	})
}

func FuzzRSNX(f *testing.F) {
	f.Add([]byte{0x20})
	f.Add([]byte{0x61, 0x01, 0xee})
	f.Add([]byte{0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRSNX(b)
		fuzzCheck(t, err)
		if err == nil && len(r) != int(b[0]&0x0f)+1 {
			t.Fatalf("RSNX length %d", len(r))
		}
	})
}

func FuzzVendor(f *testing.F) {
	f.Add([]byte{0x00, 0x50, 0xf2, 0x02, 0x01})
	f.Add([]byte{0x00, 0x50})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseVendor(b)
		fuzzCheck(t, err)
	})
}
