package peap

import (
	"bytes"
	"testing"
)

func TestCryptoBindingRoundTrip(t *testing.T) {
	tlsKey := bytes.Repeat([]byte{1}, 128)
	imck := IMCK(tlsKey, bytes.Repeat([]byte{2}, 32))
	nonce := bytes.Repeat([]byte{3}, 32)
	req := CryptoBindingTLV(cbSubRequest, nonce, imck)
	got, err := checkCryptoBinding(req[4:], imck)
	if err != nil || !bytes.Equal(got, nonce) {
		t.Fatalf("%x %v", got, err)
	}
	// Another inner key: the MAC fails.
	if _, err := checkCryptoBinding(req[4:], IMCK(tlsKey, nil)); err == nil {
		t.Error("a MAC made with other keys was taken")
	}
	// A response is not a request.
	if _, err := checkCryptoBinding(CryptoBindingTLV(cbSubResponse, nonce, imck)[4:], imck); err == nil {
		t.Error("a response sub-type was taken")
	}
	if n := len(CSK(imck)); n != 128 {
		t.Errorf("CSK of %d octets", n)
	}
}

// TestPRFPlus pins PRF+'s construction: T1 = HMAC-SHA1(K, label | seed |
// 1 | 0 | 0), each next block chained on the one before.
func TestPRFPlus(t *testing.T) {
	a := PRFPlus([]byte("k"), "L", []byte("s"), 45)
	b := PRFPlus([]byte("k"), "L", []byte("s"), 20)
	if len(a) != 45 || !bytes.Equal(a[:20], b) {
		t.Errorf("prefixes differ: %x %x", a, b)
	}
	if bytes.Equal(a[:20], a[20:40]) {
		t.Error("blocks repeat")
	}
}

func FuzzParseTLVs(f *testing.F) {
	f.Add(AppendTLV(nil, TLVResult, true, []byte{0, 1}))
	f.Add(append(AppendTLV(nil, TLVResult, true, []byte{0, 1}), CryptoBindingTLV(0, make([]byte, 32), make([]byte, 60))...))
	f.Add([]byte{0x80, 3, 0, 9, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		tlvs, err := ParseTLVs(b)
		if err != nil {
			return
		}
		var again []byte
		for _, tl := range tlvs {
			again = AppendTLV(again, tl.Type, tl.Mandatory, tl.Value)
			if tl.Type == TLVCryptoBinding {
				checkCryptoBinding(tl.Value, make([]byte, 60))
			}
		}
		// Only the R bit is dropped on the way.
		if len(again) != len(b) {
			t.Fatalf("re-encoded %d octets of %d", len(again), len(b))
		}
	})
}
