package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// watch prints, one line each with a timestamp, every PropertiesChanged,
// StationDebug.Event and InterfacesAdded/Removed the daemon sends, and the
// daemon's coming and going, until ctx ends.
func watch(ctx context.Context, c *client, w io.Writer) error {
	opts := []dbus.MatchOption{dbus.WithMatchSender(service)}
	owner := []dbus.MatchOption{dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, service)}
	if err := c.conn.AddMatchSignal(opts...); err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	if err := c.conn.AddMatchSignal(owner...); err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	ch := make(chan *dbus.Signal, 256)
	c.conn.Signal(ch)
	defer c.conn.RemoveSignal(ch)
	if err := c.refresh(ctx); err != nil {
		c.objs = objects{}
		fmt.Fprintf(w, "%s %v; waiting\n", stamp(), err)
	}
	fmt.Fprintf(w, "%s watching net.connman.iwd (Ctrl-C to stop)\n", stamp())
	for {
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-ch:
			if !ok {
				return fmt.Errorf("watch: the bus connection closed")
			}
			if line := c.describe(ctx, s); line != "" {
				fmt.Fprintf(w, "%s %s\n", stamp(), line)
			}
		}
	}
}

func stamp() string { return time.Now().Format("15:04:05.000") }

func short(iface string) string {
	if s, ok := strings.CutPrefix(iface, service+"."); ok {
		return s
	}
	if iface == ifaceWifidStation {
		return "wifid.Station"
	}
	return iface
}

func (c *client) describe(ctx context.Context, s *dbus.Signal) string {
	switch s.Name {
	case ifaceProperties + ".PropertiesChanged":
		if len(s.Body) != 3 {
			return ""
		}
		iface, _ := s.Body[0].(string)
		changed, _ := s.Body[1].(map[string]dbus.Variant)
		invalidated, _ := s.Body[2].([]string)
		if ifs, ok := c.objs[s.Path]; ok {
			if props, ok := ifs[iface]; ok {
				for k, v := range changed {
					props[k] = v
				}
				for _, k := range invalidated {
					delete(props, k)
				}
			}
		}
		parts := []string{c.name(s.Path), short(iface)}
		for _, k := range sortedKeys(changed) {
			if lc, ok := parseLastConnect(changed[k]); ok && iface == ifaceWifidStation && k == propLastConnect {
				parts = append(parts, k+"=("+lc.summary()+")")
				continue
			}
			parts = append(parts, k+"="+c.value(changed[k]))
		}
		for _, k := range invalidated {
			parts = append(parts, k+"=(none)")
		}
		return strings.Join(parts, " ")
	case service + ".StationDebug.Event":
		if len(s.Body) != 2 {
			return ""
		}
		name, _ := s.Body[0].(string)
		data, _ := s.Body[1].([]dbus.Variant)
		var vs []string
		for _, d := range data {
			vs = append(vs, c.value(d))
		}
		return fmt.Sprintf("%s Event %s %s", c.name(s.Path), name, strings.Join(vs, " "))
	case ifaceObjMgr + ".InterfacesAdded":
		if len(s.Body) != 2 {
			return ""
		}
		path, _ := s.Body[0].(dbus.ObjectPath)
		ifs, _ := s.Body[1].(map[string]map[string]dbus.Variant)
		if c.objs[path] == nil {
			c.objs[path] = map[string]map[string]dbus.Variant{}
		}
		var names []string
		for iface, props := range ifs {
			c.objs[path][iface] = props
			if iface != ifaceProperties {
				names = append(names, short(iface))
			}
		}
		sort.Strings(names)
		return fmt.Sprintf("+ %s %s", c.name(path), strings.Join(names, " "))
	case ifaceObjMgr + ".InterfacesRemoved":
		if len(s.Body) != 2 {
			return ""
		}
		path, _ := s.Body[0].(dbus.ObjectPath)
		ifs, _ := s.Body[1].([]string)
		line := ""
		var names []string
		for _, iface := range ifs {
			if iface != ifaceProperties {
				names = append(names, short(iface))
			}
		}
		line = fmt.Sprintf("- %s %s", c.name(path), strings.Join(names, " "))
		for _, iface := range ifs {
			delete(c.objs[path], iface)
		}
		if len(c.objs[path]) == 0 {
			delete(c.objs, path)
		}
		return line
	case "org.freedesktop.DBus.NameOwnerChanged":
		if len(s.Body) != 3 {
			return ""
		}
		if newOwner, _ := s.Body[2].(string); newOwner == "" {
			return "daemon left the bus"
		}
		if err := c.refresh(ctx); err != nil {
			return "daemon appeared on the bus (" + err.Error() + ")"
		}
		return "daemon appeared on the bus"
	}
	return ""
}

func sortedKeys(m map[string]dbus.Variant) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (c *client) value(v dbus.Variant) string {
	switch x := v.Value().(type) {
	case dbus.ObjectPath:
		return c.name(x)
	case string:
		if strings.ContainsAny(x, " \t") {
			return fmt.Sprintf("%q", x)
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}
