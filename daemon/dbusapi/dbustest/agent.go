package dbustest

import (
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
)

// AgentPath is where RegisterAgent exports an Agent.
const AgentPath = dbus.ObjectPath("/test/agent")

// Agent is a net.connman.iwd.Agent for tests: it answers RequestPassphrase
// with its passphrase (after Delay) or refuses, and reports the networks it
// was asked for on Asked and the Cancel reasons on Cancels.
type Agent struct {
	mu     sync.Mutex // guards pass and refuse
	pass   string
	refuse bool

	Delay   time.Duration
	Asked   chan dbus.ObjectPath
	Cancels chan string
}

// NewAgent returns an Agent answering pass.
func NewAgent(pass string) *Agent {
	return &Agent{pass: pass, Asked: make(chan dbus.ObjectPath, 4), Cancels: make(chan string, 4)}
}

// SetPassphrase changes the answer.
func (a *Agent) SetPassphrase(pass string) {
	a.mu.Lock()
	a.pass = pass
	a.mu.Unlock()
}

// Refuse makes the agent answer net.connman.iwd.Agent.Error.Canceled.
func (a *Agent) Refuse() {
	a.mu.Lock()
	a.refuse = true
	a.mu.Unlock()
}

func (a *Agent) RequestPassphrase(network dbus.ObjectPath) (string, *dbus.Error) {
	a.Asked <- network
	if a.Delay > 0 {
		time.Sleep(a.Delay)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refuse {
		return "", dbus.NewError(dbusapi.AgentInterface+".Error.Canceled", []any{"no"})
	}
	return a.pass, nil
}

func (a *Agent) Cancel(reason string) *dbus.Error {
	a.Cancels <- reason
	return nil
}

func (a *Agent) Release() *dbus.Error { return nil }

// Export puts a at AgentPath on conn.
func (a *Agent) Export(t testing.TB, conn *dbus.Conn) {
	t.Helper()
	if err := conn.Export(a, AgentPath, dbusapi.AgentInterface); err != nil {
		t.Fatal(err)
	}
}

// RegisterAgent exports a on a new connection to the bus at addr and
// registers it with wifid; it returns the connection.
func RegisterAgent(t testing.TB, addr string, a *Agent) *dbus.Conn {
	t.Helper()
	conn := Connect(t, addr)
	a.Export(t, conn)
	if c := Call(conn, dbusapi.BasePath, dbusapi.AgentManagerInterface+".RegisterAgent", AgentPath); c.Err != nil {
		t.Fatalf("RegisterAgent: %v", c.Err)
	}
	return conn
}
