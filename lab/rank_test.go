//go:build lab

package lab

import (
	"strings"
	"testing"
	"time"

	"wifid/lab/hwsim"
	"wifid/lab/labenv"
)

// TestWifidChoosesStrongerKnownNetwork: two known networks, the one used
// last heard at -80 dBm, the other at -30 dBm. iwd's ranking (estimated
// data rate at the signal, then recency as a modifier) picks the strong
// one; wifid must too.
func TestWifidChoosesStrongerKnownNetwork(t *testing.T) {
	near := wpa2AP(0, "near", "correct horse battery")
	far := wpa2AP(1, "far", "correct horse battery")
	far.Config = strings.Replace(far.Config, "channel=1", "channel=6", 1)
	far.Address, far.DHCPRange = "192.168.79.1/24", "192.168.79.50,192.168.79.150,255.255.255.0,10m"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, Medium: true, APs: []labenv.AP{near, far}})
	sta := lab.Radios[2]
	farAddr := lab.MediumRadio(1).Addresses[0]
	staAddr := lab.MediumRadio(2).Addresses[0]
	if _, err := lab.Medium().AddRule(hwsim.LinkRule(farAddr, staAddr, -80, 0)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	// The lab's emulated scan misses a probe response now and then (the
	// medium runs in user space, the dwell is 30 ms of a slow guest's
	// time): a first scan that saw one network leaves wifid nothing to
	// rank. Judge only a choice made with both in view; start again
	// otherwise (each start is a fresh state directory).
	for attempt := 1; ; attempt++ {
		mark := len(readAll(lab.Dir + "/wifid.log"))
		d := lab.StartWifid(labenv.DaemonOptions{
			Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
			Networks: map[string]string{
				"near.psk": "[Security]\nPassphrase=correct horse battery\n",
				"far.psk":  "[Security]\nPassphrase=correct horse battery\n",
			},
			Mtimes: map[string]time.Time{"far.psk": now.Add(-time.Hour), "near.psk": now.Add(-48 * time.Hour)},
		})
		waitFor(t, "wifid's first connect", 60*time.Second, func() bool {
			return strings.Contains(readAll(d.Log)[mark:], "msg=connecting iface="+sta.Iface)
		})
		log := readAll(d.Log)[mark:]
		if scans := grepLines(log, `msg="scan done"`); !strings.Contains(scans, "networks=2") && attempt < 5 {
			t.Logf("attempt %d: wifid's first scan saw one network (%s); starting again", attempt, scans)
			d.Stop()
			continue
		}
		if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
			t.Fatal(err)
		}
		log = readAll(d.Log)[mark:]
		if !strings.Contains(log, "msg=connecting iface="+sta.Iface+" network=near") {
			t.Errorf("wifid did not choose the stronger network; its scans and connects:\n%s\n%s",
				grepLines(log, `msg="scan done"`), grepLines(log, "msg=connecting"))
		}
		if strings.Contains(log, "network=far security") {
			t.Errorf("wifid tried the weak network:\n%s", grepLines(log, "msg=connecting"))
		}
		return
	}
}

// grepLines is the lines of s that hold any of subs.
func grepLines(s string, subs ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(l, sub) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
