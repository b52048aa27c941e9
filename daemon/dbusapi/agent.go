package dbusapi

import (
	"context"
	"errors"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Agents is the AgentManager's registry: clients register a
// net.connman.iwd.Agent object and the daemon asks it for secrets. As in iwd,
// a request goes to the agent of the client whose call started it
// (CallerFromContext) or else to the first agent registered; an agent
// answers one request at a time; an agent whose owner leaves the bus is
// dropped.
type Agents struct {
	s    *Server
	mu   sync.Mutex // guards list
	list []*agent
}

type agent struct {
	owner string
	path  dbus.ObjectPath
	turn  chan struct{} // holds a token while a request is out
	gone  chan struct{} // closed when unregistered or vanished
}

// CancelReason is the reason an agent is told in Cancel(reason): iwd's
// "out-of-range", "user-canceled", "timed-out", "shutdown". A backend that
// cancels a request's context with context.WithCancelCause(CancelReason(..))
// chooses the reason; a plain cancel is "user-canceled".
type CancelReason string

func (r CancelReason) Error() string { return "agent request canceled: " + string(r) }

// RequestPassphrase asks for a network's passphrase (Agent.RequestPassphrase).
// It returns ErrNoAgent when no agent is registered and ErrAborted when the
// agent refuses, times out, leaves, or ctx ends (the agent then gets Cancel).
func (a *Agents) RequestPassphrase(ctx context.Context, network dbus.ObjectPath) (string, error) {
	var pass string
	err := a.request(ctx, "RequestPassphrase", []any{network}, &pass)
	return pass, err
}

// RequestPrivateKeyPassphrase asks for the passphrase of an encrypted
// private key file used by network (EAP-TLS).
func (a *Agents) RequestPrivateKeyPassphrase(ctx context.Context, network dbus.ObjectPath) (string, error) {
	var pass string
	err := a.request(ctx, "RequestPrivateKeyPassphrase", []any{network}, &pass)
	return pass, err
}

// RequestUserNameAndPassword asks for an EAP identity and password.
func (a *Agents) RequestUserNameAndPassword(ctx context.Context, network dbus.ObjectPath) (user, password string, err error) {
	err = a.request(ctx, "RequestUserNameAndPassword", []any{network}, &user, &password)
	return user, password, err
}

// RequestUserPassword asks for the password of a known user ("" if none).
func (a *Agents) RequestUserPassword(ctx context.Context, network dbus.ObjectPath, user string) (string, error) {
	var pass string
	err := a.request(ctx, "RequestUserPassword", []any{network, user}, &pass)
	return pass, err
}

// Registered tells whether any agent is registered.
func (a *Agents) Registered() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.list) > 0
}

func (a *Agents) pick(caller string) *agent {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ag := range a.list {
		if ag.owner == caller {
			return ag
		}
	}
	if len(a.list) == 0 {
		return nil
	}
	return a.list[0]
}

func (a *Agents) request(ctx context.Context, member string, args []any, out ...any) error {
	ag := a.pick(CallerFromContext(ctx))
	if ag == nil {
		return ErrNoAgent
	}
	a.s.mu.Lock()
	conn, timeout := a.s.conn, a.s.cfg.AgentTimeout
	a.s.mu.Unlock()
	if conn == nil {
		return ErrNoAgent
	}
	select {
	case ag.turn <- struct{}{}:
	case <-ctx.Done():
		return ErrAborted
	case <-ag.gone:
		return ErrAborted
	}
	defer func() { <-ag.turn }()

	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	go func() {
		select {
		case <-ag.gone:
			cancel()
		case <-callCtx.Done():
		}
	}()
	a.s.log.Debug("dbus: agent request", "method", member, "agent", ag.owner, "path", ag.path)
	call := conn.Object(ag.owner, ag.path).CallWithContext(callCtx, AgentInterface+"."+member, 0, args...)
	if call.Err == nil {
		if err := call.Store(out...); err != nil {
			a.s.log.Warn("dbus: agent reply has the wrong type", "method", member, "agent", ag.owner)
			return ErrAborted
		}
		return nil
	}
	select {
	case <-ag.gone:
		return ErrAborted
	default:
	}
	var reason string
	switch {
	case ctx.Err() != nil:
		reason = "user-canceled"
		var r CancelReason
		if errors.As(context.Cause(ctx), &r) {
			reason = string(r)
		} else if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			reason = "timed-out"
		}
	case callCtx.Err() != nil:
		reason = "timed-out"
	}
	if reason != "" {
		a.s.log.Debug("dbus: agent request canceled", "method", member, "agent", ag.owner, "reason", reason)
		conn.Object(ag.owner, ag.path).Go(AgentInterface+".Cancel", dbus.FlagNoReplyExpected, nil, reason)
	} else {
		a.s.log.Debug("dbus: agent refused", "method", member, "agent", ag.owner, "err", ErrorName(call.Err))
	}
	return ErrAborted
}

func (a *Agents) register(owner string, path dbus.ObjectPath) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ag := range a.list {
		if ag.owner == owner {
			return ErrAlreadyExists
		}
	}
	if !path.IsValid() {
		return ErrInvalidArguments
	}
	a.list = append(a.list, &agent{owner: owner, path: path, turn: make(chan struct{}, 1), gone: make(chan struct{})})
	a.s.log.Debug("dbus: agent registered", "owner", owner, "path", path)
	return nil
}

func (a *Agents) unregister(owner string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, ag := range a.list {
		if ag.owner == owner {
			close(ag.gone)
			a.list = append(a.list[:i], a.list[i+1:]...)
			return nil
		}
	}
	return ErrNotFound
}

// vanished drops the agents of a client that left the bus.
func (a *Agents) vanished(owner string) {
	if a.unregister(owner) == nil {
		a.s.log.Debug("dbus: agent left the bus", "owner", owner)
	}
}

// releaseAll sends Release to every agent and forgets them (shutdown).
func (a *Agents) releaseAll() {
	a.s.mu.Lock()
	conn := a.s.conn
	a.s.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ag := range a.list {
		if conn != nil {
			conn.Object(ag.owner, ag.path).Go(AgentInterface+".Release", dbus.FlagNoReplyExpected, nil)
		}
		close(ag.gone)
	}
	a.list = nil
}

func (s *Server) agentManagerMethods() map[string]any {
	return map[string]any{
		"RegisterAgent": func(msg dbus.Message, path dbus.ObjectPath) *dbus.Error {
			if _, derr := s.lookup(msg, AgentManagerInterface); derr != nil {
				return derr
			}
			return toDBus(s.agents.register(msgSender(msg), path))
		},
		"UnregisterAgent": func(msg dbus.Message, path dbus.ObjectPath) *dbus.Error {
			if _, derr := s.lookup(msg, AgentManagerInterface); derr != nil {
				return derr
			}
			return toDBus(s.agents.unregister(msgSender(msg)))
		},
		// iwd 2.3 answers NotSupported while network configuration is
		// off; wifid has no network configuration agents at all yet.
		"RegisterNetworkConfigurationAgent":   s.netconfigAgent,
		"UnregisterNetworkConfigurationAgent": s.netconfigAgent,
	}
}

func (s *Server) netconfigAgent(msg dbus.Message, path dbus.ObjectPath) *dbus.Error {
	if _, derr := s.lookup(msg, AgentManagerInterface); derr != nil {
		return derr
	}
	if !s.cfg.NetworkConfigurationEnabled {
		return ErrNotSupported.dbus()
	}
	return ErrNotImplemented.dbus()
}
