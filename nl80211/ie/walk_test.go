package ie

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// hx decodes hex with optional spaces and newlines.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestWalk(t *testing.T) {
	// SSID "home", Supported Rates, DS Parameter Set (channel 6), an
	// HE Operation element (255/36) and a second SSID (ignored by Find).
	b := hx(t, `00 04 686f6d65  01 04 82848b96  03 01 06  ff 07 24 f40100 1c fcff  00 03 616263`)
	es, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 5 {
		t.Fatalf("got %d elements, want 5", len(es))
	}
	ssid, ok := es.Find(IDSSID)
	if !ok || string(ssid.Data) != "home" || ssid.Offset != 0 {
		t.Errorf("Find(SSID) = %+v, %v; want the first SSID", ssid, ok)
	}
	if all := es.FindAll(IDSSID); len(all) != 2 || string(all[1].Data) != "abc" {
		t.Errorf("FindAll(SSID) = %v", all)
	}
	he, ok := es.FindExt(ExtHEOperation)
	if !ok || he.Offset != 15 || he.DataOffset() != 18 || len(he.Data) != 6 || he.Data[0] != 0xf4 {
		t.Errorf("FindExt(HE Operation) = %+v, %v", he, ok)
	}
	if !he.Is(IDExtension, ExtHEOperation) || he.Is(IDExtension, ExtHECapabilities) {
		t.Error("Element.Is wrong for extension element")
	}
	if len(he.Raw) != 9 || he.Raw[0] != 0xff {
		t.Errorf("Raw = % x", he.Raw)
	}
	// Stopping early must not misbehave.
	n := 0
	for range Walk(b) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("break: iterated %d", n)
	}
}

func TestWalkErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		good           int
	}{
		{"length past end", "00 02 6162 30 14 0100", "ie: RSN (48) at offset 4: length 20 exceeds the 2 bytes left", 1},
		{"lone id", "03 01 06 dd", "ie: Vendor Specific (221) at offset 3: truncated header: 1 byte left, need 2", 1},
		{"extension without ext id", "ff 00", "ie: Extension (255) at offset 0: no element ID extension", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := Parse(hx(t, tc.in))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Error("error does not match ErrMalformed")
			}
			if len(es) != tc.good {
				t.Errorf("got %d elements before the error, want %d", len(es), tc.good)
			}
		})
	}
	if es, err := Parse(nil); err != nil || len(es) != 0 {
		t.Errorf("Parse(nil) = %v, %v", es, err)
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{IDRSN.String(), "RSN (48)"},
		{ID(200).String(), "element 200"},
		{ExtHECapabilities.String(), "HE Capabilities (255/35)"},
		{ExtID(250).String(), "element 255/250"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 4, 'h', 'o', 'm', 'e', 1, 1, 0x82})
	f.Add([]byte{0xff, 0})
	f.Add([]byte{0xff, 1, 35})
	f.Add([]byte{48, 20, 1, 0})
	f.Add([]byte{221})
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		for el, err := range Walk(b) {
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
				break
			}
			if el.Offset != total {
				t.Fatalf("offset %d, want %d", el.Offset, total)
			}
			total += len(el.Raw)
		}
		es, err := Parse(b)
		if err == nil && total != len(b) {
			t.Fatalf("walked %d of %d bytes without error", total, len(b))
		}
		_ = es
	})
}
