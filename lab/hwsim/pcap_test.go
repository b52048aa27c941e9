package hwsim

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

func TestPcapWriter(t *testing.T) {
	var buf bytes.Buffer
	p, err := NewPcapWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	frame := testFrame()
	p.WriteFrame(time.Unix(1000, 5000), 2437, -85, frame)
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != linktypeRadiotap {
		t.Fatalf("header % x", b[:24])
	}
	rec := b[24:]
	if binary.LittleEndian.Uint32(rec) != 1000 || binary.LittleEndian.Uint32(rec[4:]) != 5 {
		t.Errorf("timestamp % x", rec[:8])
	}
	n := binary.LittleEndian.Uint32(rec[8:])
	if int(n) != radiotapLen+len(frame) || len(rec) != 16+int(n) {
		t.Fatalf("record length %d, have %d", n, len(rec)-16)
	}
	rt := rec[16:]
	if binary.LittleEndian.Uint16(rt[2:]) != radiotapLen || binary.LittleEndian.Uint32(rt[4:]) != 0x2a {
		t.Errorf("radiotap header % x", rt[:8])
	}
	if binary.LittleEndian.Uint16(rt[10:]) != 2437 || binary.LittleEndian.Uint16(rt[12:]) != 0x0080 || int8(rt[14]) != -85 {
		t.Errorf("radiotap fields % x", rt[8:15])
	}
	if !bytes.Equal(rt[radiotapLen:], frame) {
		t.Error("frame bytes differ")
	}
}
