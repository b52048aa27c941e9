package hwsim

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/internal/objtree"
)

// D-Bus names of iwd's hwsim service (iwd's lab/hwsim.c and
// autotests/util/hwsim.py).
const (
	ServiceName            = "net.connman.hwsim"
	RadioManagerInterface  = ServiceName + ".RadioManager"
	RadioInterface         = ServiceName + ".Radio"
	InterfaceInterface     = ServiceName + ".Interface"
	RuleManagerInterface   = ServiceName + ".RuleManager"
	RuleInterface          = ServiceName + ".Rule"
	propertiesInterface    = objtree.PropertiesInterface
	objectManagerInterface = objtree.ObjectManagerInterface
	introspectInterface    = objtree.IntrospectInterface
)

var errInvalidArgs = dbus.NewError(ServiceName+".InvalidArgs", []any{"Argument type is wrong"})

func failed(err error) *dbus.Error {
	return dbus.NewError(ServiceName+".Failed", []any{err.Error()})
}

func invalid(what string) *dbus.Error {
	return dbus.NewError(ServiceName+".InvalidArgs", []any{what})
}

// A Service serves a Medium on D-Bus as net.connman.hwsim, the API iwd's
// autotests drive: ObjectManager at /, RadioManager and RuleManager on /,
// Radio objects /radioN, Interface objects /radioN/IFINDEX, Rule objects
// /ruleN.
type Service struct {
	conn *dbus.Conn
	log  *slog.Logger

	mu   sync.Mutex // guards m, tree; serialises Notify
	m    *Medium
	tree *objtree.Tree[struct{}] // what is exported below /, with its properties
}

// NewService prepares a service on conn. Pass its Notify as the Medium's
// Config.Notify, then Attach the Medium.
func NewService(conn *dbus.Conn, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	tree := objtree.New[struct{}]("/", log)
	tree.SetEmitter(conn)
	return &Service{conn: conn, log: log, tree: tree}
}

// Attach exports the medium's objects and takes the name net.connman.hwsim.
func (s *Service) Attach(m *Medium) error {
	s.mu.Lock()
	s.m = m
	s.mu.Unlock()
	root := dbus.ObjectPath("/")
	if err := s.conn.ExportMethodTable(map[string]any{"CreateRadio": s.createRadio}, root, RadioManagerInterface); err != nil {
		return err
	}
	if err := s.conn.ExportMethodTable(map[string]any{"AddRule": s.addRule}, root, RuleManagerInterface); err != nil {
		return err
	}
	if err := s.conn.ExportMethodTable(map[string]any{"GetManagedObjects": s.managedObjects}, root, objectManagerInterface); err != nil {
		return err
	}
	s.exportCommon(root)
	s.Notify()
	reply, err := s.conn.RequestName(ServiceName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("hwsim: request name %s: %w", ServiceName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("hwsim: name %s is taken", ServiceName)
	}
	return nil
}

// exportCommon gives a path Properties and Introspectable.
func (s *Service) exportCommon(p dbus.ObjectPath) {
	props := s.tree.PropertiesMethods(p, &s.mu, func(iface, name string, v dbus.Variant) *dbus.Error {
		return s.setProp(p, iface, name, v)
	})
	props["Get"] = func(iface, name string) (dbus.Variant, *dbus.Error) { return s.getProp(p, iface, name) }
	s.conn.ExportMethodTable(props, p, propertiesInterface)
	s.conn.ExportMethodTable(map[string]any{
		"Introspect": func() (string, *dbus.Error) { return s.introspect(p), nil },
	}, p, introspectInterface)
}

func (s *Service) unexport(p dbus.ObjectPath, ifaces []string) {
	for _, i := range append(ifaces, propertiesInterface, introspectInterface) {
		s.conn.Export(nil, p, i)
	}
}

// Notify brings the exported objects in line with the medium: new radios,
// interfaces and rules appear (InterfacesAdded), gone ones disappear
// (InterfacesRemoved), changed properties are announced
// (PropertiesChanged). Safe to call from any goroutine, any time.
func (s *Service) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		return
	}
	want := s.desired()
	for _, p := range s.tree.Paths() {
		if _, ok := want[p]; ok {
			continue
		}
		s.unexport(p, s.tree.Interfaces(p))
		s.tree.RemoveObject(p)
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if !s.tree.Has(p) {
			s.exportObject(p, want[p])
		}
		// Each object has one interface: added, or its properties set.
		for _, iface := range slices.Sorted(maps.Keys(want[p])) {
			s.tree.Add(p, iface, want[p][iface], struct{}{})
		}
	}
}

func radioPath(id int) dbus.ObjectPath   { return dbus.ObjectPath("/radio" + strconv.Itoa(id)) }
func rulePath(id RuleID) dbus.ObjectPath { return dbus.ObjectPath("/rule" + strconv.Itoa(int(id))) }
func ifacePath(radio, ifindex int) dbus.ObjectPath {
	return dbus.ObjectPath(fmt.Sprintf("/radio%d/%d", radio, ifindex))
}

// desired is every object the medium has now, with its properties.
func (s *Service) desired() map[dbus.ObjectPath]map[string]map[string]dbus.Variant {
	out := map[dbus.ObjectPath]map[string]map[string]dbus.Variant{}
	for _, r := range s.m.Radios() {
		if r.ID < 0 {
			continue // learned from its frames: nothing to destroy or name
		}
		props := map[string]dbus.Variant{
			"Name":      dbus.MakeVariant(r.Name),
			"Addresses": dbus.MakeVariant([]string{r.Addresses[0].String(), r.Addresses[1].String()}),
			"Channels":  dbus.MakeVariant(uint16(r.Channels)),
			"P2PDevice": dbus.MakeVariant(r.P2P),
		}
		if len(r.Alpha2) == 2 {
			props["Alpha2"] = dbus.MakeVariant(struct{ A, B byte }{r.Alpha2[0], r.Alpha2[1]})
		}
		if r.CustomReg >= 0 {
			props["RegulatoryDomainIndex"] = dbus.MakeVariant(uint32(r.CustomReg))
		}
		out[radioPath(r.ID)] = map[string]map[string]dbus.Variant{RadioInterface: props}
	}
	for _, i := range s.m.Interfaces() {
		out[ifacePath(i.Radio, i.Index)] = map[string]map[string]dbus.Variant{InterfaceInterface: {
			"Name":    dbus.MakeVariant(i.Name),
			"Address": dbus.MakeVariant(i.Address.String()),
		}}
	}
	for _, id := range s.m.RuleIDs() {
		r, ok := s.m.Rule(id)
		if !ok {
			continue
		}
		out[rulePath(id)] = map[string]map[string]dbus.Variant{RuleInterface: ruleProps(&r)}
	}
	return out
}

func addrProp(a net.HardwareAddr, dest bool) string {
	switch {
	case a == nil:
		return "any"
	case dest && isBroadcast(a):
		return "multicast"
	}
	return a.String()
}

func ruleProps(r *Rule) map[string]dbus.Variant {
	mt := uint16(0xffff)
	if r.MatchTimes >= 0 {
		mt = uint16(min(r.MatchTimes, 0xfffe))
	}
	return map[string]dbus.Variant{
		"Source":           dbus.MakeVariant(addrProp(r.Source, false)),
		"Destination":      dbus.MakeVariant(addrProp(r.Destination, true)),
		"Bidirectional":    dbus.MakeVariant(r.Bidirectional),
		"Frequency":        dbus.MakeVariant(r.Frequency),
		"Priority":         dbus.MakeVariant(int16(max(min(r.Priority, 32767), -32768))),
		"SignalStrength":   dbus.MakeVariant(int16(r.Signal * 100)),
		"Drop":             dbus.MakeVariant(r.Drop > 0),
		"DropProbability":  dbus.MakeVariant(r.Drop),
		"DropAck":          dbus.MakeVariant(r.DropAck),
		"Delay":            dbus.MakeVariant(uint32(r.Delay / time.Millisecond)),
		"Prefix":           dbus.MakeVariant(nonNil(r.Prefix)),
		"MatchBytes":       dbus.MakeVariant(nonNil(r.Match)),
		"MatchBytesOffset": dbus.MakeVariant(uint16(r.MatchOffset)),
		"MatchTimes":       dbus.MakeVariant(mt),
		"Enabled":          dbus.MakeVariant(!r.Disabled),
	}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// exportObject exports the methods of a new object (s.mu held).
func (s *Service) exportObject(p dbus.ObjectPath, ifaces map[string]map[string]dbus.Variant) {
	path := string(p)
	switch {
	case ifaces[RadioInterface] != nil:
		id, _ := strconv.Atoi(strings.TrimPrefix(path, "/radio"))
		destroy := func() *dbus.Error { return s.destroyRadio(id) }
		s.conn.ExportMethodTable(map[string]any{"Destroy": destroy, "Remove": destroy}, p, RadioInterface)
	case ifaces[InterfaceInterface] != nil:
		s.conn.ExportMethodTable(map[string]any{"SendFrame": s.sendFrame}, p, InterfaceInterface)
	case ifaces[RuleInterface] != nil:
		id, _ := strconv.Atoi(strings.TrimPrefix(path, "/rule"))
		s.conn.ExportMethodTable(map[string]any{"Remove": func() *dbus.Error { return s.removeRule(RuleID(id)) }}, p, RuleInterface)
	}
	s.exportCommon(p)
}

func (s *Service) medium() *Medium {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m
}

func (s *Service) managedObjects() (map[dbus.ObjectPath]map[string]objtree.Props, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.tree.ManagedObjects()
	out["/"] = map[string]objtree.Props{RadioManagerInterface: {}, RuleManagerInterface: {}}
	return out, nil
}

func (s *Service) createRadio(opts map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	var rc RadioConfig
	for k, v := range opts {
		var ok bool
		switch k {
		case "Name":
			rc.Name, ok = v.Value().(string)
		case "P2P":
			rc.P2P, ok = v.Value().(bool)
		case "NoVirtualInterface":
			rc.NoVIF, ok = v.Value().(bool)
		case "InterfaceTypeDisable":
			var l string
			l, ok = v.Value().(string)
			rc.DisableIftypes = splitList(l)
		case "CipherTypeDisable":
			var l string
			l, ok = v.Value().(string)
			rc.DisableCiphers = splitList(l)
		}
		if !ok {
			return "", invalid("CreateRadio: " + k + " has the wrong type or is unknown")
		}
	}
	if rc.Name == "" {
		return "", invalid("CreateRadio: Name is required")
	}
	m := s.medium()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := m.CreateRadio(ctx, rc)
	if err != nil {
		s.log.Warn("hwsim: CreateRadio", "name", rc.Name, "err", err)
		return "", failed(err)
	}
	s.Notify()
	return radioPath(r.ID), nil
}

func splitList(l string) []string {
	var out []string
	for _, f := range strings.Split(l, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (s *Service) destroyRadio(id int) *dbus.Error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.medium().RemoveRadio(ctx, id); err != nil {
		return failed(err)
	}
	s.Notify()
	return nil
}

func (s *Service) sendFrame(station []byte, freq uint32, signal int32, frame []byte) *dbus.Error {
	if len(station) != 6 {
		return invalid("SendFrame: station is not a MAC address")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.medium().Inject(ctx, net.HardwareAddr(station), freq, int(signal), frame); err != nil {
		s.log.Debug("hwsim: SendFrame", "err", err)
		return invalid(err.Error())
	}
	return nil
}

func (s *Service) addRule() (dbus.ObjectPath, *dbus.Error) {
	id, err := s.medium().AddRule(Rule{Disabled: true, DropAck: true})
	if err != nil {
		return "", failed(err)
	}
	s.Notify()
	return rulePath(id), nil
}

func (s *Service) removeRule(id RuleID) *dbus.Error {
	if err := s.medium().RemoveRule(id); err != nil {
		return failed(err)
	}
	s.Notify()
	return nil
}

// propAliases are the names the issue uses for iwd's MatchBytes properties.
var propAliases = map[string]string{"Match": "MatchBytes", "MatchOffset": "MatchBytesOffset"}

func (s *Service) getProp(p dbus.ObjectPath, iface, name string) (dbus.Variant, *dbus.Error) {
	if a, ok := propAliases[name]; ok {
		name = a
	}
	s.mu.Lock()
	props, _, _ := s.tree.Lookup(p, iface)
	s.mu.Unlock()
	v, ok := props[name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{iface + "." + name})
	}
	return v, nil
}

func (s *Service) setProp(p dbus.ObjectPath, iface, name string, v dbus.Variant) *dbus.Error {
	if iface != RuleInterface || !strings.HasPrefix(string(p), "/rule") {
		return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly", []any{iface + "." + name})
	}
	if a, ok := propAliases[name]; ok {
		name = a
	}
	id, err := strconv.Atoi(strings.TrimPrefix(string(p), "/rule"))
	if err != nil {
		return errInvalidArgs
	}
	set, derr := ruleSetter(name, v)
	if derr != nil {
		return derr
	}
	if err := s.medium().UpdateRule(RuleID(id), set); err != nil {
		return invalid(err.Error())
	}
	s.Notify()
	return nil
}

// ruleSetter turns a property write into a change of a Rule, checking
// the value's type and range as iwd's tool does.
func ruleSetter(name string, v dbus.Variant) (func(*Rule), *dbus.Error) {
	bad := invalid(name + ": wrong type or value")
	switch name {
	case "Source", "Destination":
		str, ok := v.Value().(string)
		if !ok {
			return nil, bad
		}
		var a net.HardwareAddr
		switch {
		case str == "any":
		case str == "multicast" && name == "Destination":
			a = clone(broadcast)
		default:
			var err error
			if a, err = net.ParseMAC(str); err != nil || len(a) != 6 {
				return nil, bad
			}
		}
		if name == "Source" {
			return func(r *Rule) { r.Source = a }, nil
		}
		return func(r *Rule) { r.Destination = a }, nil
	case "Bidirectional", "Drop", "DropAck", "Enabled":
		b, ok := v.Value().(bool)
		if !ok {
			return nil, bad
		}
		return func(r *Rule) {
			switch name {
			case "Bidirectional":
				r.Bidirectional = b
			case "Drop":
				r.Drop = map[bool]float64{true: 1, false: 0}[b]
			case "DropAck":
				r.DropAck = b
			case "Enabled":
				r.Disabled = !b
			}
		}, nil
	case "DropProbability":
		f, ok := v.Value().(float64)
		if !ok || f < 0 || f > 1 {
			return nil, bad
		}
		return func(r *Rule) { r.Drop = f }, nil
	case "Frequency", "Priority", "SignalStrength", "Delay", "MatchBytesOffset", "MatchTimes":
		n, ok := toInt(v)
		if !ok {
			return nil, bad
		}
		switch name {
		case "Frequency":
			if n < 0 || n > 1<<32-1 {
				return nil, bad
			}
			return func(r *Rule) { r.Frequency = uint32(n) }, nil
		case "Priority":
			if n < -32768 || n > 32767 {
				return nil, bad
			}
			return func(r *Rule) { r.Priority = int(n) }, nil
		case "SignalStrength":
			if n > 0 || n < -10000 {
				return nil, bad
			}
			return func(r *Rule) { r.Signal = int(n / 100) }, nil
		case "Delay":
			if n < 0 || n > 3600*1000 {
				return nil, bad
			}
			return func(r *Rule) { r.Delay = time.Duration(n) * time.Millisecond }, nil
		case "MatchBytesOffset":
			if n < 0 || n > 0xffff {
				return nil, bad
			}
			return func(r *Rule) { r.MatchOffset = int(n) }, nil
		default: // MatchTimes
			if n < 0 || n > 0xffff {
				return nil, bad
			}
			return func(r *Rule) { r.MatchTimes = int(n) }, nil
		}
	case "Prefix", "MatchBytes":
		b, ok := v.Value().([]byte)
		if !ok || len(b) > maxMatchLen {
			return nil, bad
		}
		b = clone(b)
		if name == "Prefix" {
			return func(r *Rule) { r.Prefix = b }, nil
		}
		return func(r *Rule) { r.Match = b }, nil
	}
	return nil, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{RuleInterface + "." + name})
}

func toInt(v dbus.Variant) (int64, bool) {
	switch x := v.Value().(type) {
	case byte:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > 1<<62 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}
