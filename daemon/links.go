package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/rtnl"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"wifid/station"
)

// linkEvent is what the kernel said of an interface (RTM_NEWLINK).
type linkEvent struct {
	ifindex int
	name    string
	up      bool
}

// errRfkill is an interface that cannot go up because its radio is blocked.
var errRfkill = errors.New("radio blocked (rfkill)")

// linkSet brings an interface up or down.
func linkSet(ifindex int, up bool) error {
	c, err := rtnl.Dial(nil)
	if err != nil {
		return err
	}
	defer c.Close()
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return err
	}
	if up {
		err = c.LinkUp(ifi)
	} else {
		err = c.LinkDown(ifi)
	}
	if errors.Is(err, unix.ERFKILL) {
		return fmt.Errorf("link %s up: %w", ifi.Name, errRfkill)
	}
	if err != nil {
		return fmt.Errorf("link %s up=%v: %w", ifi.Name, up, err)
	}
	return nil
}

// watchLinks sends the kernel's link changes to the loop: an interface
// someone else brought down or up, or renamed (udev).
func (d *Daemon) watchLinks(ctx context.Context) <-chan linkEvent {
	c, err := rtnetlink.Dial(&netlink.Config{Groups: unix.RTMGRP_LINK})
	if err != nil {
		d.log.Warn("not watching links: interfaces taken down by others go unnoticed", "err", err)
		return nil
	}
	out := make(chan linkEvent, 16)
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		<-ctx.Done()
		c.Close()
	}()
	go func() {
		defer d.wg.Done()
		defer close(out)
		for {
			msgs, raw, err := c.Receive()
			if err != nil {
				if ctx.Err() == nil {
					d.log.Warn("link events ended", "err", err)
				}
				return
			}
			for i, m := range msgs {
				lm, ok := m.(*rtnetlink.LinkMessage)
				if !ok || raw[i].Header.Type != unix.RTM_NEWLINK {
					continue // deletion comes as nl80211's DEL_INTERFACE
				}
				ev := linkEvent{ifindex: int(lm.Index), up: lm.Flags&unix.IFF_UP != 0}
				if lm.Attributes != nil {
					ev.name = lm.Attributes.Name
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// onLink follows one of our interfaces going up, down or being renamed
// (loop).
func (d *Daemon) onLink(ctx context.Context, ev linkEvent) {
	d.mu.Lock()
	m := d.devices[ev.ifindex]
	d.mu.Unlock()
	if m == nil {
		return
	}
	// Events queue: what an old one says (down, at creation) may be past.
	// Ask the kernel for the interface as it is now.
	if ifi, err := net.InterfaceByIndex(ev.ifindex); err == nil {
		ev.name, ev.up = ifi.Name, ifi.Flags&net.FlagUp != 0
	}
	if ev.name != "" && ev.name != m.name() {
		d.renamed(ctx, m, ev.name, "")
	}
	d.linkChanged(ctx, m, ev.up)
}

// renamed follows the kernel's new name for m's interface (udev, `ip link
// set name`): Device.Name, the station's logs and view, and its IP
// configuration (netconfig follows on its own) use it from now on (loop).
// when says what the rename came with, for the log ("" for nothing).
func (d *Daemon) renamed(ctx context.Context, m *managed, name, when string) {
	was := m.name()
	d.mu.Lock()
	ifc := *m.iface
	ifc.Name = name
	m.iface = &ifc
	st := m.st
	waiting := m.waitingUdev
	if waiting && when == "" {
		when = udevRenamed
	}
	d.mu.Unlock()
	what := "Device.Name follows"
	if waiting {
		what = "Device.Name follows; the interface goes up once udev is done with it"
	}
	if st != nil {
		what = "Device.Name, the station and its IP configuration follow"
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := st.Renamed(cctx, name)
		cancel()
		if err != nil && !errors.Is(err, station.ErrStopped) {
			d.log.Warn("station not told the new name", "iface", name, "err", err)
		}
	}
	args := []any{"iface", name, "was", was}
	if when != "" {
		args = append(args, "when", when)
	}
	d.log.Info("interface renamed", append(args, "wifid", what)...)
	d.deviceChanged(m)
}

// linkChanged starts the station when the interface is up (and its radio
// powered) and stops it when it is down.
func (d *Daemon) linkChanged(ctx context.Context, m *managed, up bool) {
	d.mu.Lock()
	was := m.up
	m.up = up
	running := m.st != nil
	powered := d.radios[m.wiphy.Index] == nil || d.radios[m.wiphy.Index].powered()
	d.mu.Unlock()
	if was != up {
		d.log.Info("interface "+map[bool]string{true: "up", false: "down"}[up], "iface", m.name())
		d.deviceChanged(m)
	}
	switch {
	case up && !running && powered:
		if err := d.startStation(ctx, m); err != nil {
			d.log.Warn("station not started", "iface", m.name(), "err", err)
		}
	case !up && running:
		d.stopStation(m, "interface down")
	}
}
