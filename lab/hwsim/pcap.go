package hwsim

import (
	"bufio"
	"encoding/binary"
	"io"
	"sync"
	"time"
)

// linktypeRadiotap is LINKTYPE_IEEE802_11_RADIOTAP.
const linktypeRadiotap = 127

// Radiotap fields the writer fills (present bits).
const (
	rtFlags   = 1
	rtChannel = 3
	rtSignal  = 5
)

// radiotapLen: 8-byte header, flags (1), pad (1), channel (2+2),
// antenna signal (1).
const radiotapLen = 15

// A PcapWriter writes frames as a pcap file with radiotap headers (the
// channel and the signal the receiver is told), for tcpdump, Wireshark
// and the project's monitor. It is safe for concurrent use.
type PcapWriter struct {
	mu  sync.Mutex // guards w, err
	w   *bufio.Writer
	err error
}

// NewPcapWriter writes the pcap file header to w.
func NewPcapWriter(w io.Writer) (*PcapWriter, error) {
	bw := bufio.NewWriter(w)
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], linktypeRadiotap)
	if _, err := bw.Write(h[:]); err != nil {
		return nil, err
	}
	return &PcapWriter{w: bw}, bw.Flush()
}

// WriteFrame writes one 802.11 frame (no FCS) heard on freq (MHz) at
// signal (dBm). The first error sticks and is returned by Flush.
func (p *PcapWriter) WriteFrame(t time.Time, freq uint32, signal int, frame []byte) {
	rec := appendRecord(nil, t, freq, signal, frame)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	_, p.err = p.w.Write(rec)
}

// Flush writes what is buffered.
func (p *PcapWriter) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.err = p.w.Flush()
	return p.err
}

func appendRecord(b []byte, t time.Time, freq uint32, signal int, frame []byte) []byte {
	n := radiotapLen + len(frame)
	if len(frame) > 65535-radiotapLen {
		frame = frame[:65535-radiotapLen]
		n = 65535
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(t.Unix()))
	b = binary.LittleEndian.AppendUint32(b, uint32(t.Nanosecond()/1000))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	// radiotap header
	b = append(b, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, radiotapLen)
	b = binary.LittleEndian.AppendUint32(b, 1<<rtFlags|1<<rtChannel|1<<rtSignal)
	b = append(b, 0, 0) // flags (no FCS), pad to the channel's alignment
	var chflags uint16
	switch {
	case freq >= 2400 && freq < 2500:
		chflags = 0x0080 // 2 GHz
	case freq >= 4900 && freq < 7200:
		chflags = 0x0100 | 0x0040 // 5/6 GHz, OFDM
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(freq))
	b = binary.LittleEndian.AppendUint16(b, chflags)
	if signal < -128 {
		signal = -128
	}
	if signal > 127 {
		signal = 127
	}
	b = append(b, byte(int8(signal)))
	return append(b, frame...)
}
