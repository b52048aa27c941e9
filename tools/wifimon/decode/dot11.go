package decode

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"wifid/nl80211/ie"
)

// 802.11 frame types (Frame Control bits 2-3).
const (
	typeMgmt = 0
	typeCtrl = 1
	typeData = 2
)

// Management frame subtypes.
const (
	subAssocReq    = 0
	subAssocResp   = 1
	subReassocReq  = 2
	subReassocResp = 3
	subProbeReq    = 4
	subProbeResp   = 5
	subBeacon      = 8
	subATIM        = 9
	subDisassoc    = 10
	subAuth        = 11
	subDeauth      = 12
	subAction      = 13
	subActionNoAck = 14
)

var mgmtNames = map[uint8]string{
	subAssocReq: "Association Request", subAssocResp: "Association Response",
	subReassocReq: "Reassociation Request", subReassocResp: "Reassociation Response",
	subProbeReq: "Probe Request", subProbeResp: "Probe Response", 6: "Timing Advertisement",
	subBeacon: "Beacon", subATIM: "ATIM", subDisassoc: "Disassociation", subAuth: "Authentication",
	subDeauth: "Deauthentication", subAction: "Action", subActionNoAck: "Action No Ack",
}

var ctrlNames = map[uint8]string{
	4: "Beamforming Report Poll", 5: "VHT NDP Announcement", 7: "Control Wrapper",
	8: "Block Ack Request", 9: "Block Ack", 10: "PS-Poll", 11: "RTS", 12: "CTS", 13: "Ack",
	14: "CF-End", 15: "CF-End+CF-Ack",
}

// Radiotap decodes a frame from a monitor interface: the radiotap header
// (gopacket's RadioTap layer: frequency, signal, FCS flag), then the
// 802.11 frame.
func (d *Decoder) Radiotap(b []byte) Event {
	var rt layers.RadioTap
	if err := safely(func() error { return rt.DecodeFromBytes(b, gopacket.NilDecodeFeedback) }); err != nil {
		return malformed("air", "radiotap: "+err.Error())
	}
	if int(rt.Length) > len(b) || len(rt.RadioTapValues) == 0 || len(rt.Present) == 0 {
		return malformed("air", fmt.Sprintf("radiotap: header length %d of %d octets", rt.Length, len(b)))
	}
	frame := b[rt.Length:]
	v := rt.RadioTapValues[0]
	if rt.Present[0].Flags() && v.Flags.FCS() {
		if len(frame) < 4 {
			return malformed("air", "802.11: FCS flagged but frame has fewer than 4 octets")
		}
		frame = frame[:len(frame)-4]
	}
	ev := d.Dot11(frame)
	ev.Source = "air"
	if rt.Present[0].Channel() {
		ev.add("freq", int(v.ChannelFrequency))
	}
	if rt.Present[0].DBMAntennaSignal() {
		ev.add("signal", fmt.Sprintf("%ddBm", v.DBMAntennaSignal))
	}
	return ev
}

// safely runs a third-party decoder and turns a panic into an error, so no
// frame from the air can stop the monitor.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return fn()
}

// dot11Header is the MAC header of an 802.11 frame.
type dot11Header struct {
	fc           uint16
	typ, sub     uint8
	toDS, fromDS bool
	protected    bool
	addr1        net.HardwareAddr
	addr2        net.HardwareAddr // nil for CTS/Ack
	addr3        net.HardwareAddr
	seq          uint16
	hdrLen       int
}

func parseDot11Header(b []byte) (*dot11Header, error) {
	if len(b) < 10 {
		return nil, fmt.Errorf("802.11 header: %d octets, need at least 10", len(b))
	}
	h := &dot11Header{fc: binary.LittleEndian.Uint16(b)}
	if h.fc&3 != 0 {
		return nil, fmt.Errorf("802.11 Frame Control: protocol version %d", h.fc&3)
	}
	h.typ, h.sub = uint8(h.fc>>2)&3, uint8(h.fc>>4)&15
	h.toDS, h.fromDS = h.fc&0x100 != 0, h.fc&0x200 != 0
	h.protected = h.fc&0x4000 != 0
	order := h.fc&0x8000 != 0
	h.addr1 = net.HardwareAddr(b[4:10])
	switch h.typ {
	case typeCtrl:
		h.hdrLen = 10
		if h.sub != 12 && h.sub != 13 { // all but CTS and Ack carry a TA
			if len(b) < 16 {
				return nil, fmt.Errorf("802.11 %s: %d octets, need 16", ctrlNames[h.sub], len(b))
			}
			h.addr2 = net.HardwareAddr(b[10:16])
			h.hdrLen = 16
		}
		return h, nil
	case typeMgmt, typeData:
		n := 24
		if h.typ == typeData && h.toDS && h.fromDS {
			n += 6
		}
		qos := h.typ == typeData && h.sub&8 != 0
		if qos {
			n += 2
		}
		if order && (qos || h.typ == typeMgmt) {
			n += 4
		}
		if len(b) < n {
			return nil, fmt.Errorf("802.11 header: %d octets, need %d", len(b), n)
		}
		h.addr2 = net.HardwareAddr(b[10:16])
		h.addr3 = net.HardwareAddr(b[16:22])
		h.seq = binary.LittleEndian.Uint16(b[22:24]) >> 4
		h.hdrLen = n
		return h, nil
	}
	return nil, fmt.Errorf("802.11 Frame Control: reserved frame type 3")
}

// Dot11 decodes an 802.11 frame without radiotap or FCS, as nl80211
// carries management frames in NL80211_ATTR_FRAME.
func (d *Decoder) Dot11(b []byte) Event {
	h, err := parseDot11Header(b)
	if err != nil {
		return malformed("air", err.Error())
	}
	ev := Event{Source: "air", Subtype: int(h.typ)<<4 | int(h.sub)}
	body := b[h.hdrLen:]
	switch h.typ {
	case typeCtrl:
		ev.Kind = "ctrl"
		ev.Name = ctrlNames[h.sub]
		if ev.Name == "" {
			ev.Name = fmt.Sprintf("Control subtype %d", h.sub)
		}
		ev.add("ra", h.addr1.String())
		if h.addr2 != nil {
			ev.add("ta", h.addr2.String())
		}
		return ev
	case typeMgmt:
		ev.Kind = "mgmt"
		ev.Name = mgmtNames[h.sub]
		if ev.Name == "" {
			ev.Name = fmt.Sprintf("Management subtype %d", h.sub)
		}
		ev.add("da", h.addr1.String())
		ev.add("sa", h.addr2.String())
		ev.add("bssid", h.addr3.String())
		if h.protected {
			ev.add("protected", true)
			ev.add("len", len(body))
			return ev
		}
		if err := d.mgmtBody(&ev, h.sub, body); err != nil {
			ev.Malformed = fmt.Sprintf("%s: %v", ev.Name, err)
		}
		return ev
	}
	return d.dataFrame(h, body, ev)
}

func (d *Decoder) mgmtBody(ev *Event, sub uint8, b []byte) error {
	need := func(n int, what string) error {
		if len(b) < n {
			return fmt.Errorf("%s: body %d octets, need %d", what, len(b), n)
		}
		return nil
	}
	switch sub {
	case subBeacon, subProbeResp:
		if err := need(12, "fixed fields"); err != nil {
			return err
		}
		ev.add("interval", int(binary.LittleEndian.Uint16(b[8:10])))
		d.ies(ev, b[12:], binary.LittleEndian.Uint16(b[10:12]))
	case subProbeReq:
		d.ies(ev, b, 0)
	case subAuth:
		if err := need(6, "fixed fields"); err != nil {
			return err
		}
		alg := binary.LittleEndian.Uint16(b[0:2])
		seq := binary.LittleEndian.Uint16(b[2:4])
		status := binary.LittleEndian.Uint16(b[4:6])
		if n, ok := authAlgNames[alg]; ok {
			ev.add("alg", n)
		} else {
			ev.add("alg", int(alg))
		}
		ev.add("seq", int(seq))
		ev.add("status", StatusName(status))
		if alg == 3 {
			return d.sae(ev, seq, status, b[6:])
		}
		if len(b) > 6 {
			d.ies(ev, b[6:], 0)
		}
	case subAssocReq, subReassocReq:
		n := 4
		if sub == subReassocReq {
			n = 10
		}
		if err := need(n, "fixed fields"); err != nil {
			return err
		}
		ev.add("listen_interval", int(binary.LittleEndian.Uint16(b[2:4])))
		if sub == subReassocReq {
			ev.add("current_ap", net.HardwareAddr(b[4:10]).String())
		}
		d.ies(ev, b[n:], binary.LittleEndian.Uint16(b[0:2]))
	case subAssocResp, subReassocResp:
		if err := need(6, "fixed fields"); err != nil {
			return err
		}
		ev.add("status", StatusName(binary.LittleEndian.Uint16(b[2:4])))
		ev.add("aid", int(binary.LittleEndian.Uint16(b[4:6])&0x3fff))
		d.ies(ev, b[6:], binary.LittleEndian.Uint16(b[0:2]))
	case subDeauth, subDisassoc:
		if err := need(2, "reason code"); err != nil {
			return err
		}
		ev.add("reason", ReasonName(binary.LittleEndian.Uint16(b[0:2])))
	case subAction, subActionNoAck:
		if err := need(1, "category"); err != nil {
			return err
		}
		if n, ok := actionCategoryNames[b[0]]; ok {
			ev.add("category", n)
		} else {
			ev.add("category", int(b[0]))
		}
		if len(b) > 1 {
			if n, ok := wnmActionNames[b[1]]; ok && b[0] == 10 {
				ev.add("action", n)
			} else {
				ev.add("action", int(b[1]))
			}
		}
		ev.add("len", len(b))
		if b[0] == 10 && len(b) > 1 && (b[1] == 7 || b[1] == 8) {
			return wnmBTM(ev, b)
		}
	}
	return nil
}

// wnmActionNames are the WNM actions wifimon names (IEEE 802.11-2020
// Table 9-482).
var wnmActionNames = map[uint8]string{
	6: "bss-transition-query", 7: "bss-transition-request", 8: "bss-transition-response",
}

// wnmBTM decodes a BSS Transition Management Request (7) or Response (8):
// the request mode, timers and candidate BSSes; the response's status and
// target.
func wnmBTM(ev *Event, b []byte) error {
	if b[1] == 8 {
		if len(b) < 5 {
			return fmt.Errorf("BTM Response: %d octets, want at least 5", len(b))
		}
		ev.add("status", int(b[3]))
		if b[3] == 0 && len(b) >= 11 {
			ev.add("target", net.HardwareAddr(b[5:11]).String())
		}
		return nil
	}
	if len(b) < 7 {
		return fmt.Errorf("BTM Request: %d octets, want at least 7", len(b))
	}
	mode := b[3]
	var flags []string
	for bit, name := range []string{"candidates", "abridged", "disassoc-imminent", "bss-termination", "ess-disassoc-imminent"} {
		if mode&(1<<bit) != 0 {
			flags = append(flags, name)
		}
	}
	ev.add("mode", flags)
	ev.add("disassoc_timer", int(binary.LittleEndian.Uint16(b[4:])))
	ev.add("validity", int(b[6]))
	off := 7
	if mode&0x08 != 0 {
		off += 12
	}
	if mode&0x10 != 0 {
		if off >= len(b) {
			return fmt.Errorf("BTM Request: URL length missing at offset %d", off)
		}
		off += 1 + int(b[off])
	}
	if mode&0x01 == 0 {
		return nil
	}
	if off > len(b) {
		return fmt.Errorf("BTM Request: candidate list starts past the end (offset %d of %d)", off, len(b))
	}
	els, err := ie.Parse(b[off:])
	if err != nil {
		return fmt.Errorf("BTM Request candidates: %w", err)
	}
	var cands []string
	for _, el := range els {
		if el.ID != ie.IDNeighborReport {
			continue
		}
		n, err := ie.ParseNeighborReport(el.Data)
		if err != nil {
			return fmt.Errorf("BTM Request candidates: %w", err)
		}
		c := fmt.Sprintf("%s@%d", net.HardwareAddr(n.BSSID[:]), n.Freq())
		if p, ok := n.Preference(); ok {
			c += fmt.Sprintf("/pref%d", p)
		}
		cands = append(cands, c)
	}
	ev.add("candidates", cands)
	return nil
}

// sae decodes the SAE Commit (seq 1) and Confirm (seq 2) headers; scalars,
// elements and confirms are public but long, so only their lengths show.
func (d *Decoder) sae(ev *Event, seq, status uint16, b []byte) error {
	switch seq {
	case 1:
		if status != 0 && status != 126 && status != 127 {
			if status == 76 || status == 77 { // anti-clogging token request, group rejected
				if len(b) >= 2 {
					ev.add("group", int(binary.LittleEndian.Uint16(b)))
					ev.add("token_len", len(b)-2)
				}
			}
			return nil
		}
		if len(b) < 2 {
			return fmt.Errorf("SAE Commit: no finite cyclic group (%d octets)", len(b))
		}
		g := binary.LittleEndian.Uint16(b)
		ev.add("sae", "commit")
		ev.add("group", int(g))
		prime := map[uint16]int{19: 32, 20: 48, 21: 66, 28: 32, 29: 48, 30: 64}[g]
		rest := len(b) - 2
		if prime == 0 {
			ev.add("body_len", rest)
			return nil
		}
		if rest < 3*prime {
			return fmt.Errorf("SAE Commit group %d: %d octets for scalar and element, need %d", g, rest, 3*prime)
		}
		ev.add("scalar_len", prime)
		ev.add("element_len", 2*prime)
		if extra := rest - 3*prime; extra > 0 {
			ev.add("extra_len", extra) // anti-clogging token, password identifier, rejected groups
		}
	case 2:
		if status != 0 {
			return nil
		}
		if len(b) < 2 {
			return fmt.Errorf("SAE Confirm: no send-confirm (%d octets)", len(b))
		}
		ev.add("sae", "confirm")
		ev.add("send_confirm", int(binary.LittleEndian.Uint16(b)))
		ev.add("confirm_len", len(b)-2)
	default:
		ev.add("sae", fmt.Sprintf("transaction %d", seq))
	}
	return nil
}

// ies adds a summary of information elements: SSID, channel, security
// and the RSN suites, via wifid/nl80211/ie.
func (d *Decoder) ies(ev *Event, b []byte, capability uint16) {
	s, err := ie.Summarize(b, capability)
	if _, ok := s.Elements.Find(ie.IDSSID); ok {
		if s.Hidden {
			ev.add("ssid", "")
		} else {
			ev.add("ssid", string(s.SSID))
		}
	}
	if s.Channel != 0 {
		ev.add("channel", int(s.Channel))
	}
	if capability != 0 && (ev.Subtype == subBeacon || ev.Subtype == subProbeResp) || s.RSN != nil {
		// The Privacy bit means something only beside the elements a
		// BSS advertises itself with.
		ev.add("security", s.Security.String())
	}
	if s.RSN != nil {
		var akms, pw []string
		for _, a := range s.RSN.AKMs {
			akms = append(akms, a.String())
		}
		for _, c := range s.RSN.PairwiseCiphers {
			pw = append(pw, c.String())
		}
		ev.add("akm", akms)
		ev.add("pairwise", pw)
		ev.add("group_cipher", s.RSN.GroupCipher.String())
	}
	ev.add("ies", len(s.Elements))
	if err != nil {
		ev.add("ie_error", err.Error())
	}
}
