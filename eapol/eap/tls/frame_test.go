package tls

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestFramerRoundTrip(t *testing.T) {
	msg := make([]byte, 5000)
	for i := range msg {
		msg[i] = byte(i)
	}
	for _, mtu := range []int{minMTU, 100, 1400} {
		for _, always := range []bool{false, true} {
			tx := Framer{MTU: mtu, Version: 1, AlwaysLength: always}
			var rx Framer
			pkt, err := tx.Send(msg)
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; ; n++ {
				if len(pkt)+headerOverhead > max(mtu, minMTU) {
					t.Fatalf("mtu %d: a %d-octet packet", mtu, len(pkt)+headerOverhead)
				}
				h, err := ParseHeader(pkt)
				if err != nil {
					t.Fatal(err)
				}
				if h.Flags&VersionMask != 1 {
					t.Fatalf("flags %#x lost the version", h.Flags)
				}
				got, done, err := rx.Receive(h)
				if err != nil {
					t.Fatalf("mtu %d fragment %d: %v", mtu, n, err)
				}
				if done {
					if !bytes.Equal(got, msg) || tx.Sending() {
						t.Fatalf("mtu %d: reassembled %d octets, sending %v", mtu, len(got), tx.Sending())
					}
					break
				}
				ack, _ := ParseHeader(rx.Ack())
				if pkt, err = tx.Acked(ack); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestFramerRefuses(t *testing.T) {
	first := func(length uint32, flags uint8, data int) Header {
		return Header{Flags: FlagLength | flags, Length: length, Data: make([]byte, data)}
	}
	cases := []struct {
		name string
		hs   []Header
	}{
		{"length zero", []Header{first(0, 0, 0)}},
		{"length above the limit", []Header{first(MaxMessage+1, FlagMore, 10)}},
		{"length below the data", []Header{first(5, 0, 10)}},
		{"fragments beyond the length", []Header{first(15, FlagMore, 10), {Flags: 0, Data: make([]byte, 10)}}},
		{"last fragment short", []Header{first(30, FlagMore, 10), {Flags: 0, Data: make([]byte, 10)}}},
		{"M on the completing fragment", []Header{first(20, FlagMore, 10), {Flags: FlagMore, Data: make([]byte, 10)}}},
		{"another length later", []Header{first(30, FlagMore, 10), first(40, FlagMore, 10)}},
		{"empty fragment", []Header{first(30, FlagMore, 10), {Flags: FlagMore}}},
		{"endless without length", func() []Header {
			var hs []Header
			for range MaxMessage/1000 + 2 {
				hs = append(hs, Header{Flags: FlagMore, Data: make([]byte, 1000)})
			}
			return hs
		}()},
	}
	for _, c := range cases {
		var f Framer
		var err error
		for _, h := range c.hs {
			if _, _, err = f.Receive(h); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrFraming) {
			t.Errorf("%s: %v", c.name, err)
		}
		if f.Receiving() {
			t.Errorf("%s: still reassembling after the error", c.name)
		}
	}
}

func TestFramerLenient(t *testing.T) {
	var f Framer
	// The length given on an unfragmented message.
	if got, done, err := f.Receive(Header{Flags: FlagLength, Length: 3, Data: []byte{1, 2, 3}}); err != nil || !done || len(got) != 3 {
		t.Errorf("redundant length: %v %v %v", got, done, err)
	}
	// A first fragment without M whose length says more follows.
	if _, done, err := f.Receive(Header{Flags: FlagLength, Length: 6, Data: []byte{1, 2, 3}}); err != nil || done {
		t.Errorf("first fragment without M: %v %v", done, err)
	}
	if got, done, err := f.Receive(Header{Data: []byte{4, 5, 6}}); err != nil || !done || len(got) != 6 {
		t.Errorf("second fragment: %v %v %v", got, done, err)
	}
}

// FuzzFramer feeds the reassembly arbitrary packets: it must never take
// more than MaxMessage octets, nor more than a length it announced.
func FuzzFramer(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 0, 4, 1, 2, 3, 4})
	f.Add([]byte{0xc0, 0, 0, 0, 8, 1, 2, 3, 4, 0xff, 0, 5, 6, 7, 8})
	f.Add([]byte{0x40, 1, 2, 0xff, 0x40, 3, 0xff, 0, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		var fr Framer
		// Packets are separated by 0xff; each starts with its flags.
		for _, pkt := range bytes.Split(b, []byte{0xff}) {
			h, err := ParseHeader(pkt)
			if err != nil {
				continue
			}
			if fr.outBusy {
				fr.Acked(h)
				continue
			}
			msg, done, err := fr.Receive(h)
			if err != nil || !done {
				continue
			}
			if len(msg) > MaxMessage {
				t.Fatalf("a %d-octet message", len(msg))
			}
			if h.Flags&FlagLength != 0 && int(h.Length) != len(msg) {
				t.Fatalf("announced %d, took %d", h.Length, len(msg))
			}
			if len(msg) > 0 && msg[0]%3 == 0 {
				fr.MTU = int(msg[0])
				fr.Send(msg)
			}
		}
	})
}

func TestParseHeader(t *testing.T) {
	if _, err := ParseHeader(nil); err == nil {
		t.Error("no flags taken")
	}
	if _, err := ParseHeader([]byte{FlagLength, 0, 0}); err == nil {
		t.Error("a short length taken")
	}
	h, err := ParseHeader(binary.BigEndian.AppendUint32([]byte{FlagLength | 1}, 9))
	if err != nil || h.Length != 9 || h.Flags&VersionMask != 1 {
		t.Errorf("%+v %v", h, err)
	}
}
