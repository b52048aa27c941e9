//go:build lab

package lab

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/lab/labenv"
)

// Interfaces that change under the daemon: taken down and up, renamed,
// deleted by someone else, renamed by udev as the daemon makes them.

// linkDaemon starts wifid or iwd on radio 1 with labnet known; keep is
// UseDefaultInterface.
func linkDaemon(lab *labenv.Lab, which string, keep bool) *labenv.Daemon {
	general := "[General]\nEnableNetworkConfiguration=true\n"
	if keep {
		general += "UseDefaultInterface=true\n"
	}
	// A loaded guest can time an association out, and the only BSS is then
	// blacklisted (60 s by default, in both daemons): 5 s keeps these
	// tests about the interface, not about a slow hostapd.
	general += "[Blacklist]\nInitialTimeout=5\n"
	o := labenv.DaemonOptions{
		Phys:     []string{lab.Radios[1].Phy},
		Args:     []string{"-d"},
		MainConf: general,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	}
	if which == "iwd" {
		return lab.StartIwd(o)
	}
	o.MainConf += "[Network]\nNameResolvingService=none\n"
	return lab.StartWifid(o)
}

// deviceNames is every Device.Name on the bus (none while the daemon has
// not registered one).
func deviceNames(t *testing.T) []string {
	t.Helper()
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := conn.Object("net.connman.iwd", "/").Call("org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs); err != nil {
		return nil
	}
	var names []string
	for _, ifs := range objs {
		if props, ok := ifs["net.connman.iwd.Device"]; ok {
			if n, ok := props["Name"].Value().(string); ok {
				names = append(names, n)
			}
		}
	}
	return names
}

// waitDeviceName waits until the bus shows one Device, named name.
func waitDeviceName(t *testing.T, name string, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		got := deviceNames(t)
		if len(got) == 1 && got[0] == name {
			return
		}
		if time.Since(start) > timeout {
			t.Fatalf("Device.Name on the bus %q, want [%s] (kernel: %s)", got, name, linkNames())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// linkNames lists the root namespace's interfaces, for messages.
func linkNames() string {
	ifs, _ := net.Interfaces()
	var s []string
	for _, i := range ifs {
		s = append(s, i.Name)
	}
	return strings.Join(s, " ")
}

func logSince(t *testing.T, d *labenv.Daemon, mark int) string {
	t.Helper()
	b, err := os.ReadFile(d.Log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[mark:])
}

func logLen(d *labenv.Daemon) int {
	fi, err := os.Stat(d.Log)
	if err != nil {
		return 0
	}
	return int(fi.Size())
}

// TestInterfaceDownUpRenamed, for wifid and iwd: the daemon starts on an
// interface someone renamed before (UseDefaultInterface keeps it), then
// someone takes it down and up (the known network is joined again), then
// takes it down, renames it and brings it up (joined again under the new
// name, Device.Name follows).
func TestInterfaceDownUpRenamed(t *testing.T) {
	for _, which := range []string{"wifid", "iwd"} {
		t.Run(which, func(t *testing.T) {
			lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
				APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
			const first, second = "wlold0", "wlnew0"
			lab.Run("ip", "link", "set", "dev", lab.Radios[1].Iface, "name", first)
			d := linkDaemon(lab, which, true)
			if _, err := lab.WaitIPv4(first, 90*time.Second); err != nil {
				t.Fatalf("%s did not connect on %s, renamed before it started: %v", which, first, err)
			}
			waitDeviceName(t, first, 10*time.Second)

			lab.Run("ip", "link", "set", "dev", first, "down")
			waitFor(t, "address gone after link down", 10*time.Second, func() bool { return !hasIPv4(first) })
			time.Sleep(time.Second)
			lab.Run("ip", "link", "set", "dev", first, "up")
			took := waitFor(t, which+" reconnected after link up", 90*time.Second, func() bool { return hasIPv4(first) })
			t.Logf("%s: link up to IPv4 address: %.1f s", which, took.Seconds())
			if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
				t.Errorf("no traffic after link up: %v", err)
			}

			mark := logLen(d)
			lab.Run("ip", "link", "set", "dev", first, "down")
			waitFor(t, "address gone after link down", 10*time.Second, func() bool { return !hasIPv4(first) })
			lab.Run("ip", "link", "set", "dev", first, "name", second)
			time.Sleep(time.Second)
			lab.Run("ip", "link", "set", "dev", second, "up")
			took = waitFor(t, which+" reconnected after rename and link up", 90*time.Second, func() bool { return hasIPv4(second) })
			t.Logf("%s: link up (renamed) to IPv4 address: %.1f s", which, took.Seconds())
			waitDeviceName(t, second, 10*time.Second)
			if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
				t.Errorf("no traffic after rename: %v", err)
			}
			if which == "wifid" {
				log := logSince(t, d, mark)
				if strings.Contains(log, "frame registration refused") {
					t.Errorf("a station started again on the interface says its frame registrations were refused")
				}
				for _, want := range []string{`msg="interface renamed" iface=` + second + ` was=` + first, `msg=connected iface=` + second} {
					if !strings.Contains(log, want) {
						t.Errorf("wifid's log lacks %q", want)
					}
				}
				if i := strings.Index(log, `msg="interface renamed"`); i >= 0 && strings.Contains(log[i:], "iface="+first+" ") {
					t.Errorf("wifid still logs the old name after the rename")
				}
			}
		})
	}
}

// TestWifidInterfaceDeleted: someone deletes wifid's interface (`iw dev
// wlan1 del`) while its radio stays: wifid makes a new one and joins the
// known network again. (iwd 2.3 forgets the interface and leaves the radio
// without one, so there is no iwd side.) Then the name is taken by a veth
// before the interface (renamed) is deleted: wifid's tries to recreate it are
// bounded and logged, and it keeps running.
func TestWifidInterfaceDeleted(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
		APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	iface := lab.Radios[1].Iface
	d := linkDaemon(lab, "wifid", false)
	if _, err := lab.WaitIPv4(iface, 90*time.Second); err != nil {
		t.Fatalf("wifid did not connect: %v", err)
	}
	before, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatal(err)
	}
	mark := logLen(d)
	start := time.Now()
	lab.Run("iw", "dev", iface, "del")
	waitFor(t, "interface recreated and connected", 60*time.Second, func() bool {
		ifi, err := net.InterfaceByName(iface)
		return err == nil && ifi.Index != before.Index && hasIPv4(iface)
	})
	t.Logf("iw dev del to IPv4 address on the new interface: %.1f s", time.Since(start).Seconds())
	waitDeviceName(t, iface, 10*time.Second)
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Errorf("no traffic on the recreated interface: %v", err)
	}
	log := logSince(t, d, mark)
	for _, want := range []string{`msg="interface removed" iface=` + iface, `msg="interface created" iface=` + iface} {
		if !strings.Contains(log, want) {
			t.Errorf("wifid's log lacks %q", want)
		}
	}

	// The name taken before the interface goes: creation keeps failing.
	lab.Run("ip", "link", "set", "dev", iface, "down")
	lab.Run("ip", "link", "set", "dev", iface, "name", "wltmp0")
	lab.Run("ip", "link", "add", iface, "type", "veth", "peer", "name", "labpeer0")
	defer exec.Command("ip", "link", "del", iface).Run()
	mark = logLen(d)
	lab.Run("iw", "dev", "wltmp0", "del")
	if err := d.WaitLog("interface not recreated; giving up", 40*time.Second); err != nil {
		t.Fatal(err)
	}
	log = logSince(t, d, mark)
	if !strings.Contains(log, "the name "+iface+" is taken") {
		t.Errorf("wifid's log does not say the name is taken")
	}
	if n := strings.Count(log, "interface not recreated; trying again"); n != 3 {
		t.Errorf("%d retries logged, want 3", n)
	}
	time.Sleep(2 * time.Second)
	if strings.Count(logSince(t, d, mark), "msg=\"interface not recreated") != 4 {
		t.Errorf("wifid went on trying after giving up")
	}
	if exited, err := d.Exited(); exited {
		t.Fatalf("wifid exited: %v", err)
	}
}

// startUdevd runs the host's systemd-udevd in the guest with a .link file
// in /run/systemd/network that renames from to name (sorting before
// wifid's and iwd's 80-*.link, as an admin's file would), and replays the
// network interfaces' add events so the existing one is renamed too.
func startUdevd(t *testing.T, lab *labenv.Lab, from, name string) {
	t.Helper()
	dir := "/run/systemd/network"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "10-lab-rename.link")
	if err := os.WriteFile(link, []byte("[Match]\nOriginalName="+from+"\n\n[Link]\nName="+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	udevd := lab.Start("udevd", nil, "/lib/systemd/systemd-udevd", "--debug")
	t.Cleanup(func() {
		// Gone with udevd, its socket and database: later tests in this
		// boot run without udev.
		udevd.Stop()
		os.RemoveAll("/run/udev")
		os.Remove(link)
	})
	waitFor(t, "udevd's control socket", 20*time.Second, func() bool {
		_, err := os.Stat("/run/udev/control")
		return err == nil
	})
	lab.Run("udevadm", "trigger", "--subsystem-match=net", "--action=add")
	lab.Run("udevadm", "settle", "--timeout=30")
}

// TestUdevRenames, for wifid and iwd: udev (systemd-udevd with a .link
// file renaming the radio's wlan<N> to wlren0) renamed the radio's interface before the
// daemon started, and renames the interface the daemon makes in its place.
// The daemon must end connected on the kernel's name, and show that name
// as Device.Name.
func TestUdevRenames(t *testing.T) {
	const renamed = "wlren0"
	for _, which := range []string{"wifid", "iwd"} {
		t.Run(which, func(t *testing.T) {
			lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
				APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
			kernel := lab.Radios[1].Iface // wlan<wiphy index>: the name both daemons give
			startUdevd(t, lab, kernel, renamed)
			if _, err := net.InterfaceByName(renamed); err != nil {
				t.Fatalf("udev did not rename %s to %s before the daemon started: %v (links: %s)", kernel, renamed, err, linkNames())
			}
			start := time.Now()
			d := linkDaemon(lab, which, false)
			var got string
			waitFor(t, which+" connected", 90*time.Second, func() bool {
				for _, n := range []string{renamed, kernel} {
					if hasIPv4(n) {
						got = n
						return true
					}
				}
				return false
			})
			t.Logf("%s: start to IPv4 address on %s: %.1f s", which, got, time.Since(start).Seconds())
			time.Sleep(2 * time.Second)
			t.Logf("%s: kernel links %s; Device.Name %q", which, linkNames(), deviceNames(t))
			if which == "iwd" {
				return // the yardstick: what it did is in the log line above
			}
			if got != renamed {
				t.Errorf("wifid connected on %s; udev's name is %s", got, renamed)
			}
			waitDeviceName(t, renamed, 10*time.Second)
			if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
				t.Errorf("no traffic: %v", err)
			}
			log := logSince(t, d, 0)
			for _, want := range []string{`msg="interface waits for udev before going up`, `msg="interface renamed" iface=` + renamed + ` was=` + kernel + ` when="by udev, before wifid brought the interface up"`, `msg=connected iface=` + renamed} {
				if !strings.Contains(log, want) {
					t.Errorf("wifid's log lacks %q", want)
				}
			}
		})
	}
}

// TestWifidStartsWithoutRadio: no radio at all (no hwsim, and cfg80211
// unloaded as on a machine without Wi-Fi hardware: asking for the nl80211
// family loads it): wifid starts, says there is nothing to manage yet, and
// keeps running quietly.
func TestWifidStartsWithoutRadio(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{DBus: true, NoPcap: true})
	out, err := lab.Output("sh", "-c", "modprobe -r cfg80211; lsmod | grep -c cfg80211")
	t.Logf("cfg80211 modules loaded before the start: %s (err %v)", strings.TrimSpace(out), err)
	d := lab.StartWifid(labenv.DaemonOptions{Args: []string{"-d"}, MainConf: wifidNetconf})
	if err := d.WaitLog("no wireless interface to manage yet", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if exited, err := d.Exited(); exited {
		t.Fatalf("wifid exited with no radio: %v", err)
	}
	for _, l := range strings.Split(logSince(t, d, 0), "\n") {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") && !strings.Contains(l, "no wireless interface to manage yet") {
			t.Errorf("not a clean start: %s", l)
		}
	}
	if names := deviceNames(t); len(names) != 0 {
		t.Errorf("devices on the bus with no radio: %q", names)
	}
}
