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
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{
			"near.psk": "[Security]\nPassphrase=correct horse battery\n",
			"far.psk":  "[Security]\nPassphrase=correct horse battery\n",
		},
		Mtimes: map[string]time.Time{"far.psk": now.Add(-time.Hour), "near.psk": now.Add(-48 * time.Hour)},
	})
	if _, err := lab.WaitIPv4(sta.Iface, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	log := readAll(d.Log)
	if !strings.Contains(log, "msg=connecting iface="+sta.Iface+" network=near") {
		t.Errorf("wifid did not choose the stronger network; its connects:\n%s", grepLines(log, "msg=connecting"))
	}
	if strings.Contains(log, "network=far security") {
		t.Errorf("wifid tried the weak network:\n%s", grepLines(log, "msg=connecting"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
