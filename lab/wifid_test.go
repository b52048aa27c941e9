//go:build lab

package lab

import (
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
