package netconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
)

// dhcp6State is a state of the DHCPv6 client (RFC 8415 18).
type dhcp6State int

const (
	state6Idle           dhcp6State = iota // waiting for an RA to ask for DHCPv6
	state6InfoRequesting                   // stateless: INFORMATION-REQUEST sent
	state6Informed                         // stateless: waiting for the refresh time
	state6Soliciting                       // SOLICIT sent, collecting ADVERTISEs
	state6Requesting                       // REQUEST sent to the chosen server
	state6Bound                            // address in place, waiting for T1
	state6Renewing                         // RENEW sent to our server, until T2
	state6Rebinding                        // REBIND sent to any server, until expiry
	state6Stopped
)

func (s dhcp6State) String() string {
	return [...]string{"IDLE", "INFO-REQUESTING", "INFORMED", "SOLICITING", "REQUESTING", "BOUND",
		"RENEWING", "REBINDING", "STOPPED"}[s]
}

// dhcp6Mode is what the router advertisements ask for (RFC 4861 4.2).
type dhcp6Mode int

const (
	dhcp6Off       dhcp6Mode = iota
	dhcp6Stateless           // O flag: INFORMATION-REQUEST for DNS
	dhcp6Stateful            // M flag: addresses (IA_NA) and DNS
)

func (m dhcp6Mode) String() string {
	return [...]string{"off", "stateless", "stateful"}[m]
}

// RFC 8415 7.6 transmission parameters.
const (
	solTimeout  = 1 * time.Second
	solMaxRT    = 3600 * time.Second
	reqTimeout  = 1 * time.Second
	reqMaxRT    = 30 * time.Second
	reqMaxRC    = 10
	renTimeout  = 10 * time.Second
	renMaxRT    = 600 * time.Second
	rebTimeout  = 10 * time.Second
	rebMaxRT    = 600 * time.Second
	infTimeout  = 1 * time.Second
	infMaxRT    = 3600 * time.Second
	irtDefault  = 86400 * time.Second
	irtMinimum  = 600 * time.Second
	prefMaximum = 255
)

// dhcp6Transport carries DHCPv6 messages: Send to All_DHCP_Relay_Agents_
// and_Servers (ff02::1:2) port 547 from the link-local address port 546.
type dhcp6Transport interface {
	Send(b []byte) error
	Recv() ([]byte, error)
	Close() error
}

// lease6Sink is what the DHCPv6 client drives. Calls come from the
// client's goroutine.
type lease6Sink interface {
	bind6(l *Lease6, renewed bool) error
	unbind6(l *Lease6, why string)
	// info6 delivers stateless configuration (INFORMATION-REQUEST).
	info6(dns []netip.Addr, domains []string)
}

// dhcp6Client is the DHCPv6 state machine. One goroutine (run) owns its
// fields.
type dhcp6Client struct {
	ifname func() string // the interface's current name, for messages
	duid   []byte        // DUID-LL from the hardware address (RFC 8415 11.4)
	iaid   [4]byte
	log    *slog.Logger
	dial   func(ctx context.Context) (dhcp6Transport, error)
	sink   lease6Sink
	now    func() time.Time
	scale  float64 // retransmission times are multiplied by this (tests)
	rapid  bool    // ask for Rapid Commit in SOLICIT

	tr      dhcp6Transport
	in      chan []byte
	mode    dhcp6Mode
	state   dhcp6State
	xid     dhcpv6.TransactionID
	started time.Time     // first message of this exchange (Elapsed Time)
	rt      time.Duration // current retransmission timeout
	refused int           // REPLYs without an address since the last binding
	rc      int           // transmissions in this exchange
	best    *reply6       // best ADVERTISE so far
	server  []byte        // DUID of the server we REQUEST from
	lease   *Lease6
	timer   *time.Timer
}

func newDHCP6Client(ifname func() string, hw net.HardwareAddr, log *slog.Logger,
	dial func(ctx context.Context) (dhcp6Transport, error), sink lease6Sink) *dhcp6Client {
	duid := (&dhcpv6.DUIDLL{HWType: iana.HWTypeEthernet, LinkLayerAddr: hw}).ToBytes()
	var iaid [4]byte
	copy(iaid[:], hw[len(hw)-4:])
	return &dhcp6Client{ifname: ifname, duid: duid, iaid: iaid, log: log, dial: dial, sink: sink,
		now: time.Now, scale: 1, in: make(chan []byte, 16)}
}

func (c *dhcp6Client) setState(to dhcp6State, why string) {
	if to == c.state {
		return
	}
	c.log.Info("dhcp6: state", "iface", c.ifname(), "from", c.state, "to", to, "why", why)
	c.state = to
}

// run drives the client until ctx is done; modes says what the routers
// ask for (the latest value counts; the client never steps down from
// stateful to stateless while it holds an address).
func (c *dhcp6Client) run(ctx context.Context, modes <-chan dhcp6Mode) {
	c.timer = time.NewTimer(time.Hour)
	c.timer.Stop()
	defer c.timer.Stop()
	recvDone := make(chan struct{})
	close(recvDone)
	defer func() {
		if c.tr != nil {
			c.tr.Close()
		}
		<-recvDone
	}()
	for {
		select {
		case <-ctx.Done():
			c.stop(ctx)
			return
		case m := <-modes:
			if c.tr == nil && m != dhcp6Off {
				tr, err := c.dial(ctx)
				if err != nil {
					if ctx.Err() == nil {
						c.log.Warn("dhcp6: socket", "iface", c.ifname(), "err", err)
					}
					continue
				}
				c.tr = tr
				recvDone = make(chan struct{})
				go c.recv(ctx, tr, recvDone)
			}
			c.setMode(m)
		case b := <-c.in:
			c.receive(b)
		case <-c.timer.C:
			c.timeout()
		}
	}
}

func (c *dhcp6Client) recv(ctx context.Context, tr dhcp6Transport, done chan struct{}) {
	defer close(done)
	for {
		b, err := tr.Recv()
		if err != nil {
			return
		}
		select {
		case c.in <- b:
		case <-ctx.Done():
			return
		}
	}
}

func (c *dhcp6Client) setMode(m dhcp6Mode) {
	if m == c.mode || m < c.mode && c.lease != nil {
		return
	}
	c.log.Info("dhcp6: mode", "iface", c.ifname(), "from", c.mode, "to", m)
	c.mode = m
	switch m {
	case dhcp6Stateless:
		c.startInfoRequest("RA O flag")
	case dhcp6Stateful:
		c.startSolicit("RA M flag")
	case dhcp6Off:
		c.timer.Stop()
		c.setState(state6Idle, "RA asks for no DHCPv6")
	}
}

func (c *dhcp6Client) arm(d time.Duration) {
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

// jitter is RFC 8415 15's RAND: uniform in [-0.1, +0.1] of d (only
// positive when positive is set).
func jitter(d time.Duration, positive bool) time.Duration {
	lo := -0.1
	if positive {
		lo = 0
	}
	return time.Duration((lo + rand.Float64()*(0.1-lo)) * float64(d))
}

// newExchange starts a transaction: a new xid, the elapsed-time origin and
// the first retransmission timeout (RFC 8415 15: IRT + RAND*IRT).
func (c *dhcp6Client) newExchange(irt time.Duration, positive bool) {
	x := rand.Uint32()
	c.xid = dhcpv6.TransactionID{byte(x >> 16), byte(x >> 8), byte(x)}
	c.started = c.now()
	irt = time.Duration(float64(irt) * c.scale)
	c.rt = irt + jitter(irt, positive)
	c.rc = 0
}

// nextRT doubles the timeout with jitter, capped at mrt (RFC 8415 15).
func (c *dhcp6Client) nextRT(mrt time.Duration) {
	mrt = time.Duration(float64(mrt) * c.scale)
	c.rt = 2*c.rt + jitter(c.rt, false)
	if mrt > 0 && c.rt > mrt {
		c.rt = mrt + jitter(mrt, false)
	}
}

// armUntil arms the retransmission timer, but not beyond deadline.
func (c *dhcp6Client) armUntil(deadline time.Time) {
	d := c.rt
	if left := deadline.Sub(c.now()); left < d {
		d = left
	}
	c.arm(d)
}

func (c *dhcp6Client) startInfoRequest(why string) {
	c.newExchange(infTimeout, false)
	c.setState(state6InfoRequesting, why)
	c.send(dhcpv6.MessageTypeInformationRequest)
	c.arm(c.rt)
}

func (c *dhcp6Client) startSolicit(why string) {
	c.best = nil
	c.newExchange(solTimeout, true)
	c.setState(state6Soliciting, why)
	c.send(dhcpv6.MessageTypeSolicit)
	c.arm(c.rt)
}

// startSolicitLater enters SOLICITING but sends the first SOLICIT only
// when the first timeout runs out.
func (c *dhcp6Client) startSolicitLater(why string) {
	c.best = nil
	c.refused++
	c.newExchange(solTimeout, true)
	for range min(c.refused-1, 12) { // doubling per refusal, up to SOL_MAX_RT
		c.nextRT(solMaxRT)
	}
	c.setState(state6Soliciting, fmt.Sprintf("%s; SOLICIT in %v", why, c.rt.Round(time.Millisecond)))
	c.arm(c.rt)
}

func (c *dhcp6Client) startRequest(adv *reply6) {
	c.server = adv.ServerID
	c.newExchange(reqTimeout, false)
	c.setState(state6Requesting, fmt.Sprintf("ADVERTISE preference %d offers %v", adv.Preference, adv.Addrs[0].Addr))
	c.send(dhcpv6.MessageTypeRequest)
	c.arm(c.rt)
}

// send builds and transmits a client message of type t for the current
// exchange.
func (c *dhcp6Client) send(t dhcpv6.MessageType) { c.sendAddr(t, netip.Addr{}) }

// sendAddr is send with the IA_NA address given (DECLINE) instead of the
// lease's or the ADVERTISE's.
func (c *dhcp6Client) sendAddr(t dhcpv6.MessageType, addr netip.Addr) {
	c.rc++
	elapsed := c.now().Sub(c.started)
	if c.rc == 1 {
		elapsed = 0
	}
	m := &dhcpv6.Message{MessageType: t, TransactionID: c.xid}
	duid, err := dhcpv6.DUIDFromBytes(c.duid)
	if err != nil {
		c.log.Warn("dhcp6: DUID", "iface", c.ifname(), "err", err)
		return
	}
	m.AddOption(dhcpv6.OptClientID(duid))
	m.AddOption(dhcpv6.OptElapsedTime(elapsed))
	codes := []dhcpv6.OptionCode{dhcpv6.OptionDNSRecursiveNameServer, dhcpv6.OptionDomainSearchList}
	if t == dhcpv6.MessageTypeInformationRequest {
		codes = append(codes, dhcpv6.OptionInformationRefreshTime)
	}
	if t != dhcpv6.MessageTypeRelease && t != dhcpv6.MessageTypeDecline {
		m.AddOption(dhcpv6.OptRequestedOption(codes...))
	}
	switch t {
	case dhcpv6.MessageTypeRequest, dhcpv6.MessageTypeRenew, dhcpv6.MessageTypeRelease, dhcpv6.MessageTypeDecline:
		sid, err := dhcpv6.DUIDFromBytes(c.server)
		if err != nil {
			c.log.Debug("dhcp6: server DUID", "iface", c.ifname(), "err", err)
			return
		}
		m.AddOption(dhcpv6.OptServerID(sid))
	}
	if t == dhcpv6.MessageTypeSolicit && c.rapid {
		m.AddOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionRapidCommit})
	}
	if t != dhcpv6.MessageTypeInformationRequest {
		ia := &dhcpv6.OptIANA{IaId: c.iaid}
		switch {
		case addr.IsValid():
			ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: addr.AsSlice()})
		case t == dhcpv6.MessageTypeRequest && c.best != nil:
			for _, a := range c.best.Addrs {
				ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: a.Addr.AsSlice()})
			}
		case t != dhcpv6.MessageTypeSolicit && c.lease != nil:
			ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: c.lease.Address.AsSlice()})
		}
		m.AddOption(ia)
	}
	if err := c.tr.Send(m.ToBytes()); err != nil {
		c.log.Warn("dhcp6: send", "iface", c.ifname(), "type", t, "err", err)
		return
	}
	c.log.Debug("dhcp6: sent", "iface", c.ifname(), "type", t, "xid", fmt.Sprintf("%x", c.xid[:]), "try", c.rc)
}

func (c *dhcp6Client) timeout() {
	switch c.state {
	case state6InfoRequesting:
		c.nextRT(infMaxRT)
		c.send(dhcpv6.MessageTypeInformationRequest)
		c.arm(c.rt)
	case state6Informed:
		c.startInfoRequest("information refresh time")
	case state6Soliciting:
		if c.lease != nil && !c.now().Before(c.lease.Expiry()) {
			// A renewal was refused and no server has given one since.
			c.dropLease("valid lifetime over")
		}
		if c.best != nil {
			c.startRequest(c.best)
			return
		}
		c.nextRT(solMaxRT)
		c.send(dhcpv6.MessageTypeSolicit)
		c.arm(c.rt)
	case state6Requesting:
		if c.rc >= reqMaxRC {
			c.startSolicit(fmt.Sprintf("no REPLY after %d REQUESTs", c.rc))
			return
		}
		c.nextRT(reqMaxRT)
		c.send(dhcpv6.MessageTypeRequest)
		c.arm(c.rt)
	case state6Bound:
		c.newExchange(renTimeout, false)
		c.setState(state6Renewing, "T1")
		c.send(dhcpv6.MessageTypeRenew)
		c.armUntil(c.lease.Acquired.Add(c.lease.T2))
	case state6Renewing, state6Rebinding:
		now := c.now()
		l := c.lease
		if !now.Before(l.Expiry()) {
			c.sink.unbind6(l, "valid lifetime over")
			c.lease = nil
			c.startSolicit("lease expired")
			return
		}
		if c.state == state6Renewing && !now.Before(l.Acquired.Add(l.T2)) {
			c.newExchange(rebTimeout, false)
			c.setState(state6Rebinding, "T2")
			c.send(dhcpv6.MessageTypeRebind)
			c.armUntil(l.Expiry())
			return
		}
		if c.state == state6Renewing {
			c.nextRT(renMaxRT)
			c.send(dhcpv6.MessageTypeRenew)
			c.armUntil(l.Acquired.Add(l.T2))
		} else {
			c.nextRT(rebMaxRT)
			c.send(dhcpv6.MessageTypeRebind)
			c.armUntil(l.Expiry())
		}
	}
}

func (c *dhcp6Client) receive(b []byte) {
	switch c.state {
	case state6InfoRequesting, state6Soliciting, state6Requesting, state6Renewing, state6Rebinding:
	default:
		c.log.Debug("dhcp6: dropped message", "iface", c.ifname(), "state", c.state, "why", "no exchange in progress")
		return
	}
	r, err := parseReply6(b, c.xid, c.duid, c.iaid)
	if err != nil {
		c.log.Debug("dhcp6: dropped message", "iface", c.ifname(), "state", c.state, "err", err)
		return
	}
	c.log.Debug("dhcp6: received", "iface", c.ifname(), "type", r.Type, "status", r.Status,
		"addrs", len(r.Addrs), "dns", r.DNS)
	switch c.state {
	case state6InfoRequesting:
		if r.Type != dhcpv6.MessageTypeReply {
			return
		}
		c.sink.info6(r.DNS, r.Domains)
		refresh := r.Refresh
		if refresh <= 0 {
			refresh = irtDefault
		}
		refresh = max(refresh, irtMinimum)
		c.setState(state6Informed, fmt.Sprintf("REPLY, refresh in %v", refresh))
		c.arm(time.Duration(float64(refresh) * c.scale))
	case state6Soliciting:
		if r.Type == dhcpv6.MessageTypeReply && r.RapidCommit && c.rapid &&
			r.Status == iana.StatusSuccess && r.HasIA && r.IAStatus == iana.StatusSuccess && len(r.Addrs) > 0 {
			c.server = r.ServerID
			c.log.Debug("dhcp6: rapid commit REPLY", "iface", c.ifname())
			c.reply(r)
			return
		}
		if r.Type != dhcpv6.MessageTypeAdvertise {
			return
		}
		if r.Status != iana.StatusSuccess || !r.HasIA || r.IAStatus != iana.StatusSuccess || len(r.Addrs) == 0 {
			c.log.Debug("dhcp6: ADVERTISE without addresses ignored", "iface", c.ifname(), "status", r.Status, "ia_status", r.IAStatus)
			return
		}
		if c.best == nil || r.Preference > c.best.Preference {
			c.best = r
		}
		// RFC 8415 18.2.9: preference 255 (or a later retransmission)
		// means take it at once.
		if r.Preference == prefMaximum || c.rc > 1 {
			c.startRequest(c.best)
		}
	case state6Requesting, state6Renewing, state6Rebinding:
		if r.Type != dhcpv6.MessageTypeReply {
			return
		}
		if c.state != state6Rebinding && !bytes.Equal(r.ServerID, c.server) {
			c.log.Debug("dhcp6: dropped REPLY from another server", "iface", c.ifname())
			return
		}
		c.reply(r)
	}
}

// reply handles a REPLY to REQUEST, RENEW or REBIND (RFC 8415 18.2.10).
func (c *dhcp6Client) reply(r *reply6) {
	switch {
	case r.Status == iana.StatusNotOnLink:
		c.dropLease("NotOnLink")
		c.startSolicit("REPLY NotOnLink")
		return
	case r.Status == iana.StatusUseMulticast:
		return // we always multicast; keep retransmitting
	case r.Status != iana.StatusSuccess:
		c.log.Info("dhcp6: REPLY failed", "iface", c.ifname(), "status", r.Status, "message", r.StatusMsg)
		return // retransmit as scheduled (RFC 8415 18.2.10)
	}
	if !r.HasIA || r.IAStatus == iana.StatusNoBinding || r.IAStatus == iana.StatusNoAddrsAvail || len(r.Addrs) == 0 {
		// A refused REQUEST, RENEW or REBIND: look for a server again,
		// after a SOLICIT timeout so that a server that advertises what it
		// then refuses cannot make us loop. A bound address is kept until
		// it expires.
		c.log.Info("dhcp6: REPLY without an address", "iface", c.ifname(), "state", c.state, "status", r.IAStatus)
		c.startSolicitLater(fmt.Sprintf("REPLY without an address (IA status %v)", r.IAStatus))
		return
	}
	l := lease6From(r, c.started)
	renewed := c.lease != nil && c.lease.Address == l.Address
	if c.lease != nil && !renewed {
		c.dropLease("address changed to " + l.Address.String())
	}
	if err := c.sink.bind6(l, renewed); err != nil {
		c.log.Warn("dhcp6: applying lease", "iface", c.ifname(), "addr", l.Address, "err", err)
		c.lease = nil
		if errors.Is(err, ErrAddressInUse) {
			// RFC 8415 18.2.8: DECLINE the duplicate, then look again.
			// The DECLINE is sent once; its REPLY is not awaited.
			c.server = r.ServerID
			c.newExchange(time.Second, false)
			c.sendAddr(dhcpv6.MessageTypeDecline, l.Address)
			c.startSolicit("DECLINE " + l.Address.String() + ": DAD failed")
			return
		}
		c.setState(state6Idle, "apply failed")
		return
	}
	c.lease = l
	c.server = r.ServerID
	c.refused = 0
	c.setState(state6Bound, fmt.Sprintf("REPLY %v valid %v T1 %v", l.Address, l.Valid, l.T1))
	c.arm(l.Acquired.Add(l.T1).Sub(c.now()))
}

func (c *dhcp6Client) dropLease(why string) {
	if c.lease != nil {
		c.sink.unbind6(c.lease, why)
		c.lease = nil
	}
}

// stop sends a RELEASE for a bound address (once: Stop does not wait for
// the REPLY) unless the link is gone.
func (c *dhcp6Client) stop(ctx context.Context) {
	if c.lease != nil && c.tr != nil && !errors.Is(context.Cause(ctx), errLinkDown) {
		c.newExchange(time.Second, false)
		c.server = c.lease.ServerID
		c.send(dhcpv6.MessageTypeRelease)
	}
	c.setState(state6Stopped, "stop")
}
