package netconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// dhcpState is a state of RFC 2131's client state diagram (figure 5).
type dhcpState int

const (
	stateInit dhcpState = iota
	stateSelecting
	stateRequesting
	stateBound
	stateRenewing
	stateRebinding
	stateInitReboot
	stateRebooting
	stateStopped
)

func (s dhcpState) String() string {
	return [...]string{"INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING", "REBINDING",
		"INIT-REBOOT", "REBOOTING", "STOPPED"}[s]
}

// leaseSink is what the DHCP client drives: the owner applies and removes
// the configuration. All calls come from the client's goroutine.
type leaseSink interface {
	// bind applies a new lease, or refreshes it when renewed is true.
	bind(l *Lease, renewed bool) error
	// unbind removes what bind applied.
	unbind(why string)
	// failed reports that no lease was obtained in time (the client keeps
	// trying).
	failed(err error)
	// probe checks addr with ARP (RFC 5227); true means it is in use.
	probe(ctx context.Context, addr netip.Addr) (bool, error)
}

type inbound struct {
	b  []byte
	hw net.HardwareAddr
}

// dhcpClient is the DHCPv4 lease state machine. One goroutine (run) owns
// all its fields.
type dhcpClient struct {
	cfg    DHCPConfig
	ifname func() string // the interface's current name, for messages
	hw     net.HardwareAddr
	log    *slog.Logger
	tr     dhcpTransport
	sink   leaseSink
	now    func() time.Time

	state     dhcpState
	xid       dhcpv4.TransactionID
	attempt   int       // retransmissions in this state
	quick     bool      // the first message waits FirstRetry, not the backoff
	usedFirst bool      // FirstRetry has been used this run
	started   time.Time // start of the current exchange (secs field)
	reqSent   time.Time // when the REQUEST that led to the lease was sent
	offer     *reply
	lease     *Lease // current lease (bound or being renewed)
	serverHW  net.HardwareAddr
	bound     bool // an address is applied
	timer     *time.Timer
	// confirm asks the running client to confirm its lease (Netconfig's
	// Confirm); nil: never asked.
	confirm <-chan struct{}
	// taken: ACD found the bound address defended by another host; nil:
	// never.
	taken <-chan netip.Addr
}

func newDHCPClient(cfg DHCPConfig, ifname func() string, hw net.HardwareAddr, log *slog.Logger, tr dhcpTransport, sink leaseSink) *dhcpClient {
	return &dhcpClient{cfg: cfg.withDefaults(), ifname: ifname, hw: hw, log: log, tr: tr, sink: sink, now: time.Now}
}

func (c *dhcpClient) setState(to dhcpState, why string) {
	if to == c.state {
		return
	}
	c.log.Info("dhcp: state", "iface", c.ifname(), "from", c.state, "to", to, "why", why)
	c.state = to
	c.attempt = 0
	c.quick = false // armFirst sets it again for the state it arms
}

// run drives the client until ctx is done. last, if valid, is tried with
// INIT-REBOOT first.
func (c *dhcpClient) run(ctx context.Context, last *Lease) {
	in := make(chan inbound, 16)
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		for {
			b, hw, err := c.tr.Recv()
			if err != nil {
				return
			}
			select {
			case in <- inbound{b, hw}:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		c.tr.Close()
		<-recvDone
	}()

	c.timer = time.NewTimer(time.Hour)
	defer c.timer.Stop()
	failTimer := time.NewTimer(c.cfg.Timeout)
	defer failTimer.Stop()

	if last.Valid(c.now(), c.hw) {
		c.lease = last
		c.initReboot("have lease " + last.Address.String())
	} else {
		c.enterInit("start")
	}
	for {
		select {
		case <-ctx.Done():
			c.stop()
			return
		case p := <-in:
			c.receive(ctx, p)
		case <-c.timer.C:
			c.timeout(ctx)
		case <-c.confirm:
			c.confirmLease()
		case a := <-c.taken:
			c.addressTaken(a)
		case <-failTimer.C:
			if !c.bound {
				c.sink.failed(fmt.Errorf("dhcp: %s: no lease after %v (state %v)", c.ifname(), c.cfg.Timeout, c.state))
			}
		}
	}
}

func (c *dhcpClient) arm(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c.timer.Stop()
	select {
	case <-c.timer.C:
	default:
	}
	c.timer.Reset(d)
}

// backoff is RFC 2131 4.1's retransmission delay for attempt n: base
// doubled per attempt, at most 16 times base (64 s), with up to a quarter
// of base of jitter either way.
func backoff(base time.Duration, n int) time.Duration {
	d := base
	for i := 0; i < n && d < 16*base; i++ {
		d *= 2
	}
	if d > 16*base {
		d = 16 * base
	}
	if j := int64(base / 2); j > 0 {
		d += time.Duration(rand.Int64N(j+1)) - base/4
	}
	return d
}

func (c *dhcpClient) newXID() {
	var x [4]byte
	v := rand.Uint32()
	x[0], x[1], x[2], x[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	c.xid = x
	c.started = c.now()
}

func (c *dhcpClient) enterInit(why string) {
	c.offer = nil
	c.setState(stateInit, why)
	c.newXID()
	c.sendDiscover()
	c.setState(stateSelecting, "DISCOVER sent")
	c.armFirst()
}

// armFirst arms the first retransmission: FirstRetry for the run's very
// first message, the RFC backoff otherwise.
func (c *dhcpClient) armFirst() {
	if c.cfg.FirstRetry > 0 && !c.usedFirst {
		c.usedFirst, c.quick = true, true
		c.arm(c.cfg.FirstRetry)
		return
	}
	c.arm(backoff(c.cfg.RetransmitBase, 0))
}

func (c *dhcpClient) initReboot(why string) {
	c.setState(stateInitReboot, why)
	c.newXID()
	c.reqSent = c.now()
	c.send(dhcpv4.MessageTypeRequest, withRequestedIP(c.lease.Address.Addr()))
	c.setState(stateRebooting, "REQUEST sent")
	c.armFirst()
}

// addressTaken gives up the bound address another host holds (RFC 5227
// 2.4: cease using it): the server hears a DECLINE (the address is in use
// on its link), and after DeclineWait the client starts over for another.
func (c *dhcpClient) addressTaken(a netip.Addr) {
	if !c.bound || c.lease == nil || c.lease.Address.Addr() != a {
		return
	}
	server := c.lease.Server
	c.sink.unbind("address " + a.String() + " taken by another host")
	c.bound, c.lease = false, nil
	c.setState(stateInit, "DECLINE "+a.String()+": taken by another host")
	c.newXID()
	c.send(dhcpv4.MessageTypeDecline, withRequestedIP(a), withServerID(server)) // broadcast
	c.arm(c.cfg.DeclineWait)
}

// confirmLease checks the lease in use after the link may have been away
// (the system slept): a client that may have moved reboots its lease (RFC
// 2131 3.2, 4.4.2): INIT-REBOOT, a broadcast REQUEST for the address with
// neither server identifier nor ciaddr. The address stays in place while
// it asks: an ACK refreshes the lease, a NAK starts over from INIT, and
// silence keeps the lease as it was (3.2 step 5 allows it), renewing at T1
// as before. A client that is not bound goes on with what it does.
func (c *dhcpClient) confirmLease() {
	if !c.bound || c.lease == nil || !c.lease.Valid(c.now(), c.hw) {
		return
	}
	c.usedFirst = false // the first REQUEST is retried after FirstRetry
	c.initReboot("confirming " + c.lease.Address.String())
}

func withRequestedIP(a netip.Addr) dhcpv4.Modifier {
	return dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IP(a.AsSlice())))
}

func withServerID(a netip.Addr) dhcpv4.Modifier {
	return dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IP(a.AsSlice())))
}

func (c *dhcpClient) sendDiscover() {
	var mods []dhcpv4.Modifier
	if c.cfg.RapidCommit {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionRapidCommit, nil)))
	}
	c.send(dhcpv4.MessageTypeDiscover, mods...)
}

// send builds and transmits a client message for the current state.
func (c *dhcpClient) send(t dhcpv4.MessageType, mods ...dhcpv4.Modifier) {
	clientID := c.cfg.ClientID
	if len(clientID) == 0 {
		clientID = append([]byte{1}, c.hw...)
	}
	secs := c.now().Sub(c.started) / time.Second
	if secs > 0xffff {
		secs = 0xffff
	}
	base := []dhcpv4.Modifier{
		dhcpv4.WithTransactionID(c.xid),
		dhcpv4.WithHwAddr(c.hw),
		dhcpv4.WithMessageType(t),
		dhcpv4.WithGeneric(dhcpv4.OptionClientIdentifier, clientID),
		func(d *dhcpv4.DHCPv4) { d.NumSeconds = uint16(secs) },
	}
	if t == dhcpv4.MessageTypeDiscover || t == dhcpv4.MessageTypeRequest {
		base = append(base,
			dhcpv4.WithGeneric(dhcpv4.OptionMaximumDHCPMessageSize, []byte{1500 >> 8, 1500 & 0xff}),
			dhcpv4.WithRequestedOptions(
				dhcpv4.OptionSubnetMask, dhcpv4.OptionRouter, dhcpv4.OptionDomainNameServer,
				dhcpv4.OptionDomainName, dhcpv4.OptionInterfaceMTU, dhcpv4.OptionBroadcastAddress,
				dhcpv4.OptionIPAddressLeaseTime, dhcpv4.OptionServerIdentifier,
				dhcpv4.OptionRenewTimeValue, dhcpv4.OptionRebindingTimeValue,
				dhcpv4.OptionClasslessStaticRoute,
			))
		if c.cfg.Hostname != "" {
			base = append(base, dhcpv4.WithOption(dhcpv4.OptHostName(c.cfg.Hostname)))
		}
	}
	m, err := dhcpv4.New(append(base, mods...)...)
	if err != nil {
		c.log.Debug("dhcp: build", "iface", c.ifname(), "type", t, "err", err)
		return
	}
	src, dst := netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{255, 255, 255, 255})
	var dstHW net.HardwareAddr
	if ci := m.ClientIPAddr.To4(); ci != nil && !ci.IsUnspecified() {
		src = netip.AddrFrom4([4]byte(ci))
	}
	// RENEWING and RELEASE are unicast to the server, routed by the kernel
	// (the hardware address its replies came from if the kernel cannot).
	if (c.state == stateBound || c.state == stateRenewing) && c.lease != nil && c.serverHW != nil {
		dst, dstHW = c.lease.Server, c.serverHW
	}
	if err := c.tr.Send(m.ToBytes(), src, dst, dstHW); err != nil {
		c.log.Warn("dhcp: send", "iface", c.ifname(), "type", t, "err", err)
		return
	}
	c.log.Debug("dhcp: sent", "iface", c.ifname(), "type", t, "xid", c.xid, "dst", dst)
}

func (c *dhcpClient) timeout(ctx context.Context) {
	now := c.now()
	switch c.state {
	case stateSelecting:
		if c.quick { // the early retry: then the usual backoff
			c.quick = false
			c.sendDiscover()
			c.arm(backoff(c.cfg.RetransmitBase, 0))
			return
		}
		c.attempt++
		c.sendDiscover()
		c.arm(backoff(c.cfg.RetransmitBase, c.attempt))
	case stateRebooting:
		if c.quick {
			c.quick = false
			c.send(dhcpv4.MessageTypeRequest, withRequestedIP(c.lease.Address.Addr()))
			c.arm(backoff(c.cfg.RetransmitBase, 0))
			return
		}
		fallthrough
	case stateRequesting:
		limit := 4
		if c.state == stateRebooting {
			limit = 2
		}
		c.attempt++
		if c.attempt > limit && c.bound {
			c.setState(stateBound, "no answer to INIT-REBOOT: keeping the lease")
			c.arm(c.lease.Acquired.Add(c.lease.T1).Sub(now))
			return
		}
		if c.attempt > limit {
			c.lease = nil
			c.enterInit(fmt.Sprintf("no ACK after %d REQUESTs", limit+1))
			return
		}
		if c.state == stateRequesting {
			c.send(dhcpv4.MessageTypeRequest, withRequestedIP(c.offer.YourIP), withServerID(c.offer.ServerID))
		} else {
			c.send(dhcpv4.MessageTypeRequest, withRequestedIP(c.lease.Address.Addr()))
		}
		c.arm(backoff(c.cfg.RetransmitBase, c.attempt))
	case stateBound:
		c.setState(stateRenewing, "T1")
		c.newXID()
		c.renewStep(now)
	case stateRenewing, stateRebinding:
		c.attempt++
		c.renewStep(now)
	case stateInit:
		c.enterInit("DECLINE wait over")
	}
}

// renewStep sends a REQUEST in RENEWING or REBINDING (moving on to
// REBINDING at T2 and to INIT at expiry) and arms the next step: half the
// time left to the next deadline, but at least 60 s (RFC 2131 4.4.5),
// never beyond the deadline.
func (c *dhcpClient) renewStep(now time.Time) {
	l := c.lease
	t2, exp := l.Acquired.Add(l.T2), l.Expiry()
	if !now.Before(exp) {
		c.sink.unbind("lease expired")
		c.bound = false
		c.lease = nil
		c.enterInit("lease expired")
		return
	}
	if c.state == stateRenewing && !now.Before(t2) {
		c.setState(stateRebinding, "T2")
	}
	deadline := t2
	if c.state == stateRebinding {
		deadline = exp
	}
	c.reqSent = now
	c.send(dhcpv4.MessageTypeRequest, dhcpv4.WithClientIP(net.IP(l.Address.Addr().AsSlice())))
	left := deadline.Sub(now)
	wait := max(left/2, min(60*time.Second, left))
	c.arm(wait)
}

func (c *dhcpClient) receive(ctx context.Context, p inbound) {
	r, err := parseReply(p.b, c.xid, c.hw)
	if err != nil {
		c.log.Debug("dhcp: dropped reply", "iface", c.ifname(), "state", c.state, "err", err)
		return
	}
	c.log.Debug("dhcp: received", "iface", c.ifname(), "type", r.Type, "server", r.ServerID, "yiaddr", r.YourIP)
	switch c.state {
	case stateSelecting:
		switch {
		case r.Type == dhcpv4.MessageTypeOffer:
			c.offer = r
			c.serverHW = p.hw
			c.reqSent = c.now()
			c.send(dhcpv4.MessageTypeRequest, withRequestedIP(r.YourIP), withServerID(r.ServerID))
			c.setState(stateRequesting, "OFFER "+r.YourIP.String()+" from "+r.ServerID.String())
			c.arm(backoff(c.cfg.RetransmitBase, 0))
		case r.Type == dhcpv4.MessageTypeAck && r.RapidCommit && c.cfg.RapidCommit:
			c.serverHW = p.hw
			c.reqSent = c.started
			c.accept(ctx, r, "rapid commit ACK")
		default:
			c.log.Debug("dhcp: dropped reply", "iface", c.ifname(), "state", c.state, "type", r.Type)
		}
	case stateRequesting, stateRebooting, stateRenewing, stateRebinding:
		if c.state == stateRequesting && r.ServerID != c.offer.ServerID {
			c.log.Debug("dhcp: dropped reply from another server", "iface", c.ifname(), "server", r.ServerID)
			return
		}
		if c.state == stateRenewing && r.ServerID != c.lease.Server {
			c.log.Debug("dhcp: dropped reply from another server", "iface", c.ifname(), "server", r.ServerID)
			return
		}
		switch r.Type {
		case dhcpv4.MessageTypeAck:
			c.serverHW = p.hw
			c.accept(ctx, r, "ACK")
		case dhcpv4.MessageTypeNak:
			c.log.Info("dhcp: NAK", "iface", c.ifname(), "server", r.ServerID, "message", r.Message)
			if c.bound {
				c.sink.unbind("NAK from " + r.ServerID.String())
				c.bound = false
			}
			c.lease = nil
			c.enterInit("NAK from " + r.ServerID.String())
		default:
			c.log.Debug("dhcp: dropped reply", "iface", c.ifname(), "state", c.state, "type", r.Type)
		}
	default:
		c.log.Debug("dhcp: dropped reply", "iface", c.ifname(), "state", c.state, "type", r.Type)
	}
}

// leaseFrom builds a Lease from an ACK, with T1/T2 defaults (RFC 2131 4.4.5:
// 0.5 and 0.875 of the lease) when absent or inconsistent.
func leaseFrom(r *reply, acquired time.Time, hw net.HardwareAddr) *Lease {
	bits := r.Mask
	if bits < 0 {
		switch a := r.YourIP.As4()[0]; {
		case a < 128:
			bits = 8
		case a < 192:
			bits = 16
		default:
			bits = 24
		}
	}
	l := &Lease{
		Address:    netip.PrefixFrom(r.YourIP, bits),
		Server:     r.ServerID,
		Routers:    r.Routers,
		DNS:        r.DNS,
		DomainName: r.DomainName,
		Routes:     r.Routes,
		MTU:        r.MTU,
		Broadcast:  r.Broadcast,
		Duration:   r.LeaseTime,
		T1:         r.T1,
		T2:         r.T2,
		Acquired:   acquired,
		HWAddr:     hw.String(),
	}
	if l.T2 <= 0 || l.T2 >= l.Duration {
		l.T2 = l.Duration / 8 * 7 // divide first: 0xffffffff s (infinite) * 7 overflows
	}
	if l.T1 <= 0 || l.T1 >= l.T2 {
		l.T1 = min(l.Duration/2, l.T2)
	}
	return l
}

func (c *dhcpClient) accept(ctx context.Context, r *reply, why string) {
	l := leaseFrom(r, c.reqSent, c.hw)
	renewed := c.bound && c.lease != nil && c.lease.Address == l.Address
	if c.cfg.ConflictCheck && !renewed {
		inUse, err := c.sink.probe(ctx, l.Address.Addr())
		if err != nil {
			c.log.Warn("dhcp: address probe", "iface", c.ifname(), "addr", l.Address.Addr(), "err", err)
		}
		if inUse {
			c.send(dhcpv4.MessageTypeDecline, withRequestedIP(l.Address.Addr()), withServerID(r.ServerID))
			c.lease = nil
			c.setState(stateInit, "DECLINE "+l.Address.Addr().String()+": in use")
			c.arm(c.cfg.DeclineWait)
			return
		}
	}
	if c.bound && !renewed {
		c.sink.unbind("address changed to " + l.Address.String())
		c.bound = false
	}
	c.lease = l
	if err := c.sink.bind(l, renewed); err != nil {
		c.sink.failed(fmt.Errorf("dhcp: %s: applying lease %v: %w", c.ifname(), l.Address, err))
		c.lease = nil
		c.setState(stateInit, "apply failed")
		c.arm(c.cfg.DeclineWait)
		return
	}
	c.bound = true
	c.setState(stateBound, fmt.Sprintf("%s %v for %v", why, l.Address, l.Duration))
	c.arm(l.Acquired.Add(l.T1).Sub(c.now()))
}

// stop releases the lease if configured and leaves the state machine.
func (c *dhcpClient) stop() {
	if c.bound && c.cfg.SendRelease && c.lease != nil {
		c.newXID()
		c.send(dhcpv4.MessageTypeRelease,
			dhcpv4.WithClientIP(net.IP(c.lease.Address.Addr().AsSlice())), withServerID(c.lease.Server))
	}
	c.setState(stateStopped, "stop")
}

var errStopped = errors.New("netconfig: stopped")
