//go:build lab

package lab

import (
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
)

// ftAPs are two FT-PSK BSSes of one mobility domain (802.11r) on channels
// 1 and 6, bridged into one LAN: each AP derives the PMK-R0/R1 from the
// PSK itself (ft_psk_generate_local), as iwd's testPSK-roam sets hostapd
// up; R1KH-ID is each BSSID, R0KH-ID each AP's NAS identifier.
func ftAPs(ssid string, overDS bool) []labenv.AP {
	aps := essAPs(ssid)
	ds := "0"
	if overDS {
		ds = "1"
	}
	for i := range aps {
		aps[i].Config = strings.Replace(aps[i].Config, "wpa_key_mgmt=WPA-PSK", "wpa_key_mgmt=FT-PSK", 1) + `
mobility_domain=1234
nas_identifier=ap` + string(rune('0'+i)) + `.wifid.test
ft_psk_generate_local=1
ft_over_ds=` + ds + `
pmk_r1_push=0
reassociation_deadline=60000
r0kh=ff:ff:ff:ff:ff:ff * 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f
r1kh=00:00:00:00:00:00 00:00:00:00:00:00 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f`
	}
	return aps
}

// TestWifidFTPSK: a network whose BSSes offer only FT-PSK (802.11r). wifid
// makes the mobility domain's initial association (its Mobility Domain
// element in the Association Request, the FT key hierarchy in the 4-way
// handshake: PMKR1Name in message 2, the AP's FTE echoed) and gets an
// address; hostapd lists it with AKM 00-0f-ac-4. Then the medium weakens
// that link and wifid roams to the other BSS of the domain by a fast
// transition over the air (FT Authentication, Reassociation with the FTE's
// MIC, the keys from the response: no 4-way handshake), keeping its
// address.
func TestWifidFTPSK(t *testing.T) {
	for _, c := range []struct {
		name   string
		overDS bool
	}{{"over_air", false}, {"over_ds", true}} {
		t.Run(c.name, func(t *testing.T) { testWifidFTPSK(t, c.overDS) })
	}
}

// testWifidFTPSK is TestWifidFTPSK over the air or, with overDS (the
// BSSes' Mobility Domain elements set FT over DS), through the current AP
// in FT Action frames.
func testWifidFTPSK(t *testing.T, overDS bool) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, Medium: true, APs: ftAPs("office", overDS)})
	sta := lab.Radios[2]
	links := newOfficeLinks(t, lab)
	d, ip, staMAC := startOffice(t, lab, sta)
	from, to := links.walkAway(t, lab, staMAC)
	if all := apStations(lab, from); !strings.Contains(all, "AKMSuiteSelector=00-0f-ac-4") {
		t.Errorf("AP %d does not list FT-PSK (00-0f-ac-4) for wifid:\n%s", from, all)
	}
	log := readAll(d.Log)
	for _, want := range []string{"FT: initial mobility domain association", "akm=FT-PSK", "4-way handshake complete"} {
		if !strings.Contains(log, want) {
			t.Errorf("wifid's log lacks %q", want)
		}
	}
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Fatalf("before the roam: %v", err)
	}
	if err := d.WaitLog("msg=roamed", 60*time.Second); err != nil {
		t.Fatalf("%v; wifid's roam lines:\n%s", err, grepLines(readAll(d.Log), "roam"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(apStations(lab, to), staMAC) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if all := apStations(lab, to); !strings.Contains(all, staMAC) || !strings.Contains(all, "AKMSuiteSelector=00-0f-ac-4") {
		t.Fatalf("wifid says it roamed, but AP %d does not list it with FT-PSK:\n%s", to, all)
	}
	log = readAll(d.Log)
	wants := []string{"FT authentication with", "fast transition keyed"}
	if overDS {
		wants = append(wants, "over_ds=true")
	}
	for _, want := range wants {
		if !strings.Contains(log, want) {
			t.Errorf("the roam was no fast transition: wifid's log lacks %q:\n%s", want, grepLines(log, "FT"))
		}
	}
	if n := strings.Count(log, `msg="4-way handshake complete"`); n != 1 {
		t.Errorf("%d lines of a completed 4-way handshake, want those of the first association only", n)
	}
	now, err := lab.WaitIPv4(sta.Iface, 5*time.Second)
	if err != nil || !now.Equal(ip) {
		t.Errorf("address after the roam: %v (%v), before %v", now, err, ip)
	}
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Errorf("after the roam: %v", err)
	}
}
