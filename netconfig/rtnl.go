package netconfig

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// route is one route netconfig adds; it is removed by the same key.
type route struct {
	Dst      netip.Prefix
	Gateway  netip.Addr // invalid for on-link routes
	Src      netip.Addr
	Priority uint32
	Protocol uint8
}

func (r route) String() string {
	s := r.Dst.String()
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
	}
	return fmt.Sprintf("%s metric %d", s, r.Priority)
}

// netOps changes the kernel's addresses and routes of one interface. The
// real one is rtnetlink; tests may use a fake.
type netOps interface {
	// AddAddr adds or refreshes an address; zero lifetimes mean forever.
	AddAddr(p netip.Prefix, brd netip.Addr, valid, preferred time.Duration) error
	DelAddr(p netip.Prefix) error
	AddRoute(r route) error
	DelRoute(r route) error
	// AddrFlags reports the kernel's IFA_F_* flags of an address of the
	// interface; found is false when the address is not there.
	AddrFlags(p netip.Prefix) (flags uint32, found bool, err error)
	MTU() (int, error)
	SetMTU(mtu int) error
	Close() error
}

type rtnlOps struct {
	ifindex int
	rt      *rtnetlink.Conn
	nl      *netlink.Conn // for RTM_NEWADDR with IFA_CACHEINFO, which rtnetlink does not encode
}

func dialRTNL(ifindex int) (*rtnlOps, error) {
	rt, err := rtnetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: dial: %w", err)
	}
	nl, err := netlink.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("rtnetlink: dial: %w", err)
	}
	return &rtnlOps{ifindex: ifindex, rt: rt, nl: nl}, nil
}

func (o *rtnlOps) Close() error {
	o.nl.Close()
	return o.rt.Close()
}

func family(a netip.Addr) uint8 {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func seconds(d time.Duration) uint32 {
	if d <= 0 {
		return 0xffffffff // INFINITY_LIFE_TIME
	}
	return uint32((d + time.Second - 1) / time.Second)
}

// AddAddr sends RTM_NEWADDR (create or replace) with IFA_F_NOPREFIXROUTE:
// netconfig adds the subnet route itself, with the route metric.
func (o *rtnlOps) AddAddr(p netip.Prefix, brd netip.Addr, valid, preferred time.Duration) error {
	ae := netlink.NewAttributeEncoder()
	a := p.Addr().AsSlice()
	ae.Bytes(unix.IFA_LOCAL, a)
	ae.Bytes(unix.IFA_ADDRESS, a)
	if brd.IsValid() {
		ae.Bytes(unix.IFA_BROADCAST, brd.AsSlice())
	}
	ci := make([]byte, 16)
	binary.NativeEndian.PutUint32(ci[0:], seconds(preferred))
	binary.NativeEndian.PutUint32(ci[4:], seconds(valid))
	ae.Bytes(unix.IFA_CACHEINFO, ci)
	flags := uint32(unix.IFA_F_NOPREFIXROUTE)
	if p.Addr().Is4() {
		flags |= unix.IFA_F_NODAD // IPv4 conflicts are ACD's business
	}
	ae.Uint32(unix.IFA_FLAGS, flags)
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	hdr := make([]byte, unix.SizeofIfAddrmsg)
	hdr[0] = family(p.Addr())
	hdr[1] = uint8(p.Bits())
	hdr[3] = unix.RT_SCOPE_UNIVERSE
	binary.NativeEndian.PutUint32(hdr[4:], uint32(o.ifindex))
	_, err = o.nl.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_NEWADDR,
			Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Replace},
		Data: append(hdr, attrs...),
	})
	if err != nil {
		return fmt.Errorf("rtnetlink: RTM_NEWADDR %v: %w", p, err)
	}
	return nil
}

func (o *rtnlOps) DelAddr(p netip.Prefix) error {
	err := o.rt.Address.Delete(&rtnetlink.AddressMessage{
		Family:       family(p.Addr()),
		PrefixLength: uint8(p.Bits()),
		Index:        uint32(o.ifindex),
		Attributes:   &rtnetlink.AddressAttributes{Address: p.Addr().AsSlice(), Local: p.Addr().AsSlice()},
	})
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
		return fmt.Errorf("rtnetlink: RTM_DELADDR %v: %w", p, err)
	}
	return nil
}

func (o *rtnlOps) AddrFlags(p netip.Prefix) (uint32, bool, error) {
	msgs, err := o.rt.Address.List()
	if err != nil {
		return 0, false, fmt.Errorf("rtnetlink: RTM_GETADDR: %w", err)
	}
	for _, m := range msgs {
		if int(m.Index) != o.ifindex || m.Family != family(p.Addr()) || int(m.PrefixLength) != p.Bits() || m.Attributes == nil {
			continue
		}
		if a, ok := netip.AddrFromSlice(m.Attributes.Address); ok && a.Unmap() == p.Addr().WithZone("") {
			flags := m.Attributes.Flags
			if flags == 0 {
				flags = uint32(m.Flags) // kernels without IFA_FLAGS
			}
			return flags, true, nil
		}
	}
	return 0, false, nil
}

func (o *rtnlOps) routeMsg(r route) *rtnetlink.RouteMessage {
	m := &rtnetlink.RouteMessage{
		Family:    family(r.Dst.Addr()),
		DstLength: uint8(r.Dst.Bits()),
		Table:     unix.RT_TABLE_MAIN,
		Protocol:  r.Protocol,
		Scope:     unix.RT_SCOPE_UNIVERSE,
		Type:      unix.RTN_UNICAST,
		Attributes: rtnetlink.RouteAttributes{
			OutIface: uint32(o.ifindex),
			Priority: r.Priority,
			Table:    unix.RT_TABLE_MAIN,
		},
	}
	if r.Dst.Bits() > 0 {
		m.Attributes.Dst = r.Dst.Addr().AsSlice()
	}
	if r.Gateway.IsValid() && !r.Gateway.IsUnspecified() {
		m.Attributes.Gateway = r.Gateway.AsSlice()
	} else {
		m.Scope = unix.RT_SCOPE_LINK
	}
	if r.Src.IsValid() {
		m.Attributes.Src = r.Src.AsSlice()
	}
	return m
}

// AddRoute appends the route (NLM_F_APPEND, never NLM_F_REPLACE): a route
// of another interface with the same destination and metric is left
// alone. An identical route of ours already present is not an error.
func (o *rtnlOps) AddRoute(r route) error {
	_, err := o.rt.Execute(o.routeMsg(r), unix.RTM_NEWROUTE,
		netlink.Request|netlink.Acknowledge|netlink.Create|netlink.Append)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("rtnetlink: RTM_NEWROUTE %v: %w", r, err)
	}
	return nil
}

func (o *rtnlOps) DelRoute(r route) error {
	err := o.rt.Route.Delete(o.routeMsg(r))
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("rtnetlink: RTM_DELROUTE %v: %w", r, err)
	}
	return nil
}

func (o *rtnlOps) MTU() (int, error) {
	m, err := o.rt.Link.Get(uint32(o.ifindex))
	if err != nil {
		return 0, fmt.Errorf("rtnetlink: RTM_GETLINK %d: %w", o.ifindex, err)
	}
	if m.Attributes == nil {
		return 0, fmt.Errorf("rtnetlink: RTM_GETLINK %d: no attributes", o.ifindex)
	}
	return int(m.Attributes.MTU), nil
}

func (o *rtnlOps) SetMTU(mtu int) error {
	m, err := o.rt.Link.Get(uint32(o.ifindex))
	if err != nil {
		return fmt.Errorf("rtnetlink: RTM_GETLINK %d: %w", o.ifindex, err)
	}
	err = o.rt.Link.Set(&rtnetlink.LinkMessage{
		Family: m.Family, Type: m.Type, Index: uint32(o.ifindex),
		Attributes: &rtnetlink.LinkAttributes{MTU: uint32(mtu)},
	})
	if err != nil {
		return fmt.Errorf("rtnetlink: RTM_SETLINK %d mtu %d: %w", o.ifindex, mtu, err)
	}
	return nil
}
