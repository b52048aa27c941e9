package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapWriter writes every source into one pcapng file, one interface
// block per source, so Wireshark shows netlink and the air side by side.
type pcapWriter struct {
	f *os.File
	w *pcapgo.NgWriter
}

func newPcapWriter(path string, srcs []*source) (*pcapWriter, error) {
	if len(srcs) == 0 {
		return nil, errors.New("pcap: nothing to capture")
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("pcap: %w", err)
	}
	intf := func(s *source) pcapgo.NgInterface {
		return pcapgo.NgInterface{Name: s.name, Description: s.desc, LinkType: s.linkType, OS: "linux", TimestampResolution: 9}
	}
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{OS: "linux", Application: "wifimon"}}
	w, err := pcapgo.NewNgWriterInterface(f, intf(srcs[0]), opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("pcap %s: %w", path, err)
	}
	for _, s := range srcs[1:] {
		if _, err := w.AddInterface(intf(s)); err != nil {
			f.Close()
			return nil, fmt.Errorf("pcap %s: %w", path, err)
		}
	}
	return &pcapWriter{f: f, w: w}, nil
}

func (p *pcapWriter) write(r record) error {
	ci := gopacket.CaptureInfo{Timestamp: r.t, CaptureLength: len(r.data), Length: len(r.data), InterfaceIndex: r.src}
	return p.w.WritePacket(ci, r.data)
}

func (p *pcapWriter) flush() error { return p.w.Flush() }

func (p *pcapWriter) Close() error {
	err := p.w.Flush()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// capturedFrame is a frame read back from a file, with what the decoder
// needs to know about its interface.
type capturedFrame struct {
	t        time.Time
	linkType layers.LinkType
	ifname   string
	desc     string
	data     []byte
}

// readCapture reads a pcapng file (as -w writes it, several interfaces
// with different link types) or a classic pcap file (one link type, such
// as tcpdump's capture of hwsim0) and calls fn for each frame.
func readCapture(path string, fn func(capturedFrame) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if binary.LittleEndian.Uint32(magic) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			intf, err := r.Interface(ci.InterfaceIndex)
			if err != nil {
				return fmt.Errorf("%s: interface %d: %w", path, ci.InterfaceIndex, err)
			}
			if err := fn(capturedFrame{t: ci.Timestamp, linkType: intf.LinkType, ifname: intf.Name, desc: intf.Description, data: data}); err != nil {
				return err
			}
		}
	}
	r, err := pcapgo.NewReader(br)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := fn(capturedFrame{t: ci.Timestamp, linkType: r.LinkType(), data: data}); err != nil {
			return err
		}
	}
}

// familyDescription is the netlink interface's description in the pcapng
// file: the generic netlink family ids the capture needs (nl80211's id is
// assigned at boot), so -r decodes nl80211 even when the capture holds no
// CTRL_CMD_NEWFAMILY message.
func familyDescription(fams map[string]uint16) string {
	var parts []string
	for name, id := range fams {
		parts = append(parts, fmt.Sprintf("%s=%d", name, id))
	}
	return "genl " + strings.Join(parts, " ")
}

func parseFamilyDescription(desc string) map[string]uint16 {
	out := map[string]uint16{}
	rest, ok := strings.CutPrefix(desc, "genl ")
	if !ok {
		return out
	}
	for _, p := range strings.Fields(rest) {
		name, id, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(id, 10, 16); err == nil {
			out[name] = uint16(n)
		}
	}
	return out
}
