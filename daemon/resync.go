package daemon

import (
	"context"

	"wifid/nl80211"
)

// deviceDiff is what lost nl80211 events hid: the radios and interfaces
// the kernel has now, compared with the ones wifid manages.
type deviceDiff struct {
	goneIfaces []int                // managed interfaces the kernel no longer has
	goneWiphys []int                // adopted radios the kernel no longer has
	newWiphys  []*nl80211.Wiphy     // radios not adopted yet
	newIfaces  []*nl80211.Interface // interfaces not managed on adopted radios
}

// diffDevices compares the kernel's dump (wiphys, ifaces) with the
// managed interfaces and adopted radios (by index).
func diffDevices(wiphys []*nl80211.Wiphy, ifaces []*nl80211.Interface, managed, adopted map[int]bool) deviceDiff {
	var d deviceDiff
	haveIface, haveWiphy := map[int]bool{}, map[int]bool{}
	for _, ifc := range ifaces {
		haveIface[ifc.Index] = true
	}
	for _, w := range wiphys {
		haveWiphy[w.Index] = true
		if !adopted[w.Index] {
			d.newWiphys = append(d.newWiphys, w)
		}
	}
	for i := range managed {
		if !haveIface[i] {
			d.goneIfaces = append(d.goneIfaces, i)
		}
	}
	for i := range adopted {
		if !haveWiphy[i] {
			d.goneWiphys = append(d.goneWiphys, i)
		}
	}
	for _, ifc := range ifaces {
		if adopted[ifc.Wiphy] && !managed[ifc.Index] {
			d.newIfaces = append(d.newIfaces, ifc)
		}
	}
	return d
}

// resyncDevices lists the kernel's radios and interfaces again after lost
// events and does what the lost NEW/DEL_WIPHY and NEW/DEL_INTERFACE
// events would have done: interfaces gone lose their stations (and are
// made again, as after a DEL_INTERFACE), radios gone are forgotten, new
// radios adopted, new station interfaces on adopted radios adopted.
func (d *Daemon) resyncDevices(ctx context.Context) {
	wiphys, err := d.nl.Wiphys(ctx)
	if err != nil {
		d.log.Warn("resync: listing wiphys", "err", err)
		return
	}
	ifaces, err := d.nl.Interfaces(ctx)
	if err != nil {
		d.log.Warn("resync: listing interfaces", "err", err)
		return
	}
	managed, adopted := map[int]bool{}, map[int]bool{}
	d.mu.Lock()
	for i := range d.devices {
		managed[i] = true
	}
	for i := range d.wiphys {
		adopted[i] = true
	}
	d.mu.Unlock()
	diff := diffDevices(wiphys, ifaces, managed, adopted)
	d.log.Info("resync", "wiphys", len(wiphys), "interfaces", len(ifaces), "interfaces_gone", len(diff.goneIfaces),
		"wiphys_gone", len(diff.goneWiphys), "wiphys_new", len(diff.newWiphys))
	for _, i := range diff.goneIfaces {
		d.interfaceRemoved(ctx, i)
	}
	for _, i := range diff.goneWiphys {
		d.wiphyRemoved(i)
	}
	for _, w := range diff.newWiphys {
		if d.opts.ManagesPhy(w.Name) {
			d.log.Info("wiphy added", "wiphy", w.Name, "index", w.Index, "found", "by the resync")
			d.adoptWiphy(ctx, w, ifaces)
		}
	}
	for _, ifc := range diff.newIfaces {
		d.interfaceAppeared(ctx, ifc)
	}
}
