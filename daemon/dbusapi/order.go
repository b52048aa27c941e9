package dbusapi

import (
	"strings"
	"sync"
	"time"
	"wifid/internal/busconn"

	"github.com/godbus/dbus/v5"
)

// godbus runs every incoming method call in a goroutine of its own, so two
// calls a client sends back to back may be handled in either order. iwctl
// sends RegisterAgent and, without waiting, Connect: handled the wrong way
// round, Connect finds no agent. iwd (ell) handles calls in the order they
// arrive. To do the same, the Server's interceptor (installed by
// ConnOptions) gives each call it will handle a ticket as it is read off the
// socket, and a handler runs its quick part (checks, registrations, reading
// state) only after every earlier ticket's quick part; the slow part (the
// backend call) then runs in parallel. A ticket whose call never reaches a
// handler (godbus answers it itself: no such object, interface or method)
// is released when that answer goes out (sent); one never answered is
// skipped after orderWait, so nothing waits for ever.

const orderWait = 2 * time.Second

type ticketKey struct {
	sender string
	serial uint32
}

type orderer struct {
	mu      sync.Mutex // guards all below
	next    uint64     // next ticket to give
	started uint64     // tickets below this have done their quick part
	tickets map[ticketKey]uint64
	running map[ticketKey]uint64 // tickets in their quick part
	skipped map[uint64]bool      // tickets above started released without running
	changed chan struct{}        // closed and replaced when started moves
}

func newOrderer() *orderer {
	return &orderer{tickets: map[ticketKey]uint64{}, running: map[ticketKey]uint64{},
		skipped: map[uint64]bool{}, changed: make(chan struct{})}
}

func keyOf(msg *dbus.Message) ticketKey {
	sender, _ := msg.Headers[dbus.FieldSender].Value().(string)
	return ticketKey{sender, msg.Serial()}
}

// intercept runs on godbus's reader goroutine, in arrival order.
func (o *orderer) intercept(msg *dbus.Message) {
	if msg.Type != dbus.TypeMethodCall || msg.Flags&dbus.FlagNoReplyExpected != 0 || !willDispatch(msg) {
		return // no answer would release the ticket: such calls run unordered
	}
	o.mu.Lock()
	o.tickets[keyOf(msg)] = o.next
	o.next++
	o.mu.Unlock()
}

// willDispatch tells whether msg will reach one of our handlers (so its
// ticket will be used): our path, a named interface of ours, a method of it,
// the exact signature.
func willDispatch(msg *dbus.Message) bool {
	path, _ := msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	iface, _ := msg.Headers[dbus.FieldInterface].Value().(string)
	member, _ := msg.Headers[dbus.FieldMember].Value().(string)
	if path != "/" && path != BasePath && !strings.HasPrefix(string(path), BasePath+"/") {
		return false
	}
	spec, ok := specs[iface]
	if !ok {
		return false
	}
	var sig string
	if v, ok := msg.Headers[dbus.FieldSignature]; ok {
		sig = v.Value().(dbus.Signature).String()
	}
	for _, m := range spec.Methods {
		if m.Name == member {
			return inSignature(m) == sig
		}
	}
	return false
}

// begin waits for msg's turn.
func (o *orderer) begin(msg *dbus.Message) {
	key := keyOf(msg)
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.tickets[key]
	if !ok {
		return
	}
	delete(o.tickets, key)
	timer := time.NewTimer(orderWait)
	defer timer.Stop()
	for o.started < t {
		ch := o.changed
		o.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			o.mu.Lock()
			if o.started < t {
				o.started = t // an earlier ticket was lost; go on
				for k, other := range o.tickets {
					if other < t {
						delete(o.tickets, k) // late ones run unordered
					}
				}
				for other := range o.skipped {
					if other < t {
						delete(o.skipped, other)
					}
				}
			}
			continue
		}
		o.mu.Lock()
	}
	o.running[key] = t
}

// end marks msg's quick part done (idempotent).
func (o *orderer) end(msg *dbus.Message) {
	key := keyOf(msg)
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.running[key]
	if !ok {
		return
	}
	delete(o.running, key)
	o.doneLocked(t)
}

// doneLocked records that ticket t will not hold anyone up any more.
func (o *orderer) doneLocked(t uint64) {
	switch {
	case t < o.started:
		return
	case t > o.started:
		o.skipped[t] = true // released early: started passes it later
		return
	}
	o.started = t + 1
	for o.skipped[o.started] {
		delete(o.skipped, o.started)
		o.started++
	}
	close(o.changed)
	o.changed = make(chan struct{})
}

// sent runs on every message the connection sends: an answer to a call
// whose ticket was never taken by a handler releases it.
func (o *orderer) sent(msg *dbus.Message) {
	if msg.Type != dbus.TypeMethodReply && msg.Type != dbus.TypeError {
		return
	}
	serial, ok := msg.Headers[dbus.FieldReplySerial].Value().(uint32)
	if !ok {
		return
	}
	dest, _ := msg.Headers[dbus.FieldDestination].Value().(string)
	key := ticketKey{dest, serial}
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.tickets[key]; ok {
		delete(o.tickets, key)
		o.doneLocked(t)
	}
}

// pending is how many tickets wait for their call (for tests).
func (o *orderer) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.tickets) + len(o.skipped)
}

// ConnOptions are the options to connect with so that calls are handled in
// the order they arrive (see Connect).
func (s *Server) ConnOptions() []dbus.ConnOption {
	return []dbus.ConnOption{dbus.WithIncomingInterceptor(s.order.intercept),
		dbus.WithOutgoingInterceptor(s.order.sent), dbus.WithAuth(busconn.AuthMethods()...)}
}

// Connect opens the connection Serve needs: to address, or when address is
// "" to the system bus ($DBUS_SYSTEM_BUS_ADDRESS, else the system socket),
// with ConnOptions and without Unix fd passing (internal/busconn). A connection made
// otherwise works, but calls a client pipelines may then be handled out of
// order, and fds sent with calls pile up in the daemon.
func (s *Server) Connect(address string) (*dbus.Conn, error) {
	conn, err := busconn.Dial(address, s.ConnOptions()...)
	if err != nil {
		return nil, errorf("%w", err)
	}
	return conn, nil
}
