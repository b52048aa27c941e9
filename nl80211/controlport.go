package nl80211

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"golang.org/x/sys/unix"
)

// An EAPOLFrame is one received EAPOL PDU (no Ethernet header).
type EAPOLFrame struct {
	Src   net.HardwareAddr
	Frame []byte
	// Unencrypted: the frame arrived unprotected. Only nl80211 control
	// port reports this; a PF_PACKET port always says false.
	Unencrypted bool
}

// EAPOLPort sends and receives EAPOL frames on one interface: over
// nl80211 (NLControlPort) when the wiphy supports control port over
// nl80211, else over a PF_PACKET socket (PacketPort).
type EAPOLPort interface {
	// Send transmits frame to dst; unencrypted asks the driver not to
	// protect it (the 4-way handshake before keys are installed).
	Send(ctx context.Context, dst net.HardwareAddr, frame []byte, unencrypted bool) error
	// Receive blocks for the next frame.
	Receive(ctx context.Context) (*EAPOLFrame, error)
	Close() error
}

var (
	_ EAPOLPort = (*NLControlPort)(nil)
	_ EAPOLPort = (*PacketPort)(nil)
)

// ErrPortClosed is returned by Receive on a closed EAPOL port.
var ErrPortClosed = errors.New("nl80211: EAPOL port closed")

// SendControlPortFrame sends an EAPOL frame over nl80211
// (NL80211_CMD_CONTROL_PORT_FRAME, ethertype 0x888E).
func (c *Client) SendControlPortFrame(ctx context.Context, ifindex int, dst net.HardwareAddr, frame []byte, unencrypted bool) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, dst)
	e.u16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, EthertypeEAPOL)
	e.bytes(unix.NL80211_ATTR_FRAME, frame)
	if unencrypted {
		e.flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT)
	}
	_, err := c.execute(ctx, unix.NL80211_CMD_CONTROL_PORT_FRAME, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// NLControlPort is the EAPOLPort over nl80211. While it is open, the
// interface's ControlPortFrameEvents go to it instead of Events. Frames
// arrive only if this Client's socket owns the connection
// (ConnectRequest/AssociateRequest SocketOwner + ControlPortOverNL80211).
type NLControlPort struct {
	c       *Client
	ifindex int

	mu     sync.Mutex // guards q, closed
	q      []*EAPOLFrame
	closed bool
	notify chan struct{}
	done   chan struct{}
}

const maxPortQueue = 256

// OpenControlPort opens the nl80211 EAPOL port of ifindex; one per
// interface and Client.
func (c *Client) OpenControlPort(ifindex int) (*NLControlPort, error) {
	p := &NLControlPort{c: c, ifindex: ifindex, notify: make(chan struct{}, 1), done: make(chan struct{})}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.ports[ifindex] != nil {
		return nil, fmt.Errorf("nl80211: control port of ifindex %d already open", ifindex)
	}
	c.ports[ifindex] = p
	return p, nil
}

// push queues a received frame; false if the port is closed.
func (p *NLControlPort) push(ev *ControlPortFrameEvent) bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	if len(p.q) < maxPortQueue {
		p.q = append(p.q, &EAPOLFrame{Src: ev.Src, Frame: ev.Frame, Unencrypted: ev.Unencrypted})
	} else {
		p.c.log.Warn("control port queue full, dropping EAPOL frame", "ifindex", p.ifindex)
	}
	p.mu.Unlock()
	select {
	case p.notify <- struct{}{}:
	default:
	}
	return true
}

// Send implements EAPOLPort with SendControlPortFrame.
func (p *NLControlPort) Send(ctx context.Context, dst net.HardwareAddr, frame []byte, unencrypted bool) error {
	return p.c.SendControlPortFrame(ctx, p.ifindex, dst, frame, unencrypted)
}

// Receive implements EAPOLPort.
func (p *NLControlPort) Receive(ctx context.Context) (*EAPOLFrame, error) {
	for {
		p.mu.Lock()
		if len(p.q) > 0 {
			f := p.q[0]
			p.q[0] = nil
			p.q = p.q[1:]
			p.mu.Unlock()
			return f, nil
		}
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return nil, ErrPortClosed
		}
		select {
		case <-p.notify:
		case <-p.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close detaches the port; later frames go to Events again.
func (p *NLControlPort) Close() error {
	p.c.mu.Lock()
	if p.c.ports[p.ifindex] == p {
		delete(p.c.ports, p.ifindex)
	}
	p.c.mu.Unlock()
	p.closeQueue()
	return nil
}

func (p *NLControlPort) closeQueue() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
}
