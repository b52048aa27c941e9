package ttls

import (
	"bytes"
	"testing"
)

func TestAVPRoundTrip(t *testing.T) {
	in := []AVP{
		{Code: CodeMSCHAPChallenge, Flags: FlagMandatory, Vendor: VendorMicrosoft, Data: make([]byte, 16)},
		{Code: CodeEAPMessage, Data: nil},
		{Code: CodeUserName, Flags: FlagMandatory, Data: []byte("alice")},
	}
	var b []byte
	for _, a := range in {
		b = AppendAVP(b, a)
	}
	if len(b)%4 != 0 {
		t.Errorf("%d octets, not padded", len(b))
	}
	out, err := ParseAVPs(b)
	if err != nil || len(out) != len(in) {
		t.Fatalf("%v %v", out, err)
	}
	for i := range in {
		if out[i].Code != in[i].Code || out[i].Vendor != in[i].Vendor || !bytes.Equal(out[i].Data, in[i].Data) || out[i].Mandatory() != in[i].Mandatory() {
			t.Errorf("AVP %d: %+v, want %+v", i, out[i], in[i])
		}
	}
	// The last AVP's padding may be missing.
	if _, err := ParseAVPs(b[:len(b)-3]); err != nil {
		t.Errorf("unpadded last AVP: %v", err)
	}
}

func TestAVPRefused(t *testing.T) {
	for name, b := range map[string][]byte{
		"short header":      {0, 0, 0, 1, 0x40, 0, 0},
		"length below":      {0, 0, 0, 1, 0x40, 0, 0, 4},
		"length beyond":     {0, 0, 0, 1, 0x40, 0, 0, 20, 1, 2},
		"vendor, no id":     {0, 0, 0, 1, 0xc0, 0, 0, 8},
		"vendor id 0":       {0, 0, 0, 1, 0xc0, 0, 0, 12, 0, 0, 0, 0},
		"garbage after one": append(AppendAVP(nil, AVP{Code: 1, Data: []byte("x")}), 1, 2),
	} {
		if _, err := ParseAVPs(b); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
}

func FuzzParseAVPs(f *testing.F) {
	f.Add(AppendAVP(AppendAVP(nil, AVP{Code: 1, Flags: FlagMandatory, Data: []byte("alice")}), AVP{Code: 26, Vendor: 311, Data: make([]byte, 43)}))
	f.Add([]byte{0, 0, 0, 79, 0x40, 0, 0, 9, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		avps, err := ParseAVPs(b)
		if err != nil {
			return
		}
		var again []byte
		for _, a := range avps {
			if len(a.Data) > len(b) {
				t.Fatalf("an AVP of %d octets from %d", len(a.Data), len(b))
			}
			again = AppendAVP(again, a)
		}
		if back, err := ParseAVPs(again); err != nil || len(back) != len(avps) {
			t.Fatalf("re-encoded AVPs do not parse: %v", err)
		}
	})
}
