package netconfig

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// udp6Transport is DHCPv6 over a UDP socket bound to the interface's
// link-local address, port 546 (RFC 8415 7.2), sending to
// All_DHCP_Relay_Agents_and_Servers (ff02::1:2) port 547.
type udp6Transport struct {
	conn *net.UDPConn
	dst  *net.UDPAddr
}

// listenDHCP6 binds [fe80::...%ifindex]:546. The link-local address may
// still be tentative (DAD) right after the link came up: it retries every
// 200 ms until ctx is done.
func listenDHCP6(ctx context.Context, ifindex int) (dhcp6Transport, error) {
	for {
		tr, err := tryListenDHCP6(ctx, ifindex)
		if err == nil {
			return tr, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dhcp6: listen: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func tryListenDHCP6(ctx context.Context, ifindex int) (dhcp6Transport, error) {
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return nil, err
	}
	ll, err := linkLocal(ifi)
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	// The zone is the ifindex, not the name: the interface may be renamed
	// while the socket is open.
	zone := strconv.Itoa(ifindex)
	pc, err := lc.ListenPacket(ctx, "udp6", netip.AddrPortFrom(ll.WithZone(zone), 546).String())
	if err != nil {
		return nil, fmt.Errorf("dhcp6: bind %v port 546: %w", ll, err)
	}
	return &udp6Transport{conn: pc.(*net.UDPConn),
		dst: &net.UDPAddr{IP: net.ParseIP("ff02::1:2"), Port: 547, Zone: zone}}, nil
}

// linkLocal returns the interface's first fe80::/10 address.
func linkLocal(ifi *net.Interface) (netip.Addr, error) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok && ip.Is6() && ip.IsLinkLocalUnicast() {
				return ip, nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("dhcp6: %s has no IPv6 link-local address", ifi.Name)
}

func (t *udp6Transport) Send(b []byte) error {
	_, err := t.conn.WriteToUDP(b, t.dst)
	return err
}

func (t *udp6Transport) Recv() ([]byte, error) {
	b := make([]byte, 65536)
	for {
		n, src, err := t.conn.ReadFromUDPAddrPort(b)
		if err != nil {
			return nil, err
		}
		if src.Port() != 547 { // servers and relays send from 547
			continue
		}
		return b[:n], nil
	}
}

func (t *udp6Transport) Close() error { return t.conn.Close() }
