//go:build lab

package lab

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// wifictlOut runs wifictl and returns stdout and stderr apart (--json
// output must be clean JSON).
func wifictlOut(args ...string) (string, string, error) {
	cmd := exec.Command("wifictl", args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func wifictlOK(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := wifictlOut(args...)
	if err != nil {
		t.Fatalf("wifictl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	t.Logf("$ wifictl %s\n%s%s", strings.Join(args, " "), errOut, out)
	return out
}

// wifictlStation is what `wifictl --json station IFACE show` prints.
type wifictlStation struct {
	State            string `json:"state"`
	ConnectedNetwork *struct {
		Name, Type string
	} `json:"connectedNetwork"`
	LastConnect *struct {
		Kind    string `json:"kind"`
		Network string `json:"network"`
		BSSID   string `json:"bssid"`
		Outcome string `json:"outcome"`
		TotalMs uint64 `json:"totalMs"`
		Phases  []struct {
			Name       string `json:"name"`
			StartMs    uint64 `json:"startMs"`
			DurationMs uint64 `json:"durationMs"`
		} `json:"phases"`
	} `json:"lastConnect"`
}

// TestWifictlScenario: the iwctl scenario with wifictl: scan with progress,
// get-networks, connect with --passphrase (each phase printed as it ends),
// show with the connect timeline (text and --json), known-networks list,
// set-property, forget removing the file.
func TestWifictlScenario(t *testing.T) {
	const pass = "correct horse battery"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, APs: []labenv.AP{wpa2AP(0, "labnet", pass)}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	wifictlOK(t, "device", "list")
	wifictlOK(t, "adapter", "list")
	wifictlOK(t, "station", "list")
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, errOut, err := wifictlOut("station", sta.Iface, "scan")
		if err == nil && !strings.Contains(errOut, "Scan on "+sta.Iface+" done") {
			t.Errorf("scan printed no progress: %s", errOut)
		}
		nets, _, _ := wifictlOut("station", sta.Iface, "get-networks")
		if strings.Contains(nets, "labnet") {
			t.Logf("get-networks:\n%s", nets)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no labnet within 60 s; last scan: %v %s %s", err, out, errOut)
		}
		time.Sleep(time.Second)
	}
	out, errOut, err := wifictlOut("--passphrase", pass, "station", sta.Iface, "connect", "labnet")
	t.Logf("$ wifictl --passphrase ... station %s connect labnet\n%s%s", sta.Iface, errOut, out)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if !strings.Contains(out, "Connected to labnet on "+sta.Iface) || !strings.Contains(errOut, "4-way") || !strings.Contains(errOut, "netconfig") {
		t.Errorf("connect output lacks the result or the phases:\n%s%s", errOut, out)
	}
	if _, err := lab.WaitIPv4(sta.Iface, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	// The timeline ends with netconfig: wait for its outcome.
	var st wifictlStation
	deadline = time.Now().Add(60 * time.Second)
	for {
		js, _, err := wifictlOut("--json", "station", sta.Iface, "show")
		if err != nil {
			t.Fatal(err)
		}
		st = wifictlStation{}
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			t.Fatalf("station show --json: %v\n%s", err, js)
		}
		if st.LastConnect != nil && st.LastConnect.Outcome != "" {
			t.Logf("station show --json:\n%s", js)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished LastConnect within 60 s:\n%s", js)
		}
		time.Sleep(time.Second)
	}
	lc := st.LastConnect
	if st.State != "connected" || st.ConnectedNetwork == nil || st.ConnectedNetwork.Name != "labnet" ||
		lc.Network != "labnet" || lc.Outcome != "connected" || lc.BSSID == "" || lc.TotalMs == 0 {
		t.Errorf("station show --json: %+v, last connect %+v", st, lc)
	}
	var names []string
	var end uint64
	for _, p := range lc.Phases {
		names = append(names, p.Name)
		if p.StartMs < end {
			t.Errorf("phase %s starts at %d ms, before the previous one ended (%d ms)", p.Name, p.StartMs, end)
		}
		end = p.StartMs + p.DurationMs
	}
	// wifid connects with CMD_CONNECT (the kernel's SME): no separate
	// authenticate phase; netconfig ends the attempt.
	for _, want := range []string{"associate", "4-way", "netconfig"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("phases %v lack %s", names, want)
		}
	}
	show := wifictlOK(t, "station", sta.Iface, "show")
	for _, want := range []string{"connected", "labnet (psk)", "Last connect: connect labnet via", "4 4-way", "IPv4 address"} {
		if !strings.Contains(show, want) {
			t.Errorf("station show lacks %q", want)
		}
	}
	if known := wifictlOK(t, "known-networks", "list"); !strings.Contains(known, "labnet") {
		t.Errorf("known-networks list lacks labnet")
	}
	wifictlOK(t, "known-networks", "labnet", "set-property", "AutoConnect", "no")
	if ks := wifictlOK(t, "known-networks", "labnet", "show"); !strings.Contains(ks, "AutoConnect     no") {
		t.Errorf("AutoConnect not off after set-property")
	}
	file := filepath.Join(d.StateDir, "labnet.psk")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("after connecting: %v", err)
	}
	wifictlOK(t, "known-networks", "labnet", "forget")
	if !waitGone(file, 15*time.Second) {
		t.Errorf("%s still there after forget", file)
	}
	if known := wifictlOK(t, "known-networks", "list"); strings.Contains(known, "labnet") {
		t.Errorf("known-networks list after forget still lists labnet")
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		if s, _, _ := wifictlOut("station", sta.Iface, "show"); strings.Contains(s, "disconnected") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still connected 30 s after forgetting the network")
		}
		time.Sleep(time.Second)
	}
	if logHasSecret(d.Log, pass) {
		t.Error("the passphrase appears in wifid's log")
	}
}
