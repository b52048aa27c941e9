package wired

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"wifid/eapol"
	"wifid/eapol/eap"
)

// State is where a port's supplicant is.
type State int

// Port states, after IEEE 802.1X-2010's supplicant PAE (12.5.1) where they
// match it.
const (
	// Down: no carrier; nothing is sent.
	Down State = iota
	// Connecting: EAPOL-Start sent, waiting for the authenticator's
	// first Request; Start goes again every StartPeriod, MaxStart times.
	Connecting
	// Authenticating: an EAP conversation runs.
	Authenticating
	// Authenticated: the last conversation ended in EAP-Success. A new
	// Request/Identity from the authenticator (re-authentication)
	// starts another.
	Authenticated
	// Held: the last conversation failed; the port ignores the
	// authenticator for HeldPeriod, then starts over with EAPOL-Start,
	// so a wrong password costs one attempt per HeldPeriod.
	Held
	// NoAuthenticator: MaxStart EAPOL-Starts went unanswered, the port
	// is likely not controlled. It still answers a Request that comes.
	NoAuthenticator
)

func (s State) String() string {
	switch s {
	case Down:
		return "down"
	case Connecting:
		return "connecting"
	case Authenticating:
		return "authenticating"
	case Authenticated:
		return "authenticated"
	case Held:
		return "held"
	case NoAuthenticator:
		return "no-authenticator"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Timer defaults: IEEE 802.1X-2010 12.5.2 (startPeriod 30 s, heldPeriod
// 60 s, maxStart 3) and the backend's authPeriod (30 s) as the bound on a
// conversation's silence.
const (
	DefaultStartPeriod = 30 * time.Second
	DefaultHeldPeriod  = 60 * time.Second
	DefaultAuthPeriod  = 30 * time.Second
	DefaultMaxStart    = 3
)

// Config is one port's settings.
type Config struct {
	// Ifname names the port in logs.
	Ifname string
	// NewEAP makes the settings of one EAP conversation (a fresh
	// Method each time). An error holds the port (HeldPeriod) and is
	// logged: a network file that does not parse, say.
	NewEAP func() (eap.Config, error)
	// Timers; zero means the default.
	StartPeriod, HeldPeriod, AuthPeriod time.Duration
	MaxStart                            int
	// Logger; nil means slog.Default(). The port adds iface.
	Logger *slog.Logger
	// OnState, if set, is called (from Run's goroutine) after each
	// transition; it must not block.
	OnState func(State)
}

// eapolVersion is the version the port writes: 1 (802.1X-2001) as iwd's
// ead and wpa_supplicant by default do, for old authenticators that drop
// later versions; authenticators take it.
const eapolVersion = eapol.Version2001

// Port is one Ethernet port's supplicant. Run owns all of it.
type Port struct {
	cfg   Config
	log   *slog.Logger
	state State

	pae    PAE
	peer   *eap.Peer
	starts int // EAPOL-Starts sent since Connecting began
	timer  *time.Timer
	auth   net.HardwareAddr // the authenticator's address, once heard
}

// NewPort returns a port in state Down.
func NewPort(cfg Config) *Port {
	if cfg.StartPeriod == 0 {
		cfg.StartPeriod = DefaultStartPeriod
	}
	if cfg.HeldPeriod == 0 {
		cfg.HeldPeriod = DefaultHeldPeriod
	}
	if cfg.AuthPeriod == 0 {
		cfg.AuthPeriod = DefaultAuthPeriod
	}
	if cfg.MaxStart == 0 {
		cfg.MaxStart = DefaultMaxStart
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Port{cfg: cfg, log: lg.With("iface", cfg.Ifname)}
}

type rxFrame struct {
	b   []byte
	src net.HardwareAddr
}

// Run drives the port until ctx is done: carrier says when the link is up
// (its first value is the state now; a closed channel is a link gone for
// good and ends Run), frames come from pae. On the way out an
// authenticated or authenticating port sends EAPOL-Logoff. Run closes
// nothing it was given.
func (p *Port) Run(ctx context.Context, pae PAE, carrier <-chan bool) error {
	p.pae = pae
	p.timer = time.NewTimer(time.Hour)
	p.timer.Stop()
	defer p.timer.Stop()
	defer p.endConversation()

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rx := make(chan rxFrame, 16)
	rxErr := make(chan error, 1)
	go func() {
		for {
			b, src, err := pae.Receive(rctx)
			if err != nil {
				rxErr <- err
				return
			}
			select {
			case rx <- rxFrame{b, src}:
			case <-rctx.Done():
				return
			}
		}
	}()

	for {
		select {
		case <-ctx.Done():
			p.logoff("stopping")
			return ctx.Err()
		case err := <-rxErr:
			p.logoff("socket failed")
			return err
		case up, ok := <-carrier:
			if !ok {
				p.to(Down, "link gone")
				return nil
			}
			p.carrier(up)
		case f := <-rx:
			p.frame(ctx, f)
		case <-p.timer.C:
			p.expired()
		}
	}
}

// State is the port's state; call it from OnState or after Run returned.
func (p *Port) State() State { return p.state }

// endConversation drops the running conversation: its keys (a wired
// port uses no MSK) are wiped and its method closed (the TLS-based
// methods' tunnels).
func (p *Port) endConversation() {
	if p.peer == nil {
		return
	}
	p.peer.Close()
	p.peer = nil
}

func (p *Port) to(s State, why string, args ...any) {
	if s == p.state {
		return
	}
	from := p.state
	p.state = s
	p.log.Info("wired: state", append([]any{"from", from.String(), "to", s.String(), "why", why}, args...)...)
	if p.cfg.OnState != nil {
		p.cfg.OnState(s)
	}
}

func (p *Port) arm(d time.Duration) {
	p.timer.Stop()
	select {
	case <-p.timer.C:
	default:
	}
	p.timer.Reset(d)
}

func (p *Port) disarm() {
	p.timer.Stop()
	select {
	case <-p.timer.C:
	default:
	}
}

func (p *Port) carrier(up bool) {
	switch {
	case up && p.state == Down:
		p.connect("link up")
	case !up && p.state != Down:
		p.endConversation()
		p.auth = nil
		p.disarm()
		p.to(Down, "link down")
	}
}

// connect enters Connecting and sends the first EAPOL-Start.
func (p *Port) connect(why string) {
	p.endConversation()
	p.starts = 0
	p.to(Connecting, why)
	p.sendStart()
}

func (p *Port) sendStart() {
	p.starts++
	if err := p.pae.Send(eapol.StartFrame(eapolVersion)); err != nil {
		p.log.Warn("wired: EAPOL-Start not sent", "state", p.state.String(), "err", err)
	} else {
		p.log.Debug("wired: EAPOL-Start sent", "state", p.state.String(), "n", p.starts)
	}
	p.arm(p.cfg.StartPeriod)
}

func (p *Port) logoff(why string) {
	if p.state != Authenticated && p.state != Authenticating {
		return
	}
	if err := p.pae.Send(eapol.LogoffFrame(eapolVersion)); err != nil {
		p.log.Warn("wired: EAPOL-Logoff not sent", "state", p.state.String(), "err", err)
		return
	}
	p.log.Info("wired: EAPOL-Logoff sent", "state", p.state.String(), "why", why)
}

func (p *Port) expired() {
	switch p.state {
	case Connecting:
		if p.starts < p.cfg.MaxStart {
			p.sendStart()
			return
		}
		p.to(NoAuthenticator, "no answer to EAPOL-Start", "starts", p.starts)
	case Authenticating:
		p.hold("authenticator silent", fmt.Errorf("no EAP request for %v", p.cfg.AuthPeriod))
	case Held:
		p.connect("held period over")
	}
}

// hold ends a failed conversation: Held for HeldPeriod.
func (p *Port) hold(why string, err error) {
	p.endConversation()
	p.arm(p.cfg.HeldPeriod)
	p.to(Held, why, "err", err, "retry_in", p.cfg.HeldPeriod)
}

func (p *Port) frame(ctx context.Context, f rxFrame) {
	if p.state == Down {
		return
	}
	h, body, err := eapol.ParseHeader(f.b)
	if err != nil {
		p.log.Debug("wired: frame dropped", "state", p.state.String(), "src", f.src.String(), "err", err)
		return
	}
	if h.Type != eapol.PacketEAP {
		p.log.Debug("wired: frame ignored", "state", p.state.String(), "src", f.src.String(), "type", h.Type.String())
		return
	}
	if p.state == Held {
		p.log.Debug("wired: EAP ignored while held", "src", f.src.String())
		return
	}
	pkt, err := eap.Parse(body)
	if err != nil {
		p.log.Debug("wired: EAP dropped", "state", p.state.String(), "src", f.src.String(), "err", err)
		return
	}
	if p.peer == nil || p.peer.State() == eap.Success || p.peer.State() == eap.Failure ||
		(p.peer.State() == eap.Running && pkt.Code == eap.CodeRequest && pkt.Type == eap.TypeIdentity) {
		if pkt.Code != eap.CodeRequest {
			p.log.Debug("wired: EAP ignored, no conversation", "state", p.state.String(), "src", f.src.String(), "packet", pkt.String())
			return
		}
		cfg, err := p.cfg.NewEAP()
		if err != nil {
			p.hold("no EAP settings", err)
			return
		}
		if cfg.Logger == nil {
			cfg.Logger = p.log
		}
		p.endConversation()
		peer, err := eap.NewPeer(cfg)
		if err != nil {
			p.hold("no EAP settings", err)
			return
		}
		p.peer = peer
		p.auth = f.src
		p.to(Authenticating, "request from authenticator", "src", f.src.String(), "method", cfg.Method.Type().String())
	}
	resp, err := p.peer.Receive(ctx, body)
	if err != nil && errors.Is(err, eap.ErrDropped) {
		p.log.Debug("wired: EAP dropped by the peer", "state", p.state.String(), "err", err)
		return
	}
	if resp != nil {
		frame, ferr := eapol.EAPFrame(eapolVersion, resp)
		if ferr == nil {
			ferr = p.pae.Send(frame)
		}
		if ferr != nil {
			p.log.Warn("wired: EAP response not sent", "state", p.state.String(), "err", ferr)
		}
	}
	switch p.peer.State() {
	case eap.Success:
		p.disarm()
		method := p.peer.Method().Type().String()
		p.endConversation()
		p.to(Authenticated, "EAP success", "method", method)
	case eap.Failure:
		p.hold("EAP failure", p.peer.Err())
	default:
		p.arm(p.cfg.AuthPeriod)
	}
}
