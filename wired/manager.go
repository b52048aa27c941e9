package wired

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"wifid/eapol/eap"
)

// Adapter is what ead shows of a port on D-Bus (net.connman.ead.Adapter).
type Adapter struct {
	Ifindex int
	Name    string
	Address net.HardwareAddr
	// Active is IFF_UP, Connected the carrier (IFF_LOWER_UP),
	// Authenticated the last conversation's success (cleared when the
	// carrier goes).
	Active, Connected, Authenticated bool
	State                            State
}

// ManagerConfig is ead's configuration.
type ManagerConfig struct {
	// StateDir holds the settings file (ead: /var/lib/ead).
	StateDir string
	// Allow and Deny are interface name globs (ead's -i and -I): with
	// Allow set only matching interfaces are managed; Deny wins.
	Allow, Deny []string
	// Port timers, zero for the defaults.
	StartPeriod, HeldPeriod, AuthPeriod time.Duration
	Logger                              *slog.Logger
	// OnChange is called with a port's view after every change, and
	// OnRemove when its interface is gone; both from Run's goroutine,
	// and they must not block.
	OnChange func(Adapter)
	OnRemove func(ifindex int)
}

// Manager finds the wired Ethernet interfaces (ARPHRD_ETHER without a
// DEVTYPE: not Wi-Fi, bridges, VLANs...) as ead does and runs a Port on
// each.
type Manager struct {
	cfg   ManagerConfig
	log   *slog.Logger
	ports map[int]*managed
}

type managed struct {
	view    Adapter
	carrier chan bool
	cancel  context.CancelFunc
	done    chan struct{}
	pae     PAE
}

type stateEvent struct {
	ifindex int
	state   State
}

type linkEvent struct {
	del bool
	msg *rtnetlink.LinkMessage
}

// NewManager returns a Manager; Run starts it.
func NewManager(cfg ManagerConfig) *Manager {
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Manager{cfg: cfg, log: lg, ports: map[int]*managed{}}
}

// Run manages ports until ctx is done, then stops them (each logs off).
func (m *Manager) Run(ctx context.Context) error {
	c, err := rtnetlink.Dial(&netlink.Config{Groups: unix.RTMGRP_LINK})
	if err != nil {
		return fmt.Errorf("wired: rtnetlink link events: %w", err)
	}
	q, err := rtnetlink.Dial(nil)
	if err != nil {
		c.Close()
		return fmt.Errorf("wired: rtnetlink: %w", err)
	}
	links, err := q.Link.List()
	q.Close()
	if err != nil {
		c.Close()
		return fmt.Errorf("wired: listing links: %w", err)
	}
	events := make(chan linkEvent, 32)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-rctx.Done()
		c.Close()
	}()
	go func() {
		for {
			msgs, raw, err := c.Receive()
			if err != nil {
				return
			}
			for i, msg := range msgs {
				lm, ok := msg.(*rtnetlink.LinkMessage)
				if !ok {
					continue
				}
				select {
				case events <- linkEvent{del: raw[i].Header.Type == unix.RTM_DELLINK, msg: lm}:
				case <-rctx.Done():
					return
				}
			}
		}
	}()
	states := make(chan stateEvent, 32)
	defer func() {
		for idx := range m.ports {
			m.remove(idx, false)
		}
	}()
	for i := range links {
		m.link(ctx, states, &links[i])
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-events:
			if ev.del {
				if _, ok := m.ports[int(ev.msg.Index)]; ok {
					m.remove(int(ev.msg.Index), true)
				}
				continue
			}
			m.link(ctx, states, ev.msg)
		case se := <-states:
			p, ok := m.ports[se.ifindex]
			if !ok {
				continue
			}
			p.view.State = se.state
			switch se.state {
			case Authenticated:
				p.view.Authenticated = true
			case Down:
				p.view.Authenticated = false
			}
			m.changed(p)
		}
	}
}

func (m *Manager) changed(p *managed) {
	if m.cfg.OnChange != nil {
		v := p.view
		v.Address = bytes.Clone(v.Address)
		m.cfg.OnChange(v)
	}
}

// wanted tells whether an interface is one to manage.
func (m *Manager) wanted(name string) bool {
	if len(m.cfg.Allow) > 0 && !matchAny(m.cfg.Allow, name) {
		return false
	}
	return !matchAny(m.cfg.Deny, name)
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// hasDevtype tells whether sysfs gives the interface a DEVTYPE (wlan,
// bridge, vlan, ...): ead leaves those alone, plain Ethernet has none.
func hasDevtype(name string) bool {
	b, err := os.ReadFile("/sys/class/net/" + name + "/uevent")
	if err != nil {
		return false
	}
	return bytes.Contains(b, []byte("\nDEVTYPE=")) || bytes.HasPrefix(b, []byte("DEVTYPE="))
}

func (m *Manager) link(ctx context.Context, states chan<- stateEvent, lm *rtnetlink.LinkMessage) {
	if lm.Type != unix.ARPHRD_ETHER || lm.Attributes == nil || len(lm.Attributes.Address) != 6 {
		return
	}
	idx := int(lm.Index)
	name := lm.Attributes.Name
	active := lm.Flags&unix.IFF_UP != 0
	lower := lm.Flags&unix.IFF_LOWER_UP != 0
	p, ok := m.ports[idx]
	if !ok {
		if !m.wanted(name) || hasDevtype(name) {
			return
		}
		p = m.add(ctx, states, idx, name, lm.Attributes.Address)
		if p == nil {
			return
		}
	}
	p.view.Name = name
	p.view.Address = bytes.Clone(lm.Attributes.Address)
	p.view.Active = active
	if p.view.Connected != lower || !ok {
		p.view.Connected = lower
		if !lower {
			p.view.Authenticated = false
		}
		p.carrier <- lower
	}
	m.changed(p)
}

func (m *Manager) add(ctx context.Context, states chan<- stateEvent, idx int, name string, addr net.HardwareAddr) *managed {
	ifi := &net.Interface{Index: idx, Name: name, HardwareAddr: addr}
	pae, err := ListenPAE(ifi)
	if err != nil {
		m.log.Error("wired: port not managed", "iface", name, "err", err)
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &managed{
		view:    Adapter{Ifindex: idx, Name: name, Address: addr},
		carrier: make(chan bool, 8),
		cancel:  cancel,
		done:    make(chan struct{}),
		pae:     pae,
	}
	m.ports[idx] = p
	log := m.log.With("iface", name)
	port := NewPort(Config{
		Ifname: name,
		NewEAP: func() (eap.Config, error) {
			return LoadSettings(m.cfg.StateDir, log)
		},
		StartPeriod: m.cfg.StartPeriod,
		HeldPeriod:  m.cfg.HeldPeriod,
		AuthPeriod:  m.cfg.AuthPeriod,
		Logger:      m.log,
		OnState: func(s State) {
			select {
			case states <- stateEvent{idx, s}:
			case <-pctx.Done():
			}
		},
	})
	m.log.Info("wired: managing port", "iface", name, "addr", addr.String())
	go func() {
		defer close(p.done)
		if err := port.Run(pctx, pae, p.carrier); err != nil && pctx.Err() == nil {
			m.log.Error("wired: port stopped", "iface", name, "err", err)
		}
	}()
	return p
}

// remove stops a port: gone says its interface went away (no Logoff is
// possible then).
func (m *Manager) remove(idx int, gone bool) {
	p := m.ports[idx]
	delete(m.ports, idx)
	if gone {
		close(p.carrier)
	} else {
		p.cancel()
	}
	// The port may be sending us a state: drain while it stops.
	<-p.done
	p.cancel()
	p.pae.Close()
	m.log.Info("wired: port released", "iface", p.view.Name, "gone", gone)
	if m.cfg.OnRemove != nil {
		m.cfg.OnRemove(idx)
	}
}
