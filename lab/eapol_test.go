//go:build lab

package lab

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// connectAndHold connects wifid to ap, then pings the AP for hold, so
// rekeys happen while traffic flows. It returns wifid's log.
func connectAndHold(t *testing.T, ap labenv.AP, hold time.Duration) (*labenv.Lab, string) {
	t.Helper()
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{ap}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatalf("wifid did not connect: %v", err)
	}
	if hold > 0 {
		count := int(hold / time.Second)
		out, _ := lab.Output("ping", "-c", strconv.Itoa(count), "-i", "1", "-W", "2", lab.APs[0].IP.String())
		// A PTK rekey without Extended Key ID can lose a frame in flight
		// while both ends switch keys (wpa_supplicant and iwd too); more
		// than that is a failure.
		if got := received(out); got < count*95/100 {
			t.Errorf("traffic across rekeys: %d of %d pings answered\n%s", got, count, tailLines(out, 4))
		} else {
			t.Logf("traffic across rekeys: %d of %d pings answered", got, count)
		}
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(d.Log)
	return lab, string(b)
}

// received reads "N received" from ping's summary.
func received(out string) int {
	for _, f := range strings.Split(out, ",") {
		f = strings.TrimSpace(f)
		if n, ok := strings.CutSuffix(f, " received"); ok {
			v, _ := strconv.Atoi(n)
			return v
		}
	}
	return 0
}

func tailLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// hostapdSTA asks hostapd what the station really negotiated.
func hostapdSTA(lab *labenv.Lab) string {
	out, _ := lab.Output("ip", "netns", "exec", labenv.APNamespace, "hostapd_cli", "-p", "/run/hostapd",
		"-i", lab.APs[0].Iface, "all_sta")
	return out
}

// TestWPA2PMFOptional: the AP offers PMF (ieee80211w=1); wifid uses it.
func TestWPA2PMFOptional(t *testing.T) {
	ap := wpa2AP(0, "labnet", "correct horse battery")
	ap.Config += "\nieee80211w=1"
	lab, _ := connectAndHold(t, ap, 0)
	if sta := hostapdSTA(lab); !strings.Contains(sta, "[MFP]") {
		t.Errorf("hostapd does not see MFP in use:\n%s", sta)
	}
}

// TestWPA2PMFRequired: the AP requires PMF (ieee80211w=2, PSK-SHA256).
func TestWPA2PMFRequired(t *testing.T) {
	ap := wpa2AP(0, "labnet", "correct horse battery")
	ap.Config = strings.Replace(ap.Config, "wpa_key_mgmt=WPA-PSK", "wpa_key_mgmt=WPA-PSK-SHA256", 1) + "\nieee80211w=2"
	lab, _ := connectAndHold(t, ap, 0)
	sta := hostapdSTA(lab)
	if !strings.Contains(sta, "[MFP]") || !strings.Contains(sta, "AKMSuiteSelector=00-0f-ac-6") {
		t.Errorf("hostapd does not see MFP with PSK-SHA256:\n%s", sta)
	}
}

// TestWPA2Rekeys: hostapd rekeys the group key every 5 s and the PTK every
// 10 s while traffic flows for a minute; the link survives, wifid installs
// each new key once.
func TestWPA2Rekeys(t *testing.T) {
	ap := wpa2AP(0, "labnet", "correct horse battery")
	ap.Config += "\nwpa_group_rekey=5\nwpa_ptk_rekey=10"
	_, log := connectAndHold(t, ap, 60*time.Second)
	if n := strings.Count(log, "group key rekeyed"); n < 5 {
		t.Errorf("%d group rekeys in a minute, want >= 5", n)
	}
	if n := strings.Count(log, "PTK rekeyed"); n < 3 {
		t.Errorf("%d PTK rekeys in a minute, want >= 3", n)
	}
	if strings.Count(log, "msg=connected") != 1 {
		t.Error("the connection dropped during rekeys")
	}
}

// TestWPA2SAQuery: with management frame protection, hostapd restarted
// under wifid no longer knows it and answers its frames with an
// unprotected deauthentication. wifid does not believe it at once: it sends
// an SA Query, gets no answer (the AP lost the association), lets go and
// reconnects.
func TestWPA2SAQuery(t *testing.T) {
	ap := wpa2AP(0, "labnet", "correct horse battery")
	ap.Config = strings.Replace(ap.Config, "wpa_key_mgmt=WPA-PSK", "wpa_key_mgmt=WPA-PSK-SHA256", 1) + "\nieee80211w=2"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{ap}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"labnet.psk": "[Security]\nPassphrase=correct horse battery\n"}})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	// The AP's interface goes down and up: hostapd forgets its stations.
	lab.ExecAP("ip", "link", "set", lab.APs[0].Iface, "down")
	lab.ExecAP("ip", "link", "set", lab.APs[0].Iface, "up")
	lab.Ping(lab.APs[0].IP, 3) // our traffic makes the AP say it does not know us
	if err := d.WaitLog("asking the AP (SA Query)", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, grepLines(readAll(d.Log), "deauth"))
	}
	if err := d.WaitLog("SA Query unanswered", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(hostapdSTA(lab), "[AUTHORIZED]") && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	if !strings.Contains(hostapdSTA(lab), "[AUTHORIZED]") {
		t.Fatalf("wifid did not reconnect after the SA Query:\n%s", grepLines(readAll(d.Log), "msg=state"))
	}
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Errorf("after reconnecting: %v", err)
	}
}
