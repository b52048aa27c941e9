package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/mdlayher/genetlink"

	"wifid/tools/wifimon/decode"
)

// monitor decodes frames in capture order and prints what the options ask
// for.
type monitor struct {
	o   options
	d   *decode.Decoder
	out *bufio.Writer

	descs map[string]bool // pcapng interface descriptions already applied

	frames    map[string]int // per source kind: nl, air, eth
	shown     int
	malformed int
	hidden    int
}

func newMonitor(o options, w io.Writer) *monitor {
	d := decode.NewDecoder()
	d.ShowSecrets = o.showSecrets
	d.Verbose = o.verbose
	return &monitor{o: o, d: d, out: bufio.NewWriter(w), descs: map[string]bool{}, frames: map[string]int{}}
}

// decodeFrame turns one captured frame into events, by its link type.
func (m *monitor) decodeFrame(f capturedFrame) []decode.Event {
	if f.desc != "" && !m.descs[f.desc] {
		m.descs[f.desc] = true
		for name, id := range parseFamilyDescription(f.desc) {
			m.d.SetFamily(id, name)
		}
	}
	var evs []decode.Event
	switch f.linkType {
	case linkTypeNetlink:
		m.frames["nl"]++
		if len(f.data) < sllLen {
			evs = []decode.Event{{Source: "nl", Kind: "malformed", Name: "malformed", Subtype: -1,
				Malformed: fmt.Sprintf("netlink capture: %d octets, cooked header needs %d", len(f.data), sllLen)}}
			break
		}
		evs = m.d.Netlink(binary.BigEndian.Uint16(f.data[14:16]), f.data[sllLen:])
	case linkTypeRadiotap:
		m.frames["air"]++
		evs = []decode.Event{m.d.Radiotap(f.data)}
	case layers.LinkTypeIEEE802_11:
		m.frames["air"]++
		evs = []decode.Event{m.d.Dot11(f.data)}
	case linkTypeEthernet:
		m.frames["eth"]++
		evs = []decode.Event{m.d.Ethernet("eth:"+f.ifname, f.data)}
	default:
		m.frames["other"]++
		evs = []decode.Event{{Source: f.ifname, Kind: "malformed", Name: "malformed", Subtype: -1,
			Malformed: fmt.Sprintf("link type %d is not decoded", f.linkType)}}
	}
	for i := range evs {
		evs[i].Time = f.t
	}
	return evs
}

// show reports whether an event is printed under the options.
func (m *monitor) show(ev *decode.Event) bool {
	if ev.Malformed != "" || m.o.all {
		return true
	}
	switch ev.Kind {
	case "netlink":
		return false
	case "genl":
		return len(ev.Name) > 5 && ev.Name[:5] == "CTRL_"
	case "ctrl":
		return false
	}
	if ev.Source == "air" && ev.Subtype == 8 && !m.o.beacons {
		return false
	}
	return true
}

func (m *monitor) handle(f capturedFrame) {
	for _, ev := range m.decodeFrame(f) {
		if ev.Malformed != "" {
			m.malformed++
		}
		if !m.show(&ev) {
			m.hidden++
			continue
		}
		m.shown++
		if m.o.json {
			b, err := json.Marshal(&ev)
			if err != nil {
				fmt.Fprintf(m.out, "{\"kind\":\"malformed\",\"malformed\":%q}\n", err.Error())
				continue
			}
			m.out.Write(b)
			m.out.WriteByte('\n')
		} else {
			m.out.WriteString(ev.Line())
			m.out.WriteByte('\n')
		}
	}
}

func (m *monitor) readFile(path string) error {
	defer m.out.Flush()
	return readCapture(path, func(f capturedFrame) error {
		m.handle(f)
		return nil
	})
}

func (m *monitor) summary(w io.Writer, srcs []*source) {
	total := 0
	for _, n := range m.frames {
		total += n
	}
	fmt.Fprintf(w, "wifimon: %d frames (nl %d, air %d, eth %d), %d events shown, %d hidden, %d malformed\n",
		total, m.frames["nl"], m.frames["air"], m.frames["eth"], m.shown, m.hidden, m.malformed)
	for _, s := range srcs {
		fmt.Fprintf(w, "wifimon: %s: kernel counted %d frames, dropped %d\n", s.name, s.packets, s.dropped)
	}
}

// capture opens the sources, writes the pcapng file if asked, and decodes
// until ctx ends (SIGINT, SIGTERM); the nlmon interface is removed on the
// way out.
func (m *monitor) capture(ctx context.Context, stderr io.Writer) error {
	var srcs []*source
	defer func() {
		for _, s := range srcs {
			s.conn.Close()
		}
	}()
	if !m.o.noNetlink {
		fams := map[string]uint16{}
		if c, err := genetlink.Dial(nil); err == nil {
			if f, err := c.GetFamily("nl80211"); err == nil {
				fams["nl80211"] = f.ID
				m.d.SetFamily(f.ID, "nl80211")
			} else {
				fmt.Fprintf(stderr, "wifimon: nl80211 family not found yet (%v); learning it from the capture\n", err)
			}
			c.Close()
		}
		nl, err := createNlmon(m.o.nlmonName)
		if err != nil {
			return err
		}
		defer func() {
			if err := nl.Close(); err != nil {
				fmt.Fprintln(stderr, "wifimon:", err)
			}
		}()
		s, err := openSource(m.o.nlmonName, linkTypeNetlink)
		if err != nil {
			return err
		}
		if len(fams) > 0 {
			s.desc = familyDescription(fams)
		}
		srcs = append(srcs, s)
	}
	if air := airInterface(m.o.air); air != "" {
		s, err := openSource(air, linkTypeRadiotap)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	for _, name := range m.o.ifaces {
		s, err := openStationSource(name)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 0 {
		return fmt.Errorf("nothing to capture: no netlink, no monitor interface, no -i")
	}
	var pw *pcapWriter
	if m.o.write != "" {
		var err error
		if pw, err = newPcapWriter(m.o.write, srcs); err != nil {
			return err
		}
		defer func() {
			if err := pw.Close(); err != nil {
				fmt.Fprintln(stderr, "wifimon:", err)
			}
		}()
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan record, 1<<16) // decoding is the slow part: let bursts queue
	errc := make(chan error, len(srcs))
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.run(ctx, i, ch); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	if !m.o.noNetlink {
		// Ask again now that the tap runs: the controller's reply lands in
		// the capture, where Wireshark learns nl80211's id from it.
		if c, err := genetlink.Dial(nil); err == nil {
			c.GetFamily("nl80211")
			c.Close()
		}
	}
	fmt.Fprintf(stderr, "wifimon: capturing %s\n", sourceNames(srcs))
	handle := func(r record) {
		if pw != nil {
			if err := pw.write(r); err != nil {
				fmt.Fprintln(stderr, "wifimon:", err)
			}
		}
		s := srcs[r.src]
		m.handle(capturedFrame{t: r.t, linkType: s.linkType, ifname: s.name, data: r.data})
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case r := <-ch:
			handle(r)
		case <-tick.C:
			m.out.Flush()
			if pw != nil {
				pw.flush()
			}
		case <-ctx.Done():
			break loop
		}
	}
	wg.Wait()
	for {
		select {
		case r := <-ch:
			handle(r)
			continue
		default:
		}
		break
	}
	m.out.Flush()
	m.summary(stderr, srcs)
	select {
	case err := <-errc:
		return err
	default:
	}
	return nil
}
