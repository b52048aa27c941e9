package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
	"golang.org/x/term"
)

// iwctl's command vocabulary: device, adapter, station, known-networks.

func (s *session) deviceByName(name string) (dbus.ObjectPath, error) {
	var names []string
	for _, p := range s.c.paths(ifaceDevice) {
		n := str(s.c.objs[p][ifaceDevice], "Name")
		if n == name {
			return p, nil
		}
		names = append(names, n)
	}
	return "", fmt.Errorf("no device named %s (devices: %s)", name, orNone(names))
}

type deviceJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Powered bool   `json:"powered"`
	Adapter string `json:"adapter"`
	Mode    string `json:"mode"`
	Path    string `json:"path"`
	// OffReason says why Powered is off: "interface down", "radio phy0
	// off", "radio phy0 blocked: airplane mode" or "...: hardware switch".
	OffReason string `json:"offReason,omitempty"`
}

func (s *session) device(p dbus.ObjectPath) deviceJSON {
	d := s.c.objs[p][ifaceDevice]
	return deviceJSON{Name: str(d, "Name"), Address: str(d, "Address"), Powered: boolean(d, "Powered"),
		Adapter: s.c.name(objPath(d, "Adapter")), Mode: str(d, "Mode"), Path: string(p),
		OffReason: s.offReason(boolean(d, "Powered"), objPath(d, "Adapter"))}
}

// powered is the POWERED column: on, or off and why.
func (d deviceJSON) powered() string {
	if d.OffReason != "" {
		return "off (" + d.OffReason + ")"
	}
	return onOff(d.Powered)
}

func (s *session) deviceCmd(ctx context.Context, args []string) error {
	switch {
	case len(args) == 1 && args[0] == "list":
		list := []deviceJSON{}
		for _, p := range s.c.paths(ifaceDevice) {
			list = append(list, s.device(p))
		}
		if s.opt.json {
			return s.emit(list)
		}
		if len(list) == 0 {
			fmt.Fprintln(s.out, "No devices.")
			return nil
		}
		tw := s.table()
		fmt.Fprintln(tw, "NAME\tADDRESS\tPOWERED\tADAPTER\tMODE")
		for _, d := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Name, d.Address, d.powered(), d.Adapter, d.Mode)
		}
		return tw.Flush()
	case len(args) == 2 && args[1] == "show":
		p, err := s.deviceByName(args[0])
		if err != nil {
			return err
		}
		d := s.device(p)
		if s.opt.json {
			return s.emit(d)
		}
		tw := s.table()
		fmt.Fprintf(tw, "Device\t%s\n  Address\t%s\n  Powered\t%s\n  Adapter\t%s\n  Mode\t%s\n", d.Name, d.Address, d.powered(), d.Adapter, d.Mode)
		if hint := powerHint(d.OffReason, d.Name, d.Adapter); hint != "" {
			fmt.Fprintf(tw, "  To turn on\t%s\n", hint)
		}
		return tw.Flush()
	case len(args) >= 2 && args[1] == "set-property":
		p, err := s.deviceByName(args[0])
		if err != nil {
			return err
		}
		return s.setPowered(ctx, p, ifaceDevice, args[0], args[2:])
	}
	return fmt.Errorf("device: device list, device IFACE show, or device IFACE set-property Powered on|off\n%w", errUsage)
}

type adapterJSON struct {
	Name           string   `json:"name"`
	Powered        bool     `json:"powered"`
	Vendor         string   `json:"vendor,omitempty"`
	Model          string   `json:"model,omitempty"`
	SupportedModes []string `json:"supportedModes"`
	Path           string   `json:"path"`
	// Blocked says what blocks the radio: "airplane mode" (a soft
	// rfkill block) or "hardware switch"; absent when nothing does.
	Blocked string `json:"blocked,omitempty"`
}

// powered is the POWERED column: on, or off and what blocks it.
func (a adapterJSON) powered() string {
	if a.Blocked != "" {
		return "off (blocked: " + a.Blocked + ")"
	}
	return onOff(a.Powered)
}

func (s *session) adapter(p dbus.ObjectPath) adapterJSON {
	a := s.c.objs[p][ifaceAdapter]
	modes, _ := a["SupportedModes"].Value().([]string)
	if modes == nil {
		modes = []string{}
	}
	return adapterJSON{Name: str(a, "Name"), Powered: boolean(a, "Powered"), Vendor: str(a, "Vendor"),
		Model: str(a, "Model"), SupportedModes: modes, Path: string(p), Blocked: s.radioBlock(str(a, "Name"))}
}

func (s *session) adapterCmd(ctx context.Context, args []string) error {
	list := []adapterJSON{}
	for _, p := range s.c.paths(ifaceAdapter) {
		list = append(list, s.adapter(p))
	}
	switch {
	case len(args) == 1 && args[0] == "list":
		if s.opt.json {
			return s.emit(list)
		}
		if len(list) == 0 {
			fmt.Fprintln(s.out, "No adapters.")
			return nil
		}
		tw := s.table()
		fmt.Fprintln(tw, "NAME\tPOWERED\tVENDOR\tMODEL\tMODES")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, a.powered(), a.Vendor, a.Model, strings.Join(a.SupportedModes, " "))
		}
		return tw.Flush()
	case len(args) == 2 && args[1] == "show":
		var names []string
		for _, a := range list {
			if a.Name != args[0] {
				names = append(names, a.Name)
				continue
			}
			if s.opt.json {
				return s.emit(a)
			}
			tw := s.table()
			fmt.Fprintf(tw, "Adapter\t%s\n  Powered\t%s\n  Vendor\t%s\n  Model\t%s\n  Modes\t%s\n", a.Name, a.powered(),
				a.Vendor, a.Model, strings.Join(a.SupportedModes, " "))
			if hint := powerHint("radio "+a.Name+" blocked: "+a.Blocked, "", a.Name); a.Blocked != "" {
				fmt.Fprintf(tw, "  To turn on\t%s\n", hint)
			}
			return tw.Flush()
		}
		return fmt.Errorf("no adapter named %s (adapters: %s)", args[0], orNone(names))
	case len(args) >= 2 && args[1] == "set-property":
		for _, a := range list {
			if a.Name == args[0] {
				return s.setPowered(ctx, dbus.ObjectPath(a.Path), ifaceAdapter, a.Name, args[2:])
			}
		}
		return fmt.Errorf("no adapter named %s", args[0])
	}
	return fmt.Errorf("adapter: adapter list, adapter PHY show, or adapter PHY set-property Powered on|off\n%w", errUsage)
}

// stationJSON is station show --json (and status --json).
type stationJSON struct {
	Name             string         `json:"name"`
	State            string         `json:"state,omitempty"`
	Scanning         bool           `json:"scanning"`
	ConnectedNetwork *networkRef    `json:"connectedNetwork,omitempty"`
	Address          string         `json:"ipv4Address,omitempty"`
	Diagnostics      map[string]any `json:"diagnostics,omitempty"`
	LastConnect      *lastConnect   `json:"lastConnect,omitempty"`
	Path             string         `json:"path"`
}

type networkRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

func (s *session) stationJSON(ctx context.Context, p dbus.ObjectPath, diag bool) stationJSON {
	ifs := s.c.objs[p]
	st := ifs[ifaceStation]
	name := str(ifs[ifaceDevice], "Name")
	out := stationJSON{Name: name, State: str(st, "State"), Scanning: boolean(st, "Scanning"),
		Address: localIPv4(name), LastConnect: s.c.lastConnectOf(p), Path: string(p)}
	if n := objPath(st, "ConnectedNetwork"); n != "" {
		out.ConnectedNetwork = &networkRef{Name: s.c.name(n), Type: str(s.c.objs[n][ifaceNetwork], "Type")}
	}
	if _, ok := ifs[ifaceDiagnostic]; ok && diag {
		var m map[string]dbus.Variant
		if s.c.call(ctx, p, ifaceDiagnostic+".GetDiagnostics").Store(&m) == nil {
			out.Diagnostics = map[string]any{}
			for k, v := range m {
				out.Diagnostics[k] = v.Value()
			}
		}
	}
	return out
}

// termWidth is the width the timeline bar scales to.
func (s *session) termWidth() int {
	if s.width > 0 {
		return s.width
	}
	if f, ok := s.out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
			return w
		}
	}
	var cols int
	if _, err := fmt.Sscan(s.e.getenv("COLUMNS"), &cols); err == nil && cols > 20 {
		return cols
	}
	return 80
}

func (s *session) stationShow(ctx context.Context, p dbus.ObjectPath) error {
	v := s.stationJSON(ctx, p, true)
	if s.opt.json {
		return s.emit(v)
	}
	tw := s.table()
	fmt.Fprintf(tw, "Station\t%s\n", v.Name)
	fmt.Fprintf(tw, "  State\t%s\n", v.State)
	if v.ConnectedNetwork != nil {
		fmt.Fprintf(tw, "  Connected network\t%s (%s)\n", v.ConnectedNetwork.Name, v.ConnectedNetwork.Type)
	}
	fmt.Fprintf(tw, "  Scanning\t%s\n", yesNo(v.Scanning))
	if v.Address != "" {
		fmt.Fprintf(tw, "  IPv4 address\t%s\n", v.Address)
	}
	for _, k := range []string{"ConnectedBss", "Frequency", "Channel", "Security", "RSSI", "AverageRSSI", "RxMode", "TxMode",
		"RxMCS", "TxMCS", "RxBitrate", "TxBitrate", "ExpectedThroughput", "PairwiseCipher"} {
		val, ok := v.Diagnostics[k]
		if !ok {
			continue
		}
		switch k {
		case "Frequency":
			val = fmt.Sprintf("%v MHz", val)
		case "RSSI", "AverageRSSI":
			val = fmt.Sprintf("%v dBm", val)
		case "RxBitrate", "TxBitrate":
			if n, ok := val.(uint32); ok {
				val = fmt.Sprintf("%.1f Mbit/s", float64(n)/10)
			}
		case "ExpectedThroughput":
			val = fmt.Sprintf("%v kbit/s", val)
		}
		fmt.Fprintf(tw, "  %s\t%v\n", k, val)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if lc := v.LastConnect; lc != nil {
		fmt.Fprintf(s.out, "Last connect: %s\n", lc.summary())
		for _, line := range lc.bar(s.termWidth() - 2) {
			fmt.Fprintf(s.out, "  %s\n", line)
		}
		for _, w := range lc.Warnings {
			fmt.Fprintf(s.out, "  Warning: %s\n", w)
		}
	}
	return nil
}

type hiddenJSON struct {
	Address   string `json:"address"`
	SignalDBm int    `json:"signalDbm"`
	Type      string `json:"type"`
}

func (s *session) stationCmd(ctx context.Context, args []string) error {
	if len(args) == 1 && args[0] == "list" {
		list := []stationJSON{}
		for _, p := range s.c.paths(ifaceStation) {
			list = append(list, s.stationJSON(ctx, p, false))
		}
		if s.opt.json {
			return s.emit(list)
		}
		if len(list) == 0 {
			fmt.Fprintln(s.out, "No stations.")
			return nil
		}
		tw := s.table()
		fmt.Fprintln(tw, "NAME\tSTATE\tSCANNING\tNETWORK")
		for _, st := range list {
			n := ""
			if st.ConnectedNetwork != nil {
				n = st.ConnectedNetwork.Name
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.Name, st.State, yesNo(st.Scanning), n)
		}
		return tw.Flush()
	}
	if len(args) < 2 {
		return fmt.Errorf("station: station list, or station IFACE COMMAND\n%w", errUsage)
	}
	path, name, err := s.c.station(args[0])
	if err != nil {
		return err
	}
	cmd, rest := args[1], args[2:]
	switch {
	case cmd == "show" && len(rest) == 0:
		return s.stationShow(ctx, path)
	case cmd == "scan" && len(rest) == 0:
		if err := s.runScan(ctx, path, name); err != nil {
			return err
		}
		if s.opt.json {
			nets, err := s.networks(ctx, path)
			if err != nil {
				return err
			}
			return s.emit(map[string]any{"station": name, "networks": nets})
		}
		return nil
	case cmd == "get-networks" && len(rest) <= 1:
		how := ""
		if len(rest) == 1 {
			how = rest[0]
			if how != "rssi-dbms" && how != "rssi-bars" {
				return fmt.Errorf("get-networks: rssi-dbms or rssi-bars, not %q\n%w", how, errUsage)
			}
		}
		return s.listNetworks(ctx, path, name, how)
	case cmd == "get-hidden-access-points" && len(rest) == 0:
		var aps []struct {
			Address string
			Signal  int16
			Type    string
		}
		if err := s.c.call(ctx, path, ifaceStation+".GetHiddenAccessPoints").Store(&aps); err != nil {
			return explain("listing hidden access points", err)
		}
		list := []hiddenJSON{}
		for _, a := range aps {
			list = append(list, hiddenJSON{a.Address, int(a.Signal) / 100, a.Type})
		}
		if s.opt.json {
			return s.emit(list)
		}
		if len(list) == 0 {
			fmt.Fprintf(s.out, "No hidden access points in range of %s.\n", name)
			return nil
		}
		tw := s.table()
		fmt.Fprintln(tw, "ADDRESS\tSECURITY\tSIGNAL")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%d dBm\n", a.Address, a.Type, a.SignalDBm)
		}
		return tw.Flush()
	case cmd == "connect" && (len(rest) == 1 || len(rest) == 2):
		typ := ""
		if len(rest) == 2 {
			typ = rest[1]
		}
		network, err := s.lookupOrScan(ctx, path, name, rest[0], typ)
		if err != nil {
			return err
		}
		if network == "" {
			return fmt.Errorf("connect: no network named %q in range of %s (for a hidden one: station %s connect-hidden %s)",
				rest[0], name, name, rest[0])
		}
		return s.connect(ctx, path, name, network, rest[0])
	case cmd == "connect-hidden" && len(rest) == 1:
		return s.connect(ctx, path, name, "", rest[0])
	case cmd == "disconnect" && len(rest) == 0:
		return s.disconnect(ctx, path, name)
	}
	return fmt.Errorf("station %s: unknown command or arguments: %s\n%w", name, strings.Join(args[1:], " "), errUsage)
}

func (s *session) knownCmd(ctx context.Context, args []string) error {
	if len(args) == 1 && args[0] == "list" {
		return s.knownList()
	}
	if len(args) < 2 {
		return fmt.Errorf("known-networks: list, or SSID show|forget|set-property\n%w", errUsage)
	}
	ssid, cmd, rest := args[0], args[1], args[2:]
	paths := s.knownByName(ssid)
	if len(paths) == 0 {
		return fmt.Errorf("known-networks: %q is not a known network", ssid)
	}
	switch {
	case cmd == "show" && len(rest) == 0:
		var list []knownJSON
		for _, k := range s.known() {
			if k.Name == ssid {
				list = append(list, k)
			}
		}
		if s.opt.json {
			if len(list) == 1 {
				return s.emit(list[0])
			}
			return s.emit(list)
		}
		tw := s.table()
		for _, k := range list {
			fmt.Fprintf(tw, "Known network\t%s\n  Security\t%s\n  Hidden\t%s\n  AutoConnect\t%s\n  Last connected\t%s\n",
				k.Name, k.Type, yesNo(k.Hidden), yesNo(k.AutoConnect), localTime(k.LastConnected))
		}
		return tw.Flush()
	case cmd == "forget" && len(rest) == 0:
		return s.forget(ctx, ssid)
	case cmd == "set-property" && len(rest) == 2:
		if rest[0] != "AutoConnect" {
			return fmt.Errorf("known-networks: %s is not settable (AutoConnect is)", rest[0])
		}
		on, err := parseOnOff("AutoConnect", rest[1])
		if err != nil {
			return fmt.Errorf("known-networks: %w", err)
		}
		for _, p := range paths {
			if err := s.c.call(ctx, p, ifaceProperties+".Set", ifaceKnown, "AutoConnect", dbus.MakeVariant(on)).Err; err != nil {
				return explain("setting AutoConnect of "+ssid, err)
			}
		}
		if s.opt.json {
			return s.emit(map[string]any{"name": ssid, "autoConnect": on})
		}
		fmt.Fprintf(s.out, "AutoConnect of %s is now %s.\n", ssid, yesNo(on))
		return nil
	}
	return fmt.Errorf("known-networks %s: unknown command or arguments: %s\n%w", ssid, strings.Join(args[1:], " "), errUsage)
}
