//go:build lab

package lab

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// stopState is what a daemon leaves behind when SIGTERM stops it while
// connected.
type stopState struct {
	took     time.Duration
	status   error
	exists   bool // the station interface is still there
	up       bool // and IFF_UP
	linked   bool // and associated (iw dev link)
	addrs    []string
	released bool // dnsmasq saw a DHCPRELEASE
}

func (s stopState) String() string {
	return fmt.Sprintf("exit %v after %.1f s; interface exists=%v up=%v associated=%v IPv4=%v; DHCPRELEASE=%v",
		s.status, s.took.Seconds(), s.exists, s.up, s.linked, s.addrs, s.released)
}

// stopWhileConnected connects daemon ("iwd" or "wifid") on a fresh lab,
// sends it SIGTERM and reads what it left. A daemon that did not connect
// is an error, not a failure of t: the caller decides (the reference may
// be tried again).
func stopWhileConnected(t *testing.T, daemon string, keepDefault bool) (stopState, error) {
	t.Helper()
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, NoPcap: true,
		APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]
	conf := "[General]\nEnableNetworkConfiguration=true\n"
	if keepDefault {
		conf += "UseDefaultInterface=true\n"
	}
	conf += "[Network]\nNameResolvingService=none\n"
	opts := labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: conf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"}}
	var d *labenv.Daemon
	if daemon == "iwd" {
		d = lab.StartIwd(opts)
	} else {
		d = lab.StartWifid(opts)
	}
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		return stopState{}, fmt.Errorf("%s did not connect: %v", daemon, err)
	}
	if err := lab.Ping(lab.APs[0].IP, 1); err != nil {
		return stopState{}, fmt.Errorf("%s: no traffic before the stop: %v", daemon, err)
	}
	dnsLog := filepath.Join(lab.Dir, "dnsmasq-0.log") // appended to by each lab of the test
	before, _ := os.ReadFile(dnsLog)
	start := time.Now()
	if err := d.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var st stopState
	exited, err := d.WaitExit(10 * time.Second)
	st.took, st.status = time.Since(start), err
	if !exited {
		t.Fatalf("%s still running 10 s after SIGTERM", daemon)
	}
	if ifi, err := net.InterfaceByName(sta.Iface); err == nil {
		st.exists, st.up = true, ifi.Flags&net.FlagUp != 0
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				st.addrs = append(st.addrs, ipn.String())
			}
		}
		out, _ := lab.Output("iw", "dev", sta.Iface, "link")
		st.linked = strings.Contains(out, "Connected to")
	}
	// A RELEASE, if sent, reaches dnsmasq within a moment.
	time.Sleep(time.Second)
	if b, err := os.ReadFile(dnsLog); err == nil && len(b) >= len(before) {
		st.released = strings.Contains(string(b[len(before):]), "DHCPRELEASE")
	}
	return st, nil
}

// TestStopOnSIGTERM: SIGTERM while connected, with the interface the
// daemon made and with a kept default interface (UseDefaultInterface):
// iwd 2.3 and wifid side by side. wifid must exit with status 0 within
// 5 s and leave the interfaces as iwd does: its own interface gone (owned
// by its nl80211 socket), a kept one down and not associated, no address
// left behind; and release the lease or not as iwd does.
func TestStopOnSIGTERM(t *testing.T) {
	for _, keep := range []bool{false, true} {
		name := "created"
		if keep {
			name = "kept"
		}
		t.Run(name, func(t *testing.T) {
			// Each daemon in a lab of its own (a subtest's cleanup ends it).
			// The reference gets three tries: iwd 2.3 now and then loses
			// its first association here and has no address in 90 s (one
			// CI run), which says nothing of wifid.
			var iwd, w stopState
			var err error
			for try := 1; try <= 3; try++ {
				t.Run("iwd", func(t *testing.T) { iwd, err = stopWhileConnected(t, "iwd", keep) })
				if err == nil {
					break
				}
				t.Logf("reference, try %d: %v", try, err)
			}
			if err != nil {
				t.Fatalf("the reference never connected: %v", err)
			}
			t.Logf("iwd 2.3, %s interface: %v", name, iwd)
			t.Run("wifid", func(t *testing.T) {
				if w, err = stopWhileConnected(t, "wifid", keep); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("wifid, %s interface: %v", name, w)
			if w.status != nil || w.took > 5*time.Second {
				t.Errorf("wifid: %v; want exit status 0 within 5 s", w.status)
			}
			if w.exists != keep {
				t.Errorf("wifid: interface exists=%v after the stop; want %v", w.exists, keep)
			}
			if w.up != iwd.up || w.linked || len(w.addrs) > 0 {
				t.Errorf("wifid left the interface up=%v associated=%v IPv4=%v; iwd leaves up=%v, not associated, no address",
					w.up, w.linked, w.addrs, iwd.up)
			}
			if w.released != iwd.released {
				t.Errorf("wifid DHCPRELEASE=%v, iwd's %v", w.released, iwd.released)
			}
		})
	}
}
