package daemon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

// policyCall is one call the unprivileged child makes.
type policyCall struct {
	Name   string
	Path   dbus.ObjectPath
	Method string
	Args   []any `json:"-"`
}

// policyCalls are what an unprivileged user tries: reading is allowed by
// wifid-dbus.conf, everything else is denied by the bus.
func policyCalls() []policyCall {
	cafe := network("cafe", "open")
	known := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "cafe", Type: "open"})
	return []policyCall{
		{"GetManagedObjects", "/", dbusapi.ObjectManagerInterface + ".GetManagedObjects", nil},
		{"Get", hDevice, dbusapi.PropertiesInterface + ".Get", []any{dbusapi.StationInterface, "State"}},
		{"GetAll", hDevice, dbusapi.PropertiesInterface + ".GetAll", []any{dbusapi.DeviceInterface}},
		{"Introspect", hDevice, dbusapi.IntrospectInterface + ".Introspect", nil},
		{"Scan", hDevice, dbusapi.StationInterface + ".Scan", nil},
		{"Disconnect", hDevice, dbusapi.StationInterface + ".Disconnect", nil},
		{"Connect", cafe, dbusapi.NetworkInterface + ".Connect", nil},
		{"Forget", known, dbusapi.KnownNetworkInterface + ".Forget", nil},
		{"Set", hDevice, dbusapi.PropertiesInterface + ".Set", []any{dbusapi.DeviceInterface, "Mode", dbus.MakeVariant("station")}},
		{"RegisterAgent", dbusapi.BasePath, dbusapi.AgentManagerInterface + ".RegisterAgent", []any{dbus.ObjectPath("/agent")}},
		{"GetInfo", dbusapi.BasePath, dbusapi.DaemonInterface + ".GetInfo", nil},
	}
}

const policyChildEnv = "WIFID_TEST_POLICY_BUS"

// TestDBusPolicy runs a system-style bus with the project's policy file
// (dist/wifid-dbus.conf) and the real daemon as root on it, and calls it as
// nobody from a child process: reads pass, the rest is AccessDenied, while
// root may do it all.
func TestDBusPolicy(t *testing.T) {
	if os.Getenv(policyChildEnv) != "" {
		t.Skip("the child's half is TestDBusPolicyChild")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the daemon owns net.connman.iwd as root and the child runs as nobody")
	}
	policy, err := filepath.Abs(filepath.Join("dist", "wifid-dbus.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// A directory nobody may enter: the bus socket and a copy of this
	// test binary (go test's own directory is root's alone).
	dir, err := os.MkdirTemp("", "wifid-policy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := dbustest.StartSystemBus(t, dir, policy)
	h := newAPIHarnessOn(t, addr, map[string]string{"cafe.open": ""}, airBSS("cafe", 1, 0, -4000))
	h.scan() // root may

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "daemon.test")
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestDBusPolicyChild$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = []string{policyChildEnv + "=" + addr, "PATH=/usr/bin:/bin", "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s%s", err, out, stderr.String())
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct{ Name, Err string }
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Name != "" {
			got[r.Name] = r.Err
		}
	}
	t.Logf("as nobody: %v", got)
	const denied = "org.freedesktop.DBus.Error.AccessDenied"
	want := map[string]string{
		"GetManagedObjects": "", "Get": "", "GetAll": "", "Introspect": "",
		"Scan": denied, "Disconnect": denied, "Connect": denied, "Forget": denied, "Set": denied,
		"RegisterAgent": denied, "GetInfo": denied,
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: the child did not report it (output %q)", name, out)
			continue
		}
		if g != w {
			t.Errorf("%s as nobody: error %q, want %q", name, g, w)
		}
	}
	// The calls nobody may not make, root may.
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Disconnect"))
	h.ok(h.call(dbusapi.BasePath, dbusapi.DaemonInterface+".GetInfo"))
}

// TestDBusPolicyChild is TestDBusPolicy's unprivileged half: it makes
// policyCalls on the bus named in the environment and prints each
// outcome as a JSON line.
func TestDBusPolicyChild(t *testing.T) {
	addr := os.Getenv(policyChildEnv)
	if addr == "" {
		t.Skip("run by TestDBusPolicy")
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect as uid %d: %v", os.Getuid(), err)
	}
	defer conn.Close()
	enc := json.NewEncoder(os.Stdout)
	for _, c := range policyCalls() {
		call := conn.Object(dbusapi.Service, c.Path).Call(c.Method, 0, c.Args...)
		enc.Encode(struct{ Name, Err string }{c.Name, dbusapi.ErrorName(call.Err)})
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
