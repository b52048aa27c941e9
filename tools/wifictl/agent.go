package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
	"golang.org/x/term"
)

// agent is wifictl's net.connman.iwd.Agent: it answers with --passphrase,
// or asks on the terminal, or refuses (no terminal, nothing given).
type agent struct {
	c    *client
	pass *string
	e    env
}

const agentPath = dbus.ObjectPath("/net/connman/wifictl/agent")

var errCanceled = dbus.NewError(ifaceAgent+".Error.Canceled", []any{"no passphrase given"})

func (a *agent) register() error {
	if err := a.c.conn.Export(a, agentPath, ifaceAgent); err != nil {
		return err
	}
	if err := a.c.obj(basePath).Call(ifaceAgentMgr+".RegisterAgent", 0, agentPath).Err; err != nil {
		return explain("registering the agent", err)
	}
	return nil
}

func (a *agent) unregister() {
	a.c.obj(basePath).Call(ifaceAgentMgr+".UnregisterAgent", 0, agentPath)
	a.c.conn.Export(nil, agentPath, ifaceAgent)
}

func (a *agent) terminal() bool {
	return a.e.stdin != nil && term.IsTerminal(int(a.e.stdin.Fd()))
}

func (a *agent) secret(prompt string) (string, *dbus.Error) {
	if !a.terminal() {
		fmt.Fprintf(a.e.stderr, "wifictl: %s needed: give it with --passphrase\n", prompt)
		return "", errCanceled
	}
	fmt.Fprintf(a.e.stderr, "%s: ", prompt)
	b, err := term.ReadPassword(int(a.e.stdin.Fd()))
	fmt.Fprintln(a.e.stderr)
	if err != nil {
		return "", errCanceled
	}
	return string(b), nil
}

func (a *agent) line(prompt string) (string, *dbus.Error) {
	if !a.terminal() {
		return "", errCanceled
	}
	fmt.Fprintf(a.e.stderr, "%s: ", prompt)
	s, err := bufio.NewReader(a.e.stdin).ReadString('\n')
	if err != nil {
		return "", errCanceled
	}
	return strings.TrimSpace(s), nil
}

func (a *agent) RequestPassphrase(network dbus.ObjectPath) (string, *dbus.Error) {
	if a.pass != nil {
		return *a.pass, nil
	}
	return a.secret("Passphrase for " + a.c.name(network))
}

func (a *agent) RequestPrivateKeyPassphrase(network dbus.ObjectPath) (string, *dbus.Error) {
	if a.pass != nil {
		return *a.pass, nil
	}
	return a.secret("Private key passphrase for " + a.c.name(network))
}

func (a *agent) RequestUserNameAndPassword(network dbus.ObjectPath) (string, string, *dbus.Error) {
	user, derr := a.line("User name for " + a.c.name(network))
	if derr != nil {
		return "", "", derr
	}
	pass, derr := a.RequestUserPassword(network, user)
	return user, pass, derr
}

func (a *agent) RequestUserPassword(network dbus.ObjectPath, user string) (string, *dbus.Error) {
	if a.pass != nil {
		return *a.pass, nil
	}
	return a.secret(fmt.Sprintf("Password of %s for %s", user, a.c.name(network)))
}

func (a *agent) Cancel(reason string) *dbus.Error {
	fmt.Fprintf(a.e.stderr, "wifictl: the daemon withdrew its question (%s)\n", reason)
	return nil
}

func (a *agent) Release() *dbus.Error { return nil }
