package daemon

import (
	"testing"
	"time"
)

// TestRenamedWhileRunning: the kernel renames an interface whose station
// runs (Linux 6.2 and later rename a link that is up; the lab's 6.1 does
// not, so this is the daemon's side of it): Device.Name on the bus and the
// station's view take the new name.
func TestRenamedWhileRunning(t *testing.T) {
	h := newAPIHarness(t, nil)
	h.d.mu.Lock()
	m := h.d.devices[hIfindex]
	h.d.mu.Unlock()
	h.d.renamed(h.ctx, m, "wlren0", "")
	if got := h.d.Stations()[hIfindex].Station.View().Ifname; got != "wlren0" {
		t.Errorf("station View.Ifname %q after the rename, want wlren0", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		name, _ := h.managed()[hDevice]["net.connman.iwd.Device"]["Name"].Value().(string)
		if name == "wlren0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Device.Name %q on the bus after the rename, want wlren0", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
