package eapol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"wifid/unit"
)

// testMsg1 is a message 1 captured from a real AP.
func testMsg1(t testing.TB) []byte { return unit.Handshake(t, "wpa2-psk-ccmp").Msg1 }

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseKeyFrame(t *testing.T) {
	testMsg1 := testMsg1(t)
	f, err := ParseKeyFrame(testMsg1, 16)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 2 || f.DescriptorType != DescriptorRSN || f.KeyLength != 16 || f.ReplayCounter != 1 {
		t.Errorf("parsed %+v", f)
	}
	if f.Info.DescriptorVersion() != KeyDescriptorSHA1AES || !f.Info.Pairwise() || !f.Info.Has(KeyInfoAck) || f.Info.Has(KeyInfoMIC) {
		t.Errorf("key info %v", f.Info)
	}
	if f.Info.String() != "ver=2|pairwise|ack" {
		t.Errorf("key info string %q", f.Info)
	}
	if f.Nonce[0] != 0x2b || len(f.MIC) != 16 || len(f.KeyData) != 0 {
		t.Errorf("nonce/mic/keydata wrong")
	}
	if got := f.Marshal(); !bytes.Equal(got, testMsg1) {
		t.Errorf("round trip\n got %x\nwant %x", got, testMsg1)
	}
	// Ethernet padding after the body is ignored.
	if _, err := ParseKeyFrame(append(bytes.Clone(testMsg1), 0, 0, 0), 16); err != nil {
		t.Errorf("padded frame: %v", err)
	}
}

func TestParseKeyFrameMICLengths(t *testing.T) {
	for _, micLen := range []int{0, 16, 24} {
		f := &KeyFrame{Version: 2, DescriptorType: DescriptorRSN, Info: KeyInfoKeyType | KeyInfoMIC,
			ReplayCounter: 7, MIC: bytes.Repeat([]byte{0xaa}, micLen), KeyData: []byte{0x30, 0x00}}
		b := f.Marshal()
		g, err := ParseKeyFrame(b, micLen)
		if err != nil {
			t.Fatalf("MIC length %d: %v", micLen, err)
		}
		if !bytes.Equal(g.MIC, f.MIC) || !bytes.Equal(g.KeyData, f.KeyData) || g.ReplayCounter != 7 {
			t.Errorf("MIC length %d: got %+v", micLen, g)
		}
	}
}

func TestParseKeyFrameErrorsNameTheField(t *testing.T) {
	testMsg1 := testMsg1(t)
	short := bytes.Clone(testMsg1)
	short[3]-- // body length one less than the key data length implies
	badType := bytes.Clone(testMsg1)
	badType[1] = 0
	badDesc := bytes.Clone(testMsg1)
	badDesc[4] = 9
	longKD := bytes.Clone(testMsg1)
	longKD[len(longKD)-1] = 5
	for _, c := range []struct {
		name  string
		b     []byte
		field string
	}{
		{"empty", nil, "EAPOL header"},
		{"truncated", testMsg1[:50], "EAPOL Packet Body Length"},
		{"not key", badType, "EAPOL Packet Type"},
		{"short body", short, "EAPOL-Key body"},
		{"descriptor", badDesc, "EAPOL-Key Descriptor Type"},
		{"key data length", longKD, "EAPOL-Key Key Data Length"},
	} {
		_, err := ParseKeyFrame(c.b, 16)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != c.field {
			t.Errorf("%s: error %v, want field %q", c.name, err, c.field)
		}
	}
}

// TestParseKeyFrameTrailingOctets: octets after the Key Data (hostapd
// sends 8 or more after a FILS-SHA256 frame's) are not Key Data.
func TestParseKeyFrameTrailingOctets(t *testing.T) {
	f := &KeyFrame{Version: 2, DescriptorType: DescriptorRSN, MIC: make([]byte, 16), KeyData: []byte{0xdd, 1, 2}}
	b := f.Marshal()
	b = append(b, make([]byte, 8)...)
	binary.BigEndian.PutUint16(b[2:4], binary.BigEndian.Uint16(b[2:4])+8)
	g, err := ParseKeyFrame(b, 16)
	if err != nil || !bytes.Equal(g.KeyData, f.KeyData) {
		t.Fatalf("got %v, %v; want the 3 octets of Key Data", g, err)
	}
}

func FuzzParseKeyFrame(f *testing.F) {
	testMsg1 := testMsg1(f)
	f.Add(testMsg1, 16)
	f.Add(testMsg1, 24)
	f.Add(testMsg1, 0)
	f.Add([]byte{2, 3, 0, 0}, 16)
	f.Fuzz(func(t *testing.T, b []byte, micLen int) {
		k, err := ParseKeyFrame(b, micLen)
		if err != nil {
			return
		}
		// What parses re-encodes to the same octets, but for octets after
		// the Key Data (ignored) and the body length that counted them.
		got, raw := k.Marshal(), k.Raw()
		if len(raw) < len(got) || !bytes.Equal(got[:2], raw[:2]) || !bytes.Equal(got[4:], raw[4:len(got)]) {
			t.Fatalf("re-encoding differs\n got %x\nwant %x", got, raw)
		}
		k.VerifyMIC(MICHMACSHA1, make([]byte, 16))
	})
}

func TestKeyDataGTKIGTKAndPadding(t *testing.T) {
	// RSNE, GTK KDE (key ID 1, Tx), IGTK KDE (key ID 4), PMKID KDE, padding.
	kd := mustHex("3014 0100 000fac04 0100 000fac04 0100 000fac02 0000" +
		"dd16 000fac01 0500" + "00112233445566778899aabbccddeeff" +
		"dd1c 000fac09 0400 010000000000" + "ffeeddccbbaa99887766554433221100" +
		"dd14 000fac04" + "0102030405060708090a0b0c0d0e0f10" +
		"dd000000")
	got, err := ParseKeyData(kd)
	if err != nil {
		t.Fatal(err)
	}
	if got.RSNE == nil || got.RSNE[1] != 0x14 {
		t.Errorf("RSNE %x", got.RSNE)
	}
	if got.GTK == nil || got.GTK.KeyID != 1 || !got.GTK.Tx || len(got.GTK.GTK) != 16 {
		t.Errorf("GTK %+v", got.GTK)
	}
	if got.IGTK == nil || got.IGTK.KeyID != 4 || got.IGTK.IPN[0] != 1 || got.IGTK.IGTK[0] != 0xff {
		t.Errorf("IGTK %+v", got.IGTK)
	}
	if len(got.PMKID) != 16 || len(got.KDEs) != 3 || len(got.Elements) != 1 {
		t.Errorf("PMKID %x, %d KDEs, %d elements", got.PMKID, len(got.KDEs), len(got.Elements))
	}
}

func TestKeyDataErrorsNameTheKDE(t *testing.T) {
	for _, c := range []struct {
		hex, field string
	}{
		{"30", "key data"},
		{"3005 0100", "key data"},
		{"dd05 000fac01 05", "GTK KDE"},
		{"dd16 000fac01 0500 00112233445566778899aabbccddeeff dd16 000fac01 0500 00112233445566778899aabbccddeeff", "GTK KDE"},
		{"dd1c 000fac09 0100 010000000000 ffeeddccbbaa99887766554433221100", "IGTK KDE Key ID"},
		{"dd0c 000fac09 0400 010000000000", "IGTK KDE"},
		{"dd08 000fac04 01020304", "PMKID KDE"},
		{"3002 0100 3002 0100 3002 0100", "key data RSNE"},
		{"dd01 00 3000", "key data"},
	} {
		_, err := ParseKeyData(mustHex(c.hex))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != c.field {
			t.Errorf("%s: error %v, want field %q", c.hex, err, c.field)
		}
	}
}

func FuzzParseKeyData(f *testing.F) {
	f.Add(mustHex("3014 0100 000fac04 0100 000fac04 0100 000fac02 0000 dd16 000fac01 0500 00112233445566778899aabbccddeeff dd00"))
	f.Add(mustHex("dd1c 000fac09 0400 010000000000 ffeeddccbbaa99887766554433221100"))
	f.Add(mustHex("dd"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		kd, err := ParseKeyData(b)
		if err != nil {
			return
		}
		for _, e := range kd.Elements {
			if int(e.Raw[1]) != len(e.Data) {
				t.Fatalf("element %d: raw length %d, data %d", e.ID, e.Raw[1], len(e.Data))
			}
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0})
	f.Add([]byte{2, 0, 0, 4, 3, 9, 0, 4})
	f.Add([]byte{2, 0, 0, 9, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := ParseHeader(b)
		if err != nil {
			return
		}
		if int(h.Length) != len(body) {
			t.Fatalf("length %d, body %d", h.Length, len(body))
		}
		if re, err := Frame(h.Version, h.Type, body); err != nil || !bytes.Equal(re, b[:HeaderLen+len(body)]) {
			t.Fatalf("re-marshal % x, input % x", re, b)
		}
	})
}
