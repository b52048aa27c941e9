// Package netns is a host-side test harness: it gives a test a fresh network
// namespace (the "far" side), veth pairs whose near end stays in the root
// namespace for the code under test, and real servers (dnsmasq, hostapd
// driver=wired, ...) running in the far namespace with their logs collected.
//
// Everything is named uniquely per test ("wfd" plus random hex) and removed
// in t.Cleanup, so several engineers may run tests at once. Nothing existing
// is touched: no interface, route or resolver of the host. Servers run only
// in the far namespace, so they never listen in the root namespace.
//
// A test that needs it calls New. Without root or without the ip tool the
// test is skipped, unless WIFID_NETNS=1 is set (CI): then it fails.
package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvRequire is the environment variable that turns a skip for missing
// prerequisites into a failure.
const EnvRequire = "WIFID_NETNS"

// NS is one far namespace owned by a test.
type NS struct {
	// Name is the namespace's name as `ip netns` knows it.
	Name string
	// Prefix is a private IPv4 /24 picked for this namespace that overlaps
	// no route of the root namespace at creation time. Use Addr to take
	// host addresses from it.
	Prefix netip.Prefix
	// Prefix6 is a random IPv6 unique local /64 (RFC 4193, fd00::/8) for
	// this namespace. Use Addr6 and CIDR6 to take addresses from it.
	Prefix6 netip.Prefix

	id    string
	dir   string
	mu    sync.Mutex // guards nveth
	nveth int
}

// EnvSlow is the environment variable that lets tests marked Slow run:
// tests that must wait out a server's minimum timers (dnsmasq's DHCPv6
// leases are at least 2 minutes, so T1 is at least 60 s).
const EnvSlow = "WIFID_NETNS_SLOW"

// Slow skips the test unless WIFID_NETNS_SLOW=1 is set.
func Slow(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvSlow) != "1" {
		t.Skipf("netns: slow test; set %s=1 to run it", EnvSlow)
	}
}

// Require skips (or, with WIFID_NETNS=1, fails) the test unless the
// prerequisites are met: running as root and the named tools on PATH.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (euid 0)")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" on PATH")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "netns: needs " + strings.Join(missing, ", ")
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s (%s=1 is set, so this fails instead of skipping)", msg, EnvRequire)
	}
	t.Skipf("%s; skipping (set %s=1 to make this a failure)", msg, EnvRequire)
}

// New creates a fresh network namespace with lo up, removed in t.Cleanup.
func New(t testing.TB) *NS {
	t.Helper()
	Require(t, "ip")
	id := randHex(3)
	n := &NS{Name: "wfd-" + id, id: id, dir: t.TempDir()}
	if out, err := run("ip", "netns", "add", n.Name); err != nil {
		t.Fatalf("netns: ip netns add %s: %v: %s", n.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := run("ip", "netns", "del", n.Name); err != nil {
			t.Errorf("netns: ip netns del %s: %v: %s", n.Name, err, out)
		}
	})
	n.Exec(t, "ip", "link", "set", "lo", "up")
	p, err := pickPrefix()
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	n.Prefix = p
	var ula [16]byte
	ula[0] = 0xfd
	_, _ = rand.Read(ula[1:8])
	n.Prefix6 = netip.PrefixFrom(netip.AddrFrom16(ula), 64)
	t.Logf("netns: namespace %s, prefixes %s %s", n.Name, n.Prefix, n.Prefix6)
	return n
}

// Addr returns host number host (1..254) of n.Prefix.
func (n *NS) Addr(host int) netip.Addr {
	b := n.Prefix.Addr().As4()
	b[3] = byte(host)
	return netip.AddrFrom4(b)
}

// CIDR returns host number host of n.Prefix with the prefix length, in the
// form "10.77.3.1/24".
func (n *NS) CIDR(host int) string {
	return netip.PrefixFrom(n.Addr(host), n.Prefix.Bits()).String()
}

// Addr6 returns interface identifier host of n.Prefix6 (::host).
func (n *NS) Addr6(host int) netip.Addr {
	b := n.Prefix6.Addr().As16()
	b[14], b[15] = byte(host>>8), byte(host)
	return netip.AddrFrom16(b)
}

// CIDR6 returns Addr6(host) with the /64, in the form "fd12:...::1/64".
func (n *NS) CIDR6(host int) string {
	return netip.PrefixFrom(n.Addr6(host), 64).String()
}

// Dir is a private temporary directory for this namespace's files (logs,
// lease files, configs).
func (n *NS) Dir() string { return n.dir }

// Peer is one veth pair: the near end in the root namespace for the code
// under test, the far end in the namespace.
type Peer struct {
	// Name, Index and HWAddr describe the near end (root namespace). It is
	// up and has no address.
	Name   string
	Index  int
	HWAddr net.HardwareAddr
	// FarName is the far end's name inside the namespace; FarAddrs are the
	// addresses it was given (may be empty).
	FarName   string
	FarAddrs  []string
	FarHWAddr net.HardwareAddr
}

// Veth creates a veth pair with the far end in the namespace, up, with the
// given addresses (CIDR strings, IPv4 or IPv6), and the near end up in the
// root namespace without addresses. The pair is deleted in t.Cleanup.
func (n *NS) Veth(t testing.TB, farAddrs ...string) *Peer {
	t.Helper()
	n.mu.Lock()
	i := n.nveth
	n.nveth++
	n.mu.Unlock()
	near := fmt.Sprintf("wfd%s%d", n.id, i) // at most 15 bytes for i < 1e6
	far := fmt.Sprintf("veth%d", i)
	if out, err := run("ip", "link", "add", near, "type", "veth", "peer", "name", far, "netns", n.Name); err != nil {
		t.Fatalf("netns: ip link add %s: %v: %s", near, err, out)
	}
	t.Cleanup(func() {
		// Deleting the namespace would destroy the pair too; be explicit
		// so that nothing lingers if a server keeps the namespace alive.
		if out, err := run("ip", "link", "del", near); err != nil && !strings.Contains(string(out), "Cannot find device") {
			t.Logf("netns: ip link del %s: %v: %s", near, err, out)
		}
	})
	// No IPv6 DAD or router solicitations delay on the far end by default;
	// tests that want them can Exec sysctl themselves.
	n.Exec(t, "sysctl", "-q", "-w", "net.ipv6.conf."+far+".accept_dad=0")
	for _, a := range farAddrs {
		n.Exec(t, "ip", "addr", "add", a, "dev", far)
	}
	n.Exec(t, "ip", "link", "set", far, "up")
	if out, err := run("ip", "link", "set", near, "up"); err != nil {
		t.Fatalf("netns: ip link set %s up: %v: %s", near, err, out)
	}
	ifi, err := net.InterfaceByName(near)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	p := &Peer{Name: near, Index: ifi.Index, HWAddr: ifi.HardwareAddr, FarName: far, FarAddrs: farAddrs}
	out := n.Exec(t, "cat", "/sys/class/net/"+far+"/address")
	if hw, err := net.ParseMAC(strings.TrimSpace(out)); err == nil {
		p.FarHWAddr = hw
	}
	return p
}

// Exec runs a command in the namespace and returns its combined output; a
// failure fails the test.
func (n *NS) Exec(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := n.ExecErr(name, args...)
	if err != nil {
		t.Fatalf("netns: %s: %s %s: %v: %s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return out
}

// ExecErr runs a command in the namespace and returns its combined output
// and error.
func (n *NS) ExecErr(name string, args ...string) (string, error) {
	out, err := run("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
	return string(out), err
}

// Proc is a long-running process in the namespace.
type Proc struct {
	Name string
	// Log is the file that collects the process's stdout and stderr (and
	// whatever log file the caller pointed it at, if the same path).
	Log string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Spawn starts a long-running command in the namespace with stdout and
// stderr in a log file under Dir. It is stopped (SIGTERM, then SIGKILL after
// 3 s) in t.Cleanup; if the test failed, the log's tail is written with
// t.Log.
func (n *NS) Spawn(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	logPath := filepath.Join(n.dir, fmt.Sprintf("%s.%s.log", filepath.Base(name), randHex(2)))
	return n.spawnLog(t, logPath, name, args...)
}

// SpawnHost is Spawn in the root namespace: for a reference client (such as
// wpa_supplicant) on a veth pair's near end. Its log is under Dir too.
func (n *NS) SpawnHost(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	logPath := filepath.Join(n.dir, fmt.Sprintf("%s.%s.log", filepath.Base(name), randHex(2)))
	return spawn(t, logPath, exec.Command(name, args...), name)
}

func (n *NS) spawnLog(t testing.TB, logPath, name string, args ...string) *Proc {
	t.Helper()
	return spawn(t, logPath, exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...), name)
}

func spawn(t testing.TB, logPath string, cmd *exec.Cmd, name string) *Proc {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("netns: start %s: %v", name, err)
	}
	p := &Proc{Name: name, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("netns: last lines of %s log (%s):\n%s", name, logPath, p.Tail(40))
		}
	})
	return p
}

// Stop terminates the process (its whole process group) and waits for it.
// It is safe to call more than once.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Exited reports whether the process has exited, and its error.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Tail returns the last n lines of the process's log.
func (p *Proc) Tail(n int) string {
	b, err := os.ReadFile(p.Log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LogContains reports whether the log holds s.
func (p *Proc) LogContains(s string) bool {
	b, _ := os.ReadFile(p.Log)
	return bytes.Contains(b, []byte(s))
}

// WaitLog waits until the log holds s, the process exits or the timeout
// passes; it fails the test in the latter two cases.
func (p *Proc) WaitLog(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if p.LogContains(s) {
			return
		}
		if done, err := p.Exited(); done {
			t.Fatalf("netns: %s exited (%v) before logging %q:\n%s", p.Name, err, s, p.Tail(20))
		}
		if time.Now().After(deadline) {
			t.Fatalf("netns: %s did not log %q within %v:\n%s", p.Name, s, timeout, p.Tail(20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Dnsmasq starts dnsmasq in the namespace bound to the far end of peer,
// DHCP only (DNS port 0), logging DHCP to its log file, with a private
// lease file (unless extra has a --dhcp-leasefile=, so that two servers in
// turn may share one), no config file, no resolv.conf and no hosts file. extra are
// appended to the command line (for example "--dhcp-range=...",
// "--dhcp-rapid-commit", "--dhcp-option=option:dns-server,10.77.0.1"). It
// returns once dnsmasq has started.
func (n *NS) Dnsmasq(t testing.TB, peer *Peer, extra ...string) *Proc {
	t.Helper()
	Require(t, "ip", "dnsmasq")
	logPath := filepath.Join(n.dir, "dnsmasq."+randHex(2)+".log")
	args := []string{
		"--keep-in-foreground",
		"--conf-file=/dev/null",
		"--no-resolv", "--no-hosts", "--port=0",
		"--bind-interfaces", "--interface=" + peer.FarName, "--except-interface=lo",
		"--user=root", "--group=root",
		"--pid-file=",
		"--log-facility=" + logPath,
		"--log-dhcp",
	}
	if !slices.ContainsFunc(extra, func(a string) bool { return strings.HasPrefix(a, "--dhcp-leasefile=") }) {
		args = append(args, "--dhcp-leasefile="+filepath.Join(n.dir, "dnsmasq."+randHex(2)+".leases"))
	}
	args = append(args, extra...)
	p := n.spawnLog(t, logPath, "dnsmasq", args...)
	p.Name = "dnsmasq"
	p.WaitLog(t, "started, version", 5*time.Second)
	return p
}

// WaitFor polls cond every 20 ms until it returns true or the timeout
// passes, in which case the test fails with what.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("netns: timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pickPrefix chooses a random /24 in 10.64.0.0/10 that overlaps no address
// of the root namespace's interfaces.
func pickPrefix() (netip.Prefix, error) {
	var used []netip.Prefix
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Prefix{}, err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if p, err := netip.ParsePrefix(ipn.String()); err == nil {
				used = append(used, p.Masked())
			}
		}
	}
	for range 100 {
		b := make([]byte, 2)
		_, _ = rand.Read(b)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 64 + b[0]%64, b[1], 0}), 24)
		free := true
		for _, u := range used {
			if u.Overlaps(p) {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free /24 in 10.64.0.0/10")
}
