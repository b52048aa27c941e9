package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/godbus/dbus/v5"
)

// iwd's names, as a client sees them on the wire.
const (
	service         = "net.connman.iwd"
	basePath        = "/net/connman/iwd"
	ifaceDevice     = service + ".Device"
	ifaceStation    = service + ".Station"
	ifaceNetwork    = service + ".Network"
	ifaceKnown      = service + ".KnownNetwork"
	ifaceBSS        = service + ".BasicServiceSet" // iwd 3.x
	ifaceAgent      = service + ".Agent"
	ifaceAgentMgr   = service + ".AgentManager"
	ifaceAdapter    = service + ".Adapter"
	ifaceDebug      = service + ".StationDebug"
	ifaceDiagnostic = service + ".StationDiagnostic"
	ifaceProperties = "org.freedesktop.DBus.Properties"
	ifaceObjMgr     = "org.freedesktop.DBus.ObjectManager"
)

type objects map[dbus.ObjectPath]map[string]map[string]dbus.Variant

// client is one connection to the daemon and its last view of the objects.
type client struct {
	conn *dbus.Conn
	objs objects
}

func dial(address string) (*client, error) {
	if address == "" {
		address = "unix:path=/var/run/dbus/system_bus_socket"
	}
	conn, err := dbus.Connect(address)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the system bus at %s: %w", address, err)
	}
	return &client{conn: conn}, nil
}

func (c *client) close() { c.conn.Close() }

func (c *client) obj(path dbus.ObjectPath) dbus.BusObject { return c.conn.Object(service, path) }

func (c *client) call(ctx context.Context, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return c.obj(path).CallWithContext(ctx, method, 0, args...)
}

// refresh reads every object with GetManagedObjects.
func (c *client) refresh(ctx context.Context) error {
	var objs objects
	if err := c.call(ctx, "/", ifaceObjMgr+".GetManagedObjects").Store(&objs); err != nil {
		if dbusName(err) == "org.freedesktop.DBus.Error.ServiceUnknown" {
			return errors.New("no Wi-Fi daemon on the bus (net.connman.iwd is not owned): is wifid running?")
		}
		return fmt.Errorf("reading objects: %w", err)
	}
	c.objs = objs
	return nil
}

func str(props map[string]dbus.Variant, name string) string {
	s, _ := props[name].Value().(string)
	return s
}

func boolean(props map[string]dbus.Variant, name string) bool {
	b, _ := props[name].Value().(bool)
	return b
}

func objPath(props map[string]dbus.Variant, name string) dbus.ObjectPath {
	p, _ := props[name].Value().(dbus.ObjectPath)
	return p
}

// paths lists the objects carrying iface, sorted.
func (c *client) paths(iface string) []dbus.ObjectPath {
	var out []dbus.ObjectPath
	for p, ifs := range c.objs {
		if _, ok := ifs[iface]; ok {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// station finds the station to act on: the one on iface, or the only one.
func (c *client) station(iface string) (dbus.ObjectPath, string, error) {
	var names []string
	for _, p := range c.paths(ifaceStation) {
		name := str(c.objs[p][ifaceDevice], "Name")
		if iface == "" || name == iface {
			if iface != "" || len(c.paths(ifaceStation)) == 1 {
				return p, name, nil
			}
		}
		names = append(names, name)
	}
	switch {
	case iface != "":
		return "", "", fmt.Errorf("no station named %s (stations: %s)", iface, orNone(names))
	case len(names) == 0:
		return "", "", errors.New("no station: no Wi-Fi interface is in station mode")
	}
	return "", "", fmt.Errorf("several stations (%s): choose one with --iface", strings.Join(names, ", "))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// name gives a readable name for a path: an interface name for a device,
// an SSID for a network or known network.
func (c *client) name(p dbus.ObjectPath) string {
	ifs := c.objs[p]
	if n := str(ifs[ifaceDevice], "Name"); n != "" {
		return n
	}
	if n := str(ifs[ifaceNetwork], "Name"); n != "" {
		return n
	}
	if n := str(ifs[ifaceKnown], "Name"); n != "" {
		return n
	}
	if n := str(ifs[ifaceAdapter], "Name"); n != "" {
		return n
	}
	if a := str(ifs[ifaceBSS], "Address"); a != "" {
		return a // a BSS by its address
	}
	return string(p)
}

// dbusName is the D-Bus error name an error carries, or "".
func dbusName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dep *dbus.Error
	if errors.As(err, &dep) {
		return dep.Name
	}
	return ""
}

// iwd's errors, said plainly.
var errorTexts = map[string]string{
	"InProgress":         "the operation is already in progress",
	"Failed":             "the operation failed",
	"Aborted":            "the operation was aborted",
	"NotAvailable":       "not available (is the radio blocked by rfkill?)",
	"InvalidArguments":   "invalid arguments",
	"InvalidFormat":      "the passphrase has the wrong format (8 to 63 characters, or 64 hex digits)",
	"AlreadyExists":      "already exists",
	"NotFound":           "not found",
	"NotSupported":       "not supported",
	"NoAgent":            "no agent to ask for the passphrase",
	"NotConnected":       "not connected",
	"NotConfigured":      "the network is not configured",
	"NotImplemented":     "not implemented",
	"ServiceSetOverlap":  "several networks share this name (open and protected)",
	"AlreadyProvisioned": "the network is already known: connect to it by name",
	"NotHidden":          "the network is not hidden: connect to it by name",
	"PermissionDenied":   "permission denied",
}

// explain turns a call's error into a message naming iwd's error.
func explain(what string, err error) error {
	name := dbusName(err)
	if short, ok := strings.CutPrefix(name, service+"."); ok {
		if text, ok := errorTexts[short]; ok {
			return fmt.Errorf("%s: %s (%s)", what, text, name)
		}
	}
	if name == "org.freedesktop.DBus.Error.AccessDenied" {
		return fmt.Errorf("%s: the bus policy denies it (%s): run as root or in group netdev", what, name)
	}
	return fmt.Errorf("%s: %w", what, err)
}
