//go:build lab

package lab

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/lab/labenv"
)

const (
	iwdSvc     = "net.connman.iwd"
	badStation = iwdSvc + ".Station"
	badNetwork = iwdSvc + ".Network"
)

// heldAgent is a net.connman.iwd.Agent that holds RequestPassphrase until
// the test lets it answer, so the connect stays in progress meanwhile.
type heldAgent struct {
	asked   chan dbus.ObjectPath
	release chan string
}

func (a *heldAgent) RequestPassphrase(network dbus.ObjectPath) (string, *dbus.Error) {
	a.asked <- network
	return <-a.release, nil
}

// Cancel ends a request still held (its answer goes nowhere).
func (a *heldAgent) Cancel(reason string) *dbus.Error {
	select {
	case a.release <- "":
	default:
	}
	return nil
}
func (a *heldAgent) Release() *dbus.Error { return nil }

// dbusSend runs dbus-send on the system bus against wifid, as argv's user
// when prefix (e.g. setpriv ...) is given; it prints the error name.
func dbusSend(prefix []string, path dbus.ObjectPath, method string, args ...string) (string, error) {
	argv := append(append([]string{}, prefix...), "dbus-send", "--system", "--print-reply", "--reply-timeout=20000",
		"--dest="+iwdSvc, string(path), method)
	argv = append(argv, args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	return string(out), err
}

// TestDBusBadCalls: calls with wrong argument types, unknown paths, a
// connect while another connect runs, and calls from an unprivileged user
// get the error iwd would give (or the bus policy's), change nothing, and
// wifid lives through all of them.
func TestDBusBadCalls(t *testing.T) {
	const pass = "correct horse battery"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, DBus: true,
		APs: []labenv.AP{wpa2AP(0, "labnet", pass), openAP(1, "cafe")}})
	sta := lab.Radios[2]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// Find the station and both networks.
	var station, labnet, cafe dbus.ObjectPath
	deadline := time.Now().Add(90 * time.Second)
	for labnet == "" || cafe == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no labnet and cafe within 90 s (station %q)", station)
		}
		var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
		conn.Object(iwdSvc, "/").CallWithContext(ctx, "org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs)
		for p, ifs := range objs {
			if _, ok := ifs[badStation]; ok {
				station = p
			}
			if n, ok := ifs[badNetwork]; ok {
				switch n["Name"].Value() {
				case "labnet":
					labnet = p
				case "cafe":
					cafe = p
				}
			}
		}
		if station != "" && (labnet == "" || cafe == "") {
			wifictlOut("station", sta.Iface, "scan")
		}
		time.Sleep(time.Second)
	}
	t.Logf("station %s, labnet %s, cafe %s", station, labnet, cafe)

	alive := func(when string) {
		t.Helper()
		if ok, err := d.Exited(); ok {
			t.Fatalf("wifid exited %s: %v", when, err)
		}
		var v dbus.Variant
		if err := conn.Object(iwdSvc, station).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, badStation, "State").Store(&v); err != nil {
			t.Fatalf("wifid does not answer %s: %v", when, err)
		}
	}
	state := func() string {
		var v dbus.Variant
		conn.Object(iwdSvc, station).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, badStation, "State").Store(&v)
		s, _ := v.Value().(string)
		return s
	}
	wantErr := func(what, name string, prefix []string, path dbus.ObjectPath, method string, args ...string) {
		t.Helper()
		out, err := dbusSend(prefix, path, method, args...)
		t.Logf("%s: %s", what, strings.TrimSpace(out))
		if err == nil || !strings.Contains(out, "Error "+name) {
			t.Errorf("%s: want %s, got %v:\n%s", what, name, err, out)
		}
		alive("after " + what)
	}
	const invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"

	// Wrong argument types: the exact signature or InvalidArgs, as ell.
	wantErr("Scan(s)", invalidArgs, nil, station, badStation+".Scan", "string:now")
	wantErr("ConnectHiddenNetwork(u)", invalidArgs, nil, station, badStation+".ConnectHiddenNetwork", "uint32:7")
	wantErr("RegisterSignalLevelAgent(o, ai)", invalidArgs, nil, station, badStation+".RegisterSignalLevelAgent",
		"objpath:/x", "array:int32:-60")
	wantErr("RegisterAgent(s)", invalidArgs, nil, "/net/connman/iwd", iwdSvc+".AgentManager.RegisterAgent", "string:/agent")
	wantErr("Network.Connect(b)", invalidArgs, nil, labnet, badNetwork+".Connect", "boolean:true")
	wantErr("Properties.Get(s)", invalidArgs, nil, station, "org.freedesktop.DBus.Properties.Get", "string:"+badStation)
	wantErr("Set Device.Powered to a string", iwdSvc+".InvalidArguments", nil, station, "org.freedesktop.DBus.Properties.Set",
		"string:"+iwdSvc+".Device", "string:Powered", "variant:string:on")
	wantErr("Set Station.State", "org.freedesktop.DBus.Error.PropertyReadOnly", nil, station, "org.freedesktop.DBus.Properties.Set",
		"string:"+badStation, "string:State", "variant:string:connected")
	wantErr("ConnectHiddenNetwork of 40 octets", iwdSvc+".InvalidArguments", nil, station, badStation+".ConnectHiddenNetwork",
		"string:"+strings.Repeat("x", 40))
	// busctl prints the message rather than the name (godbus's, for a
	// wrong number of arguments: "Invalid type / number of args").
	if out, err := exec.Command("busctl", "call", iwdSvc, string(station), badStation, "Scan", "s", "now").CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "Invalid") {
		t.Errorf("busctl Scan s now: want a refusal, got %v: %s", err, out)
	} else {
		t.Logf("busctl call ... Scan s now: %s", strings.TrimSpace(string(out)))
	}
	alive("after busctl")

	// Unknown paths and interfaces.
	wantErr("Connect on an unknown network", "org.freedesktop.DBus.Error.UnknownObject", nil, station+"/6e6f7768657265_psk", badNetwork+".Connect")
	wantErr("Connect under an unknown device", "org.freedesktop.DBus.Error.UnknownObject", nil, "/net/connman/iwd/99/99/6c61626e6574_psk", badNetwork+".Connect")
	wantErr("Forget of a network not known", "org.freedesktop.DBus.Error.UnknownObject", nil, "/net/connman/iwd/6c61626e6574_psk", iwdSvc+".KnownNetwork.Forget")
	wantErr("Forget on a Network object", "org.freedesktop.DBus.Error.UnknownInterface", nil, labnet, iwdSvc+".KnownNetwork.Forget")

	// Connect while connecting: our agent holds labnet's passphrase, so
	// that connect stays in progress. A scan meanwhile is refused; a
	// connect to cafe replaces it (its caller gets Aborted, the agent a
	// Cancel): the latest choice wins, as in iwd.
	a := &heldAgent{asked: make(chan dbus.ObjectPath, 1), release: make(chan string, 1)}
	if err := conn.Export(a, "/lab/agent", iwdSvc+".Agent"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Object(iwdSvc, "/net/connman/iwd").CallWithContext(ctx, iwdSvc+".AgentManager.RegisterAgent", 0, dbus.ObjectPath("/lab/agent")).Err; err != nil {
		t.Fatal(err)
	}
	heldConnect := func() *dbus.Call {
		c := conn.Object(iwdSvc, labnet).Go(badNetwork+".Connect", 0, make(chan *dbus.Call, 1))
		select {
		case p := <-a.asked:
			t.Logf("wifid asks our agent for %s; State %s", p, state())
		case c := <-c.Done:
			t.Fatalf("connect ended before asking the agent: %v", c.Err)
		case <-time.After(90 * time.Second):
			t.Fatal("wifid did not ask the agent within 90 s")
		}
		return c
	}
	waitConnected := func() {
		// wifid publishes the state a moment after it replies (iwd: before).
		for deadline := time.Now().Add(30 * time.Second); state() != "connected"; time.Sleep(time.Second) {
			if time.Now().After(deadline) {
				t.Fatalf("State %q 30 s after the connect, want connected", state())
			}
		}
	}
	first := heldConnect()
	wantErr("Scan while connecting", iwdSvc+".InProgress", nil, station, badStation+".Scan")
	if out, err := dbusSend(nil, cafe, badNetwork+".Connect"); err != nil {
		t.Fatalf("Connect to cafe while connecting to labnet: %v: %s", err, out)
	}
	select {
	case c := <-first.Done:
		var name string
		if e, ok := c.Err.(dbus.Error); ok {
			name = e.Name
		}
		if name != iwdSvc+".Aborted" {
			t.Errorf("the replaced connect ended with %q (%v), want %s.Aborted", name, c.Err, iwdSvc)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the replaced connect did not end within 30 s")
	}
	waitConnected()
	second := heldConnect()
	a.release <- pass
	select {
	case c := <-second.Done:
		if c.Err != nil {
			t.Fatalf("the held connect: %v", c.Err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("the held connect did not end within 90 s")
	}
	waitConnected()
	if out, err := dbusSend(nil, labnet, badNetwork+".Connect"); err != nil {
		t.Errorf("Connect to the connected network: %v: %s (iwd answers success)", err, out)
	}

	// An unprivileged user. labenv's dbus-daemon reads the project's
	// policy (daemon/dist/wifid-dbus.conf, in place of Debian's
	// iwd-dbus.conf): root may own and call, groups netdev and wheel may
	// call, and everyone else may send wifid nothing at all, not even a
	// read (known networks and the current BSSID are a location history).
	nobody := []string{"setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"}
	wantErr("nobody: GetManagedObjects", "org.freedesktop.DBus.Error.AccessDenied", nobody, "/", "org.freedesktop.DBus.ObjectManager.GetManagedObjects")
	wantErr("nobody: Station.Disconnect", "org.freedesktop.DBus.Error.AccessDenied", nobody, station, badStation+".Disconnect")
	wantErr("nobody: Properties.Get State", "org.freedesktop.DBus.Error.AccessDenied", nobody, station, "org.freedesktop.DBus.Properties.Get",
		"string:"+badStation, "string:State")
	wantErr("nobody: Introspect", "org.freedesktop.DBus.Error.AccessDenied", nobody, station, "org.freedesktop.DBus.Introspectable.Introspect")
	// The same user in group netdev may.
	out, err := exec.Command("getent", "group", "netdev").Output()
	if err != nil {
		t.Fatalf("getent group netdev: %v (the policy names the group)", err)
	}
	gid := strings.Split(strings.TrimSpace(string(out)), ":")[2]
	if _, err := strconv.Atoi(gid); err != nil {
		t.Fatalf("group netdev: gid %q", gid)
	}
	netdev := []string{"setpriv", "--reuid", "65534", "--regid", "65534", "--groups", gid}
	for _, c := range []struct {
		path   dbus.ObjectPath
		method string
		args   []string
	}{
		{"/", "org.freedesktop.DBus.ObjectManager.GetManagedObjects", nil},
		{station, "org.freedesktop.DBus.Properties.Get", []string{"string:" + badStation, "string:State"}},
	} {
		out, err := dbusSend(netdev, c.path, c.method, c.args...)
		t.Logf("nobody in group netdev: %s: %v (%d bytes)", c.method, err, len(out))
		if err != nil {
			t.Errorf("a member of netdev may call wifid: %s: %v: %s", c.method, err, out)
		}
	}
	if s := state(); s != "connected" {
		t.Errorf("State %q after the unprivileged calls, want connected", s)
	}

	// Nothing changed on disk but the two networks connected to.
	ents, _ := os.ReadDir(d.StateDir)
	var files []string
	for _, e := range ents {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") { // .known_network.freq is the frequency cache
			files = append(files, e.Name())
		}
	}
	if strings.Join(files, " ") != "cafe.open labnet.psk" {
		t.Errorf("state directory holds %v, want only cafe.open and labnet.psk", files)
	}
	alive("at the end")
	t.Logf("wifid lived through every bad call")
	if logHasSecret(d.Log, pass) {
		t.Error("the passphrase appears in wifid's log")
	}
}
