// Package busconn opens D-Bus connections that never take Unix file
// descriptors, for the daemons' own bus names (wifid's net.connman.iwd,
// ead's net.connman.ead).
package busconn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

// A daemon's bus connection never takes Unix file descriptors. godbus
// negotiates fd passing on every Unix socket and keeps each fd a message
// carries that its handler does not take; the read calls the policy allows
// to every user (Get, GetAll, GetManagedObjects, Introspect) could then
// fill the daemon's fd table from an unprivileged client. iwd's API passes
// no fds, so the connection does not negotiate them, and dbus-daemon
// refuses to route a message with fds to it (the sender gets the error).

// streamOnly hides the socket's type from godbus, which then uses its
// generic transport: plain reads and writes, no fd passing. Its reads are
// buffered: godbus decodes a message from the stream field by field, each
// a read of a few octets, which on the bare socket was a recvmsg system
// call each (some thirty per message; the D-Bus flood of the lab's fault
// suite cost ten times iwd's CPU). Writes go straight through: godbus
// encodes a message whole and writes it once.
type streamOnly struct {
	io.ReadWriteCloser
	r *bufio.Reader
}

func newStreamOnly(c io.ReadWriteCloser) streamOnly {
	return streamOnly{ReadWriteCloser: c, r: bufio.NewReaderSize(c, 4096)}
}

func (s streamOnly) Read(b []byte) (int, error) { return s.r.Read(b) }

// dial connects to the first Unix socket address in address (D-Bus
// address syntax: "unix:path=..." or "unix:abstract=...", alternatives
// separated by ';'), authenticates with auth and says Hello.
func dial(address string, auth []dbus.Auth, opts ...dbus.ConnOption) (*dbus.Conn, error) {
	var errs []error
	for _, a := range strings.Split(address, ";") {
		sock, err := unixSocket(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		conn, err := dbus.NewConn(newStreamOnly(c), opts...)
		if err != nil {
			c.Close()
			return nil, err
		}
		if err := conn.Auth(auth); err != nil {
			conn.Close()
			return nil, err
		}
		if err := conn.Hello(); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
	return nil, errors.Join(errs...)
}

// unixSocket is the socket a "unix:" D-Bus address names: its path, or an
// abstract name as "@name" (net's form). Values are %-escaped.
func unixSocket(address string) (string, error) {
	kind, params, ok := strings.Cut(address, ":")
	if !ok || kind != "unix" {
		return "", fmt.Errorf("bus address %q: only unix: addresses are supported", address)
	}
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(kv, "=")
		v, err := url.PathUnescape(v)
		if err != nil {
			return "", fmt.Errorf("bus address %q: %w", address, err)
		}
		switch k {
		case "path":
			return v, nil
		case "abstract":
			return "@" + v, nil
		}
	}
	return "", fmt.Errorf("bus address %q: no path= or abstract=", address)
}

// SystemBus is the system bus's address: $DBUS_SYSTEM_BUS_ADDRESS, else
// the standard socket.
func SystemBus() string {
	if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
		return a
	}
	return "unix:path=/var/run/dbus/system_bus_socket"
}

// Dial connects to address ("" is SystemBus) without Unix fd passing,
// authenticating with EXTERNAL, then ANONYMOUS (the private buses of iwd's
// test harness allow only anonymous clients), and says Hello.
func Dial(address string, opts ...dbus.ConnOption) (*dbus.Conn, error) {
	if address == "" {
		address = SystemBus()
	}
	conn, err := dial(address, AuthMethods(), opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to the bus at %s: %w", address, err)
	}
	return conn, nil
}

// AuthMethods are EXTERNAL as the running user, then ANONYMOUS.
func AuthMethods() []dbus.Auth {
	name := strconv.Itoa(os.Getuid())
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return []dbus.Auth{dbus.AuthExternal(name), dbus.AuthAnonymous()}
}
