//go:build lab

package lab

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// TestDemo is what `make demo` shows: two access points (WPA2-PSK "labnet"
// and open "cafe"), wifid on a third radio, and wifictl scanning,
// connecting with a passphrase and showing the address DHCP gave; wifictl
// watch prints every state change as it happens.
func TestDemo(t *testing.T) {
	psk := wpa2AP(0, "labnet", "correct horse battery")
	open := openAP(1, "cafe")
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, DBus: true, APs: []labenv.AP{psk, open}})
	sta := lab.Radios[2]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, MainConf: wifidNetconf})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	watch := lab.Start("wifictl-watch", nil, "wifictl", "watch")
	step := func(title string, args ...string) string {
		t.Helper()
		t.Logf("$ wifictl %s    # %s", strings.Join(args, " "), title)
		out, err := lab.Output(append([]string{"wifictl"}, args...)...)
		t.Logf("\n%s", strings.TrimRight(out, "\n"))
		if err != nil {
			t.Fatalf("wifictl %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	step("what wifid manages", "status")
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := step("scan and list networks", "scan", sta.Iface)
		if strings.Contains(out, "labnet") && strings.Contains(out, "cafe") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scan did not find both access points")
		}
	}
	step("connect, answering the passphrase", "connect", "labnet", "--passphrase", "correct horse battery")
	ip, err := lab.WaitIPv4(sta.Iface, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let the address reach the view
	step("connected, with the address from DHCP", "status")
	step("the network is now known", "known")
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("ping %s from %s across the simulated air: ok", lab.APs[0].IP, ip)
	watch.Stop()
	if f, err := os.Open(watch.Log); err == nil {
		var lines []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
		t.Logf("what `wifictl watch` saw meanwhile:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range strings.Split(readAll(d.Log), "\n") {
		if strings.Contains(l, "timeline=") {
			t.Logf("wifid's connect timeline: %s", l[strings.Index(l, "timeline="):])
		}
	}
}

func readAll(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
