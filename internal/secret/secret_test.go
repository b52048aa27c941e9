package secret

import (
	"bytes"
	"testing"
)

func TestZero(t *testing.T) {
	a, b := []byte("passphrase"), bytes.Repeat([]byte{0xff}, 32)
	whole := []byte("0123456789")
	Zero(a, nil, b, []byte{}, whole[2:5])
	if !bytes.Equal(a, make([]byte, len(a))) || !bytes.Equal(b, make([]byte, len(b))) {
		t.Errorf("not wiped: %x %x", a, b)
	}
	if string(whole) != "01\x00\x00\x0056789" {
		t.Errorf("a subslice wiped %q: only its own octets should be zero", whole)
	}
}
