package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
	"golang.org/x/term"
)

// asker asks the user one question; a secret one is not echoed. nil means
// there is nobody to ask (no terminal).
type asker func(prompt string, secret bool) (string, error)

// stdinAsker asks on the terminal of stdin, or is nil without one.
func stdinAsker(e env) asker {
	if e.stdin == nil || !term.IsTerminal(int(e.stdin.Fd())) {
		return nil
	}
	fd := int(e.stdin.Fd())
	return func(prompt string, secret bool) (string, error) {
		fmt.Fprintf(e.stderr, "%s: ", prompt)
		if secret {
			b, err := term.ReadPassword(fd)
			fmt.Fprintln(e.stderr)
			return string(b), err
		}
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if errors.Is(err, io.EOF) && line != "" {
			err = nil
		}
		return strings.TrimSpace(line), err
	}
}

// agent is wifictl's net.connman.iwd.Agent: it answers with --passphrase,
// or asks the user (on the terminal, or the shell's terminal), or refuses
// (--dont-ask, no terminal, or the shell is idle: a question nobody waits
// for is refused rather than thrown over the prompt).
type agent struct {
	s *session

	mu     sync.Mutex // guards active
	active bool       // a command of ours runs and may ask
}

const agentPath = dbus.ObjectPath("/net/connman/wifictl/agent")

var errCanceled = dbus.NewError(ifaceAgent+".Error.Canceled", []any{"no passphrase given"})

func (a *agent) register() error {
	if err := a.s.c.conn.Export(a, agentPath, ifaceAgent); err != nil {
		return err
	}
	if err := a.s.c.obj(basePath).Call(ifaceAgentMgr+".RegisterAgent", 0, agentPath).Err; err != nil {
		a.s.c.conn.Export(nil, agentPath, ifaceAgent)
		return explain("registering the agent", err)
	}
	return nil
}

func (a *agent) unregister() {
	a.s.c.obj(basePath).Call(ifaceAgentMgr+".UnregisterAgent", 0, agentPath)
	a.s.c.conn.Export(nil, agentPath, ifaceAgent)
}

func (a *agent) setActive(on bool) {
	a.mu.Lock()
	a.active = on
	a.mu.Unlock()
}

func (a *agent) ask(prompt string, secret bool) (string, *dbus.Error) {
	a.mu.Lock()
	active := a.active
	a.mu.Unlock()
	switch {
	case a.s.opt.dontAsk:
		fmt.Fprintf(a.s.progress, "wifictl: %s needed, and --dont-ask is set\n", prompt)
		return "", errCanceled
	case a.s.ask == nil:
		fmt.Fprintf(a.s.progress, "wifictl: %s needed: give it with --passphrase\n", prompt)
		return "", errCanceled
	case !active:
		return "", errCanceled
	}
	if p := a.s.prog.Load(); p != nil {
		p.hold(true)
		defer p.hold(false)
	}
	v, err := a.s.ask(prompt, secret)
	if err != nil {
		return "", errCanceled
	}
	return v, nil
}

func (a *agent) given() (string, bool) {
	if a.s.opt.pass != nil {
		return *a.s.opt.pass, true
	}
	return "", false
}

func (a *agent) RequestPassphrase(network dbus.ObjectPath) (string, *dbus.Error) {
	if p, ok := a.given(); ok {
		return p, nil
	}
	return a.ask("Passphrase for "+a.s.c.name(network), true)
}

func (a *agent) RequestPrivateKeyPassphrase(network dbus.ObjectPath) (string, *dbus.Error) {
	if p, ok := a.given(); ok {
		return p, nil
	}
	return a.ask("Private key passphrase for "+a.s.c.name(network), true)
}

func (a *agent) RequestUserNameAndPassword(network dbus.ObjectPath) (string, string, *dbus.Error) {
	user, derr := a.ask("User name for "+a.s.c.name(network), false)
	if derr != nil {
		return "", "", derr
	}
	pass, derr := a.RequestUserPassword(network, user)
	return user, pass, derr
}

func (a *agent) RequestUserPassword(network dbus.ObjectPath, user string) (string, *dbus.Error) {
	if p, ok := a.given(); ok {
		return p, nil
	}
	return a.ask(fmt.Sprintf("Password of %s for %s", user, a.s.c.name(network)), true)
}

func (a *agent) Cancel(reason string) *dbus.Error {
	fmt.Fprintf(a.s.progress, "wifictl: the daemon withdrew its question (%s)\n", reason)
	return nil
}

func (a *agent) Release() *dbus.Error { return nil }

// withAgent runs f with an agent registered and active: the shell's, or one
// of its own for a one-shot command.
func (s *session) withAgent(f func() error) error {
	a := s.agent
	if a == nil {
		a = &agent{s: s}
		if err := a.register(); err != nil {
			return err
		}
		defer a.unregister()
	}
	a.setActive(true)
	defer a.setActive(false)
	return f()
}
