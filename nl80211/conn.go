package nl80211

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DefaultGroups are the nl80211 multicast groups a Client joins unless
// Config.Groups says otherwise.
var DefaultGroups = []string{
	unix.NL80211_MULTICAST_GROUP_CONFIG,
	unix.NL80211_MULTICAST_GROUP_SCAN,
	unix.NL80211_MULTICAST_GROUP_MLME,
	unix.NL80211_MULTICAST_GROUP_REG,
}

// Config tunes a Client. The zero value is fine.
type Config struct {
	// Groups are the multicast groups to join; nil means DefaultGroups,
	// an empty non-nil slice joins none (requests only).
	Groups []string
	// Logger receives debug lines (dropped events, stray replies); nil
	// means slog.Default().
	Logger *slog.Logger
	// MaxQueuedEvents bounds the events held for a slow reader of Events
	// before new ones are dropped (with an OverrunEvent once the reader
	// catches up); 0 means 4096.
	MaxQueuedEvents int
}

// A Client is one generic netlink socket speaking nl80211.
//
// The netlink catch: netlink.Conn.Execute rejects a reply whose sequence
// number doesn't match the request, and events arrive with sequence 0 on the
// same socket (multicast groups, and EAPOL frames unicast to the socket that
// owns a connection). So a Client never uses Execute: requests are Sent with
// a sequence number chosen here, and one reader goroutine matches replies,
// dump parts, ACKs and NLMSG_ERRORs to their request by sequence number,
// and turns sequence-0 messages into typed Events.
//
// The socket owner (NL80211_ATTR_SOCKET_OWNER on CONNECT/ASSOCIATE) is this
// socket: closing the Client makes the kernel tear the connection down.
//
// All methods are safe for concurrent use. Close (or cancelling the
// context given to Dial) stops the reader and the event goroutine.
type Client struct {
	nc      *netlink.Conn
	family  uint16
	version uint8
	log     *slog.Logger

	seq atomic.Uint32

	// dumpSem admits one dump at a time: the kernel keeps one dump
	// state per socket and answers EBUSY to a second.
	dumpSem chan struct{}

	mu      sync.Mutex // guards pending, curDump, waiters, ports, closed
	pending map[uint32]*request
	curDump uint32 // sequence of the dump in flight, 0 if none
	waiters map[*waiter]struct{}
	ports   map[int]*NLControlPort
	closed  bool

	events *eventQueue

	done      chan struct{} // closed when Close starts
	closeOnce sync.Once
	wg        sync.WaitGroup
	stopCtx   func() bool
}

// request is one request in flight.
type request struct {
	seq   uint32
	dump  bool
	msgs  []genetlink.Message
	done  chan error // buffered 1
	onAck func()     // run by the reader when the request succeeds
}

// Dial opens an nl80211 client, joins the event groups and starts its
// reader. Cancelling ctx closes the client, as Close does.
func Dial(ctx context.Context) (*Client, error) {
	return DialConfig(ctx, Config{})
}

// DialConfig is Dial with a Config.
func DialConfig(ctx context.Context, cfg Config) (*Client, error) {
	nc, err := netlink.Dial(unix.NETLINK_GENERIC, nil)
	if err != nil {
		return nil, fmt.Errorf("nl80211: dial generic netlink: %w", err)
	}
	// Kernel error strings ("missing attribute ...") make errors useful;
	// older kernels lack extended ACKs, which is not fatal.
	_ = nc.SetOption(netlink.ExtendedAcknowledge, true)
	// Scan dumps and bursts of events are large; ask for room (capped by
	// net.core.rmem_max).
	_ = nc.SetReadBuffer(1 << 20)
	fam, err := genetlink.NewConn(nc).GetFamily(unix.NL80211_GENL_NAME)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nl80211: family %q (no cfg80211 loaded?): %w", unix.NL80211_GENL_NAME, err)
	}
	return newClient(ctx, nc, fam, cfg)
}

// newClient starts a Client on an already dialled netlink.Conn (tests pass
// a fake socket here).
func newClient(ctx context.Context, nc *netlink.Conn, fam genetlink.Family, cfg Config) (*Client, error) {
	groups := cfg.Groups
	if groups == nil {
		groups = DefaultGroups
	}
	for _, name := range groups {
		found := false
		for _, g := range fam.Groups {
			if g.Name == name {
				found = true
				if err := nc.JoinGroup(g.ID); err != nil {
					nc.Close()
					return nil, fmt.Errorf("nl80211: join multicast group %q: %w", name, err)
				}
			}
		}
		if !found {
			nc.Close()
			return nil, fmt.Errorf("nl80211: no multicast group %q", name)
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	maxq := cfg.MaxQueuedEvents
	if maxq <= 0 {
		maxq = 4096
	}
	c := &Client{
		nc:      nc,
		family:  fam.ID,
		version: fam.Version,
		log:     log.With("pkg", "nl80211"),
		dumpSem: make(chan struct{}, 1),
		pending: make(map[uint32]*request),
		waiters: make(map[*waiter]struct{}),
		ports:   make(map[int]*NLControlPort),
		done:    make(chan struct{}),
	}
	c.events = newEventQueue(maxq, c.done)
	c.wg.Add(2)
	go c.readLoop()
	go func() {
		defer c.wg.Done()
		c.events.run()
	}()
	c.stopCtx = context.AfterFunc(ctx, func() { c.Close() })
	return c, nil
}

// Close closes the socket, fails requests in flight with ErrClosed, closes
// the Events channel and waits for the client's goroutines to exit.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.stopCtx()
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.done)
		err = c.nc.Close()
	})
	c.wg.Wait()
	return err
}

// Events returns the channel of typed events (multicast notifications and
// frames unicast to this socket). It is closed when the Client closes.
// Events are queued (up to Config.MaxQueuedEvents) so a slow reader never
// stalls request replies.
func (c *Client) Events() <-chan Event { return c.events.out }

// Family returns the generic netlink family ID of nl80211 on this host.
func (c *Client) Family() uint16 { return c.family }

// execute sends one nl80211 command and waits for its completion: the
// ACK (or NLMSG_ERROR) for a plain request, NLMSG_DONE for a dump. It
// returns the replies carrying the request's sequence number.
func (c *Client) execute(ctx context.Context, cmd uint8, t target, flags netlink.HeaderFlags, attrs []byte, onAck func()) ([]genetlink.Message, error) {
	msgs, err := c.exec(ctx, cmd, flags, attrs, onAck)
	return msgs, newError(cmd, t, err)
}

func (c *Client) exec(ctx context.Context, cmd uint8, flags netlink.HeaderFlags, attrs []byte, onAck func()) ([]genetlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dump := flags&netlink.Dump == netlink.Dump
	if dump {
		select {
		case c.dumpSem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, ErrClosed
		}
	} else {
		flags |= netlink.Acknowledge
	}
	seq := c.seq.Add(1)
	if seq == 0 { // 0 is for events; skip it on wrap
		seq = c.seq.Add(1)
	}
	r := &request{seq: seq, dump: dump, done: make(chan error, 1), onAck: onAck}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		if dump {
			<-c.dumpSem
		}
		return nil, ErrClosed
	}
	c.pending[seq] = r
	if dump {
		c.curDump = seq
	}
	c.mu.Unlock()

	gm := genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: c.version},
		Data:   attrs,
	}
	data, _ := gm.MarshalBinary() // never fails
	_, err := c.nc.Send(netlink.Message{
		Header: netlink.Header{
			Type:     netlink.HeaderType(c.family),
			Flags:    netlink.Request | flags,
			Sequence: seq,
		},
		Data: data,
	})
	if err != nil {
		c.mu.Lock()
		if c.pending[seq] == r {
			delete(c.pending, seq)
			if dump {
				c.curDump = 0
				<-c.dumpSem
			}
		}
		c.mu.Unlock()
		if c.isClosed() {
			return nil, ErrClosed
		}
		return nil, err
	}

	select {
	case err := <-r.done:
		if err != nil {
			return nil, err
		}
		return r.msgs, nil
	case <-ctx.Done():
		// The reader completes (and forgets) the request when its answer
		// comes; a dump keeps the dump slot until its NLMSG_DONE.
		return nil, ctx.Err()
	case <-c.done:
		return nil, ErrClosed
	}
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// maxReceiveErrors is how many socket errors in a row, with no message
// between them, close the client.
const maxReceiveErrors = 32

// readLoop is the only reader of the socket.
func (c *Client) readLoop() {
	defer c.wg.Done()
	defer c.failAll()
	errRun := 0 // receive errors in a row, with no message between them
	for {
		var sawMulti, any bool
		var rerr error
		for m, err := range c.nc.ReceiveIter() {
			if err != nil {
				rerr = err
				break
			}
			any = true
			if m.Header.Flags&netlink.Multi != 0 {
				sawMulti = true
			}
			c.handle(m)
		}
		if rerr != nil {
			if c.isClosed() {
				return
			}
			var oe *netlink.OpError
			switch {
			case errors.As(rerr, &oe) && oe.Sequence != 0:
				// NLMSG_ERROR, or NLMSG_DONE carrying an errno.
				c.complete(oe.Sequence, rerr)
				continue
			case errors.Is(rerr, unix.ENOBUFS):
				// The kernel dropped messages for us: events are lost,
				// consumers must resynchronise (rescan, re-query).
				c.log.Warn("netlink receive buffer overrun, events lost")
				c.dispatch(&OverrunEvent{})
			case errors.Is(rerr, unix.EINVAL):
				// The kernel's report of a dump that was already over:
				// our read saw the dump running and went on with it
				// while a request sent meanwhile started and finished
				// the next dump (netlink_dump finds no dump, sets the
				// socket's error to EINVAL). Nothing is lost: the
				// finished dump's messages and DONE are queued.
				c.log.Debug("netlink socket error after a dump ended, ignored", "err", rerr)
			case errors.Is(rerr, net.ErrClosed) || errors.Is(rerr, unix.EBADF):
				c.log.Error("netlink socket closed under the client", "err", rerr)
				go c.Close()
				return
			default:
				// Other socket errors the kernel reports once (a dump
				// part it could not build): the socket stays usable,
				// but messages may be missing, so consumers resync.
				c.log.Warn("netlink receive failed, resynchronising", "err", rerr)
				c.dispatch(&OverrunEvent{})
			}
			// A socket that yields nothing but errors is broken: give up
			// rather than spin.
			if errRun++; errRun >= maxReceiveErrors {
				c.log.Error("netlink receive keeps failing, closing client", "err", rerr, "errors", errRun)
				go c.Close()
				return
			}
			continue
		}
		errRun = 0
		// netlink.Conn swallows the NLMSG_DONE that ends a dump: a pass
		// that saw multi-part messages only ends at DONE, and a pass
		// that yields nothing was a lone DONE (an empty dump). The kernel
		// runs one dump per socket, so it is the one in curDump.
		if sawMulti || !any {
			c.mu.Lock()
			seq := c.curDump
			c.mu.Unlock()
			if seq != 0 {
				c.complete(seq, nil)
			}
		}
	}
}

// handle routes one received message.
func (c *Client) handle(m netlink.Message) {
	switch m.Header.Type {
	case netlink.Error: // an ACK: errno 0 (errors come as OpError)
		c.complete(m.Header.Sequence, nil)
		return
	case netlink.Done:
		c.complete(m.Header.Sequence, nil)
		return
	case netlink.Noop, netlink.Overrun:
		return
	}
	if uint16(m.Header.Type) != c.family {
		return
	}
	var gm genetlink.Message
	if err := gm.UnmarshalBinary(m.Data); err != nil {
		c.log.Debug("dropping short generic netlink message", "err", err)
		return
	}
	if m.Header.Sequence == 0 {
		ev, err := decodeEvent(gm)
		if err != nil {
			c.log.Debug("dropping undecodable event", "cmd", CmdName(gm.Header.Command), "err", err)
			return
		}
		c.dispatch(ev)
		return
	}
	c.mu.Lock()
	r := c.pending[m.Header.Sequence]
	if r != nil {
		r.msgs = append(r.msgs, gm)
	}
	c.mu.Unlock()
	if r == nil {
		c.log.Debug("dropping reply to a forgotten request", "seq", m.Header.Sequence, "cmd", CmdName(gm.Header.Command))
	}
}

// complete finishes the request with sequence seq.
func (c *Client) complete(seq uint32, err error) {
	c.mu.Lock()
	r := c.pending[seq]
	if r == nil {
		c.mu.Unlock()
		return
	}
	delete(c.pending, seq)
	if r.dump && c.curDump == seq {
		c.curDump = 0
	}
	c.mu.Unlock()
	if err == nil && r.onAck != nil {
		r.onAck()
	}
	if r.dump {
		<-c.dumpSem
	}
	r.done <- err
}

// failAll fails every request in flight when the reader stops.
func (c *Client) failAll() {
	c.mu.Lock()
	c.closed = true
	rs := c.pending
	c.pending = make(map[uint32]*request)
	ports := c.ports
	c.ports = make(map[int]*NLControlPort)
	c.mu.Unlock()
	for _, r := range rs {
		r.done <- ErrClosed
	}
	for _, p := range ports {
		p.closeQueue()
	}
}

// dispatch hands an event to internal waiters, to an open control port
// for its interface, or else to the Events queue.
func (c *Client) dispatch(ev Event) {
	c.mu.Lock()
	for w := range c.waiters {
		if w.armed && w.match(ev) {
			select {
			case w.ch <- ev:
			default:
			}
		}
	}
	var port *NLControlPort
	if f, ok := ev.(*ControlPortFrameEvent); ok {
		port = c.ports[f.Ifindex]
	}
	c.mu.Unlock()
	if port != nil && port.push(ev.(*ControlPortFrameEvent)) {
		return
	}
	c.events.push(ev)
}

// waiter is an internal subscription (Scan waits for its results with
// one). It sees events only once armed, which happens in the reader when
// the request that starts the awaited operation is ACKed, so an event
// queued before that ACK (an older scan finishing) never matches.
type waiter struct {
	match func(Event) bool
	ch    chan Event
	armed bool // guarded by Client.mu
}

func (c *Client) addWaiter(match func(Event) bool) *waiter {
	w := &waiter{match: match, ch: make(chan Event, 4)}
	c.mu.Lock()
	c.waiters[w] = struct{}{}
	c.mu.Unlock()
	return w
}

func (c *Client) arm(w *waiter) {
	c.mu.Lock()
	w.armed = true
	c.mu.Unlock()
}

func (c *Client) removeWaiter(w *waiter) {
	c.mu.Lock()
	delete(c.waiters, w)
	c.mu.Unlock()
}

// eventQueue decouples the reader from the Events consumer.
type eventQueue struct {
	mu      sync.Mutex
	q       []Event
	max     int
	dropped int
	notify  chan struct{}
	out     chan Event
	done    <-chan struct{}
}

func newEventQueue(max int, done <-chan struct{}) *eventQueue {
	return &eventQueue{max: max, notify: make(chan struct{}, 1), out: make(chan Event), done: done}
}

func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	if len(q.q) >= q.max {
		q.dropped++
		q.mu.Unlock()
		return
	}
	q.q = append(q.q, ev)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *eventQueue) pop() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.dropped > 0 {
		n := q.dropped
		q.dropped = 0
		return &OverrunEvent{Dropped: n}, true
	}
	if len(q.q) == 0 {
		return nil, false
	}
	ev := q.q[0]
	q.q[0] = nil
	q.q = q.q[1:]
	return ev, true
}

// run delivers queued events until done, then closes out.
func (q *eventQueue) run() {
	defer close(q.out)
	for {
		ev, ok := q.pop()
		if !ok {
			select {
			case <-q.notify:
				continue
			case <-q.done:
				return
			}
		}
		select {
		case q.out <- ev:
		case <-q.done:
			return
		}
	}
}
