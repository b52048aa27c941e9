package eapol

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"wifid/nl80211/ie"

	"wifid/unit"
)

func TestPSKAnnexJ4(t *testing.T) {
	for i, v := range unit.PSKVectors(t) {
		got, err := PSKFromPassphrase(v.Passphrase, v.SSID)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if !bytes.Equal(got, v.PSK) {
			t.Errorf("vector %d: PSK %x, want %x", i, got, v.PSK)
		}
	}
}

func TestPSKRejectsBadInput(t *testing.T) {
	for _, c := range []struct{ pass, ssid string }{
		{"short", "net"}, {string(bytes.Repeat([]byte("a"), 64)), "net"},
		{"pass\x01word", "net"}, {"password", ""}, {"password", string(make([]byte, 33))},
	} {
		if _, err := PSKFromPassphrase(c.pass, []byte(c.ssid)); err == nil {
			t.Errorf("PSKFromPassphrase(%q, %q) accepted", c.pass, c.ssid)
		}
	}
}

func TestPRFAnnexJ3(t *testing.T) {
	for i, v := range unit.PRFVectors(t) {
		got := PRF(v.Key, v.Prefix, v.Data, len(v.Out)*8)
		if !bytes.Equal(got, v.Out) {
			t.Errorf("vector %d: PRF %x, want %x", i, got, v.Out)
		}
	}
}

func TestKDFSHA256(t *testing.T) {
	for i, v := range unit.KDFSHA256Vectors(t) {
		got := KDF(sha256.New, v.Key, v.Label, v.Context, len(v.Out)*8)
		if !bytes.Equal(got, v.Out) {
			t.Errorf("vector %d: KDF %x, want %x", i, got, v.Out)
		}
	}
}

func TestPTKAnnexJ(t *testing.T) {
	for i, v := range unit.PTKVectors(t) {
		cipher := ie.CipherCCMP128
		if len(v.TK) == 32 {
			cipher = ie.CipherTKIP
		}
		ptk, err := DerivePTK(ie.AKMPSK, cipher, v.PMK, v.AA, v.SPA, v.ANonce, v.SNonce)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if k := v.KCK; k != nil && !bytes.Equal(ptk.KCK, k) {
			t.Errorf("vector %d: KCK %x, want %x", i, ptk.KCK, k)
		}
		if k := v.KEK; k != nil && !bytes.Equal(ptk.KEK, k) {
			t.Errorf("vector %d: KEK %x, want %x", i, ptk.KEK, k)
		}
		if !bytes.Equal(ptk.TK, v.TK) {
			t.Errorf("vector %d: TK %x, want %x", i, ptk.TK, v.TK)
		}
		// The derivation is symmetric in the roles' order.
		again, _ := DerivePTK(ie.AKMPSK, cipher, v.PMK, v.SPA, v.AA, v.SNonce, v.ANonce)
		if !bytes.Equal(again.Bytes(), ptk.Bytes()) {
			t.Errorf("vector %d: derivation depends on argument order", i)
		}
	}
}

func TestPTKLengths(t *testing.T) {
	pmk := make([]byte, 32)
	n := make([]byte, 32)
	for _, c := range []struct {
		akm          ie.AKMSuite
		cipher       ie.CipherSuite
		kck, kek, tk int
	}{
		{ie.AKMPSK, ie.CipherCCMP128, 16, 16, 16},
		{ie.AKMPSK, ie.CipherTKIP, 16, 16, 32},
		{ie.AKMPSK, ie.CipherGCMP256, 16, 16, 32},
		{ie.AKMPSKSHA256, ie.CipherGCMP128, 16, 16, 16},
		{ie.AKM8021XSHA256, ie.CipherCCMP128, 16, 16, 16},
		{ie.AKM8021XSuiteB192, ie.CipherGCMP256, 24, 32, 32},
	} {
		p, err := DerivePTK(c.akm, c.cipher, pmk, [6]byte{1}, [6]byte{2}, n, n)
		if err != nil {
			t.Fatalf("%v/%v: %v", c.akm, c.cipher, err)
		}
		if len(p.KCK) != c.kck || len(p.KEK) != c.kek || len(p.TK) != c.tk {
			t.Errorf("%v/%v: lengths %d/%d/%d, want %d/%d/%d", c.akm, c.cipher,
				len(p.KCK), len(p.KEK), len(p.TK), c.kck, c.kek, c.tk)
		}
	}
	// PSK-SHA256 uses KDF-SHA256, not the PRF: the two must differ.
	a, _ := DerivePTK(ie.AKMPSK, ie.CipherCCMP128, pmk, [6]byte{1}, [6]byte{2}, n, n)
	b, _ := DerivePTK(ie.AKMPSKSHA256, ie.CipherCCMP128, pmk, [6]byte{1}, [6]byte{2}, n, n)
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("PSK and PSK-SHA256 derived the same PTK")
	}
}

func TestCMACRFC4493(t *testing.T) {
	for i, v := range unit.CMACVectors(t) {
		got, err := CMAC(v.Key, v.Msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, v.MAC) {
			t.Errorf("vector %d: CMAC %x, want %x", i, got, v.MAC)
		}
	}
}

func TestKeyWrapRFC3394(t *testing.T) {
	for i, v := range unit.KeyWrapVectors(t) {
		got, err := KeyWrap(v.KEK, v.Key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, v.Wrapped) {
			t.Errorf("vector %d: wrap %x, want %x", i, got, v.Wrapped)
		}
		back, err := KeyUnwrap(v.KEK, v.Wrapped)
		if err != nil || !bytes.Equal(back, v.Key) {
			t.Errorf("vector %d: unwrap %x, %v", i, back, err)
		}
		bad := bytes.Clone(v.Wrapped)
		bad[len(bad)-1] ^= 1
		if _, err := KeyUnwrap(v.KEK, bad); !errors.Is(err, ErrKeyWrapIntegrity) {
			t.Errorf("vector %d: tampered unwrap gave %v", i, err)
		}
	}
	if _, err := KeyUnwrap(make([]byte, 16), make([]byte, 20)); err == nil {
		t.Error("unwrap of 20 octets accepted")
	}
}
