// Package ead is wifid's ead: iwd's Ethernet authentication daemon, its
// command line, state directory and D-Bus API (net.connman.ead: an
// ObjectManager at /, a net.connman.ead.Adapter object per port at
// /net/connman/ead/adapter/<ifindex> with Name, Address, Active, Connected
// and Authenticated). The ports themselves are package wired's; this is
// the wiring and the bus. It leans on godbus and the daemon's objtree for
// the ObjectManager signals.
package ead

import (
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"

	"wifid/internal/objtree"
	"wifid/wired"
)

// D-Bus names of iwd 2.3's ead (wired/main.c, wired/ethdev.c).
const (
	ServiceName      = "net.connman.ead"
	AdapterInterface = ServiceName + ".Adapter"
	adapterBase      = "/net/connman/ead/adapter"
)

// DefaultStateDir is ead's storage directory when STATE_DIRECTORY is unset.
const DefaultStateDir = "/var/lib/ead"

// Options are ead's command line and environment.
type Options struct {
	Allow, Deny []string // -i, -I: interface name globs
	Debug       bool     // -d
	Version     bool     // -v
	StateDir    string   // STATE_DIRECTORY
}

// ErrHelp is returned by ParseFlags for -h.
var ErrHelp = flag.ErrHelp

// ParseFlags reads ead's command line: -i/--interfaces, -I/--nointerfaces
// (comma-separated globs), -d/--debug, -v/--version, -h/--help.
func ParseFlags(args []string, getenv func(string) string, out io.Writer) (Options, error) {
	var o Options
	var allow, deny string
	fs := flag.NewFlagSet("ead", flag.ContinueOnError)
	fs.SetOutput(out)
	for _, n := range []string{"i", "interfaces"} {
		fs.StringVar(&allow, n, "", "interfaces to manage (comma-separated globs)")
	}
	for _, n := range []string{"I", "nointerfaces"} {
		fs.StringVar(&deny, n, "", "interfaces to ignore (comma-separated globs)")
	}
	for _, n := range []string{"d", "debug"} {
		fs.BoolVar(&o.Debug, n, false, "debug logging")
	}
	for _, n := range []string{"v", "version"} {
		fs.BoolVar(&o.Version, n, false, "print the version and exit")
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("invalid command line parameters: %q", fs.Args())
	}
	o.Allow, o.Deny = splitGlobs(allow), splitGlobs(deny)
	o.StateDir = getenv("STATE_DIRECTORY")
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	// systemd may pass several directories, colon-separated: ead takes
	// the first.
	o.StateDir, _, _ = strings.Cut(o.StateDir, ":")
	return o, nil
}

func splitGlobs(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// Service is the bus side: the Adapter objects.
type Service struct {
	conn *dbus.Conn
	log  *slog.Logger
	mu   sync.Mutex // guards tree; serialises signals
	tree *objtree.Tree[struct{}]
}

// AdapterPath is a port's object path.
func AdapterPath(ifindex int) dbus.ObjectPath {
	return dbus.ObjectPath(adapterBase + "/" + strconv.Itoa(ifindex))
}

// NewService exports the ObjectManager on conn and takes the name.
func NewService(conn *dbus.Conn, log *slog.Logger) (*Service, error) {
	s := &Service{conn: conn, log: log, tree: objtree.New[struct{}]("/", log)}
	s.tree.SetEmitter(conn)
	if err := conn.ExportMethodTable(map[string]any{
		"GetManagedObjects": func() (map[dbus.ObjectPath]map[string]map[string]dbus.Variant, *dbus.Error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.tree.ManagedObjects(), nil
		},
	}, "/", objtree.ObjectManagerInterface); err != nil {
		return nil, err
	}
	// Introspection on / and each path down to the adapters, so that
	// busctl tree and d-feet find them.
	for _, p := range []dbus.ObjectPath{"/", "/net", "/net/connman", "/net/connman/ead", adapterBase} {
		s.exportIntrospect(p)
	}
	reply, err := conn.RequestName(ServiceName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return nil, fmt.Errorf("ead: request name %s: %w", ServiceName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("ead: name %s is taken", ServiceName)
	}
	return s, nil
}

func adapterProps(a wired.Adapter) objtree.Props {
	return objtree.Props{
		"Name":          dbus.MakeVariant(a.Name),
		"Address":       dbus.MakeVariant(a.Address.String()),
		"Active":        dbus.MakeVariant(a.Active),
		"Connected":     dbus.MakeVariant(a.Connected),
		"Authenticated": dbus.MakeVariant(a.Authenticated),
	}
}

// Changed shows a port's view: the object appears (InterfacesAdded) or its
// properties change (PropertiesChanged).
func (s *Service) Changed(a wired.Adapter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := AdapterPath(a.Ifindex)
	if !s.tree.Has(p) {
		s.export(p)
	}
	s.tree.Add(p, AdapterInterface, adapterProps(a), struct{}{})
}

// Removed drops a port's object (InterfacesRemoved).
func (s *Service) Removed(ifindex int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := AdapterPath(ifindex)
	if !s.tree.Has(p) {
		return
	}
	for _, i := range []string{objtree.PropertiesInterface, objtree.IntrospectInterface} {
		s.conn.Export(nil, p, i)
	}
	s.tree.RemoveObject(p)
}

var adapterIntrospection = introspect.Interface{
	Name: AdapterInterface,
	Properties: []introspect.Property{
		{Name: "Name", Type: "s", Access: "read"},
		{Name: "Address", Type: "s", Access: "read"},
		{Name: "Active", Type: "b", Access: "read"},
		{Name: "Connected", Type: "b", Access: "read"},
		{Name: "Authenticated", Type: "b", Access: "read"},
	},
}

var objectManagerIntrospection = introspect.Interface{
	Name: objtree.ObjectManagerInterface,
	Methods: []introspect.Method{{Name: "GetManagedObjects", Args: []introspect.Arg{
		{Name: "objects", Type: "a{oa{sa{sv}}}", Direction: "out"}}}},
	Signals: []introspect.Signal{
		{Name: "InterfacesAdded", Args: []introspect.Arg{{Name: "object", Type: "o"}, {Name: "interfaces", Type: "a{sa{sv}}"}}},
		{Name: "InterfacesRemoved", Args: []introspect.Arg{{Name: "object", Type: "o"}, {Name: "interfaces", Type: "as"}}},
	},
}

// exportIntrospect gives p org.freedesktop.DBus.Introspectable: its
// interfaces and its children as the tree has them now.
func (s *Service) exportIntrospect(p dbus.ObjectPath) {
	s.conn.ExportMethodTable(map[string]any{
		"Introspect": func() (string, *dbus.Error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			n := introspect.Node{Interfaces: []introspect.Interface{introspect.IntrospectData}}
			if p == "/" {
				n.Interfaces = append(n.Interfaces, objectManagerIntrospection)
			}
			if _, _, ok := s.tree.Lookup(p, AdapterInterface); ok {
				n.Interfaces = append(n.Interfaces, prop.IntrospectData, adapterIntrospection)
			}
			for _, c := range s.tree.Children(p) {
				n.Children = append(n.Children, introspect.Node{Name: c})
			}
			b, err := xml.MarshalIndent(n, "", "  ")
			if err != nil {
				return "", dbus.MakeFailedError(err)
			}
			return introspect.IntrospectDeclarationString + string(b), nil
		},
	}, p, objtree.IntrospectInterface)
}

func (s *Service) export(p dbus.ObjectPath) {
	s.exportIntrospect(p)
	s.conn.ExportMethodTable(s.tree.PropertiesMethods(p, &s.mu, nil), p, objtree.PropertiesInterface)
}

// Run is ead: the Manager over the ports, the Service on conn (nil: no
// bus, for tests and for running without D-Bus).
func Run(ctx context.Context, o Options, conn *dbus.Conn, log *slog.Logger) error {
	cfg := wired.ManagerConfig{StateDir: o.StateDir, Allow: o.Allow, Deny: o.Deny, Logger: log}
	if conn != nil {
		s, err := NewService(conn, log)
		if err != nil {
			return err
		}
		cfg.OnChange, cfg.OnRemove = s.Changed, s.Removed
	}
	log.Info("ead: starting", "state_dir", o.StateDir, "settings", wired.SettingsFile)
	err := wired.NewManager(cfg).Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
