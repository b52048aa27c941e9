package hwsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// kernelMsg is a generic netlink message the kernel sent unasked: a frame,
// a MAC address event (unicast to the medium) or a radio event (the
// "config" group).
type kernelMsg struct {
	Cmd  uint8
	Data []byte // attributes
}

// decodeGenl splits a generic netlink payload into its command and
// attributes.
func decodeGenl(b []byte) (kernelMsg, error) {
	var m genetlink.Message
	if err := m.UnmarshalBinary(b); err != nil {
		return kernelMsg{}, fmt.Errorf("hwsim: generic netlink header: %w", err)
	}
	return kernelMsg{Cmd: m.Header.Command, Data: m.Data}, nil
}

// call is one request in flight.
type call struct {
	dump bool
	msgs []kernelMsg
	done chan error // buffered 1
}

// conn is one MAC80211_HWSIM socket. It carries requests, their replies
// and the unasked messages: the kernel sends frames to the socket that
// registered, and accepts frames and TX status only from it, so one socket
// does all. One reader goroutine matches replies to requests by sequence
// number (netlink's Execute would reject the frames arriving between
// them) and queues the rest on events.
type conn struct {
	nc     *netlink.Conn
	family uint16
	log    *slog.Logger

	mu      sync.Mutex // guards pending, dumpSeq, closed
	pending map[uint32]*call
	dumpSeq uint32
	closed  bool

	events  chan kernelMsg
	dropped uint64 // events dropped for a full queue; reader only
	done    chan struct{}
}

// errClosed is returned for requests on a closed medium.
var errClosed = errors.New("hwsim: medium closed")

func dialConn(log *slog.Logger, queue int) (*conn, error) {
	nc, err := netlink.Dial(unix.NETLINK_GENERIC, nil)
	if err != nil {
		return nil, fmt.Errorf("hwsim: dial generic netlink: %w", err)
	}
	// mac80211_hwsim forgets its medium when ANY netlink socket with the
	// medium's port id is released, whatever its protocol. The first
	// socket of a protocol gets the process id as port id, so a route
	// socket opened and closed later (Go's net.Interfaces does that)
	// would silently unregister us. Take a port id from the kernel's
	// process-wide pool instead.
	if nc.PID() == uint32(os.Getpid()) {
		nc2, err := netlink.Dial(unix.NETLINK_GENERIC, nil)
		nc.Close()
		if err != nil {
			return nil, fmt.Errorf("hwsim: dial generic netlink: %w", err)
		}
		nc = nc2
	}
	_ = nc.SetReadBuffer(4 << 20)
	fam, err := genetlink.NewConn(nc).GetFamily(familyName)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("hwsim: family %s (mac80211_hwsim not loaded?): %w", familyName, err)
	}
	for _, g := range fam.Groups {
		if g.Name == configGroup {
			if err := nc.JoinGroup(g.ID); err != nil {
				nc.Close()
				return nil, fmt.Errorf("hwsim: join group %q: %w", configGroup, err)
			}
		}
	}
	c := &conn{
		nc: nc, family: fam.ID, log: log,
		pending: map[uint32]*call{},
		events:  make(chan kernelMsg, queue),
		done:    make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

func (c *conn) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	err := c.nc.Close()
	<-c.done
	return err
}

// request sends cmd with attrs and waits for the kernel's answer: the ACK
// (or error), or every part of a dump. A positive "error" in the ACK is a
// value (NEW_RADIO answers with the radio's id): it comes back as n.
func (c *conn) request(ctx context.Context, cmd uint8, attrs []byte, dump bool) (msgs []kernelMsg, n int, err error) {
	flags := netlink.Request | netlink.Acknowledge
	if dump {
		flags = netlink.Request | netlink.Dump
	}
	gm := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: familyVersion}, Data: attrs}
	b, err := gm.MarshalBinary()
	if err != nil {
		return nil, 0, err
	}
	if c == nil {
		return nil, 0, errClosed
	}
	cl := &call{dump: dump, done: make(chan error, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, 0, errClosed
	}
	// The sequence is chosen under the lock so the reader cannot see the
	// reply before the call is pending.
	sent, err := c.nc.Send(netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(c.family), Flags: flags}, Data: b})
	if err != nil {
		c.mu.Unlock()
		return nil, 0, fmt.Errorf("hwsim: send %s: %w", cmdName(cmd), err)
	}
	c.pending[sent.Header.Sequence] = cl
	if dump {
		c.dumpSeq = sent.Header.Sequence
	}
	c.mu.Unlock()
	select {
	case err = <-cl.done:
	case <-ctx.Done():
		c.forget(sent.Header.Sequence)
		return nil, 0, ctx.Err()
	}
	if err != nil {
		var oe *netlink.OpError
		if errors.As(err, &oe) {
			if e, ok := oe.Err.(syscall.Errno); ok && int(e) < 0 {
				return cl.msgs, -int(e), nil
			}
		}
		return nil, 0, fmt.Errorf("hwsim: %s: %w", cmdName(cmd), err)
	}
	return cl.msgs, 0, nil
}

func (c *conn) forget(seq uint32) {
	c.mu.Lock()
	delete(c.pending, seq)
	if c.dumpSeq == seq {
		c.dumpSeq = 0
	}
	c.mu.Unlock()
}

func (c *conn) complete(seq uint32, err error) {
	c.mu.Lock()
	cl := c.pending[seq]
	delete(c.pending, seq)
	if c.dumpSeq == seq {
		c.dumpSeq = 0
	}
	c.mu.Unlock()
	if cl != nil {
		cl.done <- err
	}
}

func (c *conn) readLoop() {
	defer close(c.done)
	defer c.failAll()
	for {
		msgs, err := c.nc.Receive()
		if err != nil {
			var oe *netlink.OpError
			if errors.As(err, &oe) && oe.Sequence != 0 {
				c.complete(oe.Sequence, err)
				continue
			}
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if closed {
				return
			}
			if errors.Is(err, unix.ENOBUFS) {
				c.log.Warn("hwsim: socket receive buffer overrun, messages lost")
				continue
			}
			if errors.Is(err, unix.EINVAL) {
				// Linux 6.1 reports a dump that a request sent meanwhile
				// started and finished as a socket error (see nl80211's
				// readLoop): nothing is lost.
				c.log.Debug("hwsim: socket error after a dump ended, ignored", "err", err)
				continue
			}
			c.log.Error("hwsim: receive", "err", err)
			return
		}
		if len(msgs) == 0 {
			// netlink's reader swallows the Done of an empty dump.
			c.mu.Lock()
			seq := c.dumpSeq
			c.mu.Unlock()
			if seq != 0 {
				c.complete(seq, nil)
			}
			continue
		}
		var dumpDone uint32
		for _, m := range msgs {
			dumpDone = c.handle(m, dumpDone)
		}
		if dumpDone != 0 {
			c.complete(dumpDone, nil)
		}
	}
}

// handle routes one message; it returns the sequence of a dump this batch
// answered (netlink's Receive returns a whole dump at once).
func (c *conn) handle(m netlink.Message, dumpDone uint32) uint32 {
	seq := m.Header.Sequence
	if m.Header.Type == netlink.Error {
		c.complete(seq, nil) // an ACK: errors arrive as OpError
		return dumpDone
	}
	if m.Header.Type == netlink.Done || m.Header.Type == netlink.Noop {
		return dumpDone
	}
	km, err := decodeGenl(m.Data)
	if err != nil {
		c.log.Warn("hwsim: dropped a malformed message", "err", err)
		return dumpDone
	}
	if seq != 0 {
		c.mu.Lock()
		cl := c.pending[seq]
		if cl != nil {
			cl.msgs = append(cl.msgs, km)
		}
		c.mu.Unlock()
		if cl != nil {
			if cl.dump && m.Header.Flags&netlink.Multi != 0 {
				return seq
			}
			return dumpDone
		}
	}
	select {
	case c.events <- km:
	default:
		c.dropped++
		if c.dropped == 1 || c.dropped%1000 == 0 {
			c.log.Warn("hwsim: event queue full, dropping", "cmd", cmdName(km.Cmd), "dropped", c.dropped)
		}
	}
	return dumpDone
}

func (c *conn) failAll() {
	c.mu.Lock()
	c.closed = true
	p := c.pending
	c.pending = map[uint32]*call{}
	c.mu.Unlock()
	for _, cl := range p {
		cl.done <- errClosed
	}
	close(c.events)
}

func cmdName(cmd uint8) string {
	switch cmd {
	case cmdRegister:
		return "CMD_REGISTER"
	case cmdFrame:
		return "CMD_FRAME"
	case cmdTxInfoFrame:
		return "CMD_TX_INFO_FRAME"
	case cmdNewRadio:
		return "CMD_NEW_RADIO"
	case cmdDelRadio:
		return "CMD_DEL_RADIO"
	case cmdGetRadio:
		return "CMD_GET_RADIO"
	case cmdAddMACAddr:
		return "CMD_ADD_MAC_ADDR"
	case cmdDelMACAddr:
		return "CMD_DEL_MAC_ADDR"
	}
	return fmt.Sprintf("CMD_%d", cmd)
}

// send sends cmd with attrs and does not wait: the kernel answers only on
// error, and the reader logs nothing for a reply nobody waits for.
func (c *conn) send(cmd uint8, attrs []byte) error {
	gm := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: familyVersion}, Data: attrs}
	b, err := gm.MarshalBinary()
	if err != nil {
		return err
	}
	if c == nil {
		return errClosed
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return errClosed
	}
	_, err = c.nc.Send(netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(c.family), Flags: netlink.Request}, Data: b})
	if err != nil {
		return fmt.Errorf("hwsim: send %s: %w", cmdName(cmd), err)
	}
	return nil
}
