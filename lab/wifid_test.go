//go:build lab

package lab

import (
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// TestWifidLaunchContract starts wifid the way iwd's harnesses start iwd
// (-p with its own radio, -E, CONFIGURATION_DIRECTORY and a STATE_DIRECTORY
// that does not exist yet) and stops it with SIGTERM.
func TestWifidLaunchContract(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-E", "-d"}})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := d.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitLog("wifid stopping", 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestWifidInterfaceReplacedOrKept: like iwd, wifid replaces the radio's
// default interface with its own (same name, new ifindex, gone when wifid
// exits); with UseDefaultInterface=true it keeps the kernel's.
func TestWifidInterfaceReplacedOrKept(t *testing.T) {
	for _, keep := range []bool{false, true} {
		lab := labenv.Setup(t, labenv.Hardware{Radios: 2, NoPcap: true})
		sta := lab.Radios[1]
		before, err := net.InterfaceByName(sta.Iface)
		if err != nil {
			t.Fatal(err)
		}
		conf := ""
		if keep {
			conf = "[General]\nUseDefaultInterface=true\n"
		}
		d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: conf})
		if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
			t.Fatal(err)
		}
		after, err := net.InterfaceByName(sta.Iface)
		if err != nil {
			t.Fatalf("keep=%v: no %s while wifid runs: %v", keep, sta.Iface, err)
		}
		if keep && after.Index != before.Index {
			t.Errorf("UseDefaultInterface=true: %s was replaced (ifindex %d -> %d)", sta.Iface, before.Index, after.Index)
		}
		if !keep && after.Index == before.Index {
			t.Errorf("default: %s kept ifindex %d; iwd's behaviour replaces it", sta.Iface, before.Index)
		}
		d.Stop()
		_, err = net.InterfaceByName(sta.Iface)
		if !keep && err == nil {
			t.Errorf("the interface wifid made outlived it")
		}
		if keep && err != nil {
			t.Errorf("the kept interface is gone after wifid stopped: %v", err)
		}
	}
}

// TestWifidAdoptsHotpluggedRadio: wifid runs with -p naming a radio that
// does not exist yet; when that radio is plugged in (a hwsim radio added at
// run time) wifid replaces its default interface with its own and
// autoconnects through it; when it is unplugged, wifid lets the station go
// and keeps running.
func TestWifidAdoptsHotpluggedRadio(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 1, APs: []labenv.AP{openAP(0, "plugged")}})
	const name = "radhot"
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{name}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"plugged.open": ""}})
	if err := d.WaitLog("no wireless interface to manage yet", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := hwsimRequest(hwsimCmdNewRadio, name); err != nil {
		t.Fatalf("HWSIM_CMD_NEW_RADIO: %v", err)
	}
	plugged := true
	defer func() {
		if plugged {
			hwsimRequest(hwsimCmdDelRadio, name)
		}
	}()
	if err := d.WaitLog("msg=\"wiphy added\" wiphy="+name, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitLog("msg=\"interface created\"", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile("/sys/class/ieee80211/" + name + "/index")
	if err != nil {
		t.Fatal(err)
	}
	iface := "wlan" + strings.TrimSpace(string(idx))
	if _, err := lab.WaitIPv4(iface, 90*time.Second); err != nil {
		t.Fatalf("no address through the plugged radio: %v", err)
	}
	if _, err := hwsimRequest(hwsimCmdDelRadio, name); err != nil {
		t.Fatalf("HWSIM_CMD_DEL_RADIO: %v", err)
	}
	plugged = false
	if err := d.WaitLog("msg=\"wiphy removed\" wiphy="+name, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if exited, err := d.Exited(); exited {
		t.Fatalf("wifid exited after the radio went: %v", err)
	}
}
