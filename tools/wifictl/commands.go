package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/godbus/dbus/v5"
)

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

func status(c *client, w io.Writer) error {
	devs := c.paths(ifaceDevice)
	if len(devs) == 0 {
		fmt.Fprintln(w, "No Wi-Fi devices.")
		return nil
	}
	for _, p := range devs {
		d := c.objs[p][ifaceDevice]
		fmt.Fprintf(w, "Device %s (%s) on %s: powered %s, mode %s\n", str(d, "Name"), str(d, "Address"),
			c.name(objPath(d, "Adapter")), onOff(boolean(d, "Powered")), str(d, "Mode"))
		st, ok := c.objs[p][ifaceStation]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "  State:     %s\n", str(st, "State"))
		if n := objPath(st, "ConnectedNetwork"); n != "" {
			nw := c.objs[n][ifaceNetwork]
			fmt.Fprintf(w, "  Network:   %s (%s)\n", c.name(n), str(nw, "Type"))
		}
		fmt.Fprintf(w, "  Scanning:  %s\n", yesNo(boolean(st, "Scanning")))
	}
	return nil
}

// propertyWatch collects PropertiesChanged of one interface on one path.
type propertyWatch struct {
	c     *client
	ch    chan *dbus.Signal
	opts  []dbus.MatchOption
	path  dbus.ObjectPath
	iface string
}

func (c *client) watchProperties(path dbus.ObjectPath, iface string) (*propertyWatch, error) {
	pw := &propertyWatch{c: c, ch: make(chan *dbus.Signal, 64), path: path, iface: iface,
		opts: []dbus.MatchOption{dbus.WithMatchObjectPath(path), dbus.WithMatchInterface(ifaceProperties),
			dbus.WithMatchMember("PropertiesChanged")}}
	if err := c.conn.AddMatchSignal(pw.opts...); err != nil {
		return nil, err
	}
	c.conn.Signal(pw.ch)
	return pw, nil
}

func (pw *propertyWatch) close() {
	pw.c.conn.RemoveSignal(pw.ch)
	pw.c.conn.RemoveMatchSignal(pw.opts...)
}

// waitFor waits until prop takes value.
func (pw *propertyWatch) waitFor(ctx context.Context, prop string, value any) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case s := <-pw.ch:
			if s.Path != pw.path || len(s.Body) != 3 || s.Body[0] != pw.iface {
				continue
			}
			changed, _ := s.Body[1].(map[string]dbus.Variant)
			if v, ok := changed[prop]; ok && v.Value() == value {
				return nil
			}
		}
	}
}

// runScan scans on a station and waits, by signal, for Scanning to go false.
func runScan(ctx context.Context, c *client, path dbus.ObjectPath) error {
	pw, err := c.watchProperties(path, ifaceStation)
	if err != nil {
		return err
	}
	defer pw.close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.call(ctx, path, ifaceStation+".Scan").Err; err != nil && dbusName(err) != service+".InProgress" {
		return explain("scan", err)
	}
	if err := pw.waitFor(ctx, "Scanning", false); err != nil {
		return fmt.Errorf("scan: no results within 30 s: %w", err)
	}
	return c.refresh(ctx)
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

func scan(ctx context.Context, c *client, iface string, w io.Writer) error {
	path, name, err := c.station(iface)
	if err != nil {
		return err
	}
	if err := runScan(ctx, c, path); err != nil {
		return err
	}
	nets, err := c.ordered(ctx, path)
	if err != nil {
		return err
	}
	if len(nets) == 0 {
		fmt.Fprintf(w, "No networks in range of %s.\n", name)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NETWORK\tSECURITY\tSIGNAL\tKNOWN")
	for _, n := range nets {
		props := c.objs[n.Path][ifaceNetwork]
		mark := " "
		if boolean(props, "Connected") {
			mark = ">"
		}
		knownMark := ""
		if objPath(props, "KnownNetwork") != "" {
			knownMark = "known"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%d dBm\t%s\n", mark, str(props, "Name"), str(props, "Type"), n.Signal/100, knownMark)
	}
	return tw.Flush()
}

// findNetwork finds a network by SSID among a station's scan results, best
// ranked first.
func (c *client) findNetwork(ctx context.Context, station dbus.ObjectPath, ssid string) (dbus.ObjectPath, error) {
	nets, err := c.ordered(ctx, station)
	if err != nil {
		return "", err
	}
	for _, n := range nets {
		if str(c.objs[n.Path][ifaceNetwork], "Name") == ssid {
			return n.Path, nil
		}
	}
	return "", nil
}

func connect(ctx context.Context, c *client, ssid, iface string, pass *string, e env) error {
	path, name, err := c.station(iface)
	if err != nil {
		return err
	}
	network, err := c.findNetwork(ctx, path, ssid)
	if err != nil {
		return err
	}
	if network == "" {
		if err := runScan(ctx, c, path); err != nil {
			return err
		}
		if network, err = c.findNetwork(ctx, path, ssid); err != nil {
			return err
		}
	}
	a := &agent{c: c, pass: pass, e: e}
	if err := a.register(); err != nil {
		return err
	}
	defer a.unregister()

	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if network == "" {
		err := c.call(ctx, path, ifaceStation+".ConnectHiddenNetwork", ssid).Err
		if dbusName(err) == service+".NotFound" {
			return fmt.Errorf("connect: no network named %q in range of %s (%s.NotFound)", ssid, name, service)
		}
		if err != nil {
			return explain("connect to hidden "+ssid, err)
		}
	} else if err := c.call(ctx, network, ifaceNetwork+".Connect").Err; err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("connect %s: no answer within 3 minutes", ssid)
		}
		return explain("connect "+ssid, err)
	}
	fmt.Fprintf(e.stdout, "Connected to %s on %s.\n", ssid, name)
	return nil
}

func disconnect(ctx context.Context, c *client, iface string, w io.Writer) error {
	path, name, err := c.station(iface)
	if err != nil {
		return err
	}
	if err := c.call(ctx, path, ifaceStation+".Disconnect").Err; err != nil {
		return explain("disconnect", err)
	}
	fmt.Fprintf(w, "Disconnected %s.\n", name)
	return nil
}

func known(c *client, w io.Writer) error {
	paths := c.paths(ifaceKnown)
	if len(paths) == 0 {
		fmt.Fprintln(w, "No known networks.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NETWORK\tSECURITY\tHIDDEN\tAUTOCONNECT\tLAST CONNECTED")
	for _, p := range paths {
		k := c.objs[p][ifaceKnown]
		last := str(k, "LastConnectedTime")
		if t, err := time.Parse(time.RFC3339, last); err == nil {
			last = t.Local().Format("2006-01-02 15:04")
		} else if last == "" {
			last = "never"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", str(k, "Name"), str(k, "Type"), yesNo(boolean(k, "Hidden")),
			yesNo(boolean(k, "AutoConnect")), last)
	}
	return tw.Flush()
}

func forget(ctx context.Context, c *client, ssid string, w io.Writer) error {
	n := 0
	for _, p := range c.paths(ifaceKnown) {
		k := c.objs[p][ifaceKnown]
		if str(k, "Name") != ssid {
			continue
		}
		if err := c.call(ctx, p, ifaceKnown+".Forget").Err; err != nil {
			return explain("forget "+ssid, err)
		}
		fmt.Fprintf(w, "Forgot %s (%s).\n", ssid, str(k, "Type"))
		n++
	}
	if n == 0 {
		return fmt.Errorf("forget: %q is not a known network", ssid)
	}
	return nil
}
