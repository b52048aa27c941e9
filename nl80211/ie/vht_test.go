package ie

import (
	"bytes"
	"testing"
)

const (
	// 2x2 AP, MCS 0-9, short GI for 80 MHz, no 160 MHz
	vhtCap2x2 = "bf 0c b1018033 faff 0000 faff 0000"
	vhtOp80   = "c0 05 01 2a 00 fcff" // 80 MHz on channels 36-48
	vhtOp160  = "c0 05 01 2a 32 fcff" // 160 MHz on channels 36-64
)

func TestMCSMap(t *testing.T) {
	m := MCSMap(0xfffa)
	if m.Get(1) != 2 || m.Get(2) != 2 || m.Get(3) != NotSupported || m.Get(0) != NotSupported || m.Get(9) != NotSupported || m.MaxNSS() != 2 {
		t.Errorf("map %#04x", uint16(m))
	}
	if MCSMap(0xffff).MaxNSS() != 0 || MCSMap(0).MaxNSS() != 8 {
		t.Error("MaxNSS edge cases")
	}
}

func TestVHT(t *testing.T) {
	raw := hx(t, vhtCap2x2)
	v, err := ParseVHTCapabilities(raw[2:])
	if err != nil {
		t.Fatal(err)
	}
	if v.SupportedChannelWidthSet() != 0 || !v.SGI80() || v.SGI160() || v.TxMCSMap.MaxNSS() != 2 || v.RxMCSMap.Get(2) != 2 {
		t.Errorf("VHT caps %+v", v)
	}
	if got := v.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("Marshal = % x", got)
	}
	for _, tc := range []struct {
		hex   string
		width int
	}{
		{vhtOp80, 80}, {vhtOp160, 160}, {"c0 05 00 00 00 fcff", 0}, {"c0 05 02 32 00 fcff", 160}, {"c0 05 03 2a 9b fcff", 160}, {"c0 05 07 2a 00 fcff", 0},
	} {
		o, err := ParseVHTOperation(hx(t, tc.hex)[2:])
		if err != nil {
			t.Fatal(err)
		}
		if o.WidthMHz() != tc.width {
			t.Errorf("%s: width %d, want %d", tc.hex, o.WidthMHz(), tc.width)
		}
	}
	if _, err := ParseVHTCapabilities(raw[2:10]); err == nil || err.Error() != "ie: VHT Capabilities (191) at offset 0: length 8, want 12" {
		t.Errorf("short caps: %v", err)
	}
	if _, err := ParseVHTOperation([]byte{1, 42, 0}); err == nil || err.Error() != "ie: VHT Operation (192) at offset 0: length 3, want 5" {
		t.Errorf("short op: %v", err)
	}
}

func FuzzVHTCapabilities(f *testing.F) {
	f.Add(hx(f, vhtCap2x2)[2:])
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseVHTCapabilities(b)
		fuzzCheck(t, err)
		if err == nil && !bytes.Equal(v.Marshal()[2:], b) {
			t.Fatal("round trip")
		}
	})
}

func FuzzVHTOperation(f *testing.F) {
	f.Add(hx(f, vhtOp80)[2:])
	f.Add(hx(f, vhtOp160)[2:])
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseVHTOperation(b)
		fuzzCheck(t, err)
		if err == nil {
			o.WidthMHz()
		}
	})
}
