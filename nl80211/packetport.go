package nl80211

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/mdlayher/packet"
)

// PacketPort is the EAPOLPort fallback for drivers without control port
// over nl80211: a PF_PACKET datagram socket bound to ETH_P_PAE on the
// interface (mdlayher/packet). The kernel's control port still blocks
// other data until SetStationAuthorized.
type PacketPort struct {
	conn *packet.Conn
}

// ListenPacketPort opens the PF_PACKET EAPOL socket of ifindex (needs
// CAP_NET_RAW).
func ListenPacketPort(ifindex int) (*PacketPort, error) {
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return nil, fmt.Errorf("nl80211: EAPOL packet socket: ifindex %d: %w", ifindex, err)
	}
	conn, err := packet.Listen(ifi, packet.Datagram, EthertypeEAPOL, nil)
	if err != nil {
		return nil, fmt.Errorf("nl80211: EAPOL packet socket on %s: %w", ifi.Name, err)
	}
	return &PacketPort{conn: conn}, nil
}

// Send implements EAPOLPort; unencrypted cannot be expressed here and is
// ignored (the driver protects frames once a pairwise key is installed).
func (p *PacketPort) Send(ctx context.Context, dst net.HardwareAddr, frame []byte, _ bool) error {
	dl, _ := ctx.Deadline()
	if err := p.conn.SetWriteDeadline(dl); err != nil {
		return err
	}
	_, err := p.conn.WriteTo(frame, &packet.Addr{HardwareAddr: dst})
	return err
}

// Receive implements EAPOLPort. Cancelling ctx interrupts it.
func (p *PacketPort) Receive(ctx context.Context) (*EAPOLFrame, error) {
	dl, _ := ctx.Deadline()
	if err := p.conn.SetReadDeadline(dl); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = p.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 4096)
	n, addr, err := p.conn.ReadFrom(buf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	f := &EAPOLFrame{Frame: buf[:n]}
	if pa, ok := addr.(*packet.Addr); ok {
		f.Src = pa.HardwareAddr
	}
	return f, nil
}

// Close closes the socket.
func (p *PacketPort) Close() error { return p.conn.Close() }
