package netconfig

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// ErrAddressInUse is returned (wrapped) when ACD finds another host using
// the address.
var ErrAddressInUse = errors.New("address in use")

// arpPacket is an Ethernet/IPv4 ARP packet (RFC 826).
type arpPacket struct {
	Op       uint16
	SenderHW net.HardwareAddr
	SenderIP netip.Addr
	TargetHW net.HardwareAddr
	TargetIP netip.Addr
}

func (a *arpPacket) marshal() []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(b[2:], 0x0800) // IPv4
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], a.Op)
	copy(b[8:14], a.SenderHW)
	s, t := a.SenderIP.As4(), a.TargetIP.As4()
	copy(b[14:18], s[:])
	copy(b[18:24], a.TargetHW)
	copy(b[24:28], t[:])
	return b
}

func parseARP(b []byte) (*arpPacket, error) {
	if len(b) < 28 {
		return nil, fmt.Errorf("acd: ARP packet of %d bytes, want 28", len(b))
	}
	if binary.BigEndian.Uint16(b[0:]) != 1 || binary.BigEndian.Uint16(b[2:]) != 0x0800 || b[4] != 6 || b[5] != 4 {
		return nil, fmt.Errorf("acd: ARP packet is not Ethernet/IPv4")
	}
	return &arpPacket{
		Op:       binary.BigEndian.Uint16(b[6:]),
		SenderHW: net.HardwareAddr(append([]byte(nil), b[8:14]...)),
		SenderIP: netip.AddrFrom4([4]byte(b[14:18])),
		TargetHW: net.HardwareAddr(append([]byte(nil), b[18:24]...)),
		TargetIP: netip.AddrFrom4([4]byte(b[24:28])),
	}, nil
}

// conflicts reports whether a received ARP packet shows another host using
// or probing addr (RFC 5227 2.1.1).
func (a *arpPacket) conflicts(addr netip.Addr, ours net.HardwareAddr) bool {
	if a.SenderHW.String() == ours.String() {
		return false
	}
	if a.SenderIP == addr {
		return true
	}
	return a.Op == 1 && a.SenderIP.IsUnspecified() && a.TargetIP == addr
}

// probeAddress runs RFC 5227's probe for addr on the interface: ProbeWait,
// then ProbeNum probes ProbeMin..ProbeMax apart, then AnnounceWait of
// listening. It returns true if another host answers or probes the same
// address.
func probeAddress(ctx context.Context, ifindex int, hw net.HardwareAddr, addr netip.Addr, t ACDTimings) (bool, error) {
	t = t.withDefaults()
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return false, fmt.Errorf("acd: interface %d: %w", ifindex, err)
	}
	c, err := packet.Listen(ifi, packet.Datagram, unix.ETH_P_ARP, nil)
	if err != nil {
		return false, fmt.Errorf("acd: %s: packet socket: %w", ifi.Name, err)
	}
	defer c.Close()

	conflict := make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 128)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			if a, err := parseARP(buf[:n]); err == nil && a.conflicts(addr, hw) {
				select {
				case conflict <- struct{}{}:
				default:
				}
				return
			}
		}
	}()

	wait := func(d time.Duration) (bool, error) {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-conflict:
			return true, nil
		case <-tm.C:
			return false, nil
		}
	}
	probe := (&arpPacket{Op: 1, SenderHW: hw, SenderIP: netip.IPv4Unspecified(),
		TargetHW: make(net.HardwareAddr, 6), TargetIP: addr}).marshal()
	if hit, err := wait(randDuration(0, t.ProbeWait)); hit || err != nil {
		return hit, err
	}
	for i := range t.ProbeNum {
		if _, err := c.WriteTo(probe, &packet.Addr{HardwareAddr: ethernetBroadcast}); err != nil {
			return false, fmt.Errorf("acd: %s: sending probe: %w", ifi.Name, err)
		}
		d := randDuration(t.ProbeMin, t.ProbeMax)
		if i == t.ProbeNum-1 {
			d = t.AnnounceWait
		}
		if hit, err := wait(d); hit || err != nil {
			return hit, err
		}
	}
	return false, nil
}

// announceAddress sends RFC 5227's ARP announcements for addr in the
// background; it gives up quietly when ctx ends.
func announceAddress(ctx context.Context, ifindex int, hw net.HardwareAddr, addr netip.Addr, t ACDTimings) {
	t = t.withDefaults()
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return
	}
	c, err := packet.Listen(ifi, packet.Datagram, unix.ETH_P_ARP, nil)
	if err != nil {
		return
	}
	defer c.Close()
	ann := (&arpPacket{Op: 1, SenderHW: hw, SenderIP: addr, TargetHW: make(net.HardwareAddr, 6), TargetIP: addr}).marshal()
	for i := range t.AnnounceNum {
		if i > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(t.AnnounceIntv):
			}
		}
		_, _ = c.WriteTo(ann, &packet.Addr{HardwareAddr: ethernetBroadcast})
	}
}

// defendAddress watches for other hosts using addr once it is ours (RFC
// 5227 2.4, policy (b)): the first conflict is answered with an
// announcement, a second within DefendInterval means the address is lost
// (ErrAddressInUse). It returns nil when ctx ends.
func defendAddress(ctx context.Context, ifindex int, hw net.HardwareAddr, addr netip.Addr, t ACDTimings) error {
	t = t.withDefaults()
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return fmt.Errorf("acd: interface %d: %w", ifindex, err)
	}
	c, err := packet.Listen(ifi, packet.Datagram, unix.ETH_P_ARP, nil)
	if err != nil {
		return fmt.Errorf("acd: %s: packet socket: %w", ifi.Name, err)
	}
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	ann := (&arpPacket{Op: 1, SenderHW: hw, SenderIP: addr, TargetHW: make(net.HardwareAddr, 6), TargetIP: addr}).marshal()
	var defended time.Time
	buf := make([]byte, 128)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("acd: %s: %w", ifi.Name, err)
		}
		a, err := parseARP(buf[:n])
		// Only a host claiming the address (as sender) takes it from
		// us; a probe for it (sender 0.0.0.0) is its own ACD's business.
		if err != nil || a.SenderIP != addr || a.SenderHW.String() == hw.String() {
			continue
		}
		if !defended.IsZero() && time.Since(defended) < t.DefendInterval {
			return fmt.Errorf("acd: %s: %v also used by %s: %w", ifi.Name, addr, a.SenderHW, ErrAddressInUse)
		}
		defended = time.Now()
		_, _ = c.WriteTo(ann, &packet.Addr{HardwareAddr: ethernetBroadcast})
	}
}

func randDuration(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int64N(int64(hi-lo)))
}
