package daemon

import (
	"context"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"

	"github.com/jsimonetti/rtnetlink/v2/rtnl"
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
	d.mu.Lock()
	d.wiphys[w.Index] = w
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

// adoptInterface starts a station on an existing interface -i/-I allow,
// switching it to station mode first.
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
	if err := d.startStation(ctx, ifc, w); err != nil {
		d.log.Warn("station not started", "iface", ifc.Name, "err", err)
		return false
	}
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
		d.mu.Lock()
		w, known := d.wiphys[info.Wiphy]
		delete(d.wiphys, info.Wiphy)
		d.mu.Unlock()
		if known {
			d.log.Info("wiphy removed", "wiphy", w.Name, "index", w.Index)
		}
	}
}

// keepsDefaultInterface: main.conf's UseDefaultInterface (deprecated) or
// [DriverQuirks] DefaultInterface naming the wiphy's driver keep the
// kernel's interface instead of replacing it.
func (d *Daemon) keepsDefaultInterface(w *nl80211.Wiphy) bool {
	if d.conf.UseDefaultInterface {
		return true
	}
	link, err := os.Readlink(filepath.Join("/sys/class/ieee80211", w.Name, "device", "driver"))
	if err != nil {
		return false
	}
	driver := filepath.Base(link)
	for _, g := range d.conf.DefaultInterfaceDrivers {
		if ok, _ := path.Match(g, driver); ok {
			d.log.Info("driver quirk: keeping the default interface", "wiphy", w.Name, "driver", driver)
			return true
		}
	}
	return false
}

func (d *Daemon) createStation(ctx context.Context, w *nl80211.Wiphy) error {
	name := fmt.Sprintf("wlan%d", w.Index)
	ifc, err := d.nl.NewInterface(ctx, nl80211.NewInterfaceRequest{Wiphy: w.Index, Name: name,
		Type: nl80211.IftypeStation, SocketOwner: true})
	if err != nil {
		return err
	}
	d.log.Info("interface created", "iface", ifc.Name, "wiphy", w.Name)
	return d.startStation(ctx, ifc, w)
}

// onInterfaceEvent follows interfaces that come and go while wifid runs
// (hot-plug, or someone's `iw dev ... del`).
func (d *Daemon) onInterfaceEvent(ctx context.Context, e *nl80211.InterfaceEvent) {
	info := e.Info()
	switch info.Cmd {
	case unix.NL80211_CMD_DEL_INTERFACE:
		d.mu.Lock()
		m := d.stations[info.Ifindex]
		delete(d.stations, info.Ifindex)
		d.mu.Unlock()
		if m != nil {
			d.log.Info("interface removed", "iface", m.iface.Name)
			m.cancel()
		}
	case unix.NL80211_CMD_NEW_INTERFACE:
		ifc := e.Interface
		if ifc == nil || ifc.Index == 0 || ifc.Type != nl80211.IftypeStation {
			return
		}
		d.mu.Lock()
		_, known := d.stations[ifc.Index]
		w := d.wiphys[ifc.Wiphy]
		busy := false
		for _, m := range d.stations {
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
}

// linkUp brings the interface up; nl80211 scans need it.
func linkUp(ifindex int) error {
	c, err := rtnl.Dial(nil)
	if err != nil {
		return err
	}
	defer c.Close()
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return err
	}
	return c.LinkUp(ifi)
}

func (d *Daemon) startStation(ctx context.Context, ifc *nl80211.Interface, w *nl80211.Wiphy) error {
	if err := linkUp(ifc.Index); err != nil {
		return fmt.Errorf("link up: %w", err)
	}
	d.runStation(ctx, ifc, w, d.nl)
	return nil
}

// runStation runs a station on ifc, asking k of the kernel (the nl80211
// client; a scripted kernel in the D-Bus tests), until ctx ends or the
// interface goes, and shows it to the API meanwhile.
func (d *Daemon) runStation(ctx context.Context, ifc *nl80211.Interface, w *nl80211.Wiphy, k station.Kernel) {
	sctx, cancel := context.WithCancel(ctx)
	m := &managed{iface: ifc, wiphy: w, events: make(chan nl80211.Event, 256), cancel: cancel}
	cfg := station.Config{
		Ifindex:     ifc.Index,
		Ifname:      ifc.Name,
		MAC:         ifc.MAC,
		Wiphy:       w,
		Kernel:      k,
		Events:      m.events,
		Known:       d.known,
		IP:          d.ip,
		AutoConnect: !d.opts.Developer,
		Scan:        d.conf.Scan,
		Rank:        d.conf.Rank,
		Blacklist:   d.conf.Blacklist,
		Roam:        d.conf.Roam,
		MFP:         d.conf.ManagementFrameProtection,
		Logger:      d.log,
		OnChange: func(v station.View) {
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
	m.st = station.New(cfg)
	d.mu.Lock()
	d.stations[ifc.Index] = m
	d.mu.Unlock()
	if d.api != nil {
		d.api.StationAdded(StationInfo{Station: m.st, Iface: ifc, Wiphy: w})
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		m.st.Run(sctx)
		if d.api != nil {
			d.api.StationRemoved(ifc.Index)
		}
	}()
	d.log.Info("station", "iface", ifc.Name, "ifindex", ifc.Index, "mac", ifc.MAC.String(), "wiphy", w.Name)
}
