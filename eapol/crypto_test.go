package eapol

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
)

func TestPSKAnnexJ4(t *testing.T) {
	for i, v := range loadVectors(t, "../unit/ieee80211-annexj/psk.txt") {
		got, err := PSKFromPassphrase(string(v["passphrase"]), v["ssid"])
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if !bytes.Equal(got, v["psk"]) {
			t.Errorf("vector %d: PSK %x, want %x", i, got, v["psk"])
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
	for i, v := range loadVectors(t, "../unit/ieee80211-annexj/prf-sha1.txt") {
		got := PRF(v["key"], string(v["prefix"]), v["data"], len(v["prf"])*8)
		if !bytes.Equal(got, v["prf"]) {
			t.Errorf("vector %d: PRF %x, want %x", i, got, v["prf"])
		}
	}
}

func TestKDFSHA256(t *testing.T) {
	for i, v := range loadVectors(t, "../unit/ieee80211-annexj/kdf-sha256.txt") {
		got := KDF(sha256.New, v["key"], string(v["label"]), v["context"], len(v["out"])*8)
		if !bytes.Equal(got, v["out"]) {
			t.Errorf("vector %d: KDF %x, want %x", i, got, v["out"])
		}
	}
}

func TestPTKAnnexJ(t *testing.T) {
	for i, v := range loadVectors(t, "../unit/ieee80211-annexj/ptk.txt") {
		cipher := CipherCCMP128
		if len(v["tk"]) == 32 {
			cipher = CipherTKIP
		}
		ptk, err := DerivePTK(AKMPSK, cipher, v["pmk"], [6]byte(v["aa"]), [6]byte(v["spa"]), v["anonce"], v["snonce"])
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if k := v["kck"]; k != nil && !bytes.Equal(ptk.KCK, k) {
			t.Errorf("vector %d: KCK %x, want %x", i, ptk.KCK, k)
		}
		if k := v["kek"]; k != nil && !bytes.Equal(ptk.KEK, k) {
			t.Errorf("vector %d: KEK %x, want %x", i, ptk.KEK, k)
		}
		if !bytes.Equal(ptk.TK, v["tk"]) {
			t.Errorf("vector %d: TK %x, want %x", i, ptk.TK, v["tk"])
		}
		// The derivation is symmetric in the roles' order.
		again, _ := DerivePTK(AKMPSK, cipher, v["pmk"], [6]byte(v["spa"]), [6]byte(v["aa"]), v["snonce"], v["anonce"])
		if !bytes.Equal(again.Bytes(), ptk.Bytes()) {
			t.Errorf("vector %d: derivation depends on argument order", i)
		}
	}
}

func TestPTKLengths(t *testing.T) {
	pmk := make([]byte, 32)
	n := make([]byte, 32)
	for _, c := range []struct {
		akm          AKM
		cipher       Cipher
		kck, kek, tk int
	}{
		{AKMPSK, CipherCCMP128, 16, 16, 16},
		{AKMPSK, CipherTKIP, 16, 16, 32},
		{AKMPSK, CipherGCMP256, 16, 16, 32},
		{AKMPSKSHA256, CipherGCMP128, 16, 16, 16},
		{AKM8021XSHA256, CipherCCMP128, 16, 16, 16},
		{AKM8021XSuiteB192, CipherGCMP256, 24, 32, 32},
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
	a, _ := DerivePTK(AKMPSK, CipherCCMP128, pmk, [6]byte{1}, [6]byte{2}, n, n)
	b, _ := DerivePTK(AKMPSKSHA256, CipherCCMP128, pmk, [6]byte{1}, [6]byte{2}, n, n)
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("PSK and PSK-SHA256 derived the same PTK")
	}
}

func TestCMACRFC4493(t *testing.T) {
	for i, v := range loadVectors(t, "../unit/rfc4493/vectors.txt") {
		got, err := CMAC(v["key"], v["msg"])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, v["mac"]) {
			t.Errorf("vector %d: CMAC %x, want %x", i, got, v["mac"])
		}
	}
}

func TestKeyWrapRFC3394(t *testing.T) {
	for i, v := range loadVectors(t, "../unit/rfc3394/vectors.txt") {
		got, err := KeyWrap(v["kek"], v["key"])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, v["wrapped"]) {
			t.Errorf("vector %d: wrap %x, want %x", i, got, v["wrapped"])
		}
		back, err := KeyUnwrap(v["kek"], v["wrapped"])
		if err != nil || !bytes.Equal(back, v["key"]) {
			t.Errorf("vector %d: unwrap %x, %v", i, back, err)
		}
		bad := bytes.Clone(v["wrapped"])
		bad[len(bad)-1] ^= 1
		if _, err := KeyUnwrap(v["kek"], bad); !errors.Is(err, ErrKeyWrapIntegrity) {
			t.Errorf("vector %d: tampered unwrap gave %v", i, err)
		}
	}
	if _, err := KeyUnwrap(make([]byte, 16), make([]byte, 20)); err == nil {
		t.Error("unwrap of 20 octets accepted")
	}
}
