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

// WPA2-Enterprise against hostapd's internal EAP server: a throwaway PKI
// (netns.NewCerts) made by the test, an eap_user file with an outer line
// for PEAP, TTLS and TLS and the inner user alice.

const (
	eapUser     = "alice"
	eapPassword = "enterprise secret 42"
)

// enterpriseAP is a WPA2-Enterprise AP (WPA-EAP, CCMP) with DHCP whose
// RADIUS is hostapd's own EAP server, presenting certs' server
// certificate and trusting its CA for EAP-TLS clients; extra are more
// hostapd.conf lines.
func enterpriseAP(t *testing.T, radio int, ssid string, certs *netns.Certs, extra ...string) labenv.AP {
	t.Helper()
	users := []netns.EAPUser{
		{Methods: []string{"PEAP", "TTLS", "TLS"}},
		{Identity: eapUser, Methods: []string{"MSCHAPV2", "TTLS-PAP"}, Password: eapPassword, Phase2: true},
	}
	var b strings.Builder
	for _, u := range users {
		b.WriteString(u.Line() + "\n")
	}
	usersPath := filepath.Join(filepath.Dir(certs.CAFile), "eap_user")
	if err := os.WriteFile(usersPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return labenv.AP{
		Radio: radio,
		Config: `
ssid=` + ssid + `
hw_mode=g
channel=1
wpa=2
wpa_key_mgmt=WPA-EAP
rsn_pairwise=CCMP
ieee8021x=1
eapol_version=2
eap_server=1
eap_user_file=` + usersPath + `
ca_cert=` + certs.CAFile + `
server_cert=` + certs.ServerCertFile + `
private_key=` + certs.ServerKeyFile + "\n" + strings.Join(extra, "\n"),
		Address:   "192.168.79.1/24",
		DHCPRange: "192.168.79.50,192.168.79.150,255.255.255.0,10m",
	}
}

// peapFile is a .8021x file for PEAP/MSCHAPv2 (extra: more [Security]
// lines, e.g. the CA and the domain mask).
func peapFile(extra string) string {
	return "[Security]\nEAP-Method=PEAP\nEAP-Identity=anonymous@wifid.test\n" +
		"EAP-PEAP-Phase2-Method=MSCHAPV2\nEAP-PEAP-Phase2-Identity=" + eapUser + "\n" +
		"EAP-PEAP-Phase2-Password=" + eapPassword + "\n" + extra
}

// waitLogSince waits until path has s after offset mark.
func waitLogSince(t *testing.T, path string, mark int, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		text := textSince(path, mark)
		if strings.Contains(text, s) {
			return text
		}
		if time.Now().After(deadline) {
			tail := text
			if len(tail) > 3000 {
				tail = tail[len(tail)-3000:]
			}
			t.Fatalf("%s: no %q within %s; tail:\n%s", filepath.Base(path), s, timeout, tail)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func fileLen(path string) int {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return int(fi.Size())
}

// TestWifidEnterprise: wifid autoconnects to a WPA2-Enterprise network from
// its .8021x file with PEAP/MSCHAPv2 (CA and ServerDomainMask checked,
// DHCP and traffic), TTLS/PAP and EAP-TLS; and fails, three times (one
// refusal may be forged), without a loop and without sending the inner
// identity, on a wrong password, a
// server certificate from another CA and a ServerDomainMask the server
// does not match. One wifid run per case, against one AP.
func TestWifidEnterprise(t *testing.T) {
	certs := netns.NewCerts(t, filepath.Join(t.TempDir(), "pki"))
	other := netns.NewCerts(t, filepath.Join(t.TempDir(), "other"))
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{enterpriseAP(t, 0, "corp", certs)}})
	sta := lab.Radios[1]
	hostapd := lab.APs[0].Hostapd.Log
	ca := "EAP-PEAP-CACert=" + certs.CAFile + "\n"
	cases := []struct {
		name, file string
		fail       string // "" to connect; else what the failure says
	}{
		{"PEAP", peapFile(ca + "EAP-PEAP-ServerDomainMask=*.wifid.test\n"), ""},
		{"TTLS", "[Security]\nEAP-Method=TTLS\nEAP-Identity=anonymous@wifid.test\nEAP-TTLS-CACert=" + certs.CAFile +
			"\nEAP-TTLS-Phase2-Method=Tunneled-PAP\nEAP-TTLS-Phase2-Identity=" + eapUser +
			"\nEAP-TTLS-Phase2-Password=" + eapPassword + "\n", ""},
		{"TLS", "[Security]\nEAP-Method=TLS\nEAP-Identity=" + certs.ClientName + "\nEAP-TLS-CACert=" + certs.CAFile +
			"\nEAP-TLS-ClientCert=" + certs.ClientCertFile + "\nEAP-TLS-ClientKey=" + certs.ClientKeyFile + "\n", ""},
		{"wrong password", strings.Replace(peapFile(ca), eapPassword, "not the password", 1), "EAP"},
		{"untrusted server", peapFile("EAP-PEAP-CACert=" + other.CAFile + "\n"), "certificate"},
		{"server name", peapFile(ca + "EAP-PEAP-ServerDomainMask=radius.example.org\n"), "ServerDomainMask"},
		// No CA: connects (as iwd) but says the server went unchecked.
		{"no CA", peapFile(""), ""},
	}
	for i, c := range cases {
		ok := t.Run(c.name, func(t *testing.T) {
			mainConf := ""
			if i == 0 {
				mainConf = wifidNetconf
			}
			mark, apMark := fileLen(filepath.Join(lab.Dir, "wifid.log")), fileLen(hostapd)
			d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: mainConf,
				Networks: map[string]string{"corp.8021x": c.file}})
			defer d.Stop()
			if c.fail == "" {
				log := waitLogSince(t, d.Log, mark, "4-way handshake complete", 90*time.Second)
				if !strings.Contains(log, `msg="EAP success"`) {
					t.Error("no EAP success logged")
				}
				if warned := strings.Contains(log, "no CA certificate"); warned != (c.name == "no CA") {
					t.Errorf("warned of an unchecked server: %v", warned)
				}
				if i == 0 {
					ip, err := lab.WaitIPv4(sta.Iface, 60*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s got %s", sta.Iface, ip)
					if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				log := waitLogSince(t, d.Log, mark, `msg="connect failed"`, 90*time.Second)
				failed := log[strings.Index(log, `msg="connect failed"`):]
				failed = failed[:strings.IndexByte(failed, '\n')]
				t.Logf("%s", failed)
				if !strings.Contains(failed, c.fail) {
					t.Errorf("the failure does not say %q", c.fail)
				}
				// Three refusals in a row (one may be forged), then
				// autoconnect leaves the network alone.
				waitLogSince(t, d.Log, mark, "autoconnect skips the network", 90*time.Second)
				time.Sleep(8 * time.Second) // autoconnect's chance to loop
				if n := strings.Count(logSince(t, d, mark), `msg=connecting `); n != 3 {
					t.Errorf("%d connect attempts after EAP failures, want 3", n)
				}
				if c.name != "wrong password" && strings.Contains(textSince(hostapd, apMark), eapUser) {
					t.Errorf("hostapd saw the inner identity %q from a client that should not trust it", eapUser)
				}
			}
			if strings.Contains(logSince(t, d, mark), eapPassword) {
				t.Error("the password appears in wifid's log")
			}
		})
		if !ok && c.fail == "" {
			return
		}
	}
}

// textSince is what path holds after offset mark.
func textSince(path string, mark int) string {
	b, _ := os.ReadFile(path)
	if mark > len(b) {
		return ""
	}
	return string(b[mark:])
}

// TestIwctlEnterpriseAgent: a .8021x file without the inner identity and
// password; iwctl's agent answers RequestUserNameAndPassword (-u, -p) and
// wifid connects, writing neither to the file. The AP re-authenticates
// every 10 s (eap_reauth_period): wifid answers with the agent's answers
// kept in memory and stays connected through two of them. A wrong
// password first answers the connect net.connman.iwd.Failed (iwctl:
// "Operation failed").
func TestIwctlEnterpriseAgent(t *testing.T) {
	certs := netns.NewCerts(t, filepath.Join(t.TempDir(), "pki"))
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, APs: []labenv.AP{enterpriseAP(t, 0, "corp", certs, "eap_reauth_period=10")}})
	sta := lab.Radios[1]
	file := "[Security]\nEAP-Method=PEAP\nEAP-Identity=anonymous@wifid.test\nEAP-PEAP-CACert=" + certs.CAFile +
		"\nEAP-PEAP-Phase2-Method=MSCHAPV2\n"
	d := lab.StartWifid(labenv.DaemonOptions{Phys: []string{sta.Phy}, Args: []string{"-d"}, MainConf: wifidNetconf,
		Networks: map[string]string{"corp.8021x": file}})
	if err := d.WaitLog("msg=station", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	waitIwctl(t, lab, sta.Iface, 30*time.Second, "device", "list")
	waitIwctl(t, lab, "corp", 60*time.Second, "station", sta.Iface, "get-networks")

	out, err := lab.Output("iwctl", "-u", eapUser, "-p", "wrongpassword", "station", sta.Iface, "connect", "corp")
	t.Logf("connect with a wrong password: %v: %s", err, out)
	if err == nil || !strings.Contains(out, "Operation failed") {
		t.Errorf("iwctl with a wrong password: %v, %q; want Operation failed (net.connman.iwd.Failed)", err, out)
	}
	// The failed connect leaves autoconnect scanning; a scan that misses
	// the AP's probe response under emulation drops the network for a
	// moment (wifid keeps no BSS a scan did not see; iwd keeps it 30 s),
	// so wait for it to be listed again.
	waitIwctl(t, lab, "corp", 60*time.Second, "station", sta.Iface, "get-networks")
	out = iwctl(t, lab, "-u", eapUser, "-p", eapPassword, "station", sta.Iface, "connect", "corp")
	t.Logf("connect: %s", out)
	show := waitIwctl(t, lab, "connected", 60*time.Second, "station", sta.Iface, "show")
	if !strings.Contains(show, "corp") {
		t.Errorf("station show:\n%s", show)
	}
	if _, err := lab.WaitIPv4(sta.Iface, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitLog("RequestUserNameAndPassword", time.Second); err != nil {
		t.Error(err)
	}
	b, err := os.ReadFile(filepath.Join(d.StateDir, "corp.8021x"))
	if err != nil || string(b) != file {
		t.Errorf("corp.8021x after an agent connect (%v):\n%s", err, b)
	}
	mark := fileLen(d.Log)
	const reauth = "EAP re-authentication succeeded"
	first := waitLogSince(t, d.Log, mark, reauth, 40*time.Second)
	waitLogSince(t, d.Log, mark+strings.Index(first, reauth)+len(reauth), reauth, 40*time.Second)
	log := textSince(d.Log, mark)
	if strings.Contains(log, "msg=disconnected") || strings.Contains(log, "msg=connecting ") {
		t.Errorf("the connection did not survive the re-authentications")
	}
	if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
		t.Fatal(err)
	}
	if logHasSecret(d.Log, eapPassword) {
		t.Error("the password appears in wifid's log")
	}
}
