package decode

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

var rtmNames = map[uint16]string{
	unix.RTM_NEWLINK: "RTM_NEWLINK", unix.RTM_DELLINK: "RTM_DELLINK", unix.RTM_GETLINK: "RTM_GETLINK", unix.RTM_SETLINK: "RTM_SETLINK",
	unix.RTM_NEWADDR: "RTM_NEWADDR", unix.RTM_DELADDR: "RTM_DELADDR", unix.RTM_GETADDR: "RTM_GETADDR",
	unix.RTM_NEWROUTE: "RTM_NEWROUTE", unix.RTM_DELROUTE: "RTM_DELROUTE", unix.RTM_GETROUTE: "RTM_GETROUTE",
	unix.RTM_NEWNEIGH: "RTM_NEWNEIGH", unix.RTM_DELNEIGH: "RTM_DELNEIGH", unix.RTM_GETNEIGH: "RTM_GETNEIGH",
	unix.RTM_NEWRULE: "RTM_NEWRULE", unix.RTM_DELRULE: "RTM_DELRULE", unix.RTM_GETRULE: "RTM_GETRULE",
	unix.RTM_NEWNETCONF: "RTM_NEWNETCONF", unix.RTM_GETNETCONF: "RTM_GETNETCONF",
}

func rtmName(t uint16) string {
	if n, ok := rtmNames[t]; ok {
		return n
	}
	return fmt.Sprintf("RTM_%d", t)
}

var operStates = []string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

var routeProtos = map[uint8]string{0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 16: "dhcp", 186: "bgp", 188: "ospf"}

// rtnl decodes the rtnetlink messages a connection changes: links,
// addresses and routes; others show their name and interface.
func (d *Decoder) rtnl(ev *Event, typ uint16, b []byte) error {
	ev.Name = rtmName(typ)
	switch typ {
	case unix.RTM_NEWLINK, unix.RTM_DELLINK, unix.RTM_GETLINK, unix.RTM_SETLINK:
		return d.rtLink(ev, b)
	case unix.RTM_NEWADDR, unix.RTM_DELADDR, unix.RTM_GETADDR:
		return d.rtAddr(ev, b)
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE, unix.RTM_GETROUTE:
		return d.rtRoute(ev, b)
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH, unix.RTM_GETNEIGH:
		if len(b) >= 8 {
			if idx := binary.NativeEndian.Uint32(b[4:8]); idx != 0 {
				ev.add("ifindex", idx)
			}
		}
	}
	return nil
}

func (d *Decoder) rtLink(ev *Event, b []byte) error {
	if len(b) < unix.SizeofIfInfomsg {
		if len(b) == 0 || ev.Dir == "req" {
			return nil // a bare dump request
		}
		return fmt.Errorf("%s ifinfomsg: %d octets, need %d", ev.Name, len(b), unix.SizeofIfInfomsg)
	}
	idx := binary.NativeEndian.Uint32(b[4:8])
	flags := binary.NativeEndian.Uint32(b[8:12])
	if idx != 0 {
		ev.add("ifindex", idx)
	}
	ad, err := netlink.NewAttributeDecoder(b[unix.SizeofIfInfomsg:])
	if err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_IFNAME:
			ev.add("ifname", ad.String())
		case unix.IFLA_ADDRESS:
			ev.add("address", macString(ad.Bytes()))
		case unix.IFLA_OPERSTATE:
			if s := ad.Uint8(); int(s) < len(operStates) {
				ev.add("operstate", operStates[s])
			} else {
				ev.add("operstate", s)
			}
		case unix.IFLA_CARRIER:
			ev.add("carrier", ad.Uint8())
		case unix.IFLA_LINKINFO:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() == unix.IFLA_INFO_KIND {
						ev.add("kind", nad.String())
					}
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	if ev.Dir != "req" || flags != 0 {
		ev.add("flags", linkFlags(flags))
	}
	return nil
}

func linkFlags(f uint32) string {
	var s []string
	for _, n := range []struct {
		bit  uint32
		name string
	}{{unix.IFF_UP, "UP"}, {unix.IFF_BROADCAST, "BROADCAST"}, {unix.IFF_LOOPBACK, "LOOPBACK"},
		{unix.IFF_POINTOPOINT, "POINTOPOINT"}, {unix.IFF_RUNNING, "RUNNING"}, {unix.IFF_NOARP, "NOARP"},
		{unix.IFF_PROMISC, "PROMISC"}, {unix.IFF_MULTICAST, "MULTICAST"}, {unix.IFF_LOWER_UP, "LOWER_UP"},
		{unix.IFF_DORMANT, "DORMANT"}} {
		if f&n.bit != 0 {
			s = append(s, n.name)
		}
	}
	return strings.Join(s, ",")
}

func (d *Decoder) rtAddr(ev *Event, b []byte) error {
	if len(b) < unix.SizeofIfAddrmsg {
		if ev.Dir == "req" {
			return nil
		}
		return fmt.Errorf("%s ifaddrmsg: %d octets, need %d", ev.Name, len(b), unix.SizeofIfAddrmsg)
	}
	prefix := b[1]
	if idx := binary.NativeEndian.Uint32(b[4:8]); idx != 0 {
		ev.add("ifindex", idx)
	}
	ad, err := netlink.NewAttributeDecoder(b[unix.SizeofIfAddrmsg:])
	if err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	var local, addr string
	for ad.Next() {
		switch ad.Type() {
		case unix.IFA_ADDRESS:
			addr = ipString(ad.Bytes())
		case unix.IFA_LOCAL:
			local = ipString(ad.Bytes())
		case unix.IFA_LABEL:
			ev.add("label", ad.String())
		case unix.IFA_CACHEINFO:
			if c := ad.Bytes(); len(c) >= 8 {
				ev.add("valid_lft", lifetime(binary.NativeEndian.Uint32(c[4:8])))
				ev.add("preferred_lft", lifetime(binary.NativeEndian.Uint32(c[0:4])))
			}
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	if local == "" {
		local = addr
	}
	if local != "" {
		ev.add("addr", fmt.Sprintf("%s/%d", local, prefix))
	}
	return nil
}

func lifetime(s uint32) string {
	if s == 0xffffffff {
		return "forever"
	}
	return fmt.Sprintf("%ds", s)
}

func (d *Decoder) rtRoute(ev *Event, b []byte) error {
	if len(b) < unix.SizeofRtMsg {
		if ev.Dir == "req" {
			return nil
		}
		return fmt.Errorf("%s rtmsg: %d octets, need %d", ev.Name, len(b), unix.SizeofRtMsg)
	}
	dstLen, table, proto := b[1], b[4], b[5]
	ad, err := netlink.NewAttributeDecoder(b[unix.SizeofRtMsg:])
	if err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	dst := "default"
	var fields []Field
	tableID := uint32(table)
	for ad.Next() {
		switch ad.Type() {
		case unix.RTA_DST:
			dst = fmt.Sprintf("%s/%d", ipString(ad.Bytes()), dstLen)
		case unix.RTA_GATEWAY:
			fields = append(fields, Field{"via", ipString(ad.Bytes())})
		case unix.RTA_OIF:
			fields = append(fields, Field{"oif", ad.Uint32()})
		case unix.RTA_PRIORITY:
			fields = append(fields, Field{"metric", ad.Uint32()})
		case unix.RTA_PREFSRC:
			fields = append(fields, Field{"src", ipString(ad.Bytes())})
		case unix.RTA_TABLE:
			tableID = ad.Uint32()
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	ev.add("dst", dst)
	ev.Fields = append(ev.Fields, fields...)
	switch tableID {
	case unix.RT_TABLE_MAIN:
		ev.add("table", "main")
	case unix.RT_TABLE_LOCAL:
		ev.add("table", "local")
	default:
		ev.add("table", tableID)
	}
	if n, ok := routeProtos[proto]; ok {
		ev.add("proto", n)
	} else {
		ev.add("proto", int(proto))
	}
	return nil
}

func ipString(b []byte) string {
	if len(b) != 4 && len(b) != 16 {
		return fmt.Sprintf("(%d octets)", len(b))
	}
	return net.IP(b).String()
}
