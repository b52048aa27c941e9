package daemon

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
	"wifid/station"
)

// setupDevices finds the wiphys -p/-P allow and adopts each (adoptWiphy);
// wiphys that appear later are adopted as they come (onWiphyEvent).
func (d *Daemon) setupDevices(ctx context.Context) error {
	wiphys, err := d.nl.Wiphys(ctx)
	if err != nil {
		return fmt.Errorf("listing wiphys: %w", err)
	}
	ifaces, err := d.nl.Interfaces(ctx)
	if err != nil {
		return fmt.Errorf("listing interfaces: %w", err)
	}
	n := 0
	for _, w := range wiphys {
		if !d.opts.ManagesPhy(w.Name) {
			d.log.Info("wiphy not managed (filtered)", "wiphy", w.Name)
			continue
		}
		n += d.adoptWiphy(ctx, w, ifaces)
	}
	if n == 0 {
		d.log.Warn("no wireless interface to manage yet", "phys", d.opts.Phys)
	}
	return nil
}

// adoptWiphy manages one radio as iwd does: its existing interfaces are
// removed and wifid makes its own station interface, wlan<wiphy index>,
// owned by wifid's socket (gone when wifid exits); with
// UseDefaultInterface or a [DriverQuirks] DefaultInterface match the
// kernel's interface is kept and used instead. It returns how many
// stations it started.
func (d *Daemon) adoptWiphy(ctx context.Context, w *nl80211.Wiphy, ifaces []*nl80211.Interface) int {
	d.log.Info("wiphy", "wiphy", w.Name, "index", w.Index, "bands", len(w.Bands),
		"control_port_nl80211", w.SupportsControlPortOverNL80211())
	keep := d.keepsDefaultInterface(w)
	r := d.newRadio(w.Name)
	if !r.powered() {
		d.log.Info("radio blocked", "wiphy", w.Name, "why", r.blockReason())
	}
	d.mu.Lock()
	d.wiphys[w.Index] = w
	d.radios[w.Index] = r
	d.mu.Unlock()
	n := 0
	for _, ifc := range ifaces {
		if ifc.Wiphy != w.Index || ifc.Index == 0 {
			continue
		}
		if !keep {
			// iwd's behaviour: the kernel's default interface goes, and
			// wifid makes its own below, configured for it.
			if err := d.nl.DelInterface(ctx, ifc.Index); err != nil {
				d.log.Warn("cannot remove the default interface; keeping it", "iface", ifc.Name, "err", err)
				keep = true
			} else {
				d.log.Info("default interface removed", "iface", ifc.Name, "wiphy", w.Name)
				continue
			}
		}
		if d.adoptInterface(ctx, ifc, w) {
			n++
		}
	}
	if n == 0 && !keep {
		if err := d.createStation(ctx, w); err != nil {
			d.log.Warn("no interface created", "wiphy", w.Name, "err", err)
		} else {
			n++
		}
	}
	return n
}

// adoptInterface manages an existing interface -i/-I allow, switching it
// to station mode first.
func (d *Daemon) adoptInterface(ctx context.Context, ifc *nl80211.Interface, w *nl80211.Wiphy) bool {
	if !d.opts.ManagesInterface(ifc.Name) {
		d.log.Info("interface not managed (filtered)", "iface", ifc.Name)
		return false
	}
	if ifc.Type != nl80211.IftypeStation {
		if err := d.nl.SetInterfaceType(ctx, ifc.Index, nl80211.IftypeStation); err != nil {
			d.log.Warn("cannot switch to station mode", "iface", ifc.Name, "err", err)
			return false
		}
	}
	d.addDevice(ctx, ifc, w)
	return true
}

// onWiphyEvent adopts a radio plugged in while wifid runs and forgets one
// that is gone (its interfaces' DEL_INTERFACE stop their stations).
func (d *Daemon) onWiphyEvent(ctx context.Context, e *nl80211.WiphyEvent) {
	info := e.Info()
	switch info.Cmd {
	case unix.NL80211_CMD_NEW_WIPHY:
		d.mu.Lock()
		_, known := d.wiphys[info.Wiphy]
		d.mu.Unlock()
		if known || !d.opts.ManagesPhy(e.Name) {
			return
		}
		// The event's description may be a split fragment: ask for all.
		w, err := d.nl.Wiphy(ctx, info.Wiphy)
		if err != nil {
			d.log.Warn("new wiphy not adopted", "wiphy", e.Name, "err", err)
			return
		}
		ifaces, err := d.nl.Interfaces(ctx)
		if err != nil {
			d.log.Warn("new wiphy not adopted", "wiphy", e.Name, "err", err)
			return
		}
		d.log.Info("wiphy added", "wiphy", w.Name, "index", w.Index)
		d.adoptWiphy(ctx, w, ifaces)
	case unix.NL80211_CMD_DEL_WIPHY:
		d.wiphyRemoved(info.Wiphy)
	}
}

// wiphyRemoved forgets a radio that is gone.
func (d *Daemon) wiphyRemoved(index int) {
	d.mu.Lock()
	w, known := d.wiphys[index]
	delete(d.wiphys, index)
	delete(d.radios, index)
	d.mu.Unlock()
	if known {
		d.log.Info("wiphy removed", "wiphy", w.Name, "index", w.Index)
	}
}

// keepsDefaultInterface: main.conf's UseDefaultInterface (deprecated) or
// [DriverQuirks] DefaultInterface naming the wiphy's driver keep the
// kernel's interface instead of replacing it.
func (d *Daemon) keepsDefaultInterface(w *nl80211.Wiphy) bool {
	if d.conf.UseDefaultInterface {
		return true
	}
	if driver := wiphyDriver(w); d.conf.Quirks.For(driver)["DefaultInterface"] {
		d.log.Info("driver quirk: keeping the default interface", "wiphy", w.Name, "driver", driver)
		return true
	}
	return false
}

// wiphyDriver is the name of the radio's kernel driver ("" when sysfs
// does not say), which [DriverQuirks] patterns match.
func wiphyDriver(w *nl80211.Wiphy) string {
	link, err := os.Readlink(filepath.Join("/sys/class/ieee80211", w.Name, "device", "driver"))
	if err != nil {
		return ""
	}
	return filepath.Base(link)
}

func (d *Daemon) createStation(ctx context.Context, w *nl80211.Wiphy) error {
	name := fmt.Sprintf("wlan%d", w.Index)
	ifc, err := d.nl.NewInterface(ctx, nl80211.NewInterfaceRequest{Wiphy: w.Index, Name: name,
		Type: nl80211.IftypeStation, SocketOwner: true})
	if errors.Is(err, unix.ENFILE) { // the kernel's answer when the name is in use
		return fmt.Errorf("the name %s is taken: %w", name, err)
	}
	if err != nil {
		return err
	}
	d.log.Info("interface created", "iface", ifc.Name, "wiphy", w.Name)
	d.addDevice(ctx, ifc, w)
	return nil
}

// onInterfaceEvent follows interfaces that come and go while wifid runs
// (hot-plug, or someone's `iw dev ... del`).
func (d *Daemon) onInterfaceEvent(ctx context.Context, e *nl80211.InterfaceEvent) {
	info := e.Info()
	switch info.Cmd {
	case unix.NL80211_CMD_DEL_INTERFACE:
		d.interfaceRemoved(ctx, info.Ifindex)
	case unix.NL80211_CMD_NEW_INTERFACE:
		d.interfaceAppeared(ctx, e.Interface)
	}
}

// interfaceRemoved stops the station of a managed interface that is gone
// and makes a new one on its radio later (unless the radio goes too).
func (d *Daemon) interfaceRemoved(ctx context.Context, ifindex int) {
	d.mu.Lock()
	m := d.devices[ifindex]
	delete(d.devices, ifindex)
	d.mu.Unlock()
	if m == nil {
		return
	}
	d.log.Info("interface removed", "iface", m.name(),
		"wifid", "stops its station; makes a new interface on the radio unless the radio is going too")
	d.stopStation(m, "interface removed")
	if d.api != nil {
		d.api.DeviceRemoved(ifindex)
	}
	d.recreateLater(ctx, m.wiphy.Index, 0)
}

// interfaceAppeared adopts a new station interface on an adopted radio
// that has none.
func (d *Daemon) interfaceAppeared(ctx context.Context, ifc *nl80211.Interface) {
	if ifc == nil || ifc.Index == 0 || ifc.Type != nl80211.IftypeStation {
		return
	}
	d.mu.Lock()
	_, known := d.devices[ifc.Index]
	w := d.wiphys[ifc.Wiphy]
	busy := false
	for _, m := range d.devices {
		busy = busy || m.wiphy.Index == ifc.Wiphy
	}
	d.mu.Unlock()
	switch {
	case known:
	case w == nil:
		// A wiphy not adopted (filtered, or its NEW_WIPHY still to
		// come: adoptWiphy will see this interface then).
	case busy:
		d.log.Info("interface left alone: its radio has a station already", "iface", ifc.Name)
	default:
		d.adoptInterface(ctx, ifc, w)
	}
}

// addDevice manages an interface: it shows it (a Device on D-Bus), brings
// it up unless its radio is blocked, and the station starts with the link.
func (d *Daemon) addDevice(ctx context.Context, ifc *nl80211.Interface, w *nl80211.Wiphy) {
	m := &managed{iface: ifc, wiphy: w, wantUp: true}
	d.mu.Lock()
	d.devices[ifc.Index] = m
	r := d.radios[w.Index]
	d.mu.Unlock()
	if r != nil && !r.powered() {
		d.showDevice(m)
		d.log.Info("interface stays down until its radio is unblocked", "iface", ifc.Name, "why", r.blockReason())
		return
	}
	if udevRunning() && !udevDone(ifc.Index) {
		// udev renames a new interface only while it is down (before
		// Linux 6.2): bringing it up now would make its rename fail.
		d.showDevice(m)
		d.log.Info("interface waits for udev before going up (udev may rename it)", "iface", ifc.Name)
		d.waitUdev(ctx, m)
		return
	}
	d.bringUp(ctx, m) // shows the Device with its Station
	d.showDevice(m)   // or without, if it did not come up
}

// showDevice puts m's Device on D-Bus unless it is there already.
func (d *Daemon) showDevice(m *managed) {
	d.mu.Lock()
	shown := m.shown
	m.shown = true
	d.mu.Unlock()
	if !shown && d.api != nil {
		d.api.DeviceAdded(d.deviceInfo(m))
	}
}

// bringUp brings m's interface up; the station starts with the link.
func (d *Daemon) bringUp(ctx context.Context, m *managed) {
	d.mu.Lock()
	r := d.radios[m.wiphy.Index]
	d.mu.Unlock()
	if r != nil && !r.powered() {
		d.log.Info("interface stays down until its radio is unblocked", "iface", m.name(), "why", r.blockReason())
		return
	}
	if err := linkSet(m.iface.Index, true); err != nil {
		d.log.Warn("interface not brought up", "iface", m.name(), "err", err)
		return
	}
	d.linkChanged(ctx, m, true)
}

// deviceInfo is what the API shows of m now.
func (d *Daemon) deviceInfo(m *managed) DeviceInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.radios[m.wiphy.Index]
	return DeviceInfo{Iface: m.iface, Wiphy: m.wiphy, Powered: m.up, AdapterPowered: r == nil || r.powered()}
}

func (d *Daemon) deviceChanged(m *managed) {
	d.mu.Lock()
	shown := m.shown
	d.mu.Unlock()
	if shown && d.api != nil {
		d.api.DeviceChanged(d.deviceInfo(m))
	}
}

// stopStation ends m's station, if one runs, and waits for it to finish
// (its Run returns promptly once cancelled).
func (d *Daemon) stopStation(m *managed, why string) {
	d.mu.Lock()
	st, cancel, done := m.st, m.cancel, m.done
	m.st, m.cancel, m.done, m.events = nil, nil, nil, nil
	d.mu.Unlock()
	if st == nil {
		return
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		d.log.Warn("station slow to stop", "iface", m.name())
	}
	if d.api != nil {
		d.api.StationRemoved(m.iface.Index)
	}
	d.log.Info("station stopped", "iface", m.name(), "why", why)
}

// startStation runs a station on m's interface, which is up.
func (d *Daemon) startStation(ctx context.Context, m *managed) error {
	ifc, w := m.iface, m.wiphy
	driver := wiphyDriver(w)
	quirks := d.conf.Quirks.For(driver)
	if len(quirks) > 0 {
		d.log.Info("driver quirks", "iface", ifc.Name, "driver", driver, "quirks", slices.Sorted(maps.Keys(quirks)))
	}
	if quirks["PowerSaveDisable"] {
		if err := d.nl.SetPowerSave(ctx, ifc.Index, false); err != nil {
			d.log.Warn("power save not turned off", "iface", ifc.Name, "err", err)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	events := make(chan nl80211.Event, 256)
	done := make(chan struct{})
	cfg := station.Config{
		Ifindex:     ifc.Index,
		Ifname:      ifc.Name,
		MAC:         ifc.MAC,
		Wiphy:       w,
		Kernel:      d.kernel,
		Events:      events,
		Known:       d.known,
		IP:          d.ip,
		Filters:     sysctlFilters{log: d.log},
		AutoConnect: !d.opts.Developer,
		Scan:        d.conf.Scan,
		Rank:        d.conf.Rank,
		Blacklist:   d.conf.Blacklist,
		Roam:        d.conf.Roam,
		MFP:         d.conf.ManagementFrameProtection,
		PMKSA:       d.conf.PMKSA,
		DisableANQP: d.conf.DisableANQP,
		SAEDisabled: quirks["SaeDisable"],
		OWEDisabled: quirks["OweDisable"],
		ForcePAE:    quirks["ForcePae"] || !d.conf.ControlPortOverNL80211,
		Logger:      d.log,
		OnChange: func(v station.View) {
			if v.State == station.Connected {
				d.settle("connected")
			}
			if d.api != nil {
				d.api.StationChanged(ifc.Index, v)
			}
		},
		OnEvent: func(name string, args ...any) {
			if d.api != nil {
				d.api.StationEvent(ifc.Index, name, args...)
			}
		},
		OnSignalLevel: func(level int) {
			if d.api != nil {
				d.api.SignalLevel(ifc.Index, level)
			}
		},
	}
	if d.api != nil {
		cfg.Agent = d.api.Agent(ifc.Index)
	}
	st := station.New(cfg)
	d.mu.Lock()
	m.st, m.events, m.cancel, m.done = st, events, cancel, done
	d.mu.Unlock()
	d.showDevice(m)
	if d.api != nil {
		d.api.StationAdded(StationInfo{Station: st, Iface: ifc, Wiphy: w})
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(done)
		st.Run(sctx)
	}()
	d.log.Info("station", "iface", ifc.Name, "ifindex", ifc.Index, "mac", ifc.MAC.String(), "wiphy", w.Name)
	return nil
}
