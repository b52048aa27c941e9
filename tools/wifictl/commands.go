package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/godbus/dbus/v5"
)

// The commands shared by iwctl's vocabulary and wifictl's short forms:
// scanning, connecting and listing, each with text and --json output.

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (s *session) table() *tabwriter.Writer { return tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0) }

// status is wifictl's overview: every device and its station.
func (s *session) status(ctx context.Context) error {
	c := s.c
	devs := c.paths(ifaceDevice)
	if s.opt.json {
		out := []stationJSON{}
		for _, p := range devs {
			out = append(out, s.stationJSON(ctx, p, false))
		}
		return s.emit(out)
	}
	if len(devs) == 0 {
		fmt.Fprintln(s.out, "No Wi-Fi devices.")
		return nil
	}
	for _, p := range devs {
		d := c.objs[p][ifaceDevice]
		dev := s.device(p)
		fmt.Fprintf(s.out, "Device %s (%s) on %s: powered %s, mode %s\n", dev.Name, dev.Address, dev.Adapter, dev.powered(), dev.Mode)
		if hint := powerHint(dev.OffReason, dev.Name, dev.Adapter); hint != "" {
			fmt.Fprintf(s.out, "  To turn on: %s\n", hint)
		}
		st, ok := c.objs[p][ifaceStation]
		if !ok {
			continue
		}
		fmt.Fprintf(s.out, "  State:     %s\n", str(st, "State"))
		if n := objPath(st, "ConnectedNetwork"); n != "" {
			nw := c.objs[n][ifaceNetwork]
			fmt.Fprintf(s.out, "  Network:   %s (%s)\n", c.name(n), str(nw, "Type"))
		}
		if a := localIPv4(str(d, "Name")); a != "" {
			fmt.Fprintf(s.out, "  Address:   %s\n", a)
		}
		fmt.Fprintf(s.out, "  Scanning:  %s\n", yesNo(boolean(st, "Scanning")))
		if lc := c.lastConnectOf(p); lc != nil {
			fmt.Fprintf(s.out, "  Last:      %s\n", lc.summary())
			for _, w := range lc.Warnings {
				fmt.Fprintf(s.out, "  Warning:   %s\n", w)
			}
		}
	}
	return nil
}

// localIPv4 is the interface's IPv4 address if it is on this machine
// (iwd's API does not carry addresses).
func localIPv4(name string) string {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return ""
	}
	addrs, _ := ifi.Addrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return ipn.String()
		}
	}
	return ""
}

// runScan scans on a station and waits, by signal, for Scanning to go
// false, showing progress meanwhile.
func (s *session) runScan(ctx context.Context, path dbus.ObjectPath, name string) error {
	w, err := s.c.watchPath(path)
	if err != nil {
		return err
	}
	defer w.close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p := s.startProgress("Scanning on " + name)
	if err := s.c.call(ctx, path, ifaceStation+".Scan").Err; err != nil {
		if dbusName(err) != service+".InProgress" {
			p.end("Scan on %s failed.", name)
			return explain("scan", err)
		}
		// A scan of the daemon's own runs: wait for it. Anything else
		// (a connect) keeps the station busy: say so.
		var v dbus.Variant
		if s.c.obj(path).CallWithContext(ctx, ifaceProperties+".Get", 0, ifaceStation, "Scanning").Store(&v) == nil && v.Value() == false {
			p.end("Scan on %s refused.", name)
			return explain("scan", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			p.end("Scan on %s: no results within 30 s.", name)
			return fmt.Errorf("scan: no results within 30 s: %w", ctx.Err())
		case sig := <-w.ch:
			iface, ch, ok := changed(sig)
			if !ok || sig.Path != path || iface != ifaceStation {
				continue
			}
			if v, ok := ch["Scanning"]; ok && v.Value() == false {
				if err := s.c.refresh(ctx); err != nil {
					return err
				}
				nets, _ := s.c.ordered(ctx, path)
				p.end("Scan on %s done: %d networks in %s.", name, len(nets), p.elapsed())
				return nil
			}
		}
	}
}

type rankedNetwork struct {
	Path   dbus.ObjectPath
	Signal int16
}

func (c *client) ordered(ctx context.Context, station dbus.ObjectPath) ([]rankedNetwork, error) {
	var nets []rankedNetwork
	if err := c.call(ctx, station, ifaceStation+".GetOrderedNetworks").Store(&nets); err != nil {
		return nil, explain("listing networks", err)
	}
	return nets, nil
}

// networkJSON is one network of get-networks --json.
type networkJSON struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	SignalDBm int    `json:"signalDbm"`
	Connected bool   `json:"connected"`
	Known     bool   `json:"known"`
	Path      string `json:"path"`
}

func (s *session) networks(ctx context.Context, station dbus.ObjectPath) ([]networkJSON, error) {
	nets, err := s.c.ordered(ctx, station)
	if err != nil {
		return nil, err
	}
	out := []networkJSON{}
	for _, n := range nets {
		p := s.c.objs[n.Path][ifaceNetwork]
		out = append(out, networkJSON{Name: str(p, "Name"), Type: str(p, "Type"), SignalDBm: int(n.Signal) / 100,
			Connected: boolean(p, "Connected"), Known: objPath(p, "KnownNetwork") != "", Path: string(n.Path)})
	}
	return out, nil
}

// bars is iwctl's signal meter: four stars at -60 dBm and above.
func bars(dbm int) string {
	n := 1
	switch {
	case dbm >= -60:
		n = 4
	case dbm >= -67:
		n = 3
	case dbm >= -75:
		n = 2
	}
	return strings.Repeat("*", n) + strings.Repeat(" ", 4-n)
}

// listNetworks prints a station's networks in rank order; how is "" (dBm
// and bars), "rssi-dbms" or "rssi-bars".
func (s *session) listNetworks(ctx context.Context, station dbus.ObjectPath, name, how string) error {
	nets, err := s.networks(ctx, station)
	if err != nil {
		return err
	}
	if s.opt.json {
		return s.emit(nets)
	}
	if len(nets) == 0 {
		fmt.Fprintf(s.out, "No networks in range of %s.\n", name)
		return nil
	}
	tw := s.table()
	fmt.Fprintln(tw, "  NETWORK\tSECURITY\tSIGNAL\tKNOWN")
	for _, n := range nets {
		mark := " "
		if n.Connected {
			mark = ">"
		}
		known := ""
		if n.Known {
			known = "known"
		}
		signal := fmt.Sprintf("%d dBm %s", n.SignalDBm, bars(n.SignalDBm))
		switch how {
		case "rssi-dbms":
			signal = fmt.Sprintf("%d dBm", n.SignalDBm)
		case "rssi-bars":
			signal = bars(n.SignalDBm)
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\n", mark, n.Name, n.Type, signal, known)
	}
	return tw.Flush()
}

// scanAndList is wifictl's "scan [IFACE]".
func (s *session) scanAndList(ctx context.Context, iface string) error {
	path, name, err := s.c.station(iface)
	if err != nil {
		return err
	}
	if err := s.runScan(ctx, path, name); err != nil {
		return err
	}
	return s.listNetworks(ctx, path, name, "rssi-dbms")
}

// findNetwork finds a network by SSID (and type, if given) among a
// station's scan results, best ranked first.
func (s *session) findNetwork(ctx context.Context, station dbus.ObjectPath, ssid, typ string) (dbus.ObjectPath, error) {
	nets, err := s.c.ordered(ctx, station)
	if err != nil {
		return "", err
	}
	for _, n := range nets {
		p := s.c.objs[n.Path][ifaceNetwork]
		if str(p, "Name") == ssid && (typ == "" || str(p, "Type") == typ) {
			return n.Path, nil
		}
	}
	return "", nil
}

// connectAny is wifictl's "connect SSID": the network in range, after a
// scan if it is not in the last results, else a hidden network by that name.
func (s *session) connectAny(ctx context.Context, ssid, iface string) error {
	path, name, err := s.c.station(iface)
	if err != nil {
		return err
	}
	network, err := s.lookupOrScan(ctx, path, name, ssid, "")
	if err != nil {
		return err
	}
	if network == "" {
		return s.connect(ctx, path, name, "", ssid)
	}
	return s.connect(ctx, path, name, network, ssid)
}

func (s *session) lookupOrScan(ctx context.Context, path dbus.ObjectPath, name, ssid, typ string) (dbus.ObjectPath, error) {
	network, err := s.findNetwork(ctx, path, ssid, typ)
	if err != nil || network != "" {
		return network, err
	}
	if err := s.runScan(ctx, path, name); err != nil {
		return "", err
	}
	return s.findNetwork(ctx, path, ssid, typ)
}

// connectJSON is what connect --json prints.
type connectJSON struct {
	Station     string       `json:"station"`
	Network     string       `json:"network"`
	Connected   bool         `json:"connected"`
	Error       string       `json:"error,omitempty"`
	ErrorName   string       `json:"errorName,omitempty"`
	LastConnect *lastConnect `json:"lastConnect,omitempty"`
}

// connect connects a station to network (a hidden one by ssid when network
// is ""), with the agent up, printing each phase of the attempt as wifid's
// LastConnect reports it.
func (s *session) connect(ctx context.Context, station dbus.ObjectPath, name string, network dbus.ObjectPath, ssid string) error {
	w, err := s.c.watchPath(station)
	if err != nil {
		return err
	}
	defer w.close()
	// The record from before this connect, to tell the new one from it.
	before := s.c.lastConnectOf(station)
	p := s.startProgress(fmt.Sprintf("Connecting to %s on %s", ssid, name))
	s.prog.Store(p)
	defer s.prog.Store(nil)
	var mu sync.Mutex // guards printed and last: signals and the final read both show
	printed := 0
	var last *lastConnect
	ended := make(chan struct{}) // closed once the record has its outcome
	show := func(lc *lastConnect) {
		mu.Lock()
		defer mu.Unlock()
		if lc == nil || reflect.DeepEqual(lc, before) || (last != nil && last.Outcome != "") {
			return
		}
		last = lc
		for ; printed < len(lc.Phases); printed++ {
			ph := lc.Phases[printed]
			if ph.Running {
				p.setLabel(fmt.Sprintf("Connecting to %s on %s: %s", ssid, name, ph.Name))
				break
			}
			line := fmt.Sprintf("  %-13s %9s", ph.Name, msText(ph.DurationUs))
			if ph.Detail != "" {
				line += "  (" + ph.Detail + ")"
			}
			p.printf("%s", line)
		}
		if lc.Outcome != "" {
			close(ended)
		}
	}
	readLast := func() {
		var v dbus.Variant
		if s.c.obj(station).CallWithContext(ctx, ifaceProperties+".Get", 0, ifaceWifidStation, propLastConnect).Store(&v) == nil {
			lc, _ := parseLastConnect(v)
			show(lc)
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case sig := <-w.ch:
				iface, ch, ok := changed(sig)
				if !ok || sig.Path != station {
					continue
				}
				if v, ok := ch[propLastConnect]; ok && iface == ifaceWifidStation {
					lc, _ := parseLastConnect(v)
					show(lc)
				}
				if v, ok := ch["State"]; ok && iface == ifaceStation {
					p.printf("  state %v", v.Value())
				}
			}
		}
	}()

	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	err = s.withAgent(func() error {
		if network == "" {
			return s.c.call(cctx, station, ifaceStation+".ConnectHiddenNetwork", ssid).Err
		}
		return s.c.call(cctx, network, ifaceNetwork+".Connect").Err
	})
	// The record as it is now, in case its last signals are still queued;
	// wifid's attempt may go on after the reply (netconfig): follow it to
	// its outcome, for a while.
	readLast()
	mu.Lock()
	following := err == nil && last != nil && last.Outcome == ""
	mu.Unlock()
	if following {
		select {
		case <-ended:
		case <-time.After(60 * time.Second):
		case <-ctx.Done():
		}
	}
	close(done)
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	// wifid answers Connect once the link is keyed, as iwd; IP
	// configuration can still fail after that.
	afterFail := err == nil && last != nil && strings.HasPrefix(last.Outcome, "failed")
	if afterFail {
		err = errors.New(last.Outcome)
	}
	switch {
	case afterFail:
		p.end("Connecting to %s failed after %s: %s.", ssid, msText(last.TotalUs), last.Outcome)
	case err == nil:
		if last != nil {
			p.end("Connected to %s on %s in %s.", ssid, name, msText(last.TotalUs))
		} else {
			p.end("Connected to %s on %s (%s).", ssid, name, p.elapsed())
		}
	case last != nil && last.Outcome != "":
		p.end("Connecting to %s failed after %s: %s.", ssid, msText(last.TotalUs), last.Outcome)
	default:
		p.end("Connecting to %s failed.", ssid)
	}
	var cerr error
	switch {
	case err == nil:
	case afterFail:
		cerr = fmt.Errorf("connect %s: %s", ssid, last.Outcome)
	case errors.Is(err, context.DeadlineExceeded):
		cerr = fmt.Errorf("connect %s: no answer within 3 minutes", ssid)
	case network == "" && dbusName(err) == service+".NotFound":
		cerr = fmt.Errorf("connect: no network named %q in range of %s (%s.NotFound)", ssid, name, service)
	case network == "":
		cerr = explain("connect to hidden "+ssid, err)
	default:
		cerr = explain("connect "+ssid, err)
	}
	if s.opt.json {
		out := connectJSON{Station: name, Network: ssid, Connected: err == nil, LastConnect: last}
		if err != nil {
			out.Error, out.ErrorName = cerr.Error(), dbusName(err)
		}
		if jerr := s.emit(out); jerr != nil {
			return jerr
		}
	} else if err == nil {
		fmt.Fprintf(s.out, "Connected to %s on %s.\n", ssid, name)
	}
	return cerr
}

func (s *session) disconnect(ctx context.Context, path dbus.ObjectPath, name string) error {
	if err := s.c.call(ctx, path, ifaceStation+".Disconnect").Err; err != nil {
		return explain("disconnect", err)
	}
	if s.opt.json {
		return s.emit(map[string]any{"station": name, "disconnected": true})
	}
	fmt.Fprintf(s.out, "Disconnected %s.\n", name)
	return nil
}

// knownJSON is one known network.
type knownJSON struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	Hidden        bool   `json:"hidden"`
	AutoConnect   bool   `json:"autoConnect"`
	LastConnected string `json:"lastConnected,omitempty"`
	Path          string `json:"path"`
}

func (s *session) known() []knownJSON {
	out := []knownJSON{}
	for _, p := range s.c.paths(ifaceKnown) {
		k := s.c.objs[p][ifaceKnown]
		out = append(out, knownJSON{Name: str(k, "Name"), Type: str(k, "Type"), Hidden: boolean(k, "Hidden"),
			AutoConnect: boolean(k, "AutoConnect"), LastConnected: str(k, "LastConnectedTime"), Path: string(p)})
	}
	return out
}

func localTime(iso string) string {
	if iso == "" {
		return "never"
	}
	if t, err := time.Parse(time.RFC3339, iso); err == nil {
		return t.Local().Format("2006-01-02 15:04")
	}
	return iso
}

func (s *session) knownList() error {
	list := s.known()
	if s.opt.json {
		return s.emit(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(s.out, "No known networks.")
		return nil
	}
	tw := s.table()
	fmt.Fprintln(tw, "NETWORK\tSECURITY\tHIDDEN\tAUTOCONNECT\tLAST CONNECTED")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.Type, yesNo(k.Hidden), yesNo(k.AutoConnect), localTime(k.LastConnected))
	}
	return tw.Flush()
}

// knownByName finds the known networks with this name (one per type).
func (s *session) knownByName(ssid string) []dbus.ObjectPath {
	var out []dbus.ObjectPath
	for _, p := range s.c.paths(ifaceKnown) {
		if str(s.c.objs[p][ifaceKnown], "Name") == ssid {
			out = append(out, p)
		}
	}
	return out
}

func (s *session) forget(ctx context.Context, ssid string) error {
	paths := s.knownByName(ssid)
	if len(paths) == 0 {
		return fmt.Errorf("forget: %q is not a known network", ssid)
	}
	for _, p := range paths {
		typ := str(s.c.objs[p][ifaceKnown], "Type")
		if err := s.c.call(ctx, p, ifaceKnown+".Forget").Err; err != nil {
			return explain("forget "+ssid, err)
		}
		if !s.opt.json {
			fmt.Fprintf(s.out, "Forgot %s (%s).\n", ssid, typ)
		}
	}
	if s.opt.json {
		return s.emit(map[string]any{"forgotten": ssid})
	}
	return nil
}
