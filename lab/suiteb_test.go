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

// TestWifidEnterpriseSuiteB192: WPA3-Enterprise 192-bit mode. hostapd
// offers only 802.1X-Suite-B-192 (GCMP-256, BIP-GMAC-256, MFP required)
// and its EAP server takes only the Suite-B TLS cipher suite
// (openssl_ciphers=SUITEB192: TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384 with
// P-384), with a P-384 PKI made here. wifid autoconnects with EAP-TLS from
// its .8021x file, negotiates that AKM and cipher suite (hostapd's station
// entry and wifid's log say so), gets an address and pings the AP.
func TestWifidEnterpriseSuiteB192(t *testing.T) {
	certs := netns.NewCertsP384(t, filepath.Join(t.TempDir(), "pki"))
	ap := enterpriseAP(t, 0, "corp192", certs,
		"wpa_key_mgmt=WPA-EAP-SUITE-B-192",
		"rsn_pairwise=GCMP-256",
		"ieee80211w=2",
		"group_mgmt_cipher=BIP-GMAC-256",
		"openssl_ciphers=SUITEB192")
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{ap}})
	sta := lab.Radios[1]
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"corp192.8021x": "[Security]\nEAP-Method=TLS\nEAP-Identity=" + certs.ClientName +
			"\nEAP-TLS-CACert=" + certs.CAFile + "\nEAP-TLS-ClientCert=" + certs.ClientCertFile +
			"\nEAP-TLS-ClientKey=" + certs.ClientKeyFile + "\n"}})
	defer d.Stop()
	log := waitLogSince(t, d.Log, 0, "4-way handshake complete", 90*time.Second)
	done := grepLines(log, "4-way handshake complete")
	t.Logf("%s", done)
	if !strings.Contains(done, "akm=802.1X-Suite-B-192") || !strings.Contains(done, "pairwise=GCMP-256") {
		t.Errorf("wifid did not negotiate 802.1X-Suite-B-192 with GCMP-256:\n%s", done)
	}
	tlsDone := grepLines(log, "eap tls handshake done")
	t.Logf("%s", tlsDone)
	if !strings.Contains(tlsDone, "cipher=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") {
		t.Errorf("the TLS handshake did not use ECDHE-ECDSA-AES256-GCM-SHA384:\n%s", tlsDone)
	}
	ip, err := lab.WaitIPv4(sta.Iface, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s got %s", sta.Iface, ip)
	wantAPSTAWithMFP(t, lab, 0, "00-0f-ac-12 (802.1X-Suite-B-192)")
	if err := lab.Ping(lab.APs[0].IP, 3); err != nil {
		t.Error(err)
	}
}
