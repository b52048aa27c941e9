package eapol

import (
	"bytes"
	"testing"
)

func TestEAPFrames(t *testing.T) {
	eap := []byte{2, 1, 0, 9, 1, 'a', 'l', 'i', 'c'}
	f, err := EAPFrame(Version2004, eap)
	if err != nil || !bytes.Equal(f, append([]byte{2, 0, 0, 9}, eap...)) {
		t.Fatalf("EAPFrame % x, %v", f, err)
	}
	// Ethernet padding after the body is not EAP.
	h, got, err := ParseEAPFrame(append(f, 0, 0, 0))
	if err != nil || h.Version != 2 || !bytes.Equal(got, eap) {
		t.Fatalf("ParseEAPFrame: %v % x %v", h, got, err)
	}
	if s := StartFrame(Version2001); !bytes.Equal(s, []byte{1, 1, 0, 0}) {
		t.Errorf("StartFrame % x", s)
	}
	if l := LogoffFrame(Version2010); !bytes.Equal(l, []byte{3, 2, 0, 0}) {
		t.Errorf("LogoffFrame % x", l)
	}
	if _, _, err := ParseEAPFrame([]byte{2, 3, 0, 0}); err == nil {
		t.Error("EAPOL-Key taken as EAP")
	}
	if _, _, err := ParseEAPFrame([]byte{2, 0, 0, 9, 1}); err == nil {
		t.Error("body beyond the frame taken")
	}
	if _, err := Frame(2, PacketEAP, make([]byte, 0x10000)); err == nil {
		t.Error("65536-octet body framed")
	}
}

func FuzzParseEAPFrame(f *testing.F) {
	f.Add([]byte{2, 0, 0, 5, 1, 1, 0, 5, 1})
	f.Add([]byte{1, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := ParseEAPFrame(b)
		if err != nil {
			return
		}
		again, err := EAPFrame(h.Version, body)
		if err != nil || !bytes.Equal(again, b[:HeaderLen+len(body)]) {
			t.Fatalf("% x reframed as % x (%v)", b, again, err)
		}
	})
}
