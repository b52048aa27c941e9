package daemon

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// udev and the interfaces wifid makes. udev applies .link files to a new
// interface: one may rename it (an admin's Name=, sorting before
// 80-wifid.link, which keeps the name wifid gave). Linux before 6.2
// renames only an interface that is down, so wifid waits for udev to be
// done with a new interface before bringing it up, as NetworkManager and
// systemd-networkd wait for a device to be "initialized", and then follows
// the name udev gave it. Without udev running there is nothing to wait for.

// udevRunDir is udev's runtime directory: its control socket while udevd
// runs, and its database.
const udevRunDir = "/run/udev"

// udevWait is how long an interface waits for udev before going up anyway
// (udev's rename then fails, and the interface keeps wifid's name).
const udevWait = 5 * time.Second

func udevRunning() bool {
	_, err := os.Stat(filepath.Join(udevRunDir, "control"))
	return err == nil
}

// udevDone reports whether udev has finished with the network interface:
// its database entry exists and has no ID_RENAMING (udev writes the entry
// with ID_RENAMING=1 before it renames an interface, and drops it when it
// has handled the rename's "move" event), as systemd-networkd checks.
func udevDone(ifindex int) bool {
	b, err := os.ReadFile(filepath.Join(udevRunDir, "data", "n"+strconv.Itoa(ifindex)))
	return err == nil && !bytes.Contains(b, []byte("E:ID_RENAMING=1"))
}

// udevRenamed is what a rename while wifid waits for udev came with.
const udevRenamed = "by udev, before wifid brought the interface up"

// waitUdev waits (off the loop) for udev to be done with m's interface and
// then, on the loop, follows its new name if it has one and brings it up.
func (d *Daemon) waitUdev(ctx context.Context, m *managed) {
	start := time.Now()
	d.mu.Lock()
	m.waitingUdev = true
	ifindex := m.iface.Index // m.iface is replaced on a rename: read it here
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for !udevDone(ifindex) && time.Since(start) < udevWait {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case d.later <- func(ctx context.Context) { d.udevSettled(ctx, m, time.Since(start)) }:
		case <-ctx.Done():
		}
	}()
}

// udevSettled continues addDevice once udev is done with m's interface or
// udevWait has passed (loop).
func (d *Daemon) udevSettled(ctx context.Context, m *managed, waited time.Duration) {
	d.mu.Lock()
	current := d.devices[m.iface.Index] == m
	m.waitingUdev = false
	d.mu.Unlock()
	if !current {
		return // deleted meanwhile
	}
	done := udevDone(m.iface.Index)
	if !done {
		d.log.Warn("udev not done with the interface; bringing it up anyway (a rename by udev will fail)",
			"iface", m.name(), "waited", waited.Round(time.Millisecond))
	}
	if ifi, err := net.InterfaceByIndex(m.iface.Index); err == nil && ifi.Name != m.name() {
		d.renamed(ctx, m, ifi.Name, udevRenamed)
	}
	if done {
		d.log.Info("udev done with the interface; bringing it up", "iface", m.name(), "waited", waited.Round(time.Millisecond))
	}
	d.bringUp(ctx, m)
}
