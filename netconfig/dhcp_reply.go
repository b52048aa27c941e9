package netconfig

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// BOOTP fixed header offsets (RFC 2131 figure 1).
const (
	offOp     = 0
	offHtype  = 1
	offHlen   = 2
	offXID    = 4
	offYiaddr = 16
	offChaddr = 28
	offSname  = 44
	offFile   = 108
	offCookie = 236
	offOpts   = 240
)

var errNotForUs = errors.New("not for us")

// reply is a validated DHCP server message, typed.
type reply struct {
	Type        dhcpv4.MessageType
	YourIP      netip.Addr
	ServerID    netip.Addr
	Mask        int // prefix length; -1 when absent
	Routers     []netip.Addr
	DNS         []netip.Addr
	DomainName  string
	Broadcast   netip.Addr
	LeaseTime   time.Duration
	T1, T2      time.Duration
	Routes      []Route
	MTU         int
	RapidCommit bool
	Message     string
}

// parseReply checks a DHCP payload received on port 68 against the
// transaction we expect (xid, our hardware address) and decodes the options
// we use. Anything malformed gives an error naming the field or option; the
// caller drops the message.
func parseReply(b []byte, xid dhcpv4.TransactionID, hw net.HardwareAddr) (*reply, error) {
	if len(b) < offOpts {
		return nil, fmt.Errorf("dhcp: message of %d bytes, shorter than the %d-byte header", len(b), offOpts)
	}
	if b[offOp] != byte(dhcpv4.OpcodeBootReply) {
		return nil, fmt.Errorf("dhcp: op %d is not BOOTREPLY: %w", b[offOp], errNotForUs)
	}
	if !bytes.Equal(b[offXID:offXID+4], xid[:]) {
		return nil, fmt.Errorf("dhcp: xid %x, expected %x: %w", b[offXID:offXID+4], xid[:], errNotForUs)
	}
	if b[offHtype] != 1 || int(b[offHlen]) != len(hw) || !bytes.Equal(b[offChaddr:offChaddr+len(hw)], hw) {
		return nil, fmt.Errorf("dhcp: chaddr %x (htype %d hlen %d) is not ours: %w",
			b[offChaddr:offChaddr+6], b[offHtype], b[offHlen], errNotForUs)
	}
	if !bytes.Equal(b[offCookie:offOpts], []byte{99, 130, 83, 99}) {
		return nil, fmt.Errorf("dhcp: bad magic cookie %x", b[offCookie:offOpts])
	}
	m, err := dhcpv4.FromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("dhcp: options: %w", err)
	}
	opts := m.Options
	// Option overload (RFC 2132 9.3): file and/or sname carry options.
	if ov := opts.Get(dhcpv4.OptionOptionOverload); ov != nil {
		if len(ov) != 1 || ov[0] < 1 || ov[0] > 3 {
			return nil, fmt.Errorf("dhcp: option 52 (overload): bad value %x", ov)
		}
		extra := dhcpv4.Options{}
		if ov[0]&1 != 0 {
			if err := extra.FromBytes(b[offFile:offCookie]); err != nil {
				return nil, fmt.Errorf("dhcp: options in file field: %w", err)
			}
		}
		if ov[0]&2 != 0 {
			if err := extra.FromBytes(b[offSname:offFile]); err != nil {
				return nil, fmt.Errorf("dhcp: options in sname field: %w", err)
			}
		}
		for code, v := range extra {
			if code == dhcpv4.OptionOptionOverload.Code() {
				continue
			}
			opts[code] = append(opts[code], v...)
		}
	}
	r := &reply{Mask: -1}
	mt := opts.Get(dhcpv4.OptionDHCPMessageType)
	if len(mt) != 1 {
		return nil, fmt.Errorf("dhcp: option 53 (message type): length %d, want 1", len(mt))
	}
	r.Type = dhcpv4.MessageType(mt[0])
	switch r.Type {
	case dhcpv4.MessageTypeOffer, dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak:
	default:
		return nil, fmt.Errorf("dhcp: message type %v is not a server reply: %w", r.Type, errNotForUs)
	}
	if r.ServerID, err = optAddr(opts, dhcpv4.OptionServerIdentifier); err != nil {
		return nil, err
	}
	if !r.ServerID.IsValid() {
		return nil, fmt.Errorf("dhcp: %v without option 54 (server identifier)", r.Type)
	}
	if !usableUnicast(r.ServerID) {
		return nil, fmt.Errorf("dhcp: option 54 (server identifier): %v is not a unicast address", r.ServerID)
	}
	if msg := opts.Get(dhcpv4.OptionMessage); msg != nil {
		r.Message = printable(msg)
	}
	if r.Type == dhcpv4.MessageTypeNak {
		return r, nil
	}
	r.YourIP = netip.AddrFrom4([4]byte(b[offYiaddr : offYiaddr+4]))
	if !usableUnicast(r.YourIP) {
		return nil, fmt.Errorf("dhcp: yiaddr %v is not a usable unicast address", r.YourIP)
	}
	lt, err := optSeconds(opts, dhcpv4.OptionIPAddressLeaseTime)
	if err != nil {
		return nil, err
	}
	if lt < 0 {
		return nil, fmt.Errorf("dhcp: %v without option 51 (lease time)", r.Type)
	}
	if lt == 0 {
		return nil, fmt.Errorf("dhcp: option 51 (lease time) is zero")
	}
	r.LeaseTime = lt
	if r.T1, err = optSeconds(opts, dhcpv4.OptionRenewTimeValue); err != nil {
		return nil, err
	}
	if r.T2, err = optSeconds(opts, dhcpv4.OptionRebindingTimeValue); err != nil {
		return nil, err
	}
	if mask := opts.Get(dhcpv4.OptionSubnetMask); mask != nil {
		if len(mask) != 4 {
			return nil, fmt.Errorf("dhcp: option 1 (subnet mask): length %d, want 4", len(mask))
		}
		ones, bits := net.IPMask(mask).Size()
		if bits != 32 || ones == 0 || ones > 30 && ones != 32 {
			return nil, fmt.Errorf("dhcp: option 1 (subnet mask): %v is not a usable contiguous mask", net.IP(mask))
		}
		r.Mask = ones
	}
	if r.Routers, err = optAddrs(opts, dhcpv4.OptionRouter); err != nil {
		return nil, err
	}
	if r.DNS, err = optAddrs(opts, dhcpv4.OptionDomainNameServer); err != nil {
		return nil, err
	}
	if r.Broadcast, err = optAddr(opts, dhcpv4.OptionBroadcastAddress); err != nil {
		return nil, err
	}
	if dn := opts.Get(dhcpv4.OptionDomainName); dn != nil {
		r.DomainName = printable(bytes.TrimRight(dn, "\x00"))
	}
	if v := opts.Get(dhcpv4.OptionInterfaceMTU); v != nil {
		if len(v) != 2 {
			return nil, fmt.Errorf("dhcp: option 26 (interface MTU): length %d, want 2", len(v))
		}
		if mtu := int(binary.BigEndian.Uint16(v)); mtu >= 68 {
			r.MTU = mtu
		}
	}
	if v := opts.Get(dhcpv4.OptionClasslessStaticRoute); v != nil {
		if r.Routes, err = parseClasslessRoutes(121, v); err != nil {
			return nil, fmt.Errorf("dhcp: %w", err)
		}
	} else if v := opts.Get(dhcpv4.GenericOptionCode(249)); v != nil {
		if r.Routes, err = parseClasslessRoutes(249, v); err != nil {
			return nil, fmt.Errorf("dhcp: %w", err)
		}
	}
	r.RapidCommit = opts.Has(dhcpv4.OptionRapidCommit)
	return r, nil
}

func optAddr(o dhcpv4.Options, code dhcpv4.OptionCode) (netip.Addr, error) {
	v := o.Get(code)
	if v == nil {
		return netip.Addr{}, nil
	}
	if len(v) != 4 {
		return netip.Addr{}, fmt.Errorf("dhcp: option %d (%v): length %d, want 4", code.Code(), code, len(v))
	}
	return netip.AddrFrom4([4]byte(v)), nil
}

func optAddrs(o dhcpv4.Options, code dhcpv4.OptionCode) ([]netip.Addr, error) {
	v := o.Get(code)
	if v == nil {
		return nil, nil
	}
	if len(v) == 0 || len(v)%4 != 0 {
		return nil, fmt.Errorf("dhcp: option %d (%v): length %d is not a multiple of 4", code.Code(), code, len(v))
	}
	out := make([]netip.Addr, 0, len(v)/4)
	for i := 0; i < len(v); i += 4 {
		a := netip.AddrFrom4([4]byte(v[i : i+4]))
		if usableUnicast(a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// optSeconds returns a 32-bit seconds option as a duration, or -1 if
// absent. 0xffffffff (infinite) is capped at about 136 years.
func optSeconds(o dhcpv4.Options, code dhcpv4.OptionCode) (time.Duration, error) {
	v := o.Get(code)
	if v == nil {
		return -1, nil
	}
	if len(v) != 4 {
		return 0, fmt.Errorf("dhcp: option %d (%v): length %d, want 4", code.Code(), code, len(v))
	}
	return time.Duration(binary.BigEndian.Uint32(v)) * time.Second, nil
}

func usableUnicast(a netip.Addr) bool {
	if !a.Is4() || a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	return a.As4()[0] < 240 // not class E
}

func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return string(out)
}
