package netns_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wifid/lab/netns"
)

// The harness's own check: wpa_supplicant (the reference peer, -D wired on
// the near end) authenticates against HostapdWired with each method.
func TestHostapdWiredReferencePeer(t *testing.T) {
	cases := []struct {
		name    string
		users   []netns.EAPUser
		network string // wpa_supplicant network block body, lines split by "; "
	}{
		{"MD5",
			[]netns.EAPUser{{Identity: "alice", Methods: []string{"MD5"}, Password: "secret"}},
			`eap=MD5; identity="alice"; password="secret"`},
		{"GTC",
			[]netns.EAPUser{{Identity: "alice", Methods: []string{"GTC"}, Password: "secret"}},
			`eap=GTC; identity="alice"; password="secret"`},
		{"MSCHAPv2",
			[]netns.EAPUser{{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: "secret"}},
			`eap=MSCHAPV2; identity="alice"; password="secret"`},
		{"MSCHAPv2-NTHash",
			// NtPasswordHash("secret") per RFC 2759 (MD4 of UTF-16LE).
			[]netns.EAPUser{{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: "878d8014606cda29677a44efa1353fc7", NTHash: true}},
			`eap=MSCHAPV2; identity="alice"; password="secret"`},
		{"PWD",
			[]netns.EAPUser{{Identity: "alice", Methods: []string{"PWD"}, Password: "secret"}},
			`eap=PWD; identity="alice"; password="secret"`},
		{"PEAP-MSCHAPv2",
			[]netns.EAPUser{
				{Methods: []string{"PEAP"}},
				{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: "secret", Phase2: true},
			},
			`eap=PEAP; identity="alice"; anonymous_identity="anon"; password="secret"; phase2="auth=MSCHAPV2"; ca_cert="$CA"; domain_match="$SERVER"`},
		{"TTLS-PAP",
			[]netns.EAPUser{
				{Methods: []string{"TTLS"}},
				{Identity: "alice", Methods: []string{"TTLS-PAP"}, Password: "secret", Phase2: true},
			},
			`eap=TTLS; identity="alice"; anonymous_identity="anon"; password="secret"; phase2="auth=PAP"; ca_cert="$CA"`},
		{"TLS",
			[]netns.EAPUser{{Identity: "client@wifid.test", Methods: []string{"TLS"}}},
			`eap=TLS; identity="client@wifid.test"; ca_cert="$CA"; client_cert="$CLIENT"; private_key="$CLIENTKEY"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			netns.Require(t, "wpa_supplicant")
			n := netns.New(t)
			peer := n.Veth(t)
			h := n.HostapdWired(t, peer, netns.WiredConfig{Users: tc.users})
			network := strings.NewReplacer("$CA", h.Certs.CAFile, "$SERVER", h.Certs.ServerName,
				"$CLIENTKEY", h.Certs.ClientKeyFile, "$CLIENT", h.Certs.ClientCertFile).Replace(tc.network)
			conf := filepath.Join(n.Dir(), "wpa_supplicant.conf")
			body := "ap_scan=0\neapol_version=2\nnetwork={\n\tkey_mgmt=IEEE8021X\n\teapol_flags=0\n\t" +
				strings.ReplaceAll(network, "; ", "\n\t") + "\n}\n"
			if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			w := n.SpawnHost(t, "wpa_supplicant", "-D", "wired", "-i", peer.Name, "-c", conf, "-dd", "-t")
			h.WaitSuccesses(t, peer.HWAddr, 1, 15*time.Second)
			w.WaitLog(t, "CTRL-EVENT-EAP-SUCCESS", 5*time.Second)
			t.Logf("%s: hostapd reported success %v after wpa_supplicant started", tc.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// A wrong password is a failure hostapd reports, and the counters see it.
func TestHostapdWiredReferencePeerWrongPassword(t *testing.T) {
	netns.Require(t, "wpa_supplicant")
	n := netns.New(t)
	peer := n.Veth(t)
	h := n.HostapdWired(t, peer, netns.WiredConfig{Users: []netns.EAPUser{{Identity: "alice", Methods: []string{"MD5"}, Password: "secret"}}})
	conf := filepath.Join(n.Dir(), "wpa_supplicant.conf")
	body := "ap_scan=0\neapol_version=2\nnetwork={\n\tkey_mgmt=IEEE8021X\n\teapol_flags=0\n\teap=MD5\n\tidentity=\"alice\"\n\tpassword=\"wrong\"\n}\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	n.SpawnHost(t, "wpa_supplicant", "-D", "wired", "-i", peer.Name, "-c", conf, "-dd", "-t")
	h.WaitFailures(t, peer.HWAddr, 1, 15*time.Second)
	if got := h.Successes(peer.HWAddr); got != 0 {
		t.Errorf("hostapd reported %d successes for a wrong password", got)
	}
	if got := h.Starts(peer.HWAddr); got < 1 {
		t.Errorf("hostapd counted %d EAPOL-Starts from %s, want at least 1", got, peer.HWAddr)
	}
}

func TestCertsChain(t *testing.T) {
	c := netns.NewCerts(t, t.TempDir())
	b, err := os.ReadFile(c.ServerCertFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.CA)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: c.ServerName}); err != nil {
		t.Errorf("server certificate does not verify: %v", err)
	}
	if _, err := c.Client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate does not verify: %v", err)
	}
}
