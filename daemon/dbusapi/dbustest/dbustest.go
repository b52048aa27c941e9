// Package dbustest runs a private dbus-daemon for tests of wifid's D-Bus API
// and its clients: a bus of their own, gone when the test ends, allowing
// everything (StartBus) or with the system bus's policy and the policy files
// given (StartSystemBus). It leans on the dbus-daemon binary (Debian package
// dbus). Agent is a test net.connman.iwd.Agent; Fake is a scripted backend
// for tests of the API layer and its clients, which cannot run the daemon
// itself (the daemon's own tests drive the real one).
package dbustest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow send_destination="*"/>
  </policy>
</busconfig>
`

// systemConfig is a bus with the system bus's default policy (Debian's
// system.conf: no name owned, no method called unless a policy file
// punches a hole) and the policy files given included.
const systemConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
%s</busconfig>
`

// StartBus starts a private dbus-daemon allowing everything and returns its
// address. Without dbus-daemon the test is skipped, or fails when
// WIFID_NETNS=1 (CI, where it must be there).
func StartBus(t testing.TB) string {
	t.Helper()
	addr, _ := StartStoppableBus(t)
	return addr
}

// StartStoppableBus is StartBus that also returns a func which kills the
// dbus-daemon, as when the system bus restarts under a daemon.
func StartStoppableBus(t testing.TB) (addr string, kill func()) {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "bus")
	return startBus(t, dir, fmt.Sprintf(config, sock))
}

// StartSystemBus starts a private dbus-daemon with the system bus's
// default policy and the policy files given (absolute paths), its socket in
// dir (which must let the bus's users in), and returns its address.
func StartSystemBus(t testing.TB, dir string, policies ...string) string {
	t.Helper()
	var inc strings.Builder
	for _, p := range policies {
		fmt.Fprintf(&inc, "  <include>%s</include>\n", p)
	}
	addr, _ := startBus(t, dir, fmt.Sprintf(systemConfig, filepath.Join(dir, "bus"), inc.String()))
	return addr
}

func startBus(t testing.TB, dir, config string) (string, func()) {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("WIFID_NETNS") == "1" {
			t.Fatalf("dbus-daemon not found (WIFID_NETNS=1 requires it): %v", err)
		}
		t.Skipf("dbus-daemon not found: %v", err)
	}
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config-file="+conf, "--print-address", "--nofork", "--nopidfile")
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	var once sync.Once
	kill := func() {
		once.Do(func() {
			cancel()
			cmd.Wait()
		})
	}
	t.Cleanup(kill)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
		}
	}()
	select {
	case addr, ok := <-lines:
		if !ok || !strings.HasPrefix(addr, "unix:") {
			t.Fatalf("dbus-daemon printed no address (%q)", addr)
		}
		return strings.TrimSpace(addr), kill
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not print its address within 10 s")
	}
	return "", kill
}

// Connect opens a connection to the bus at addr, closed when the test ends.
func Connect(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// WaitSignal returns the first signal from sigs that pred accepts, skipping
// others; the test fails after 10 s without one.
func WaitSignal(t testing.TB, sigs <-chan *dbus.Signal, what string, pred func(*dbus.Signal) bool) *dbus.Signal {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s := <-sigs:
			if pred(s) {
				return s
			}
		case <-timeout:
			t.Fatalf("no signal: %s", what)
			return nil
		}
	}
}

// OpenFDs is how many fds this process has open, to see whether calls to
// a daemon running in it left any (the test is skipped without
// /proc/self/fd).
func OpenFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}
