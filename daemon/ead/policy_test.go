package ead_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/daemon/dbusapi/dbustest"
	"wifid/daemon/ead"
)

// TestEADDBusPolicy runs ead as root behind a system-style bus with the
// project's ead-dbus.conf and reads its objects with dbus-send as uid
// 65534: with no group dbus-daemon refuses (AccessDenied), in netdev it
// answers.
func TestEADDBusPolicy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: ead owns net.connman.ead as root and the caller runs as nobody")
	}
	for _, tool := range []string{"setpriv", "dbus-send"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	netdev, err := user.LookupGroup("netdev")
	if err != nil {
		t.Skipf("group netdev: %v", err)
	}
	policy, err := filepath.Abs(filepath.Join("..", "dist", "ead-dbus.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ead-policy-") // nobody must reach the socket
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := dbustest.StartSystemBus(t, dir, policy)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// No port matches: the bus API is all there is.
		done <- ead.Run(ctx, ead.Options{Allow: []string{"no-such-port"}, StateDir: t.TempDir()}, dbustest.Connect(t, addr), slog.Default())
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ead: %v", err)
		}
	}()

	getObjects := func(groups ...string) (string, error) {
		argv := []string{"--reuid", "65534", "--regid", "65534", "--clear-groups"}
		if len(groups) > 0 {
			argv = []string{"--reuid", "65534", "--regid", "65534", "--groups", strings.Join(groups, ",")}
		}
		argv = append(argv, "dbus-send", "--bus="+addr, "--print-reply", "--dest="+ead.ServiceName, "/",
			"org.freedesktop.DBus.ObjectManager.GetManagedObjects")
		out, err := exec.Command("setpriv", argv...).CombinedOutput()
		return string(out), err
	}
	// As root first: ead has the name once this answers.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.Command("dbus-send", "--bus="+addr, "--print-reply", "--dest="+ead.ServiceName, "/",
			"org.freedesktop.DBus.ObjectManager.GetManagedObjects").CombinedOutput()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("root: GetManagedObjects: %v: %s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, err := getObjects()
	t.Logf("nobody: %v %s", err, strings.TrimSpace(out))
	if err == nil || !strings.Contains(out, "org.freedesktop.DBus.Error.AccessDenied") {
		t.Errorf("nobody: GetManagedObjects: want AccessDenied, got %v: %s", err, out)
	}
	out, err = getObjects(netdev.Gid)
	t.Logf("nobody in netdev: %v %s", err, strings.TrimSpace(out))
	if err != nil {
		t.Errorf("nobody in netdev: GetManagedObjects: %v: %s", err, out)
	}
}
