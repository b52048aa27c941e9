//go:build lab

package lab

import (
	"net"
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
