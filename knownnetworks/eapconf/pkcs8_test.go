package eapconf

import (
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"testing"
)

func TestDecryptPKCS8Errors(t *testing.T) {
	b, err := os.ReadFile("testdata/key-pkcs8-aes256.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if _, err := DecryptPKCS8(blk.Bytes, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := DecryptPKCS8(blk.Bytes, []byte("abd")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	for _, bad := range [][]byte{nil, {0x30, 0x00}, blk.Bytes[:len(blk.Bytes)-1], append(blk.Bytes[:len(blk.Bytes):len(blk.Bytes)], 0)} {
		if _, err := DecryptPKCS8(bad, []byte("abc")); err == nil || errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("malformed input: err = %v, want a format error", err)
		}
	}
}

func FuzzDecryptPKCS8(f *testing.F) {
	for _, n := range []string{"key-pkcs8-aes256.pem", "key-pkcs8-des3.pem", "key-pkcs8-aes128-sha256.pem", "key-pkcs8-md5-des.pem", "key-pkcs8-pkcs12-3des.pem"} {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		f.Add(blk.Bytes, "abc")
	}
	f.Fuzz(func(t *testing.T, der []byte, pass string) {
		// A low iteration bound: the fuzzer is after the parser, not
		// PBKDF2's speed.
		_, _ = decryptPKCS8(der, []byte(pass), 1<<12)
	})
}

func TestEncryptPKCS8RoundTrip(t *testing.T) {
	k := newKey(t)
	der, err := EncryptPKCS8(k, []byte("pässword"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecryptPKCS8(der, []byte("pässword"))
	if err != nil || !k.Equal(got) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := DecryptPKCS8(der, []byte("password")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	// The form a network file embeds, read as a client key.
	ct, err := DecodeContainer(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), "pässword", true)
	if err != nil || !ct.Encrypted || ct.Key == nil {
		t.Fatalf("DecodeContainer: %+v %v", ct, err)
	}
}
