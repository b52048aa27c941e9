//go:build lab

package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/lab/labenv"
)

// powerBus reads and sets iwd's Powered properties over the system bus.
type powerBus struct {
	t    *testing.T
	conn *dbus.Conn
}

func (p powerBus) objects() map[dbus.ObjectPath]map[string]map[string]dbus.Variant {
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := p.conn.Object("net.connman.iwd", "/").Call("org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs); err != nil {
		p.t.Fatalf("GetManagedObjects: %v", err)
	}
	return objs
}

// find returns the path of the object with iface whose Name is name.
func (p powerBus) find(iface, name string) dbus.ObjectPath {
	for path, ifs := range p.objects() {
		if props, ok := ifs[iface]; ok && props["Name"].Value() == name {
			return path
		}
	}
	p.t.Fatalf("no %s named %s on the bus", iface, name)
	return ""
}

func (p powerBus) get(path dbus.ObjectPath, iface, prop string) dbus.Variant {
	ifs := p.objects()[path]
	return ifs[iface][prop]
}

func (p powerBus) hasStation(dev dbus.ObjectPath) bool {
	_, ok := p.objects()[dev]["net.connman.iwd.Station"]
	return ok
}

func (p powerBus) set(path dbus.ObjectPath, iface, prop string, v bool) error {
	return p.conn.Object("net.connman.iwd", path).Call("org.freedesktop.DBus.Properties.Set", 0, iface, prop, dbus.MakeVariant(v)).Err
}

// waitFor polls cond twice a second (over D-Bus and sysfs, spawning
// nothing) until it holds.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return time.Since(start)
}

func rfkillOf(t *testing.T, phy string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join("/sys/class/ieee80211", phy, "rfkill*"))
	if len(m) != 1 {
		t.Fatalf("rfkill switch of %s: %v", phy, m)
	}
	return filepath.Join("/sys/class/rfkill", filepath.Base(m[0]))
}

func softBlock(t *testing.T, sw string, on bool) {
	t.Helper()
	v := "0"
	if on {
		v = "1"
	}
	if err := os.WriteFile(filepath.Join(sw, "soft"), []byte(v), 0o644); err != nil {
		t.Fatal(err)
	}
}

func softBlocked(sw string) bool {
	b, _ := os.ReadFile(filepath.Join(sw, "soft"))
	return strings.TrimSpace(string(b)) == "1"
}

// TestWifidRfkill: airplane mode and back, as a laptop does it. A soft
// block turns Adapter.Powered and Device.Powered off and takes the Station
// away (no scans at a dead radio); an unblock brings the interface up and
// the known network back without anyone asking. Device.Powered=false set
// over D-Bus survives an rfkill cycle; Adapter.Powered over D-Bus is the
// soft block.
func TestWifidRfkill(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true,
		APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatalf("wifid did not connect: %v", err)
	}
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	bus := powerBus{t: t, conn: conn}
	const adapterIf, deviceIf = "net.connman.iwd.Adapter", "net.connman.iwd.Device"
	ad := bus.find(adapterIf, sta.Phy)
	dev := bus.find(deviceIf, sta.Iface)
	powered := func(path dbus.ObjectPath, iface string) bool {
		v, _ := bus.get(path, iface, "Powered").Value().(bool)
		return v
	}
	if !powered(ad, adapterIf) || !powered(dev, deviceIf) || !bus.hasStation(dev) {
		t.Fatal("connected, but Adapter/Device not powered or no Station")
	}
	sw := rfkillOf(t, sta.Phy)

	// Airplane mode.
	softBlock(t, sw, true)
	waitFor(t, "Adapter.Powered false after a soft block", 10*time.Second, func() bool { return !powered(ad, adapterIf) })
	waitFor(t, "Device.Powered false and no Station", 10*time.Second, func() bool {
		return !powered(dev, deviceIf) && !bus.hasStation(dev)
	})
	waitFor(t, "address gone", 10*time.Second, func() bool { return !hasIPv4(sta.Iface) })
	if out := wifictlOK(t, "device", sta.Iface, "show"); !strings.Contains(out, "blocked: airplane mode") {
		t.Errorf("wifictl device show does not say the radio is blocked:\n%s", out)
	}
	if out := wifictlOK(t, "adapter", "list"); !strings.Contains(out, "off (blocked: airplane mode)") {
		t.Errorf("wifictl adapter list does not say the radio is blocked:\n%s", out)
	}
	mark, _ := os.ReadFile(d.Log)
	time.Sleep(3 * time.Second)

	// Back on the air.
	softBlock(t, sw, false)
	took := waitFor(t, "reconnected after unblock", 60*time.Second, func() bool { return hasIPv4(sta.Iface) })
	t.Logf("unblock to IPv4 address: %.1f s", took.Seconds())
	if !powered(ad, adapterIf) || !powered(dev, deviceIf) || !bus.hasStation(dev) {
		t.Error("after unblock: Adapter/Device not powered or no Station")
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Errorf("no traffic after unblock: %v", err)
	}
	if b, _ := os.ReadFile(d.Log); strings.Contains(string(b[len(mark):]), "network is down") {
		t.Error("wifid used the interface while it was down (\"network is down\" in its log)")
	}

	// Device.Powered=false over D-Bus stays off through an rfkill cycle.
	if err := bus.set(dev, deviceIf, "Powered", false); err != nil {
		t.Fatalf("Device.Powered=false: %v", err)
	}
	waitFor(t, "Device.Powered false and no Station after Set", 10*time.Second, func() bool {
		return !powered(dev, deviceIf) && !bus.hasStation(dev)
	})
	softBlock(t, sw, true)
	waitFor(t, "Adapter.Powered false", 10*time.Second, func() bool { return !powered(ad, adapterIf) })
	softBlock(t, sw, false)
	waitFor(t, "Adapter.Powered true", 10*time.Second, func() bool { return powered(ad, adapterIf) })
	time.Sleep(3 * time.Second)
	if powered(dev, deviceIf) || hasIPv4(sta.Iface) {
		t.Error("a device turned off over D-Bus came back on after an rfkill cycle")
	}
	if err := bus.set(dev, deviceIf, "Powered", true); err != nil {
		t.Fatalf("Device.Powered=true: %v", err)
	}
	waitFor(t, "reconnected after Device.Powered=true", 60*time.Second, func() bool { return hasIPv4(sta.Iface) })

	// Adapter.Powered over D-Bus is the soft block (set here by wifictl).
	wifictlOK(t, "adapter", sta.Phy, "set-property", "Powered", "off")
	waitFor(t, "soft block from Adapter.Powered=false", 10*time.Second, func() bool { return softBlocked(sw) && !powered(ad, adapterIf) })
	wifictlOK(t, "adapter", sta.Phy, "set-property", "Powered", "on")
	waitFor(t, "unblocked and reconnected after Adapter.Powered=true", 60*time.Second, func() bool {
		return !softBlocked(sw) && hasIPv4(sta.Iface)
	})
	fmt.Fprintln(os.Stderr, "rfkill cycle done")
}

// TestWifidStartsBlocked: wifid started on a radio in airplane mode shows
// it off, tries nothing on it (no scan at a dead radio, no "network is
// down"), and the unblock brings the known network back.
func TestWifidStartsBlocked(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true,
		APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	sw := rfkillOf(t, sta.Phy)
	softBlock(t, sw, true)
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	bus := powerBus{t: t, conn: conn}
	const adapterIf, deviceIf = "net.connman.iwd.Adapter", "net.connman.iwd.Device"
	named := func(iface, name string) dbus.ObjectPath {
		var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
		if conn.Object("net.connman.iwd", "/").Call("org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs) != nil {
			return ""
		}
		for path, ifs := range objs {
			if props, ok := ifs[iface]; ok && props["Name"].Value() == name {
				return path
			}
		}
		return ""
	}
	var ad, dev dbus.ObjectPath
	waitFor(t, "Adapter and Device on the bus", 30*time.Second, func() bool {
		ad, dev = named(adapterIf, sta.Phy), named(deviceIf, sta.Iface)
		return ad != "" && dev != ""
	})
	powered := func(path dbus.ObjectPath, iface string) bool {
		v, _ := bus.get(path, iface, "Powered").Value().(bool)
		return v
	}
	if powered(ad, adapterIf) || powered(dev, deviceIf) || bus.hasStation(dev) {
		t.Fatal("started blocked, but Adapter or Device powered, or a Station")
	}
	if out := wifictlOK(t, "device", sta.Iface, "show"); !strings.Contains(out, "blocked: airplane mode") {
		t.Errorf("wifictl device show does not say the radio is blocked:\n%s", out)
	}
	time.Sleep(5 * time.Second)
	if b, _ := os.ReadFile(d.Log); strings.Contains(string(b), "network is down") || strings.Contains(string(b), "msg=\"scan done\"") {
		t.Error("wifid used the blocked radio (a scan or \"network is down\" in its log)")
	}

	softBlock(t, sw, false)
	took := waitFor(t, "connected after the unblock", 60*time.Second, func() bool { return hasIPv4(sta.Iface) })
	t.Logf("unblock to IPv4 address (started blocked): %.1f s", took.Seconds())
	if !powered(ad, adapterIf) || !powered(dev, deviceIf) || !bus.hasStation(dev) {
		t.Error("after the unblock: Adapter/Device not powered or no Station")
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Errorf("no traffic after the unblock: %v", err)
	}
}
