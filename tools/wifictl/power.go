package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"

	"wifid/nl80211/rfkill"
)

// Power: why a radio or a device is off, and turning them on or off
// (Adapter.Powered is the radio's soft rfkill switch, Device.Powered the
// interface's up flag). The blocks come from sysfs, which any user may
// read, so wifictl can tell airplane mode from a hardware switch with
// iwd's API, which carries only a boolean.

// sysfsRoot is where wifictl reads the radios' rfkill switches.
func (e env) sysfsRoot() string {
	if e.sysfs != "" {
		return e.sysfs
	}
	return "/sys"
}

// radioBlock says what blocks the radio named phy: "" when nothing does or
// wifictl cannot tell (the radio has no switch, sysfs is not readable).
func (s *session) radioBlock(phy string) string {
	st, ok, err := rfkill.WiphyState(s.e.sysfsRoot(), phy)
	switch {
	case err != nil || !ok:
		return ""
	case st.Hard:
		return "hardware switch"
	case st.Soft:
		return "airplane mode"
	}
	return ""
}

// offReason says why a device is off: "" when it is on.
func (s *session) offReason(powered bool, adapter dbus.ObjectPath) string {
	if powered {
		return ""
	}
	phy := s.c.name(adapter)
	if why := s.radioBlock(phy); why != "" {
		return "radio " + phy + " blocked: " + why
	}
	if a, ok := s.c.objs[adapter][ifaceAdapter]; ok && !boolean(a, "Powered") {
		return "radio " + phy + " off"
	}
	return "interface down"
}

// powerHint says how to turn a device back on, given why it is off.
func powerHint(why, dev, phy string) string {
	switch {
	case why == "":
		return ""
	case strings.HasSuffix(why, "hardware switch"):
		return "turn on the radio's switch (software cannot clear a hardware block)"
	case strings.HasPrefix(why, "radio"):
		return "wifictl adapter " + phy + " set-property Powered on"
	}
	return "wifictl device " + dev + " set-property Powered on"
}

// parseOnOff reads a boolean as iwctl's set-property takes it.
func parseOnOff(prop, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s takes on or off (yes or no), not %q", prop, v)
}

// setPowered sets the Powered property of the object at p (iface is
// ifaceAdapter or ifaceDevice) and says what it did.
func (s *session) setPowered(ctx context.Context, p dbus.ObjectPath, iface, name string, args []string) error {
	if len(args) != 2 || args[0] != "Powered" {
		return fmt.Errorf("set-property: only Powered is settable (%s set-property Powered on|off)\n%w", name, errUsage)
	}
	on, err := parseOnOff("Powered", args[1])
	if err != nil {
		return err
	}
	if err := s.c.call(ctx, p, ifaceProperties+".Set", iface, "Powered", dbus.MakeVariant(on)).Err; err != nil {
		err = explain("setting Powered of "+name, err)
		if iface == ifaceDevice && on {
			if why := s.offReason(false, objPath(s.c.objs[p][ifaceDevice], "Adapter")); strings.HasPrefix(why, "radio") {
				err = fmt.Errorf("%w; %s", err, why)
			}
		}
		return err
	}
	if s.opt.json {
		return s.emit(map[string]any{"name": name, "powered": on})
	}
	fmt.Fprintf(s.out, "Powered of %s is now %s.\n", name, onOff(on))
	return nil
}
