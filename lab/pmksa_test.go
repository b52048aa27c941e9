//go:build lab

package lab

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
	"wifid/lab/netns"
)

// TestWifidPMKSACaching: wifid joins a WPA2-Enterprise network (PEAP,
// AKM 802.1X-SHA256, whose PMKID is HMAC-SHA-256) with a full EAP
// conversation and caches the PMKSA; after Station.Disconnect and
// Network.Connect (iwctl) the AP takes the PMKID of the association
// request (hostapd: "PMK from PMKSA cache"), no EAP runs, the timeline's
// eap phase says PMKSA and the station gets its address again. Then
// hostapd restarts, losing its cache: the next connect offers the PMKID,
// the AP starts EAP instead, and wifid drops the entry, runs EAP in the
// same association and connects.
func TestWifidPMKSACaching(t *testing.T) {
	certs := netns.NewCerts(t, filepath.Join(t.TempDir(), "pki"))
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true,
		APs: []labenv.AP{enterpriseAP(t, 0, "corp", certs, "wpa_key_mgmt=WPA-EAP-SHA256")}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"corp.8021x": peapFile("EAP-PEAP-CACert=" + certs.CAFile + "\n")}})
	hostapd := func() string { return lab.APs[0].Hostapd.Log }

	// connect: the station connects (autoconnect the first time, iwctl
	// after) and returns wifid's and hostapd's logs of it.
	connect := func(name string, viaIwctl bool) (wifid, ap string) {
		t.Helper()
		mark, apMark := fileLen(d.Log), fileLen(hostapd())
		start := time.Now()
		if viaIwctl {
			waitIwctl(t, lab, "corp", 60*time.Second, "station", sta.Iface, "get-networks")
			iwctl(t, lab, "station", sta.Iface, "connect", "corp")
		}
		wifid = waitLogSince(t, d.Log, mark, `msg=connected `, 90*time.Second)
		if _, err := lab.WaitIPv4(sta.Iface, 60*time.Second); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wifid = textSince(d.Log, mark)
		line := wifid[strings.Index(wifid, `msg=connected `):]
		line = line[:strings.IndexByte(line, '\n')]
		t.Logf("%s (%.1f s): %s", name, time.Since(start).Seconds(), line)
		return wifid, textSince(hostapd(), apMark)
	}
	disconnect := func() {
		t.Helper()
		iwctl(t, lab, "station", sta.Iface, "disconnect")
		waitIwctl(t, lab, "disconnected", 30*time.Second, "station", sta.Iface, "show")
	}

	log, _ := connect("first connect (full EAP)", false)
	if !strings.Contains(log, `msg="EAP success"`) || !strings.Contains(log, `msg="PMKSA cached"`) {
		t.Fatal("the first connect ran no EAP or cached no PMKSA")
	}
	if strings.Contains(log, "PMKSA offered") {
		t.Error("a PMKSA offered before any was cached")
	}

	disconnect()
	log, ap := connect("reconnect (PMKSA)", true)
	if !strings.Contains(log, `msg="PMKSA cache hit"`) {
		t.Error(`no "PMKSA cache hit" in wifid's log`)
	}
	if strings.Contains(log, `msg="EAP success"`) || strings.Contains(log, "EAP-Request") {
		t.Error("the reconnect ran EAP")
	}
	if !strings.Contains(log, "eap ") || !strings.Contains(log, "(PMKSA)") {
		t.Error("the timeline does not mark the eap phase PMKSA")
	}
	if !strings.Contains(ap, "PMK from PMKSA cache") {
		t.Error(`hostapd did not log "PMK from PMKSA cache"`)
	}
	if strings.Contains(ap, "EAP-Success") || strings.Contains(ap, "CTRL-EVENT-EAP-STARTED") {
		t.Error("hostapd ran EAP on the reconnect")
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}

	// hostapd loses its PMKSA cache: the offered PMKID is unknown, EAP runs.
	disconnect()
	lab.StopAP(0)
	lab.StartAP(0)
	log, ap = connect("reconnect after hostapd's restart (fallback to EAP)", true)
	if !strings.Contains(log, `msg="PMKSA offered"`) || !strings.Contains(log, "PMKSA not taken by the AP") {
		t.Error("wifid did not offer the PMKSA or did not see the AP refuse it")
	}
	if !strings.Contains(log, `msg="EAP success"`) || strings.Contains(log, `msg="PMKSA cache hit"`) {
		t.Error("the fallback did not run EAP")
	}
	if strings.Count(log, "msg=connecting ") != 1 {
		t.Errorf("%d attempts; the fallback should run EAP in the same association", strings.Count(log, "msg=connecting "))
	}
	if strings.Contains(ap, "PMK from PMKSA cache") {
		t.Error("hostapd found a PMKSA after its restart")
	}
	if logHasSecret(d.Log, eapPassword) {
		t.Error("the password appears in wifid's log")
	}
}
