package eapol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSIVRFC5297: the vectors of RFC 5297 appendix A.1 (deterministic
// authenticated encryption) and A.2 (nonce-based, three associated data
// strings).
func TestSIVRFC5297(t *testing.T) {
	for _, c := range []struct {
		name, key, plain, out string
		ad                    []string
	}{
		{"A.1",
			"fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff",
			"11223344 55667788 99aabbcc ddee",
			"85632d07 c6e8f37f 950acd32 0a2ecc93 40c02b96 90c4dc04 daef7f6a fe5c",
			[]string{"10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627"}},
		{"A.2",
			"7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f",
			"74686973 20697320 736f6d65 20706c61 696e7465 78742074 6f20656e 63727970 74207573 696e6720 5349562d 414553",
			"7bdb6e3b 432667eb 06f4d14b ff2fbd0f cb900f2f ddbe4043 26601965 c889bf17 dba77ceb 094fa663 b7a3f748 ba8af829 ea64ad54 4a272e9c 485b62a3 fd5c0d",
			[]string{"00112233 44556677 8899aabb ccddeeff deaddada deaddada ffeeddcc bbaa9988 77665544 33221100",
				"10203040 50607080 90a0", "09f91102 9d74e35b d84156c5 635688c0"}},
	} {
		key, plain, want := unhex(t, c.key), unhex(t, c.plain), unhex(t, c.out)
		var ad [][]byte
		for _, a := range c.ad {
			ad = append(ad, unhex(t, a))
		}
		got, err := SIVEncrypt(key, plain, ad...)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: encrypt %x, %v; want %x", c.name, got, err, want)
		}
		p, err := SIVDecrypt(key, want, ad...)
		if err != nil || !bytes.Equal(p, plain) {
			t.Errorf("%s: decrypt %x, %v", c.name, p, err)
		}
		bad := bytes.Clone(want)
		bad[len(bad)-1] ^= 1
		if _, err := SIVDecrypt(key, bad, ad...); !errors.Is(err, ErrSIV) {
			t.Errorf("%s: a changed ciphertext: %v", c.name, err)
		}
	}
}

func FuzzSIVDecrypt(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	good, _ := SIVEncrypt(key, []byte("key data"), []byte("aad"))
	f.Add(good, []byte("aad"))
	f.Add([]byte{1, 2, 3}, []byte{})
	f.Fuzz(func(t *testing.T, c, ad []byte) {
		if p, err := SIVDecrypt(key, c, ad); err == nil && len(p) != len(c)-16 {
			t.Fatalf("plaintext of %d octets from %d", len(p), len(c))
		}
	})
}
