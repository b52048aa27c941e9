package wired

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"

	"wifid/eapol"
	"wifid/nl80211"
)

// PAE is a port's EAPOL link: frames to the PAE group address out, EAPOL
// frames with their source in. The real one is a packet socket
// (ListenPAE); tests may give a Port an in-memory one.
type PAE interface {
	// Send sends a whole EAPOL frame (header included) to the PAE group
	// address.
	Send(frame []byte) error
	// Receive returns the next EAPOL frame and its source address;
	// cancelling ctx interrupts it.
	Receive(ctx context.Context) (frame []byte, src net.HardwareAddr, err error)
	Close() error
}

// PacketPAE is a PF_PACKET datagram socket bound to the EAPOL ethertype
// on one interface and a member of the PAE group address, so that the
// NIC passes the authenticator's multicast frames up.
type PacketPAE struct {
	conn  *packet.Conn
	ifi   *net.Interface
	group net.HardwareAddr
}

// ListenPAE opens ifi's PAE socket (needs CAP_NET_RAW).
func ListenPAE(ifi *net.Interface) (*PacketPAE, error) {
	conn, err := packet.Listen(ifi, packet.Datagram, nl80211.EthertypeEAPOL, nil)
	if err != nil {
		return nil, fmt.Errorf("wired: PAE socket on %s: %w", ifi.Name, err)
	}
	group := net.HardwareAddr(eapol.PAEGroupAddress[:])
	if err := conn.JoinGroup(group); err != nil {
		conn.Close()
		return nil, fmt.Errorf("wired: PAE group membership on %s: %w", ifi.Name, err)
	}
	return &PacketPAE{conn: conn, ifi: ifi, group: group}, nil
}

// Send implements PAE.
func (p *PacketPAE) Send(frame []byte) error {
	if _, err := p.conn.WriteTo(frame, &packet.Addr{HardwareAddr: p.group}); err != nil {
		return fmt.Errorf("wired: send on %s: %w", p.ifi.Name, err)
	}
	return nil
}

// Receive implements PAE. Frames that carry our own address as source
// are skipped.
func (p *PacketPAE) Receive(ctx context.Context) ([]byte, net.HardwareAddr, error) {
	stop := context.AfterFunc(ctx, func() { _ = p.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 4096)
	for {
		n, addr, err := p.conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			// The kernel reports an interface taken down once
			// (ENETDOWN) and delivers again once it is up: the
			// carrier watch tells the port, the socket stays.
			if errors.Is(err, unix.ENETDOWN) {
				continue
			}
			return nil, nil, fmt.Errorf("wired: receive on %s: %w", p.ifi.Name, err)
		}
		var src net.HardwareAddr
		if pa, ok := addr.(*packet.Addr); ok {
			src = pa.HardwareAddr
		}
		if src.String() == p.ifi.HardwareAddr.String() {
			continue
		}
		return append([]byte(nil), buf[:n]...), src, nil
	}
}

// Close leaves the group and closes the socket.
func (p *PacketPAE) Close() error {
	_ = p.conn.LeaveGroup(p.group)
	return p.conn.Close()
}
