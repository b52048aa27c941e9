//go:build lab

package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/lab/labenv"
	"wifid/lab/netns"
)

// hotspotAP is a Hotspot 2.0 AP (hostapd's Interworking and HS 2.0
// settings as iwd's testHotspot has them) on enterpriseAP's EAP server.
func hotspotAP(t *testing.T, certs *netns.Certs) labenv.AP {
	return enterpriseAP(t, 0, "Hotspot", certs,
		"ieee80211w=1",
		"interworking=1",
		"access_network_type=14",
		"internet=1",
		"hessid=02:00:00:00:04:00",
		"roaming_consortium=112233",
		"roaming_consortium=1020304050",
		"roaming_consortium=010203040506",
		"roaming_consortium=fedcba",
		"domain_name=example.com",
		"nai_realm=0,realm.example.net,21[2:4][5:7]",
		"nai_realm=0,wifid.test;other.test,21[2:4][5:7]",
		"hs20=1",
		"disable_dgaf=0",
	)
}

// hotspotProfile is a profile of <state>/hotspot/ with match (the
// [Hotspot] keys that select the network) and TTLS credentials.
func hotspotProfile(name, match string) string {
	return "[Security]\nEAP-Method=TTLS\nEAP-Identity=anonymous@wifid.test\n" +
		"EAP-TTLS-Phase2-Method=Tunneled-PAP\nEAP-TTLS-Phase2-Identity=" + eapUser + "\n" +
		"EAP-TTLS-Phase2-Password=" + eapPassword + "\n\n[Hotspot]\nName=" + name + "\n" + match
}

// TestWifidHotspot: Hotspot 2.0 as iwd does it. The AP's SSID has no
// network file; a profile in hotspot/ naming one of its NAI realms makes
// wifid ask the AP with ANQP (DisableANQP=false) and autoconnect with the
// profile's EAP settings; iwctl lists the profile by its Name. Removing
// the profile disconnects. A profile naming a roaming consortium OI of
// the beacon matches without ANQP, and so does one naming the HESSID.
func TestWifidHotspot(t *testing.T) {
	certs := netns.NewCerts(t, filepath.Join(t.TempDir(), "pki"))
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, APs: []labenv.AP{hotspotAP(t, certs)}})
	sta := lab.Radios[1]
	caLine := "EAP-TTLS-CACert=" + certs.CAFile + "\n"
	conf := strings.Replace(wifidNetconf, "[General]\n", "[General]\nDisableANQP=false\n", 1)
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: conf,
		Networks: map[string]string{"hotspot/realm.conf": strings.Replace(hotspotProfile("Realm Hotspot",
			"NAIRealmNames=elsewhere.test,wifid.test\n"), "[Hotspot]", caLine+"\n[Hotspot]", 1)}})
	profile := func(file string) string { return filepath.Join(d.StateDir, "hotspot", file) }

	log := waitLogSince(t, d.Log, 0, `msg=connected `, 90*time.Second)
	if !strings.Contains(log, `msg="ANQP answer"`) {
		t.Error(`no "ANQP answer" in wifid's log before the connect`)
	}
	if _, err := lab.WaitIPv4(sta.Iface, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
	if out := iwctl(t, lab, "known-networks", "list"); !strings.Contains(out, "Realm Hotspot") || !strings.Contains(out, "hotspot") {
		t.Errorf("iwctl known-networks list does not show the profile:\n%s", out)
	}

	// The profile goes: the station leaves.
	mark := fileLen(d.Log)
	if err := os.Remove(profile("realm.conf")); err != nil {
		t.Fatal(err)
	}
	waitLogSince(t, d.Log, mark, `why="network file removed"`, 30*time.Second)

	// A roaming consortium OI (the beacon's second) matches without ANQP.
	for _, c := range []struct{ file, match string }{
		{"rc.conf", "RoamingConsortium=1020304050\n"},
		{"hessid.conf", "HESSID=02:00:00:00:04:00\n"},
	} {
		mark := fileLen(d.Log)
		body := strings.Replace(hotspotProfile(c.file, c.match), "[Hotspot]", caLine+"\n[Hotspot]", 1)
		if err := os.WriteFile(profile(c.file), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		log := waitLogSince(t, d.Log, mark, `msg=connected `, 90*time.Second)
		if strings.Contains(log, `msg="ANQP query"`) {
			t.Errorf("%s: ANQP asked again though the AP's answer was known", c.file)
		}
		if _, err := lab.WaitIPv4(sta.Iface, 60*time.Second); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		mark = fileLen(d.Log)
		if err := os.Remove(profile(c.file)); err != nil {
			t.Fatal(err)
		}
		waitLogSince(t, d.Log, mark, `why="network file removed"`, 30*time.Second)
	}
	if logHasSecret(d.Log, eapPassword) {
		t.Error("the password appears in wifid's log")
	}
}
