package station

import (
	"bytes"
	"testing"
)

// FuzzParseAuthFrame: Authentication frames from the air (SAE's commit and
// confirm arrive in them): never a panic, and a body that is a slice of
// the frame after the fixed fields.
func FuzzParseAuthFrame(f *testing.F) {
	hdr := append([]byte{0xb0, 0x00, 0x00, 0x00}, make([]byte, 20)...)
	f.Add(append(append([]byte(nil), hdr...), 3, 0, 1, 0, 0, 0, 19, 0))
	f.Add(append(append([]byte(nil), hdr...), 3, 0, 2, 0, 1, 0))
	f.Add(append(append([]byte(nil), hdr...), 0, 0, 1, 0))
	f.Add([]byte{0xb0})
	f.Fuzz(func(t *testing.T, frame []byte) {
		_, _, body, err := parseAuthFrame(frame, authAlgSAE)
		if err == nil && (len(frame) < 30 || !bytes.Equal(body, frame[30:])) {
			t.Fatalf("accepted %d bytes with body %x", len(frame), body)
		}
	})
}

// FuzzParseSAQueryResponse: SA Query Responses from the air.
func FuzzParseSAQueryResponse(f *testing.F) {
	resp := append([]byte{0xd0, 0x00, 0x00, 0x00}, make([]byte, 20)...)
	f.Add(append(resp, saQueryCategory, saQueryResponse, 0x12, 0x34))
	f.Add([]byte{0xd0, 0x00})
	f.Fuzz(func(t *testing.T, frame []byte) {
		from, tid, ok := parseSAQueryResponse(frame)
		if ok && (len(from) != 6 || len(tid) != 2) {
			t.Fatalf("sender %x, transaction %x", from, tid)
		}
	})
}

// FuzzFILSAuthElements: the elements of a FILS Authentication frame from
// the air: never a panic; what is returned has the lengths 802.11 fixes.
func FuzzFILSAuthElements(f *testing.F) {
	good := append(extElement(13, bytes.Repeat([]byte{1}, 16)), extElement(4, bytes.Repeat([]byte{2}, 8))...)
	good = append(good, extElement(8, []byte{6, 0, 0, 8, 2, 0, 0, 1})...)
	f.Add(good)
	f.Add(append(good, extElement(13, bytes.Repeat([]byte{1}, 16))...))
	f.Add([]byte{255, 1})
	f.Fuzz(func(t *testing.T, ies []byte) {
		anonce, session, wrapped, err := filsAuthElements(ies)
		if err == nil && (len(anonce) != 16 || len(session) != 8 || wrapped == nil) {
			t.Fatalf("nonce %d, session %d octets", len(anonce), len(session))
		}
	})
}
