package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// NetEvent is one rtnetlink notification about an interface of the
// station's radio, stamped when this process received it.
type NetEvent struct {
	At     time.Time
	Kind   string // "addr+", "addr-", "link"
	Ifname string
	Addr   net.IP                     // addr events
	Oper   rtnetlink.OperationalState // link events
}

// Watch subscribes to rtnetlink's link and IPv4 address groups and keeps
// every event on the interfaces of one radio (phy). It observes the kernel
// in-process, so waiting spawns nothing and costs the guest nothing; the
// radio, not an interface name, selects the events because iwd deletes and
// recreates the interface it manages.
type Watch struct {
	phy  string
	conn *netlink.Conn

	mu     sync.Mutex // guards evs, err, onPhy
	evs    []NetEvent
	err    error
	onPhy  map[string]bool // ifname -> belongs to phy
	notify chan struct{}
	done   chan struct{}
}

func WatchPhy(phy string) (*Watch, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{Groups: unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: subscribe to link and address events: %w", err)
	}
	w := &Watch{phy: phy, conn: c, onPhy: map[string]bool{}, notify: make(chan struct{}, 1), done: make(chan struct{})}
	go w.read()
	return w, nil
}

func (w *Watch) read() {
	defer close(w.done)
	for {
		msgs, err := w.conn.Receive()
		at := time.Now()
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			w.wake()
			return
		}
		for _, m := range msgs {
			ev, ok := w.decode(m)
			if !ok {
				continue
			}
			ev.At = at
			w.mu.Lock()
			w.evs = append(w.evs, ev)
			w.mu.Unlock()
		}
		w.wake()
	}
}

func (w *Watch) wake() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

func (w *Watch) decode(m netlink.Message) (NetEvent, bool) {
	switch m.Header.Type {
	case unix.RTM_NEWADDR, unix.RTM_DELADDR:
		var am rtnetlink.AddressMessage
		if err := am.UnmarshalBinary(m.Data); err != nil || am.Family != unix.AF_INET || am.Attributes == nil {
			return NetEvent{}, false
		}
		name := am.Attributes.Label
		if name == "" {
			if ifi, err := net.InterfaceByIndex(int(am.Index)); err == nil {
				name = ifi.Name
			}
		}
		if !w.belongs(name) {
			return NetEvent{}, false
		}
		kind := "addr+"
		if m.Header.Type == unix.RTM_DELADDR {
			kind = "addr-"
		}
		ip := am.Attributes.Local
		if ip == nil {
			ip = am.Attributes.Address
		}
		return NetEvent{Kind: kind, Ifname: name, Addr: ip}, true
	case unix.RTM_NEWLINK:
		var lm rtnetlink.LinkMessage
		if err := lm.UnmarshalBinary(m.Data); err != nil || lm.Attributes == nil {
			return NetEvent{}, false
		}
		if !w.belongs(lm.Attributes.Name) {
			return NetEvent{}, false
		}
		return NetEvent{Kind: "link", Ifname: lm.Attributes.Name, Oper: lm.Attributes.OperationalState}, true
	}
	return NetEvent{}, false
}

// belongs reports whether the interface is on the watched radio.
func (w *Watch) belongs(ifname string) bool {
	if ifname == "" {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if v, ok := w.onPhy[ifname]; ok && v {
		return true
	}
	b, err := os.ReadFile(filepath.Join("/sys/class/net", ifname, "phy80211", "name"))
	v := err == nil && strings.TrimSpace(string(b)) == w.phy
	if v {
		w.onPhy[ifname] = true
	}
	return v
}

// Mark is the position from which a later wait looks for events.
func (w *Watch) Mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.evs)
}

var ErrWatchTimeout = errors.New("timed out")

// Wait returns the first event at or after position from that pred
// accepts, and the position after it.
func (w *Watch) Wait(from int, timeout time.Duration, pred func(NetEvent) bool) (NetEvent, int, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		for i := from; i < len(w.evs); i++ {
			if pred(w.evs[i]) {
				ev := w.evs[i]
				w.mu.Unlock()
				return ev, i + 1, nil
			}
		}
		from = len(w.evs)
		err := w.err
		w.mu.Unlock()
		if err != nil {
			return NetEvent{}, from, fmt.Errorf("rtnetlink: %w", err)
		}
		select {
		case <-w.notify:
		case <-deadline.C:
			return NetEvent{}, from, ErrWatchTimeout
		}
	}
}

// First returns the first event from position from that pred accepts,
// without waiting.
func (w *Watch) First(from int, pred func(NetEvent) bool) (NetEvent, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := from; i < len(w.evs); i++ {
		if pred(w.evs[i]) {
			return w.evs[i], true
		}
	}
	return NetEvent{}, false
}

func (w *Watch) Close() {
	w.conn.SetReadDeadline(time.Now())
	w.conn.Close()
	<-w.done
}

func IsAddrAdd(ev NetEvent) bool { return ev.Kind == "addr+" }
func IsAddrDel(ev NetEvent) bool { return ev.Kind == "addr-" }
func IsOperUp(ev NetEvent) bool  { return ev.Kind == "link" && ev.Oper == rtnetlink.OperStateUp }

// ProcStat is what /proc says about a daemon at one moment.
type ProcStat struct {
	RSSKiB  int64         // VmRSS
	HWMKiB  int64         // VmHWM: peak RSS so far
	AnonKiB int64         // RssAnon: the resident part not backed by a file
	CPU     time.Duration // utime + stime, all threads
}

// userHZ is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// architecture Linux exposes to user space.
const userHZ = 100

func ReadProc(pid int) (ProcStat, error) {
	var ps ProcStat
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	if ps.RSSKiB, err = statusKiB(string(status), "VmRSS"); err != nil {
		return ps, err
	}
	if ps.HWMKiB, err = statusKiB(string(status), "VmHWM"); err != nil {
		return ps, err
	}
	if ps.AnonKiB, err = statusKiB(string(status), "RssAnon"); err != nil {
		return ps, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	ps.CPU, err = statCPU(string(stat))
	return ps, err
}

// statusKiB reads a "Key:   1234 kB" line of /proc/PID/status.
func statusKiB(status, key string) (int64, error) {
	for _, l := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("/proc status: %s line %q: want \"N kB\"", key, l)
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("/proc status: no %s line", key)
}

// statCPU reads utime+stime (fields 14 and 15) of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses, so the fields are
// counted from the last ')'.
func statCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no ')' after the command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: utime/stime %q: %v", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// cpuSample is a process's CPU time (ms) at a moment (ms since its start).
type cpuSample struct{ At, CPU float64 }

type CPUSamples []cpuSample

// At is the CPU time at the first sample taken at or after ms (the last
// sample if none is): an upper bound, to within the sampling period.
func (s CPUSamples) At(ms float64) float64 {
	for _, c := range s {
		if c.At >= ms {
			return c.CPU
		}
	}
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].CPU
}

// CPUSampler reads /proc/PID/stat four times a second (in-process: no
// spawning), so CPU time can be split over a daemon's log milestones.
type CPUSampler struct {
	quit chan struct{}
	done chan CPUSamples
}

func SampleCPU(pid int, start time.Time) *CPUSampler {
	c := &CPUSampler{quit: make(chan struct{}), done: make(chan CPUSamples, 1)}
	go func() {
		var out CPUSamples
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			if ps, err := ReadProc(pid); err == nil {
				out = append(out, cpuSample{At: Millis(time.Since(start)), CPU: Millis(ps.CPU)})
			}
			select {
			case <-c.quit:
				c.done <- out
				return
			case <-tick.C:
			}
		}
	}()
	return c
}

func (c *CPUSampler) Stop() CPUSamples {
	close(c.quit)
	return <-c.done
}
