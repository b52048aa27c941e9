package ie

import (
	"bytes"
	"testing"
)

// HT elements of a 2x2 AP on channel 36 with a secondary channel above.
const (
	htCap2x2 = "2d 1a ef09 1b ffff0000000000000000 0000 01 000000 0000 00000000 00"
	htOp40   = "3d 16 24 05 00000000 00000000000000000000000000000000"
	htOp20   = "3d 16 06 00 00000000 00000000000000000000000000000000"
)

func TestHTCapabilities(t *testing.T) {
	raw := hx(t, htCap2x2)
	h, err := ParseHTCapabilities(raw[2:])
	if err != nil {
		t.Fatal(err)
	}
	if !h.ChannelWidth40() || !h.SGI20() || !h.SGI40() || h.AMPDUParams != 0x1b {
		t.Errorf("info %#04x", h.Info)
	}
	if !h.RxMCS(0) || !h.RxMCS(15) || h.RxMCS(16) || h.RxMCS(77) || h.RxSpatialStreams() != 2 {
		t.Errorf("MCS set % x", h.MCS)
	}
	if !h.TxMCSSetDefined() || h.TxRxMCSSetNotEqual() {
		t.Error("Tx MCS bits")
	}
	if got := h.Marshal(); !bytes.Equal(got, raw) {
		t.Errorf("Marshal = % x", got)
	}
	h.MCS[12] = 0x0f // defined, not equal, 4 streams
	if h.TxMaxSpatialStreams() != 4 || !h.TxRxMCSSetNotEqual() {
		t.Error("TxMaxSpatialStreams")
	}
	if _, err := ParseHTCapabilities(raw[2:27]); err == nil || err.Error() != "ie: HT Capabilities (45) at offset 0: length 25, want 26" {
		t.Errorf("short: %v", err)
	}
}

func TestHTOperation(t *testing.T) {
	o, err := ParseHTOperation(hx(t, htOp40)[2:])
	if err != nil {
		t.Fatal(err)
	}
	if o.PrimaryChannel != 36 || o.SecondaryChannelOffset() != SecondaryAbove || !o.STAChannelWidth() || !o.Width40() {
		t.Errorf("HT op %+v", o)
	}
	o, _ = ParseHTOperation(hx(t, htOp20)[2:])
	if o.PrimaryChannel != 6 || o.Width40() || o.SecondaryChannelOffset() != SecondaryNone {
		t.Errorf("HT op 20 %+v", o)
	}
	// offset below but STA Channel Width 0: still 20 MHz
	o.Info[0] = 0x03
	if o.Width40() {
		t.Error("Width40 without STA Channel Width")
	}
	// CCFS2 = 50 and HT protection 2
	o.Info[1], o.Info[2] = 0x42, 0x06
	if o.CCFS2() != 50 || o.HTProtection() != 2 {
		t.Errorf("CCFS2 %d protection %d", o.CCFS2(), o.HTProtection())
	}
	if _, err := ParseHTOperation(make([]byte, 23)); err == nil || err.Error() != "ie: HT Operation (61) at offset 0: length 23, want 22" {
		t.Errorf("long: %v", err)
	}
}

func FuzzHTCapabilities(f *testing.F) {
	f.Add(hx(f, htCap2x2)[2:])
	f.Add([]byte{0xef, 0x09})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHTCapabilities(b)
		fuzzCheck(t, err)
		if err == nil && !bytes.Equal(h.Marshal()[2:], b) {
			t.Fatal("round trip")
		}
	})
}

func FuzzHTOperation(f *testing.F) {
	f.Add(hx(f, htOp40)[2:])
	f.Add(hx(f, htOp20)[2:])
	f.Add([]byte{36, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseHTOperation(b)
		fuzzCheck(t, err)
		if err == nil {
			o.Width40()
			o.CCFS2()
		}
	})
}
