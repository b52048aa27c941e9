package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"wifid/daemon/dbusapi"
	"wifid/nl80211/rfkill"
)

// Power, as iwd has it:
//   - Adapter.Powered is the radio's rfkill state: on when neither the soft
//     block (airplane mode, `rfkill block`, Adapter.Powered=false) nor the
//     hard block (a switch) is set. Setting it sets the soft block.
//   - Device.Powered is the interface's IFF_UP. Setting it brings the
//     interface up or down and is remembered (iwd's dbus_powered): when the
//     radio comes back from a block, the interfaces a user left on are
//     brought up again; one a user turned off stays off.
//   - The station lives while its interface is up: blocked or down, there is
//     no station, no scan and no timer aimed at a dead radio, and the
//     Station interface leaves D-Bus, as iwd's does.
//
// The rfkill and link watchers run in their own goroutines and hand their
// events to the daemon's loop, which alone changes what follows from them.

// sysfsRoot is where the kernel's sysfs is mounted.
const sysfsRoot = "/sys"

// radio is the power state of one adopted wiphy.
type radio struct {
	name      string
	hasSwitch bool   // cfg80211 registers one per wiphy; a driver might not
	index     uint32 // its rfkill switch
	soft      bool
	hard      bool
}

func (r *radio) powered() bool { return !r.soft && !r.hard }

// blockReason says why a radio is off, for logs and wifictl.
func (r *radio) blockReason() string {
	switch {
	case r.hard && r.soft:
		return "hard and soft rfkill"
	case r.hard:
		return "hard rfkill (a switch)"
	case r.soft:
		return "soft rfkill (airplane mode)"
	}
	return ""
}

// newRadio reads a wiphy's switch and its blocks from sysfs.
func (d *Daemon) newRadio(name string) *radio {
	r := &radio{name: name}
	idx, ok, err := rfkill.Wiphy(sysfsRoot, name)
	if err != nil || !ok {
		if err != nil {
			d.log.Debug("no rfkill switch found", "wiphy", name, "err", err)
		}
		return r
	}
	r.hasSwitch, r.index = true, idx
	dir := filepath.Join(sysfsRoot, "class", "rfkill", "rfkill"+itoa(idx))
	r.soft = readFlag(filepath.Join(dir, "soft"))
	r.hard = readFlag(filepath.Join(dir, "hard"))
	return r
}

func readFlag(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(b)) == "1"
}

func itoa(u uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			return string(b[i:])
		}
	}
}

// watchRfkill opens /dev/rfkill and sends its events to the loop. Without
// it (no rfkill in the kernel) every radio counts as powered.
func (d *Daemon) watchRfkill(ctx context.Context) <-chan rfkill.Event {
	dev, err := rfkill.Open(rfkill.DevicePath)
	if err != nil {
		d.log.Warn("not watching rfkill: radios count as powered", "err", err)
		return nil
	}
	d.rfkill = dev
	out := make(chan rfkill.Event, 16)
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		<-ctx.Done()
		dev.Close()
	}()
	go func() {
		defer d.wg.Done()
		defer close(out)
		for {
			ev, err := dev.Read()
			if err != nil {
				if ctx.Err() == nil {
					d.log.Warn("rfkill events ended", "err", err)
				}
				return
			}
			if ev.Type != rfkill.TypeWLAN && ev.Type != rfkill.TypeAll {
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// onRfkill follows a switch's change on the radio it belongs to (loop).
func (d *Daemon) onRfkill(ctx context.Context, ev rfkill.Event) {
	if ev.Op != rfkill.OpChange && ev.Op != rfkill.OpAdd {
		return
	}
	d.mu.Lock()
	var r *radio
	var wiphy int
	for w, rr := range d.radios {
		if rr.hasSwitch && rr.index == ev.Index {
			r, wiphy = rr, w
		}
	}
	if r == nil || (r.soft == ev.Soft && r.hard == ev.Hard) {
		d.mu.Unlock()
		return
	}
	was := r.powered()
	r.soft, r.hard = ev.Soft, ev.Hard
	now := r.powered()
	var devs []*managed
	for _, m := range d.devices {
		if m.wiphy.Index == wiphy {
			devs = append(devs, m)
		}
	}
	why := r.blockReason()
	d.mu.Unlock()
	if was == now {
		d.log.Info("radio still blocked", "wiphy", r.name, "why", why)
		return
	}
	if d.api != nil {
		d.api.AdapterChanged(wiphy, now)
	}
	if !now {
		d.log.Info("radio blocked: stations stop", "wiphy", r.name, "why", why)
		for _, m := range devs {
			d.stopStation(m, "radio blocked")
		}
		return
	}
	d.log.Info("radio unblocked: interfaces up again", "wiphy", r.name)
	for _, m := range devs {
		d.mu.Lock()
		want := m.wantUp
		d.mu.Unlock()
		if !want {
			d.log.Info("interface stays down: turned off over D-Bus", "iface", m.name())
			continue
		}
		if err := linkSet(m.iface.Index, true); err != nil {
			d.log.Warn("interface not brought up after unblock", "iface", m.name(), "err", err)
			continue
		}
		d.linkChanged(ctx, m, true)
	}
}

// setRadioPowered is Adapter.Powered's setter: it sets the soft block;
// what follows comes back as an rfkill event.
func (d *Daemon) setRadioPowered(wiphy int, on bool) error {
	d.mu.Lock()
	r := d.radios[wiphy]
	d.mu.Unlock()
	switch {
	case r == nil:
		return dbusapi.ErrNotFound
	case r.powered() == on:
		return nil
	case r.hard:
		return dbusapi.ErrNotAvailable
	case !r.hasSwitch || d.rfkill == nil:
		return dbusapi.ErrNotSupported
	}
	if err := d.rfkill.SetSoft(r.index, !on); err != nil {
		d.log.Warn("Adapter.Powered", "wiphy", r.name, "on", on, "err", err)
		return dbusapi.ErrFailed
	}
	d.log.Info("Adapter.Powered set over D-Bus", "wiphy", r.name, "on", on)
	return nil
}

// setDevicePowered is Device.Powered's setter: the interface up or down,
// and the wish kept for the next unblock.
func (d *Daemon) setDevicePowered(ctx context.Context, ifindex int, up bool) error {
	d.mu.Lock()
	m := d.devices[ifindex]
	if m != nil {
		m.wantUp = up
	}
	d.mu.Unlock()
	if m == nil {
		return dbusapi.ErrNotFound
	}
	d.log.Info("Device.Powered set over D-Bus", "iface", m.name(), "on", up)
	if err := linkSet(ifindex, up); err != nil {
		d.log.Warn("Device.Powered", "iface", m.name(), "on", up, "err", err)
		if errors.Is(err, errRfkill) {
			return dbusapi.ErrNotAvailable
		}
		return dbusapi.ErrFailed
	}
	return nil
}
