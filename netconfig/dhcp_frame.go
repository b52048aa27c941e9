package netconfig

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/packet"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

const (
	dhcpClientPort = 68
	dhcpServerPort = 67
)

// dhcpTransport moves DHCP payloads. The real one is a packet socket (the
// client has no address yet, so no UDP socket can be used in INIT); tests
// use an in-memory one.
type dhcpTransport interface {
	// Send sends payload from src:68 to dst:67: broadcast (dst
	// 255.255.255.255) in a broadcast frame; unicast (RENEWING, RELEASE,
	// src the leased address) through the kernel's routing as any UDP
	// datagram, as iwd sends it, or, when the kernel cannot (the address
	// already gone, port 68 taken), in a frame to dstMAC if it is set.
	Send(payload []byte, src, dst netip.Addr, dstMAC net.HardwareAddr) error
	// Recv returns the next UDP payload sent to port 68 and the sender's
	// hardware address.
	Recv() ([]byte, net.HardwareAddr, error)
	Close() error
}

// packetTransport sends and receives IPv4/UDP datagrams on a SOCK_DGRAM
// packet socket (the kernel adds and strips the Ethernet header), with a
// BPF filter so only UDP to port 68 reaches us.
type packetTransport struct {
	c       *packet.Conn
	ifindex int
}

func listenDHCP(ifindex int) (*packetTransport, error) {
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return nil, fmt.Errorf("dhcp: interface %d: %w", ifindex, err)
	}
	filter, err := bpf.Assemble([]bpf.Instruction{
		// IPv4 header at offset 0 (cooked socket).
		bpf.LoadAbsolute{Off: 9, Size: 1}, // protocol
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: unix.IPPROTO_UDP, SkipTrue: 5},
		bpf.LoadAbsolute{Off: 6, Size: 2}, // flags + fragment offset
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 3},
		bpf.LoadMemShift{Off: 0}, // X = IHL*4
		bpf.LoadIndirect{Off: 2, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: dhcpClientPort, SkipTrue: 1},
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 0xffff},
	})
	if err != nil {
		return nil, fmt.Errorf("dhcp: assembling filter: %w", err)
	}
	c, err := packet.Listen(ifi, packet.Datagram, unix.ETH_P_IP, &packet.Config{Filter: filter})
	if err != nil {
		return nil, fmt.Errorf("dhcp: %s: packet socket: %w", ifi.Name, err)
	}
	return &packetTransport{c: c, ifindex: ifindex}, nil
}

func (p *packetTransport) Send(payload []byte, src, dst netip.Addr, dstMAC net.HardwareAddr) error {
	bcast := dst == netip.AddrFrom4([4]byte{255, 255, 255, 255})
	if !bcast && src.Is4() && !src.IsUnspecified() {
		err := sendRouted(p.ifindex, payload, src, dst)
		if err == nil || dstMAC == nil {
			return err
		}
		// The frame below reaches the server all the same.
	}
	if dstMAC == nil {
		dstMAC = ethernetBroadcast
	}
	_, err := p.c.WriteTo(buildIPv4UDP(payload, src, dst, dhcpClientPort, dhcpServerPort), &packet.Addr{HardwareAddr: dstMAC})
	return err
}

// sendRouted sends payload from src:68 to dst:67 through the kernel's
// routing on interface ifindex: a route that sends the server's address
// elsewhere (or nowhere) is followed, as for any datagram. The socket
// lives for one datagram; replies come through the packet socket.
func sendRouted(ifindex int, payload []byte, src, dst netip.Addr) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return fmt.Errorf("dhcp: UDP socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("dhcp: SO_REUSEADDR: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_BINDTOIFINDEX, ifindex); err != nil {
		return fmt.Errorf("dhcp: SO_BINDTOIFINDEX %d: %w", ifindex, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: dhcpClientPort, Addr: src.As4()}); err != nil {
		return fmt.Errorf("dhcp: bind %v:%d: %w", src, dhcpClientPort, err)
	}
	if err := unix.Sendto(fd, payload, 0, &unix.SockaddrInet4{Port: dhcpServerPort, Addr: dst.As4()}); err != nil {
		return fmt.Errorf("dhcp: send to %v:%d: %w", dst, dhcpServerPort, err)
	}
	return nil
}

func (p *packetTransport) Recv() ([]byte, net.HardwareAddr, error) {
	buf := make([]byte, 1500)
	for {
		n, from, err := p.c.ReadFrom(buf)
		if err != nil {
			return nil, nil, err
		}
		payload, err := parseIPv4UDP(buf[:n], dhcpClientPort)
		if err != nil {
			continue // not a well-formed datagram to port 68
		}
		var hw net.HardwareAddr
		if a, ok := from.(*packet.Addr); ok {
			hw = a.HardwareAddr
		}
		return append([]byte(nil), payload...), hw, nil
	}
}

func (p *packetTransport) Close() error { return p.c.Close() }

var ethernetBroadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// buildIPv4UDP wraps payload in an IPv4 header (no options) and a UDP
// header with checksum.
func buildIPv4UDP(payload []byte, src, dst netip.Addr, sport, dport uint16) []byte {
	b := make([]byte, 28+len(payload))
	b[0] = 0x45
	b[1] = 0x10 // low delay, as DHCP clients commonly send
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[8] = 64
	b[9] = unix.IPPROTO_UDP
	s, d := src.As4(), dst.As4()
	copy(b[12:16], s[:])
	copy(b[16:20], d[:])
	binary.BigEndian.PutUint16(b[10:], ^checksum(0, b[:20]))
	u := b[20:]
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	copy(u[8:], payload)
	binary.BigEndian.PutUint16(u[6:], udpChecksum(b[12:20], u))
	return b
}

func udpChecksum(addrs, udp []byte) uint16 {
	pseudo := make([]byte, 0, 12)
	pseudo = append(pseudo, addrs...)
	pseudo = append(pseudo, 0, unix.IPPROTO_UDP, byte(len(udp)>>8), byte(len(udp)))
	sum := ^checksum(uint32(checksum(0, pseudo)), udp)
	if sum == 0 {
		sum = 0xffff
	}
	return sum
}

func checksum(sum uint32, b []byte) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

var errFrame = errors.New("dhcp: frame")

// parseIPv4UDP returns the UDP payload of an unfragmented IPv4 datagram
// for dport, checking header lengths and checksums.
func parseIPv4UDP(b []byte, dport uint16) ([]byte, error) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return nil, fmt.Errorf("%w: not IPv4 (%d bytes)", errFrame, len(b))
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < 20 || total < ihl+8 || total > len(b) {
		return nil, fmt.Errorf("%w: IPv4 header length %d, total length %d, have %d", errFrame, ihl, total, len(b))
	}
	if b[9] != unix.IPPROTO_UDP {
		return nil, fmt.Errorf("%w: protocol %d is not UDP", errFrame, b[9])
	}
	if binary.BigEndian.Uint16(b[6:])&0x3fff != 0 {
		return nil, fmt.Errorf("%w: fragment", errFrame)
	}
	if checksum(0, b[:ihl]) != 0xffff {
		return nil, fmt.Errorf("%w: bad IPv4 header checksum", errFrame)
	}
	u := b[ihl:total]
	if binary.BigEndian.Uint16(u[2:]) != dport {
		return nil, fmt.Errorf("%w: UDP port %d", errFrame, binary.BigEndian.Uint16(u[2:]))
	}
	ulen := int(binary.BigEndian.Uint16(u[4:]))
	if ulen < 8 || ulen > len(u) {
		return nil, fmt.Errorf("%w: UDP length %d, have %d", errFrame, ulen, len(u))
	}
	u = u[:ulen]
	// The UDP checksum is not verified: on veth and with checksum offload
	// a packet socket sees it incomplete (TP_STATUS_CSUMNOTREADY), and
	// the DHCP payload is validated on its own anyway.
	return u[8:], nil
}
