package dbusapi

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"

	"wifid/internal/objtree"
)

// Config is what the Server shows of the daemon itself.
type Config struct {
	Version                     string // Daemon.GetInfo Version
	StateDirectory              string // Daemon.GetInfo StateDirectory
	NetworkConfigurationEnabled bool   // Daemon.GetInfo NetworkConfigurationEnabled
	// Developer (-E) adds net.connman.iwd.StationDebug to each station.
	Developer bool
	// MethodTimeout bounds a backend call made for a method call or a
	// property write; ConnectTimeout bounds Connect, ConnectHiddenNetwork
	// and ConnectBssid, which wait for the agent (iwd gives the user 120 s).
	// Zero means 30 s and 150 s.
	MethodTimeout, ConnectTimeout time.Duration
	// AgentTimeout bounds one agent request; zero means iwd's 120 s.
	AgentTimeout time.Duration
	Logger       *slog.Logger // nil: slog.Default()
}

// Server serves net.connman.iwd. The daemon publishes state with the Add*,
// Update*, Remove* and Set* methods (safe from any goroutine, before or
// after Serve) and the Server turns each change into the signals iwd sends.
type Server struct {
	cfg    Config
	log    *slog.Logger
	agents *Agents
	order  *orderer

	mu       sync.Mutex // guards everything below
	conn     *dbus.Conn // nil until Serve
	ctx      context.Context
	tree     *objtree.Tree[setter]
	adapters map[uint32]*adapter
	devices  map[uint32]*device // by ifindex
	known    map[NetworkID]*knownNetwork
	knownBE  KnownNetworksBackend
}

// New returns a Server holding only the daemon object; publish adapters,
// devices and known networks, then Serve.
func New(cfg Config) *Server {
	if cfg.MethodTimeout == 0 {
		cfg.MethodTimeout = 30 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 150 * time.Second
	}
	if cfg.AgentTimeout == 0 {
		cfg.AgentTimeout = 120 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		ctx:      context.Background(),
		tree:     objtree.New[setter]("/", cfg.Logger, PropertiesInterface),
		adapters: map[uint32]*adapter{},
		devices:  map[uint32]*device{},
		known:    map[NetworkID]*knownNetwork{},
	}
	s.agents = &Agents{s: s}
	s.order = newOrderer()
	s.tree.Add("/", ObjectManagerInterface, nil, nil)
	s.tree.Add(BasePath, DaemonInterface, nil, nil)
	s.tree.Add(BasePath, AgentManagerInterface, nil, nil)
	return s
}

// Agents is the registry of secret agents; the station asks it for
// passphrases.
func (s *Server) Agents() *Agents { return s.agents }

// Serve exports the API on conn, takes the name net.connman.iwd (failing if
// another daemon holds it) and serves until ctx ends; then it releases the
// agents, the name and the objects. conn stays open: it is the caller's.
func (s *Server) Serve(ctx context.Context, conn *dbus.Conn) error {
	sigs := make(chan *dbus.Signal, 64)
	matchOwner := []dbus.MatchOption{
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
	}
	if err := conn.AddMatchSignalContext(ctx, matchOwner...); err != nil {
		return errorf("watching bus names: %w", err)
	}
	conn.Signal(sigs)
	defer conn.RemoveSignal(sigs)
	defer conn.RemoveMatchSignal(matchOwner...)

	s.mu.Lock()
	s.conn, s.ctx = conn, ctx
	s.tree.SetEmitter(conn)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.conn, s.ctx = nil, context.Background()
		s.tree.SetEmitter(nil)
		s.mu.Unlock()
	}()

	exported, err := s.export(conn)
	defer s.unexport(conn, exported)
	if err != nil {
		return err
	}
	reply, err := conn.RequestName(Service, dbus.NameFlagDoNotQueue)
	if err != nil {
		return errorf("requesting bus name %s: %w", Service, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return errorf("bus name %s is already owned (%s): is iwd or another wifid running?", Service, reply)
	}
	defer conn.ReleaseName(Service)
	s.log.Info("dbus: serving", "name", Service)

	for {
		select {
		case <-ctx.Done():
			s.agents.releaseAll()
			s.releaseSignalAgents()
			return nil
		case <-conn.Context().Done():
			return errorf("the bus connection was lost (dbus-daemon restarted?)")
		case sig, ok := <-sigs:
			if !ok {
				return errorf("the bus connection was lost (dbus-daemon restarted?)")
			}
			if sig == nil || sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 {
				continue
			}
			name, _ := sig.Body[0].(string)
			newOwner, _ := sig.Body[2].(string)
			if name != "" && name[0] == ':' && newOwner == "" {
				s.agents.vanished(name)
				s.signalAgentVanished(name)
				s.affinityOwnerVanished(name)
			}
		}
	}
}

type exportEntry struct {
	path    dbus.ObjectPath
	iface   string
	subtree bool
}

// export installs the method tables. Every object below BasePath shares one
// subtree table per interface: the handlers find their object by the call's
// path, so objects come and go without touching godbus's tables.
func (s *Server) export(conn *dbus.Conn) ([]exportEntry, error) {
	var done []exportEntry
	tables := map[string]map[string]any{
		DaemonInterface:            s.daemonMethods(),
		AgentManagerInterface:      s.agentManagerMethods(),
		StationInterface:           s.stationMethods(),
		StationDiagnosticInterface: s.diagnosticMethods(),
		StationDebugInterface:      s.debugMethods(),
		NetworkInterface:           s.networkMethods(),
		KnownNetworkInterface:      s.knownNetworkMethods(),
		PropertiesInterface:        s.propertiesMethods(),
		IntrospectInterface:        s.introspectMethods(),
		AdapterInterface:           {},
		DeviceInterface:            {},
	}
	for iface, table := range tables {
		if err := conn.ExportSubtreeMethodTable(s.checkedTable(iface, table), BasePath, iface); err != nil {
			return done, errorf("exporting %s: %w", iface, err)
		}
		done = append(done, exportEntry{BasePath, iface, true})
	}
	root := map[string]map[string]any{
		ObjectManagerInterface: {"GetManagedObjects": s.getManagedObjects},
		IntrospectInterface:    s.introspectMethods(),
	}
	for iface, table := range root {
		if err := conn.ExportMethodTable(s.checkedTable(iface, table), "/", iface); err != nil {
			return done, errorf("exporting %s on /: %w", iface, err)
		}
		done = append(done, exportEntry{"/", iface, false})
	}
	return done, nil
}

func (s *Server) unexport(conn *dbus.Conn, done []exportEntry) {
	for _, e := range done {
		if e.subtree {
			conn.ExportSubtreeMethodTable(nil, e.path, e.iface)
		} else {
			conn.ExportMethodTable(nil, e.path, e.iface)
		}
	}
}

type callerKey struct{}

// CallerFromContext returns the unique bus name of the client whose method
// call led to this backend call ("" if none). Agents uses it to ask the
// caller's own agent first, as iwd does.
func CallerFromContext(ctx context.Context) string {
	s, _ := ctx.Value(callerKey{}).(string)
	return s
}

// WithCaller returns ctx carrying caller as CallerFromContext's answer, for
// a backend that starts an agent request from a context of its own.
func WithCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller)
}

// callContext derives a backend call's context from Serve's.
func (s *Server) callContext(msg dbus.Message, timeout time.Duration) (context.Context, context.CancelFunc) {
	s.mu.Lock()
	base := s.ctx
	s.mu.Unlock()
	s.order.end(&msg) // the quick part of the call is done
	sender, _ := msg.Headers[dbus.FieldSender].Value().(string)
	ctx, cancel := context.WithTimeout(base, timeout)
	return WithCaller(ctx, sender), cancel
}

func msgPath(msg dbus.Message) dbus.ObjectPath {
	p, _ := msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	return p
}

func msgSender(msg dbus.Message) string {
	s, _ := msg.Headers[dbus.FieldSender].Value().(string)
	return s
}

// lookup finds the call's object and checks that it carries iface;
// handlers of the shared subtree tables call it first.
func (s *Server) lookup(msg dbus.Message, iface string) (dbus.ObjectPath, *dbus.Error) {
	path := msgPath(msg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tree.Has(path) {
		return path, errUnknownObject.dbus()
	}
	if _, _, ok := s.tree.Lookup(path, iface); !ok {
		return path, errUnknownInterface.dbus()
	}
	return path, nil
}

func (s *Server) getManagedObjects(dbus.Message) (map[dbus.ObjectPath]map[string]map[string]dbus.Variant, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tree.ManagedObjects(), nil
}

// Daemon

func (s *Server) daemonMethods() map[string]any {
	return map[string]any{
		"GetInfo": func(msg dbus.Message) (map[string]dbus.Variant, *dbus.Error) {
			if _, err := s.lookup(msg, DaemonInterface); err != nil {
				return nil, err
			}
			return map[string]dbus.Variant{
				"Version":                     dbus.MakeVariant(s.cfg.Version),
				"StateDirectory":              dbus.MakeVariant(s.cfg.StateDirectory),
				"NetworkConfigurationEnabled": dbus.MakeVariant(s.cfg.NetworkConfigurationEnabled),
			}, nil
		},
	}
}

// Properties

func (s *Server) propertiesMethods() map[string]any {
	return map[string]any{
		"Get": func(msg dbus.Message, iface, name string) (dbus.Variant, *dbus.Error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			props, _, err := s.instance(msgPath(msg), iface)
			if err != nil {
				return dbus.Variant{}, err
			}
			if v, ok := props[name]; ok {
				return v, nil
			}
			if _, ok := propSpec(iface, name); ok {
				return dbus.Variant{}, errNoValue.dbus()
			}
			return dbus.Variant{}, errUnknownProperty.dbus()
		},
		"GetAll": func(msg dbus.Message, iface string) (map[string]dbus.Variant, *dbus.Error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			props, _, err := s.instance(msgPath(msg), iface)
			if err != nil {
				return nil, err
			}
			return props, nil
		},
		"Set": func(msg dbus.Message, iface, name string, v dbus.Variant) *dbus.Error {
			s.mu.Lock()
			_, set, derr := s.instance(msgPath(msg), iface)
			s.mu.Unlock()
			if derr != nil {
				return derr
			}
			spec, ok := propSpec(iface, name)
			if !ok {
				return errUnknownProperty.dbus()
			}
			if spec.Access != "readwrite" || set == nil {
				return errReadOnly.dbus()
			}
			if v.Signature().String() != spec.Type {
				return ErrInvalidArguments.dbus()
			}
			ctx, cancel := s.callContext(msg, s.cfg.MethodTimeout)
			defer cancel()
			return toDBus(set(ctx, name, v))
		},
	}
}

// instance finds iface on path: its properties (a copy) and setter; s.mu
// held.
func (s *Server) instance(path dbus.ObjectPath, iface string) (objtree.Props, setter, *dbus.Error) {
	if !s.tree.Has(path) {
		return nil, nil, errUnknownObject.dbus()
	}
	if iface == PropertiesInterface {
		return objtree.Props{}, nil, nil
	}
	props, set, ok := s.tree.Lookup(path, iface)
	if !ok {
		return nil, nil, errUnknownInterface.dbus()
	}
	return props, set, nil
}

// Introspectable

func (s *Server) introspectMethods() map[string]any {
	return map[string]any{
		"Introspect": func(msg dbus.Message) (string, *dbus.Error) {
			return s.introspect(msgPath(msg)), nil
		},
	}
}

func (s *Server) introspect(path dbus.ObjectPath) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	node := introspect.Node{Name: string(path)}
	if s.tree.Has(path) {
		for _, name := range s.tree.Interfaces(path) {
			node.Interfaces = append(node.Interfaces, specs[name])
		}
		if path != "/" {
			node.Interfaces = append(node.Interfaces, specs[PropertiesInterface])
		}
	}
	node.Interfaces = append(node.Interfaces, specs[IntrospectInterface])
	for _, c := range s.children(path) {
		node.Children = append(node.Children, introspect.Node{Name: c})
	}
	return introspectXML(node)
}

// checkedTable wraps each handler so that a call whose arguments do not have
// the method's exact signature is refused with
// org.freedesktop.DBus.Error.InvalidArgs before godbus converts anything
// (its decoding is lenient: it would turn a uint32 into a string). ell, iwd's
// D-Bus library, refuses such calls the same way. Every handler takes the
// dbus.Message first and returns *dbus.Error last.
func (s *Server) checkedTable(iface string, table map[string]any) map[string]any {
	out := make(map[string]any, len(table))
	for name, fn := range table {
		var want string
		for _, m := range specs[iface].Methods {
			if m.Name == name {
				want = inSignature(m)
			}
		}
		out[name] = s.checked(want, fn)
	}
	return out
}

func inSignature(m introspect.Method) string {
	var b strings.Builder
	for _, a := range m.Args {
		if a.Direction == "in" {
			b.WriteString(a.Type)
		}
	}
	return b.String()
}

func (s *Server) checked(want string, fn any) any {
	v := reflect.ValueOf(fn)
	t := v.Type()
	return reflect.MakeFunc(t, func(in []reflect.Value) []reflect.Value {
		msg := in[0].Interface().(dbus.Message)
		s.order.begin(&msg)
		defer s.order.end(&msg)
		var got string
		if sig, ok := msg.Headers[dbus.FieldSignature]; ok {
			got = sig.Value().(dbus.Signature).String()
		}
		if got == want {
			return v.Call(in)
		}
		out := make([]reflect.Value, t.NumOut())
		for i := range out {
			out[i] = reflect.Zero(t.Out(i))
		}
		out[len(out)-1] = reflect.ValueOf(&dbus.Error{
			Name: "org.freedesktop.DBus.Error.InvalidArgs",
			Body: []any{"Invalid arguments: got '" + got + "', expected '" + want + "'"},
		})
		return out
	}).Interface()
}
