package daemon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
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

// policyCalls are what a user tries: wifid-dbus.conf lets root and the
// groups netdev and wheel make them all, and denies every one, reads
// included, to anyone else.
func policyCalls() []policyCall {
	cafe := network("cafe", "open")
	known := dbusapi.KnownNetworkPath(dbusapi.NetworkID{SSID: "cafe", Type: "open"})
	return []policyCall{
		{"GetManagedObjects", "/", dbusapi.ObjectManagerInterface + ".GetManagedObjects", nil},
		{"Get", hDevice, dbusapi.PropertiesInterface + ".Get", []any{dbusapi.StationInterface, "State"}},
		{"GetAll", hDevice, dbusapi.PropertiesInterface + ".GetAll", []any{dbusapi.DeviceInterface}},
		{"Introspect", hDevice, dbusapi.IntrospectInterface + ".Introspect", nil},
		{"GetInfo", dbusapi.BasePath, dbusapi.DaemonInterface + ".GetInfo", nil},
		{"Disconnect", hDevice, dbusapi.StationInterface + ".Disconnect", nil},
		{"Scan", hDevice, dbusapi.StationInterface + ".Scan", nil},
		{"Connect", cafe, dbusapi.NetworkInterface + ".Connect", nil},
		{"Forget", known, dbusapi.KnownNetworkInterface + ".Forget", nil},
		{"Set", hDevice, dbusapi.PropertiesInterface + ".Set", []any{dbusapi.DeviceInterface, "Mode", dbus.MakeVariant("station")}},
		{"RegisterAgent", dbusapi.BasePath, dbusapi.AgentManagerInterface + ".RegisterAgent", []any{dbus.ObjectPath("/agent")}},
	}
}

// harmlessCalls are the policyCalls a permitted child makes: they change
// nothing the later children would see.
var harmlessCalls = []string{"GetManagedObjects", "Get", "GetAll", "Introspect", "GetInfo", "Disconnect"}

const (
	policyChildEnv  = "WIFID_TEST_POLICY_BUS"
	policyCallsEnv  = "WIFID_TEST_POLICY_CALLS"
	policyFDsEnv    = "WIFID_TEST_POLICY_FDS" // the child's Gets with an fd attached
	accessDenied    = "org.freedesktop.DBus.Error.AccessDenied"
	policyTestGroup = "users" // the drop-in's group: one nobody is not in
)

// TestDBusPolicy runs a system-style bus with the project's policy file
// (dist/wifid-dbus.conf) and an administrator's drop-in granting a group
// of their choosing, the real daemon as root on it, and calls it from a
// child process as nobody: with no group every call is AccessDenied, reads
// included; in netdev, or in the drop-in's group, the calls pass, and 200
// Gets with an fd attached leave no fd in the daemon.
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
	// A directory nobody may enter: the bus socket, the drop-in and a
	// copy of this test binary (go test's own directory is root's alone).
	dir, err := os.MkdirTemp("", "wifid-policy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// As README's "Installing, and who may use wifid" has an administrator write it.
	dropIn := filepath.Join(dir, "wifid-local.conf")
	if err := os.WriteFile(dropIn, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy group="`+policyTestGroup+`">
    <allow send_destination="net.connman.iwd"/>
  </policy>
</busconfig>
`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := dbustest.StartSystemBus(t, dir, policy, dropIn)
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

	// No group: everything is denied.
	got := policyChild(t, bin, dir, addr, nil, nil)
	for _, c := range policyCalls() {
		if g, ok := got[c.Name]; !ok {
			t.Errorf("%s: the child did not report it", c.Name)
		} else if g != accessDenied {
			t.Errorf("%s as nobody: error %q, want %q", c.Name, g, accessDenied)
		}
	}
	// A group that may: netdev by wifid-dbus.conf, the test's by the
	// drop-in. Any answer but AccessDenied is the daemon's own.
	for _, group := range []string{"netdev", policyTestGroup} {
		g, err := user.LookupGroup(group)
		if err != nil {
			t.Errorf("group %s: %v (the policy names it)", group, err)
			continue
		}
		gid, _ := strconv.ParseUint(g.Gid, 10, 32)
		got := policyChild(t, bin, dir, addr, []uint32{uint32(gid)}, harmlessCalls)
		for _, name := range harmlessCalls {
			if e, ok := got[name]; !ok {
				t.Errorf("%s in %s: the child did not report it", name, group)
			} else if e == accessDenied {
				t.Errorf("%s as nobody in group %s: %s", name, group, e)
			}
		}
	}
	// A caller who may call still cannot leave fds in the daemon: 200
	// Gets with an fd attached from a member of netdev (before the fd-less
	// connection, any user's Gets took the daemon from 13 to 3,213 fds).
	if g, err := user.LookupGroup("netdev"); err == nil {
		gid, _ := strconv.ParseUint(g.Gid, 10, 32)
		before := dbustest.OpenFDs(t)
		got := policyChild(t, bin, dir, addr, []uint32{uint32(gid)}, []string{"GetWithFD"}, policyFDsEnv+"=200")
		after := dbustest.OpenFDs(t)
		t.Logf("200 Gets with an fd from netdev: daemon's fds %d -> %d; %s", before, after, got["GetWithFD"])
		if after > before+5 {
			t.Errorf("200 Gets with an fd from netdev: the daemon's open fds went %d -> %d", before, after)
		}
		if got["GetWithFD"] != "200 of 200 refused" {
			t.Errorf("Gets with an fd from netdev: %s, want all refused (the daemon's connection takes no fds)", got["GetWithFD"])
		}
		h.ok(h.call(hDevice, dbusapi.PropertiesInterface+".Get", dbusapi.DeviceInterface, "Name"))
	}
	// And root.
	h.ok(h.call(hDevice, dbusapi.StationInterface+".Disconnect"))
	h.ok(h.call(dbusapi.BasePath, dbusapi.DaemonInterface+".GetInfo"))
}

// policyChild runs TestDBusPolicyChild as nobody with the supplementary
// groups given, making the calls named (all when nil), with env added; it
// returns each call's error name ("" for success).
func policyChild(t *testing.T, bin, dir, addr string, groups []uint32, calls []string, env ...string) map[string]string {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^TestDBusPolicyChild$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append([]string{policyChildEnv + "=" + addr, policyCallsEnv + "=" + strings.Join(calls, ","), "PATH=/usr/bin:/bin", "HOME=" + dir}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child as nobody (groups %v): %v\n%s%s", groups, err, out, stderr.String())
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct{ Name, Err string }
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Name != "" {
			got[r.Name] = r.Err
		}
	}
	t.Logf("as nobody, groups %v: %v", groups, got)
	return got
}

// TestDBusPolicyChild is TestDBusPolicy's unprivileged half: it makes
// the policyCalls named in the environment (all when none are) on the bus
// named there and prints each outcome as a JSON line.
func TestDBusPolicyChild(t *testing.T) {
	addr := os.Getenv(policyChildEnv)
	if addr == "" {
		t.Skip("run by TestDBusPolicy")
	}
	only := map[string]bool{}
	for _, n := range strings.Split(os.Getenv(policyCallsEnv), ",") {
		if n != "" {
			only[n] = true
		}
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect as uid %d: %v", os.Getuid(), err)
	}
	defer conn.Close()
	enc := json.NewEncoder(os.Stdout)
	if n, _ := strconv.Atoi(os.Getenv(policyFDsEnv)); n > 0 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		obj := conn.Object(dbusapi.Service, hDevice)
		refused := 0
		for range n {
			if obj.Call(dbusapi.PropertiesInterface+".Get", 0, dbusapi.DeviceInterface, "Name", dbus.UnixFD(r.Fd())).Err != nil {
				refused++
			}
		}
		enc.Encode(struct{ Name, Err string }{"GetWithFD", fmt.Sprintf("%d of %d refused", refused, n)})
	}
	for _, c := range policyCalls() {
		if len(only) > 0 && !only[c.Name] {
			continue
		}
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
