//go:build lab

package lab

import (
	"bufio"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// TestWifimonIwd: wifimon runs (nlmon, hwsim0 and the station's own
// interface) while iwd, the reference, joins a WPA2-PSK hostapd. Its output
// shows the whole connect; its pcapng opens in tshark with the same frames.
func TestWifimonIwd(t *testing.T) { wmConnect(t, "iwd") }

// TestWifimonWifid is the same with wifid.
func TestWifimonWifid(t *testing.T) { wmConnect(t, "wifid") }

const (
	wmSSID       = "labnet"
	wmPassphrase = "correct horse battery"
)

func wmConnect(t *testing.T, daemon string) {
	lab := labenv.Setup(t, labenv.Hardware{
		Radios: 2,
		DBus:   daemon == "iwd",
		APs:    []labenv.AP{wpa2AP(0, wmSSID, wmPassphrase)},
	})
	sta := lab.Radios[1]
	wifimon := filepath.Join(lab.Bin, "wifimon")
	pcap := filepath.Join(lab.Dir, "wifimon.pcapng")
	// DHCP is visible only on the station's interface: on the air, every
	// data frame after the 4-way handshake is CCMP-encrypted.
	mon := lab.Start("wifimon", nil, wifimon, "-w", pcap, "-air", "hwsim0", "-i", sta.Iface)
	if err := mon.WaitLog("wifimon: capturing", 30*time.Second); err != nil {
		t.Fatal(err)
	}

	opts := labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		Networks: map[string]string{wmSSID + ".psk": "[Security]\nPassphrase=" + wmPassphrase + "\n"},
	}
	if daemon == "iwd" {
		opts.MainConf = "[General]\nEnableNetworkConfiguration=true\n"
		lab.StartIwd(opts)
	} else {
		opts.MainConf = wifidNetconf
		lab.StartWifid(opts)
	}
	ip, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
	if err != nil {
		t.Fatalf("%s did not connect: %v", daemon, err)
	}
	t.Logf("%s: %s got %s", daemon, sta.Iface, ip)
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let the last frames reach the monitor
	if err := mon.Stop(); err != nil {
		t.Fatalf("wifimon on SIGTERM: %v", err)
	}
	if _, err := net.InterfaceByName("wifimon0"); err == nil {
		t.Error("wifimon left its nlmon interface wifimon0 behind")
	}

	out, err := os.ReadFile(mon.Log)
	if err != nil {
		t.Fatal(err)
	}
	log := string(out)
	staMAC := wmMAC(t, sta.Iface)

	// The air: authentication, association, the four EAPOL-Key messages.
	air := wmLines(log, " air ")
	wmInOrder(t, "air", air, []string{
		"Authentication da=.* sa=" + staMAC + " .*seq=1 ",
		"Authentication da=" + staMAC + " .*seq=2 status=SUCCESS",
		"Association Request .*sa=" + staMAC + " .*ssid=" + wmSSID,
		"Association Response da=" + staMAC + " .*status=SUCCESS",
		"EAPOL-Key da=" + staMAC + " .*msg=1/4",
		"EAPOL-Key .*sa=" + staMAC + " .*msg=2/4",
		"EAPOL-Key da=" + staMAC + " .*msg=3/4",
		"EAPOL-Key .*sa=" + staMAC + " .*msg=4/4",
	})
	// The kernel side: nl80211 by name, the key installed, the address.
	nl := wmLines(log, " nl ")
	wmInOrder(t, "nl", nl, []string{
		`\* CMD_(AUTHENTICATE|CONNECT) .*ifindex=`,
		`\* CMD_(ASSOCIATE|CONNECT) .*ifindex=`,
		`> CMD_NEW_KEY .*key_data_len=16`,
		`RTM_NEWADDR .*addr=` + regexp.QuoteMeta(ip.String()) + `/24`,
	})
	// DHCP on the station's interface.
	wmInOrder(t, "eth", wmLines(log, " eth:"+sta.Iface+" "), []string{
		"DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK .*yiaddr=" + regexp.QuoteMeta(ip.String()),
	})
	if strings.Contains(log, "malformed:") {
		t.Errorf("malformed frames in a plain connect:\n%s", strings.Join(wmLines(log, "malformed:"), "\n"))
	}

	// No secret in the default output: the passphrase, the PSK, and every
	// nonce, MIC and key that -show-secrets reveals from the same capture.
	psk, err := pbkdf2.Key(sha1.New, wmPassphrase, []byte(wmSSID), 4096, 32)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"passphrase": wmPassphrase, "PSK": hex.EncodeToString(psk)}
	shown := wmRead(t, wifimon, pcap, "-show-secrets")
	for _, ev := range shown.events {
		wmCollectSecrets(ev, secrets)
	}
	if len(secrets) < 6 {
		t.Errorf("-show-secrets revealed only %d secrets: %v", len(secrets)-2, secrets)
	}
	lower := strings.ToLower(log)
	for what, s := range secrets {
		if strings.Contains(lower, strings.ToLower(s)) {
			t.Errorf("wifimon's default output shows %s %s", what, s)
		}
	}
	t.Logf("checked %d secrets against the default output", len(secrets))

	t.Run("tshark", func(t *testing.T) { wmTshark(t, wifimon, pcap) })
}

// wmTshark compares the pcapng file as tshark reads it with wifimon -r:
// frames per source and 802.11 frame types on the air.
func wmTshark(t *testing.T, wifimon, pcap string) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): the pcap is not checked against Wireshark")
	}
	out, err := exec.Command(tshark, "-r", pcap, "-T", "fields", "-E", "separator=/t",
		"-e", "frame.interface_id", "-e", "wlan.fc.type_subtype", "-e", "frame.protocols").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", pcap, err)
	}
	perIface := map[string]int{}
	tsTypes := map[int]int{}
	nl80211 := 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 {
			t.Fatalf("tshark line %q", l)
		}
		perIface[f[0]]++
		// Interface 1 is the air; tshark's nl80211 dissector also
		// decodes the 802.11 frames inside netlink messages (interface 0).
		if f[0] == "1" && f[1] != "" {
			v, err := strconv.ParseInt(f[1], 0, 32)
			if err != nil {
				t.Fatalf("tshark type_subtype %q", f[1])
			}
			tsTypes[int(v)]++
		}
		if strings.Contains(f[2], "nl80211") {
			nl80211++
		}
	}
	r := wmRead(t, wifimon, pcap, "-a", "-beacons")
	got := map[string]int{"0": r.frames["nl"], "1": r.frames["air"], "2": r.frames["eth"]}
	for id, name := range []string{"nl", "air", "eth"} {
		k := strconv.Itoa(id)
		if perIface[k] != got[k] {
			t.Errorf("%s frames: tshark %d, wifimon %d", name, perIface[k], got[k])
		}
	}
	wmTypes := map[int]int{}
	for _, ev := range r.events {
		if ev["source"] == "air" {
			if st, ok := ev["subtype"].(float64); ok {
				wmTypes[int(st)]++
			}
		}
	}
	if fmt.Sprint(wmSorted(tsTypes)) != fmt.Sprint(wmSorted(wmTypes)) {
		t.Errorf("802.11 type/subtype counts differ:\ntshark  %v\nwifimon %v", wmSorted(tsTypes), wmSorted(wmTypes))
	}
	if nl80211 == 0 {
		t.Error("tshark decodes no nl80211 message in the netlink frames")
	}
	t.Logf("tshark and wifimon agree: %v frames per interface, %d nl80211 in tshark, types %v", perIface, nl80211, wmSorted(tsTypes))
}

type wmReadResult struct {
	events []map[string]any
	frames map[string]int
}

var wmSummary = regexp.MustCompile(`wifimon: (\d+) frames \(nl (\d+), air (\d+), eth (\d+)\)`)

// wmRead runs wifimon -r FILE -json with extra flags.
func wmRead(t *testing.T, wifimon, pcap string, flags ...string) wmReadResult {
	t.Helper()
	cmd := exec.Command(wifimon, append([]string{"-r", pcap, "-json"}, flags...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wifimon -r: %v\n%s", err, stderr.String())
	}
	r := wmReadResult{frames: map[string]int{}}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("wifimon -json line %q: %v", sc.Text(), err)
		}
		r.events = append(r.events, ev)
	}
	m := wmSummary.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no summary from wifimon -r: %s", stderr.String())
	}
	r.frames["nl"], _ = strconv.Atoi(m[2])
	r.frames["air"], _ = strconv.Atoi(m[3])
	r.frames["eth"], _ = strconv.Atoi(m[4])
	return r
}

// wmCollectSecrets gathers key material fields (hex) from a JSON event and
// the events nested in it.
func wmCollectSecrets(ev map[string]any, into map[string]string) {
	for k, v := range ev {
		switch v := v.(type) {
		case map[string]any:
			wmCollectSecrets(v, into)
		case string:
			switch k {
			case "nonce", "mic", "key_data", "pmk":
				if len(v) >= 16 && strings.Trim(v, "0") != "" {
					into[k+" "+v[:8]] = v
				}
			}
		}
	}
}

// wmInOrder checks that the patterns match lines in this order (other lines
// may come between).
func wmInOrder(t *testing.T, what string, lines []string, pats []string) {
	t.Helper()
	i := 0
	for _, l := range lines {
		if i < len(pats) && regexp.MustCompile(pats[i]).MatchString(l) {
			i++
		}
	}
	if i < len(pats) {
		t.Errorf("%s: no line matches %q after the first %d steps; the %s lines:\n%s", what, pats[i], i, what, strings.Join(wmTail(lines, 60), "\n"))
	}
}

func wmLines(log, substr string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, substr) && !strings.Contains(l, " Beacon ") {
			out = append(out, l)
		}
	}
	return out
}

func wmTail(l []string, n int) []string {
	if len(l) > n {
		return l[len(l)-n:]
	}
	return l
}

func wmMAC(t *testing.T, iface string) string {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatal(err)
	}
	return ifi.HardwareAddr.String()
}

func wmSorted(m map[int]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("0x%02x:%d", k, v))
	}
	sort.Strings(out)
	return out
}

// TestWifimonPingFlood: with wifimon capturing all three sources, a ping
// flood from the station loses nothing in the monitor: every echo request
// ping sent shows on the station's interface, the air shows at least as
// many data frames from the station, and the kernel dropped no frame on any
// of wifimon's sockets. LAB_FLOOD_SECONDS sets the flood's length (default
// 20; the figure is for 60).
func TestWifimonPingFlood(t *testing.T) {
	secs := 20
	if s, err := strconv.Atoi(os.Getenv("LAB_FLOOD_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{wpa2AP(0, wmSSID, wmPassphrase)}})
	sta := lab.Radios[1]
	mon := lab.Start("wifimon", nil, filepath.Join(lab.Bin, "wifimon"), "-w", filepath.Join(lab.Dir, "wifimon.pcapng"), "-air", "hwsim0", "-i", sta.Iface)
	if err := mon.WaitLog("wifimon: capturing", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	lab.StartWifid(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		MainConf: wifidNetconf,
		Networks: map[string]string{wmSSID + ".psk": "[Security]\nPassphrase=" + wmPassphrase + "\n"},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatalf("wifid did not connect: %v", err)
	}
	out, _ := lab.Output("ping", "-f", "-q", "-w", strconv.Itoa(secs), lab.APs[0].IP.String())
	m := regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping -f: %s", out)
	}
	sent, _ := strconv.Atoi(m[1])
	time.Sleep(2 * time.Second)
	if err := mon.Stop(); err != nil {
		t.Fatalf("wifimon on SIGTERM: %v", err)
	}
	b, err := os.ReadFile(mon.Log)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	staMAC := wmMAC(t, sta.Iface)
	requests, airData := 0, 0
	for _, l := range strings.Split(log, "\n") {
		switch {
		case strings.Contains(l, " eth:"+sta.Iface+" IPv4 ") && strings.Contains(l, "icmp=EchoRequest"):
			requests++
		case strings.Contains(l, " air ") && strings.Contains(l, "Data da=") && strings.Contains(l, " sa="+staMAC+" ") && strings.Contains(l, "protected=true"):
			airData++
		}
	}
	var drops []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "kernel counted") {
			drops = append(drops, strings.TrimPrefix(l, "wifimon: "))
			if !strings.HasSuffix(l, "dropped 0") {
				t.Errorf("the kernel dropped frames: %s", l)
			}
		}
	}
	t.Logf("%d s ping flood: %d echo requests sent (%s received), wifimon saw %d on %s and %d protected data frames from the station on the air; %s",
		secs, sent, m[2], requests, sta.Iface, airData, strings.Join(drops, "; "))
	if requests != sent {
		t.Errorf("wifimon saw %d echo requests on %s, ping sent %d", requests, sta.Iface, sent)
	}
	if airData < sent {
		t.Errorf("wifimon saw %d data frames from the station on the air, ping sent %d", airData, sent)
	}
}
