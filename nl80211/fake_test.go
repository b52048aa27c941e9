package nl80211

import (
	"context"
	"encoding/binary"
	"iter"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// fakeKernel is a goroutine-safe netlink.Socket standing in for the
// kernel: requests go to handler, which returns datagrams for the reader.
// Unlike nltest's socket it tolerates a concurrent Send and ReceiveIter,
// which is how a Client uses its socket.
type fakeKernel struct {
	t       testing.TB
	handler func(fk *fakeKernel, hdr netlink.Header, gm genetlink.Message)

	mu     sync.Mutex
	reqs   []genetlink.Message
	hdrs   []netlink.Header
	groups []uint32

	rx        chan []netlink.Message
	rxErr     chan error
	closed    chan struct{}
	closeOnce sync.Once
}

const fakeFamily = 0x1c

var fakeFam = genetlink.Family{
	ID: fakeFamily, Version: 1, Name: "nl80211",
	Groups: []genetlink.MulticastGroup{
		{ID: 3, Name: "config"}, {ID: 4, Name: "scan"}, {ID: 5, Name: "regulatory"},
		{ID: 6, Name: "mlme"}, {ID: 7, Name: "vendor"},
	},
}

func newFakeKernel(t testing.TB, h func(fk *fakeKernel, hdr netlink.Header, gm genetlink.Message)) *fakeKernel {
	return &fakeKernel{t: t, handler: h, rx: make(chan []netlink.Message, 1024), rxErr: make(chan error, 64), closed: make(chan struct{})}
}

// dial starts a Client on the fake and closes it at test end.
func (fk *fakeKernel) dial(t testing.TB) *Client {
	c, err := newClient(context.Background(), netlink.NewConn(fk, 4242), fakeFam, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (fk *fakeKernel) Close() error {
	fk.closeOnce.Do(func() { close(fk.closed) })
	return nil
}

func (fk *fakeKernel) JoinGroup(id uint32) error {
	fk.mu.Lock()
	fk.groups = append(fk.groups, id)
	fk.mu.Unlock()
	return nil
}

func (fk *fakeKernel) LeaveGroup(uint32) error { return nil }

func (fk *fakeKernel) Send(m netlink.Message) error {
	var gm genetlink.Message
	if err := gm.UnmarshalBinary(m.Data); err != nil {
		return err
	}
	fk.mu.Lock()
	fk.reqs = append(fk.reqs, gm)
	fk.hdrs = append(fk.hdrs, m.Header)
	fk.mu.Unlock()
	if fk.handler != nil {
		fk.handler(fk, m.Header, gm)
	}
	return nil
}

func (fk *fakeKernel) SendMessages(ms []netlink.Message) error {
	for _, m := range ms {
		if err := fk.Send(m); err != nil {
			return err
		}
	}
	return nil
}

func (fk *fakeKernel) Receive() ([]netlink.Message, error) {
	var out []netlink.Message
	for m, err := range fk.ReceiveIter() {
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ReceiveIter yields one datagram, blocking until there is one.
func (fk *fakeKernel) ReceiveIter() iter.Seq2[netlink.Message, error] {
	return func(yield func(netlink.Message, error) bool) {
		select {
		case dg := <-fk.rx:
			for _, m := range dg {
				if !yield(m, nil) {
					return
				}
			}
		case err := <-fk.rxErr:
			yield(netlink.Message{}, &netlink.OpError{Op: "receive", Err: os.NewSyscallError("recvmsg", err)})
		case <-fk.closed:
			yield(netlink.Message{}, os.NewSyscallError("recvmsg", net.ErrClosed))
		}
	}
}

// fail makes the reader's next receive fail with errno, as the kernel
// reports a socket error (sk_err) once. Queued datagrams may come first.
func (fk *fakeKernel) fail(errno unix.Errno) { fk.rxErr <- errno }

// deliver queues one datagram for the reader.
func (fk *fakeKernel) deliver(ms ...netlink.Message) { fk.rx <- ms }

func (fk *fakeKernel) requests() []genetlink.Message {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return append([]genetlink.Message(nil), fk.reqs...)
}

// Message builders, laid out as the kernel does.

func genlMsg(seq uint32, flags netlink.HeaderFlags, cmd uint8, attrs []byte) netlink.Message {
	gm := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: attrs}
	b, _ := gm.MarshalBinary()
	return netlink.Message{Header: netlink.Header{Type: fakeFamily, Flags: flags, Sequence: seq, PID: 4242}, Data: b}
}

func ackMsg(seq uint32, errno unix.Errno) netlink.Message {
	b := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
	b = append(b, make([]byte, 16)...) // the request's nlmsghdr, zeroed
	return netlink.Message{Header: netlink.Header{Type: netlink.Error, Sequence: seq, PID: 4242}, Data: b}
}

func doneMsg(seq uint32) netlink.Message {
	return netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: seq, PID: 4242},
		Data: make([]byte, 4)}
}

func eventMsg(cmd uint8, attrs []byte) netlink.Message { return genlMsg(0, 0, cmd, attrs) }

// attrsOf parses a request for assertions.
func attrsOf(t testing.TB, b []byte) map[uint16][]byte {
	t.Helper()
	as, err := parseAttrs(b)
	if err != nil {
		t.Fatalf("parse request attributes: %v", err)
	}
	m := make(map[uint16][]byte)
	for _, a := range as {
		if _, dup := m[a.Type]; dup {
			t.Fatalf("attribute %d twice", a.Type)
		}
		m[a.Type] = a.Data
	}
	return m
}

func enc(fn func(e *encoder)) []byte {
	var e encoder
	fn(&e)
	return e.b
}

func u32b(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func u16b(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
