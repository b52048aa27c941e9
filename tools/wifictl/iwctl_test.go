package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/daemon/dbusapi"
	"wifid/daemon/dbusapi/dbustest"
)

// TestIwctlVocabulary runs iwctl's commands against the fake daemon.
func TestIwctlVocabulary(t *testing.T) {
	addr, f := start(t, dbusapi.Config{})
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := wifictl(t, addr, args...)
		if code != 0 {
			t.Fatalf("wifictl %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	contains(t, "device list", run("device", "list"), "wlan0", "02:00:00:00:00:01", "phy0", "station")
	contains(t, "device show", run("device", "wlan0", "show"), "Address", "02:00:00:00:00:01")
	contains(t, "adapter list", run("adapter", "list"), "phy0", "Fake Vendor", "station")
	contains(t, "station list", run("station", "list"), "wlan0", "disconnected")

	_, errOut, code := wifictl(t, addr, "station", "wlan0", "scan")
	if code != 0 {
		t.Fatalf("scan: %s", errOut)
	}
	contains(t, "scan progress", errOut, "Scanning on wlan0...", "Scan on wlan0 done: 2 networks")
	contains(t, "get-networks", run("station", "wlan0", "get-networks"), "home", "psk", "-42 dBm ****", "Cafe Open", "-65 dBm ***")
	contains(t, "get-networks rssi-bars", run("station", "wlan0", "get-networks", "rssi-bars"), "****")
	contains(t, "hidden", run("station", "wlan0", "get-hidden-access-points"), "No hidden access points")

	out, errOut, code := wifictl(t, addr, "--passphrase", "correct horse", "station", "wlan0", "connect", "home")
	if code != 0 {
		t.Fatalf("connect: %s", errOut)
	}
	contains(t, "connect", out, "Connected to home on wlan0.")
	contains(t, "connect progress", errOut, "Connecting to home on wlan0...", "4-way", "30 ms", "netconfig", "(rapid commit)",
		"Connected to home on wlan0 in 400 ms.")

	show := run("station", "wlan0", "show")
	contains(t, "show", show, "State", "connected", "Connected network", "home (psk)", "ConnectedBss", "2412 MHz", "-40 dBm",
		"Last connect: connect home via 02:00:00:00:02:01: connected in 400 ms", "[sss", "nnn]", "n netconfig 239 ms (rapid commit)")

	contains(t, "known list", run("known-networks", "list"), "home", "psk")
	contains(t, "known show", run("known-networks", "home", "show"), "AutoConnect", "yes")
	contains(t, "set-property", run("known-networks", "home", "set-property", "AutoConnect", "no"), "AutoConnect of home is now no.")
	contains(t, "known show after", run("known-networks", "home", "show"), "AutoConnect     no")
	_, errOut, code = wifictl(t, addr, "known-networks", "home", "set-property", "Hidden", "yes")
	if code != 1 || !strings.Contains(errOut, "not settable") {
		t.Errorf("set-property Hidden: exit %d: %s", code, errOut)
	}
	contains(t, "disconnect", run("station", "wlan0", "disconnect"), "Disconnected wlan0.")
	contains(t, "forget", run("known-networks", "home", "forget"), "Forgot home (psk).")
	if !strings.Contains(run("known-networks", "list"), "No known networks.") {
		t.Error("home still known after forget")
	}
	_, errOut, code = wifictl(t, addr, "station", "wlan0", "connect", "nowhere")
	if code != 1 || !strings.Contains(errOut, `no network named "nowhere"`) {
		t.Errorf("connect nowhere: exit %d: %s", code, errOut)
	}
	f.AddHidden("secret-net", "open")
	contains(t, "connect-hidden", run("station", "wlan0", "connect-hidden", "secret-net"), "Connected to secret-net on wlan0.")
	if _, _, code := wifictl(t, addr, "station", "wlan0", "frobnicate"); code != 2 {
		t.Errorf("unknown station command: exit %d, want 2", code)
	}
}

func TestJSON(t *testing.T) {
	addr, _ := start(t, dbusapi.Config{})
	get := func(v any, args ...string) {
		t.Helper()
		out, errOut, code := wifictl(t, addr, append([]string{"--json"}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	var devs []deviceJSON
	get(&devs, "device", "list")
	if len(devs) != 1 || devs[0].Name != "wlan0" || devs[0].Mode != "station" {
		t.Errorf("device list: %+v", devs)
	}
	var scan struct {
		Station  string        `json:"station"`
		Networks []networkJSON `json:"networks"`
	}
	get(&scan, "station", "wlan0", "scan")
	if len(scan.Networks) != 2 || scan.Networks[0].Name != "home" || scan.Networks[0].SignalDBm != -42 {
		t.Errorf("scan: %+v", scan)
	}
	var conn connectJSON
	get(&conn, "station", "wlan0", "connect", "home", "--passphrase", "correct horse")
	if !conn.Connected || conn.LastConnect == nil || conn.LastConnect.TotalMs != 400 || len(conn.LastConnect.Phases) != 6 {
		t.Errorf("connect: %+v", conn)
	}
	var st stationJSON
	get(&st, "station", "wlan0", "show")
	lc := st.LastConnect
	if st.State != "connected" || st.ConnectedNetwork == nil || st.ConnectedNetwork.Name != "home" || lc == nil ||
		lc.Outcome != "connected" || lc.Phases[3].Name != "4-way" || lc.Phases[3].StartMs != 130 || lc.Phases[3].DurationMs != 30 {
		t.Errorf("show: %+v %+v", st, lc)
	}
	if st.Diagnostics["Frequency"] != float64(2412) {
		t.Errorf("show diagnostics: %v", st.Diagnostics)
	}
	var known []knownJSON
	get(&known, "known-networks", "list")
	if len(known) != 1 || known[0].Name != "home" || !known[0].AutoConnect || known[0].LastConnected != "2026-11-23T12:00:00Z" {
		t.Errorf("known-networks list: %+v", known)
	}
	// A failed connect still prints JSON, and exits 1.
	wifictl(t, addr, "known-networks", "home", "forget")
	out, _, code := wifictl(t, addr, "--json", "station", "wlan0", "connect", "home", "--passphrase", "wrong horse")
	var failed connectJSON
	if err := json.Unmarshal([]byte(out), &failed); err != nil || code != 1 || failed.Connected ||
		failed.ErrorName != "net.connman.iwd.Failed" || failed.LastConnect == nil || !strings.HasPrefix(failed.LastConnect.Outcome, "failed") {
		t.Errorf("failed connect: exit %d, %v: %s", code, err, out)
	}
	// --dont-ask: the agent refuses, iwd answers Aborted.
	_, errOut, code := wifictl(t, addr, "--dont-ask", "station", "wlan0", "connect", "home")
	if code != 1 || !strings.Contains(errOut, "--dont-ask") || !strings.Contains(errOut, "net.connman.iwd.Aborted") {
		t.Errorf("--dont-ask: exit %d: %s", code, errOut)
	}
}

func TestPassphrase(t *testing.T) {
	// IEEE 802.11-2020 J.4.2, first vector.
	const want = "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"
	out, errOut, code := wifictl(t, "", "passphrase", "IEEE", "password")
	if code != 0 || strings.TrimSpace(out) != want {
		t.Errorf("passphrase: exit %d, %q %s", code, out, errOut)
	}
	out, _, _ = wifictl(t, "", "--json", "passphrase", "IEEE", "--passphrase", "password")
	if !strings.Contains(out, `"psk": "`+want+`"`) || strings.Contains(out, "password") {
		t.Errorf("passphrase --json: %s", out)
	}
	// From stdin.
	r, w, _ := os.Pipe()
	io.WriteString(w, "password\n")
	w.Close()
	var sb strings.Builder
	var eb strings.Builder
	if code := run(context.Background(), []string{"passphrase", "IEEE"}, env{getenv: func(string) string { return "" }, stdin: r, stdout: &sb, stderr: &eb}); code != 0 || strings.TrimSpace(sb.String()) != want {
		t.Errorf("passphrase from stdin: exit %d %q %s", code, sb.String(), eb.String())
	}
	if _, errOut, code := wifictl(t, "", "passphrase", "IEEE", "short"); code != 1 || !strings.Contains(errOut, "8..63") {
		t.Errorf("short passphrase: exit %d %s", code, errOut)
	}
}

func TestTimelineBar(t *testing.T) {
	lc := &lastConnect{Kind: "connect", Network: "labnet", Outcome: "connected", TotalUs: 1000000, Phases: []phase{
		{Name: "scan", StartUs: 0000, DurationUs: 500000},
		{Name: "authenticate", StartUs: 500000, DurationUs: 1000},
		{Name: "associate", StartUs: 501000, DurationUs: 1000},
		{Name: "4-way", StartUs: 502000, DurationUs: 98000},
		{Name: "netconfig", StartUs: 600000, DurationUs: 400000},
	}}
	for _, width := range []int{12, 40, 80, 200} {
		lines := lc.bar(width)
		bar := lines[0]
		if len(bar) != max(width, 12) {
			t.Errorf("width %d: bar %q has %d columns", width, bar, len(bar))
		}
		for _, m := range "sAa4n" {
			if !strings.ContainsRune(bar, m) {
				t.Errorf("width %d: bar %q lacks phase %c", width, bar, m)
			}
		}
		for _, l := range lines[1:] {
			if len(l) > width && strings.Contains(l, "  ") {
				t.Errorf("width %d: legend line too long: %q", width, l)
			}
		}
	}
	if got := lc.bar(22)[0]; got != "[ssssssssssAa4nnnnnnn]" {
		t.Errorf("bar(22) = %s", got)
	}
	running := &lastConnect{Running: true, TotalUs: 500000, Phases: []phase{{Name: "scan", DurationUs: 500000}, {Name: "authenticate", StartUs: 500000, Running: true}}}
	if got := running.bar(22)[0]; got != "[sssssssssssssssssssA]" {
		t.Errorf("running bar = %s", got)
	}
}

func TestCompletion(t *testing.T) {
	addr, _ := start(t, dbusapi.Config{})
	wifictl(t, addr, "scan")
	wifictl(t, addr, "connect", "home", "--passphrase", "correct horse")
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if err := c.refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := &session{c: c}
	for _, tc := range []struct {
		line, want string
		choices    int
	}{
		{"sta", "stat", 2},
		{"stati", "station ", 0},
		{"station ", "station ", 2},
		{"station w", "station wlan0 ", 0},
		{"station wlan0 get-n", "station wlan0 get-networks ", 0},
		{"station wlan0 connect C", `station wlan0 connect "Cafe Open" `, 0},
		{`station wlan0 connect "Ca`, `station wlan0 connect "Cafe Open" `, 0},
		{"known-networks h", "known-networks home ", 0},
		{"known-networks home set-property AutoConnect y", "known-networks home set-property AutoConnect yes ", 0},
		{"known-networks a", "known-networks add ", 0},
		{"known-networks add C", `known-networks add "Cafe Open" `, 0},
		{"imp", "import ", 0},
		{"import e", "import eap-config ", 0},
		{"frob", "frob", 0},
	} {
		line, pos, choices := s.complete(tc.line, len(tc.line))
		if line != tc.want || pos != len(tc.want) || len(choices) != tc.choices {
			t.Errorf("complete(%q) = %q at %d, choices %q; want %q, %d choices", tc.line, line, pos, choices, tc.want, tc.choices)
		}
	}
	words, err := splitWords(`station wlan0 connect "Cafe Open" 'a b' c\ d`)
	if err != nil || strings.Join(words, "|") != "station|wlan0|connect|Cafe Open|a b|c d" {
		t.Errorf("splitWords = %q, %v", words, err)
	}
	if _, err := splitWords(`connect "open`); err == nil {
		t.Error("unclosed quote: no error")
	}
}

// pipeTerm is a terminal over a script of input lines, recording output.
type pipeTerm struct {
	io.Reader
	out *syncBuffer
}

func (p pipeTerm) Write(b []byte) (int, error) { return p.out.Write(b) }

func TestShell(t *testing.T) {
	addr, f := start(t, dbusapi.Config{})
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	var out syncBuffer
	script := strings.Join([]string{
		"station wlan0 scan",
		"station wlan0 connect home",
		"correct horse",
		`station wlan0 show`,
		"station wlan0 connect \"Cafe Open\" --passphrase 'not needed'",
		"bogus",
		"quit",
	}, "\r") + "\r"
	hist := &history{path: filepath.Join(t.TempDir(), "history")}
	s := &session{c: c, e: env{getenv: func(string) string { return "" }}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.shellOn(ctx, pipeTerm{strings.NewReader(script), &out}, hist, func() int { return 60 }); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	contains(t, "shell", got, "Scan on wlan0 done", "Passphrase for home: ", "Connected to home on wlan0.",
		"Last connect: connect home", "Connected to Cafe Open on wlan0.", `unknown command "bogus" (help lists the commands)`)
	if strings.Contains(got, "correct horse") {
		t.Error("the shell echoed the passphrase")
	}
	if st := f.State(); st.Connected == nil || st.Connected.SSID != "Cafe Open" {
		t.Errorf("state after the shell: %+v", st)
	}
	b, _ := os.ReadFile(hist.path)
	if strings.Contains(string(b), "not needed") || strings.Contains(string(b), "correct horse") || !strings.Contains(string(b), "station wlan0 show") {
		t.Errorf("history file:\n%s", b)
	}
	_ = dbustest.FakeIface
}
