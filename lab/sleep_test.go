//go:build lab

package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"wifid/lab/labenv"
)

// fakeLogind owns org.freedesktop.login1 on the lab's system bus: Inhibit
// hands out the read end of a pipe (logind's delay inhibitor), and the
// test emits PrepareForSleep as logind does around a suspend.
type fakeLogind struct {
	t    *testing.T
	conn *dbus.Conn

	mu    sync.Mutex
	taken int      // inhibitors handed out
	held  []int    // write ends of the pipes whose read end is still open somewhere
	whys  []string // the who and why of each
}

func startFakeLogind(t *testing.T) *fakeLogind {
	t.Helper()
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		t.Fatalf("fake logind: %v", err)
	}
	f := &fakeLogind{t: t, conn: conn}
	if err := conn.Export(f, "/org/freedesktop/login1", "org.freedesktop.login1.Manager"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.login1", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake logind: RequestName: %v %v", reply, err)
	}
	t.Cleanup(func() {
		conn.Close()
		f.mu.Lock()
		for _, w := range f.held {
			unix.Close(w)
		}
		f.mu.Unlock()
	})
	return f
}

// Inhibit is logind's Manager.Inhibit: a pipe's read end for the caller.
// The test's own copy of it is closed a moment later, once the reply
// carrying it is out; the write end then tells whether the caller still
// holds it.
func (f *fakeLogind) Inhibit(what, who, why, mode string) (dbus.UnixFD, *dbus.Error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return -1, dbus.MakeFailedError(err)
	}
	f.mu.Lock()
	f.taken++
	f.held = append(f.held, p[1])
	f.whys = append(f.whys, fmt.Sprintf("%s %s %q %s", what, who, why, mode))
	f.mu.Unlock()
	time.AfterFunc(500*time.Millisecond, func() { unix.Close(p[0]) })
	return dbus.UnixFD(p[0]), nil
}

// holders counts the inhibitors whose read end is still open somewhere
// (an open pipe's write end shows no POLLERR).
func (f *fakeLogind) holders() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, w := range f.held {
		fds := []unix.PollFd{{Fd: int32(w)}}
		if k, _ := unix.Poll(fds, 0); k == 0 || fds[0].Revents&unix.POLLERR == 0 {
			n++
		}
	}
	return n
}

func (f *fakeLogind) prepareForSleep(start bool) {
	f.t.Helper()
	if err := f.conn.Emit("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", start); err != nil {
		f.t.Fatalf("PrepareForSleep(%v): %v", start, err)
	}
}

// trafficWithin waits for an IPv4 address on iface and a ping answered by
// ip; it returns how long that took from start.
func trafficWithin(t *testing.T, lab *labenv.Lab, iface string, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for time.Since(start) < limit {
		if hasIPv4(iface) && lab.Ping(lab.APs[0].IP, 1) == nil {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no traffic within %s of the resume signal", limit)
	return 0
}

// TestWifidSuspendResume: a process owning org.freedesktop.login1 on the
// lab's dbus-daemon does what logind does around a suspend. wifid holds a
// delay inhibitor while awake, releases it on PrepareForSleep(true) once
// its station is quiet, and takes a new one after PrepareForSleep(false).
// "ap-gone": the AP is off the air for the sleep and back before the
// resume (nothing scans while asleep); the resume scans at once, joins and
// reuses the lease (INIT-REBOOT). "ap-stayed": the link outlives the
// sleep; the resume keeps it and confirms the lease. The seconds from the
// resume signal to traffic are logged. iwd 2.3 does not follow
// PrepareForSleep, so it has no run here.
func TestWifidSuspendResume(t *testing.T) {
	for _, apGone := range []bool{true, false} {
		name := "ap-stayed"
		if apGone {
			name = "ap-gone"
		}
		t.Run(name, func(t *testing.T) {
			lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true,
				APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
			sta := lab.Radios[1]
			logind := startFakeLogind(t)
			d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
				Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"}})
			if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
				t.Fatalf("wifid did not connect: %v", err)
			}
			if err := lab.Ping(lab.APs[0].IP, 1); err != nil {
				t.Fatalf("no traffic before the sleep: %v", err)
			}
			waitFor(t, "wifid holds a delay inhibitor", 10*time.Second, func() bool { return logind.holders() == 1 })
			logind.mu.Lock()
			t.Logf("inhibitor: %s", logind.whys[0])
			logind.mu.Unlock()

			logind.prepareForSleep(true)
			took := waitFor(t, "inhibitor released after PrepareForSleep(true)", 5*time.Second, func() bool { return logind.holders() == 0 })
			t.Logf("inhibitor released within %.1f s of PrepareForSleep(true) (polled twice a second)", took.Seconds())

			dnsLog := filepath.Join(lab.Dir, "dnsmasq-0.log")
			if apGone {
				lab.StopAP(0)
				waitFor(t, "address gone with the AP", 20*time.Second, func() bool { return !hasIPv4(sta.Iface) })
				time.Sleep(8 * time.Second) // asleep, the AP off the air
				lab.StartAP(0)
				time.Sleep(3 * time.Second) // the AP back, the laptop still asleep
				if hasIPv4(sta.Iface) {
					t.Fatal("wifid reconnected while asleep (it scanned between PrepareForSleep(true) and (false))")
				}
			} else {
				time.Sleep(5 * time.Second)
			}
			before, _ := os.ReadFile(dnsLog)
			logMark, _ := os.ReadFile(d.Log)
			start := time.Now()
			logind.prepareForSleep(false)
			took = trafficWithin(t, lab, sta.Iface, start, 60*time.Second)
			t.Logf("%s: resume signal to traffic: %.1f s", name, took.Seconds())
			fmt.Fprintf(os.Stderr, "%s: resume signal to traffic: %.1f s\n", name, took.Seconds())
			if took > 5*time.Second {
				t.Errorf("traffic %.1f s after the resume signal; the goal is 5 s", took.Seconds())
			}
			waitFor(t, "a new inhibitor after the resume", 10*time.Second, func() bool { return logind.holders() == 1 })

			// The lease: reused (INIT-REBOOT: a REQUEST, no DISCOVER) or
			// confirmed in place.
			waitFor(t, "the lease confirmed", 20*time.Second, func() bool {
				b, _ := os.ReadFile(dnsLog)
				return len(b) >= len(before) && strings.Contains(string(b[len(before):]), "DHCPACK")
			})
			b, _ := os.ReadFile(dnsLog)
			if after := string(b[len(before):]); strings.Contains(after, "DHCPDISCOVER") {
				t.Errorf("a DISCOVER after the resume; want the lease reused with INIT-REBOOT:\n%s", after)
			}
			wl, _ := os.ReadFile(d.Log)
			after := string(wl[len(logMark):])
			if !apGone && !strings.Contains(after, "resumed: still associated") {
				t.Error("wifid did not check the kept link after the resume")
			}
			if !apGone && strings.Contains(after, "tearing down") {
				t.Error("wifid tore down a link that outlived the sleep")
			}
		})
	}
}
