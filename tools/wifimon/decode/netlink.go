package decode

import (
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Decoder turns captured bytes into events. It keeps what it learned from
// earlier messages (generic netlink family ids, the kind of pending dump
// requests), so one Decoder reads one capture in order.
type Decoder struct {
	// ShowSecrets prints key material (EAPOL-Key nonces, MICs and key
	// data; nl80211 key data, PMKs, SAE passwords) as hex instead of
	// lengths.
	ShowSecrets bool
	// Verbose lists the names of nl80211 attributes not decoded, instead
	// of counting them.
	Verbose bool

	families map[uint16]string // generic netlink family id -> name
	pending  map[uint32]string // sequence number -> kind, for DONE and errors
	// requests names recent requests by protocol and sequence number, for
	// ACKs that carry only the request's header (NLM_F_CAPPED) and DONE.
	// Sockets reuse sequence numbers; the latest request wins, which is
	// the one a reply follows in practice.
	requests map[reqKey]string
}

type reqKey struct {
	proto uint16
	seq   uint32
}

// NewDecoder returns a Decoder that knows only the generic netlink
// controller.
func NewDecoder() *Decoder {
	return &Decoder{
		families: map[uint16]string{unix.GENL_ID_CTRL: "nlctrl"},
		pending:  map[uint32]string{},
		requests: map[reqKey]string{},
	}
}

// SetFamily records a generic netlink family's id, as asked from the kernel
// or read from a capture's interface description.
func (d *Decoder) SetFamily(id uint16, name string) { d.families[id] = name }

// Family returns the id of a generic netlink family learned so far.
func (d *Decoder) Family(name string) (uint16, bool) {
	for id, n := range d.families {
		if n == name {
			return id, true
		}
	}
	return 0, false
}

const nlmsgHdrLen = 16

// Netlink decodes one frame captured on an nlmon interface: one or more
// netlink messages of protocol proto (NETLINK_ROUTE, NETLINK_GENERIC, ...).
// A malformed message ends the frame with a malformed event.
func (d *Decoder) Netlink(proto uint16, b []byte) []Event {
	var evs []Event
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < nlmsgHdrLen {
			return append(evs, malformed("nl", fmt.Sprintf("netlink message at offset %d: %d octets, header needs %d", off, len(rest), nlmsgHdrLen)))
		}
		l := int(binary.NativeEndian.Uint32(rest[0:4]))
		if l < nlmsgHdrLen || l > len(rest) {
			return append(evs, malformed("nl", fmt.Sprintf("netlink message at offset %d: length %d, %d octets left", off, l, len(rest))))
		}
		evs = append(evs, d.message(proto, rest[:l]))
		off += (l + 3) &^ 3
	}
	return evs
}

type nlHeader struct {
	typ, flags uint16
	seq, pid   uint32
}

func (d *Decoder) message(proto uint16, m []byte) Event {
	h := nlHeader{
		typ:   binary.NativeEndian.Uint16(m[4:6]),
		flags: binary.NativeEndian.Uint16(m[6:8]),
		seq:   binary.NativeEndian.Uint32(m[8:12]),
		pid:   binary.NativeEndian.Uint32(m[12:16]),
	}
	body := m[nlmsgHdrLen:]
	ev := Event{Source: "nl", Subtype: -1}
	switch {
	case h.flags&unix.NLM_F_REQUEST != 0:
		ev.Dir = "req"
	case h.seq == 0:
		ev.Dir = "event"
	default:
		ev.Dir = "reply"
	}
	kind := "netlink"
	switch proto {
	case unix.NETLINK_ROUTE:
		kind = "rtnl"
	case unix.NETLINK_GENERIC:
		kind = "genl"
	}
	switch h.typ {
	case unix.NLMSG_NOOP:
		ev.Kind, ev.Name = kind, "NOOP"
		return ev
	case unix.NLMSG_DONE:
		ev.Kind, ev.Name = kind, "DONE"
		if k, ok := d.pending[h.seq]; ok {
			ev.Kind = k
			delete(d.pending, h.seq)
		}
		if n, ok := d.requests[reqKey{proto, h.seq}]; ok {
			ev.add("to", n)
			delete(d.requests, reqKey{proto, h.seq})
		}
		ev.add("seq", h.seq)
		return ev
	case unix.NLMSG_ERROR:
		return d.nlError(proto, kind, h, body, ev)
	}
	if h.flags&unix.NLM_F_REQUEST != 0 && h.flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP {
		if len(d.pending) > 1024 {
			clear(d.pending)
		}
		d.pending[h.seq] = d.kindOf(proto, h.typ)
	}
	switch proto {
	case unix.NETLINK_ROUTE:
		ev.Kind = "rtnl"
		if err := d.rtnl(&ev, h.typ, body); err != nil {
			ev.Malformed = err.Error()
		}
	case unix.NETLINK_GENERIC:
		if err := d.genl(&ev, h, body); err != nil {
			ev.Malformed = err.Error()
		}
	default:
		ev.Kind = "netlink"
		ev.Name = fmt.Sprintf("netlink proto %d type %d", proto, h.typ)
		ev.add("len", len(body))
	}
	if ev.Dir == "req" {
		if len(d.requests) > 1024 {
			clear(d.requests)
		}
		d.requests[reqKey{proto, h.seq}] = ev.Name
	}
	return ev
}

func (d *Decoder) kindOf(proto, typ uint16) string {
	switch proto {
	case unix.NETLINK_ROUTE:
		return "rtnl"
	case unix.NETLINK_GENERIC:
		if d.families[typ] == "nl80211" {
			return "nl80211"
		}
		return "genl"
	}
	return "netlink"
}

// nlError decodes NLMSG_ERROR: an ACK (error 0) or an errno, with the
// request it answers.
func (d *Decoder) nlError(proto uint16, kind string, h nlHeader, b []byte, ev Event) Event {
	ev.Kind = kind
	if len(b) < 4 {
		ev.Name = "ERROR"
		ev.Malformed = fmt.Sprintf("NLMSG_ERROR: %d octets, need 4", len(b))
		return ev
	}
	errno := int32(binary.NativeEndian.Uint32(b))
	ev.Dir = "ack"
	if errno == 0 {
		ev.Name = "ACK"
	} else {
		ev.Name = "ERROR"
		e := unix.Errno(-errno)
		name := unix.ErrnoName(e)
		if name == "" {
			name = fmt.Sprintf("errno %d", -errno)
		}
		ev.add("errno", name+" ("+e.Error()+")")
	}
	if k, ok := d.pending[h.seq]; ok {
		ev.Kind = k
		delete(d.pending, h.seq)
	}
	to := ""
	if len(b) >= 4+nlmsgHdrLen {
		// The request's header, and its payload unless capped (then
		// extended ACK attributes may follow instead).
		otyp := binary.NativeEndian.Uint16(b[8:10])
		ev.Kind = d.kindOf(proto, otyp)
		capped := h.flags&unix.NLM_F_CAPPED != 0
		switch {
		case proto == unix.NETLINK_GENERIC && !capped && len(b) >= 4+nlmsgHdrLen+1:
			to = d.genlCmdName(otyp, b[4+nlmsgHdrLen])
		case proto == unix.NETLINK_ROUTE:
			to = rtmName(otyp)
		}
	}
	if n, ok := d.requests[reqKey{proto, h.seq}]; ok {
		if to == "" {
			to = n
		}
		delete(d.requests, reqKey{proto, h.seq})
	}
	if to != "" {
		ev.add("to", to)
	}
	ev.add("seq", h.seq)
	return ev
}

var ctrlCmdNames = map[uint8]string{
	unix.CTRL_CMD_NEWFAMILY: "CTRL_CMD_NEWFAMILY", unix.CTRL_CMD_DELFAMILY: "CTRL_CMD_DELFAMILY",
	unix.CTRL_CMD_GETFAMILY: "CTRL_CMD_GETFAMILY", unix.CTRL_CMD_NEWMCAST_GRP: "CTRL_CMD_NEWMCAST_GRP",
	unix.CTRL_CMD_DELMCAST_GRP: "CTRL_CMD_DELMCAST_GRP", unix.CTRL_CMD_GETPOLICY: "CTRL_CMD_GETPOLICY",
}

func (d *Decoder) genlCmdName(family uint16, cmd uint8) string {
	switch d.families[family] {
	case "nlctrl":
		if n, ok := ctrlCmdNames[cmd]; ok {
			return n
		}
	case "nl80211":
		return nl80211CmdName(cmd)
	case "":
		return fmt.Sprintf("genl family %d cmd %d", family, cmd)
	}
	return fmt.Sprintf("%s cmd %d", d.families[family], cmd)
}

// genl decodes a generic netlink message: the controller's family
// announcements (which teach the decoder nl80211's id) and nl80211.
func (d *Decoder) genl(ev *Event, h nlHeader, b []byte) error {
	ev.Kind = "genl"
	if len(b) < 4 {
		ev.Name = fmt.Sprintf("genl family %d", h.typ)
		return fmt.Errorf("genl header: %d octets, need 4", len(b))
	}
	cmd := b[0]
	ev.Name = d.genlCmdName(h.typ, cmd)
	attrs := b[4:]
	switch d.families[h.typ] {
	case "nlctrl":
		return d.ctrl(ev, cmd, attrs)
	case "nl80211":
		ev.Kind = "nl80211"
		return d.nl80211(ev, cmd, attrs)
	}
	ev.add("len", len(attrs))
	return nil
}

func (d *Decoder) ctrl(ev *Event, cmd uint8, b []byte) error {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	var id uint16
	var name string
	for ad.Next() {
		switch ad.Type() {
		case unix.CTRL_ATTR_FAMILY_ID:
			id = ad.Uint16()
			ev.add("id", int(id))
		case unix.CTRL_ATTR_FAMILY_NAME:
			name = ad.String()
			ev.add("family", name)
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	if cmd == unix.CTRL_CMD_NEWFAMILY && id != 0 && name != "" {
		d.SetFamily(id, name)
	}
	return nil
}
