//go:build lab

package lab

import (
	"net"
	"strings"
	"testing"
	"time"

	"wifid/lab/hwsim"
	"wifid/lab/labenv"
)

// essAPs are two WPA2-PSK BSSes of one network on channels 1 and 6,
// bridged into one LAN with one DHCP server, as an office ESS is.
func essAPs(ssid string) []labenv.AP {
	a := wpa2AP(0, ssid, "correct horse battery")
	a.Bridge = "ess"
	b := wpa2AP(1, ssid, "correct horse battery")
	b.Config = strings.Replace(b.Config, "channel=1", "channel=6", 1)
	b.Bridge, b.Address, b.DHCPRange = "ess", "", ""
	return []labenv.AP{a, b}
}

// startOffice starts wifid with the office network known and waits until
// it is connected with an address: the daemon, the address, the station's
// MAC.
func startOffice(t *testing.T, lab *labenv.Lab, sta labenv.Radio) (*labenv.Daemon, net.IP, string) {
	t.Helper()
	d := lab.StartWifid(labenv.DaemonOptions{
		Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"office.psk": "[Security]\nPassphrase=correct horse battery\n"},
	})
	ip, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitLog("msg=connected", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	ifi, err := net.InterfaceByName(sta.Iface)
	if err != nil {
		t.Fatal(err)
	}
	staMAC := ifi.HardwareAddr.String()
	return d, ip, staMAC
}

// apStations lists the stations AP i has associated (hostapd all_sta).
func apStations(lab *labenv.Lab, i int) string {
	out, _ := lab.Output("ip", "netns", "exec", labenv.APNamespace, "hostapd_cli", "-p", "/run/hostapd",
		"-i", lab.APs[i].Iface, "all_sta")
	return out
}

// officeLinks are the station's (radio 2) links to the two BSSes of
// essAPs through the Go medium.
type officeLinks struct {
	m      *hwsim.Medium
	r0, r1 hwsim.RuleID
}

// newOfficeLinks starts with AP 0 strong (-35 dBm) and AP 1 weak (-85).
func newOfficeLinks(t testing.TB, lab *labenv.Lab) *officeLinks {
	t.Helper()
	m := lab.Medium()
	ap0, ap1 := lab.MediumRadio(0).Addresses[0], lab.MediumRadio(1).Addresses[0]
	staAddr := lab.MediumRadio(2).Addresses[0]
	r0, err := m.AddRule(hwsim.LinkRule(ap0, staAddr, -35, 0))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := m.AddRule(hwsim.LinkRule(ap1, staAddr, -85, 0))
	if err != nil {
		t.Fatal(err)
	}
	return &officeLinks{m: m, r0: r0, r1: r1}
}

// walkAway weakens the link to the AP wifid is on (-85 dBm) and
// strengthens the other's (-35), and returns the two APs' indexes. wifid
// joins AP 0, the strong one, unless its first scan missed AP 0's probe
// response (under emulation the radio can leave the channel first): then
// it walks from AP 1 to AP 0.
func (o *officeLinks) walkAway(t testing.TB, lab *labenv.Lab, staMAC string) (from, to int) {
	t.Helper()
	from, to = 0, 1
	if !strings.Contains(apStations(lab, 0), staMAC) {
		if !strings.Contains(apStations(lab, 1), staMAC) {
			t.Fatalf("wifid is on neither AP; their stations:\n%s\n%s", apStations(lab, 0), apStations(lab, 1))
		}
		from, to = 1, 0
		t.Logf("wifid joined AP 1 (its first scan did not hear AP 0): it walks from AP 1 to AP 0")
	}
	var sig [2]int
	sig[from], sig[to] = -85, -35
	o.set(t, sig[0], sig[1])
	return from, to
}

// set gives the links to AP 0 and AP 1 these signals (dBm).
func (o *officeLinks) set(t testing.TB, sig0, sig1 int) {
	t.Helper()
	if err := o.m.UpdateRule(o.r0, func(r *hwsim.Rule) { r.Signal = sig0 }); err != nil {
		t.Fatal(err)
	}
	if err := o.m.UpdateRule(o.r1, func(r *hwsim.Rule) { r.Signal = sig1 }); err != nil {
		t.Fatal(err)
	}
}

// TestWifidRoamsWhenSignalWeakens: wifid connects to the strong BSS of a
// two-BSS network; the medium then weakens that link to -85 dBm and
// strengthens the other to -35 dBm. The kernel's signal monitor reports the
// drop below RoamThreshold (-70), wifid scans, reassociates to the other
// BSS with a new 4-way handshake, and keeps its address: pings go on.
func TestWifidRoamsWhenSignalWeakens(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, Medium: true, APs: essAPs("office")})
	sta := lab.Radios[2]
	links := newOfficeLinks(t, lab)
	d, ip, staMAC := startOffice(t, lab, sta)
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Fatalf("before the roam: %v", err)
	}

	// Walk away from AP 0 towards AP 1.
	_, to := links.walkAway(t, lab, staMAC)
	if err := d.WaitLog("msg=roamed", 60*time.Second); err != nil {
		log := readAll(d.Log)
		t.Fatalf("%v; wifid's roam lines:\n%s", err, grepLines(log, "roam"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(apStations(lab, to), staMAC) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(apStations(lab, to), staMAC) {
		t.Fatalf("wifid says it roamed, but AP %d does not list it:\n%s", to, apStations(lab, to))
	}
	log := readAll(d.Log)
	for _, want := range []string{"msg=\"signal low\"", "msg=\"roam scan\"", "msg=roaming", "4-way handshake complete"} {
		if !strings.Contains(log, want) {
			t.Errorf("wifid's log lacks %s", want)
		}
	}
	if strings.Count(log, "msg=\"tearing down\"") > 0 {
		t.Errorf("the roam tore the connection down:\n%s", grepLines(log, "tearing down"))
	}
	// The address stays and traffic flows through the new BSS.
	now, err := lab.WaitIPv4(sta.Iface, 5*time.Second)
	if err != nil || !now.Equal(ip) {
		t.Errorf("address after the roam: %v (%v), before %v", now, err, ip)
	}
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Errorf("after the roam: %v", err)
	}
	t.Logf("roam: %s", grepLines(log, "msg=roamed"))
}

// TestWifidFollowsBSSTransitionRequest: the AP wifid is on sends an 802.11v
// BSS Transition Management Request naming the other BSS, disassociation
// imminent (hostapd_cli bss_tm_req); wifid scans that channel and
// reassociates there, keeping its address.
func TestWifidFollowsBSSTransitionRequest(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, APs: essAPs("office")})
	sta := lab.Radios[2]
	d, ip, staMAC := startOffice(t, lab, sta)
	from, to := 0, 1
	if !strings.Contains(apStations(lab, 0), staMAC) {
		from, to = 1, 0
	}
	target := apMAC(t, lab, lab.APs[to])
	channel := "1"
	if to == 1 {
		channel = "6"
	}
	// BSSID Information 0x8f: reachable, security, key scope, HT; class 81.
	out := lab.ExecAP("hostapd_cli", "-p", "/run/hostapd", "-i", lab.APs[from].Iface, "bss_tm_req", staMAC,
		"disassoc_imminent=1", "disassoc_timer=100", "pref=1",
		"neighbor="+target.String()+",143,81,"+channel+",7")
	t.Logf("bss_tm_req: %s", strings.TrimSpace(out))
	if err := d.WaitLog("msg=roamed", 60*time.Second); err != nil {
		t.Fatalf("%v; wifid's roam lines:\n%s", err, grepLines(readAll(d.Log), "roam"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(apStations(lab, to), staMAC) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(apStations(lab, to), staMAC) {
		t.Fatalf("wifid says it roamed, but AP %d does not list it", to)
	}
	log := readAll(d.Log)
	if !strings.Contains(log, "msg=\"AP asks us to move\"") {
		t.Errorf("the request is not in wifid's log")
	}
	if now, err := lab.WaitIPv4(sta.Iface, 5*time.Second); err != nil || !now.Equal(ip) {
		t.Errorf("address after the roam: %v (%v), before %v", now, err, ip)
	}
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Errorf("after the roam: %v", err)
	}
}
