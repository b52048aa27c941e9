package wired

import (
	"os"
	"strings"
	"testing"
	"time"

	"wifid/lab/netns"
)

// The TLS-based methods (eapol/eap/tls, peap, ttls) against real hostapd
// (driver=wired, internal EAP server, OpenSSL) as the port runs them from
// a .8021x file, in what TestHostapdPortSuccess leaves out: TLS 1.3,
// hostapd's fragments, PEAPv0's Crypto-Binding TLV (hostapd sends one
// and must find ours valid), PEAPv1, the other TTLS phase 2 methods. Each
// case names what hostapd's log must show besides the success.
func TestHostapdTLSMethods(t *testing.T) {
	inner := func(m string) netns.EAPUser {
		return netns.EAPUser{Identity: "alice", Methods: []string{m}, Password: "secret"}
	}
	// hostapd's eap_user takes "[ver=N]" after the method to force a
	// PEAP version.
	peapFile := func(phase2 string) string {
		return "EAP-Method=PEAP\nEAP-Identity=anonymous\nEAP-PEAP-CACert=$CA\nEAP-PEAP-ServerDomainMask=$SERVER\n" +
			"EAP-PEAP-Phase2-Method=" + phase2 + "\nEAP-PEAP-Phase2-Identity=alice\nEAP-PEAP-Phase2-Password=$PW\n"
	}
	ttlsFile := func(phase2 string) string {
		return "EAP-Method=TTLS\nEAP-Identity=anonymous\nEAP-TTLS-CACert=$CA\n" +
			"EAP-TTLS-Phase2-Method=" + phase2 + "\nEAP-TTLS-Phase2-Identity=alice\nEAP-TTLS-Phase2-Password=$PW\n"
	}
	cases := []struct {
		m     hostMethod
		extra []string
		log   []string
	}{
		{hostMethod{"TLS-1.3", tlsMethod.users, tlsMethod.file}, []string{"tls_flags=[ENABLE-TLSv1.3]"}, []string{"TLSv1.3"}},
		{hostMethod{"TLS-fragments", tlsMethod.users, tlsMethod.file}, []string{"fragment_size=200"}, []string{"fragment"}},
		{hostMethod{"PEAPv0-MSCHAPv2", tunnel("PEAP\t[ver=0]", inner("MSCHAPV2")), peapFile("MSCHAPV2")}, nil, []string{"Valid cryptobinding"}},
		{hostMethod{"PEAPv0-GTC-fragments", tunnel("PEAP\t[ver=0]", inner("GTC")), peapFile("GTC")}, []string{"fragment_size=200"}, []string{"Valid cryptobinding"}},
		{hostMethod{"PEAPv1-MSCHAPv2", tunnel("PEAP\t[ver=1]", inner("MSCHAPV2")), peapFile("MSCHAPV2")}, nil, []string{"forcing version 1"}},
		{hostMethod{"PEAP-MD5", tunnel("PEAP", inner("MD5")), peapFile("MD5")}, nil, nil},
		{hostMethod{"TTLS-CHAP", tunnel("TTLS", inner("TTLS-CHAP")), ttlsFile("Tunneled-CHAP")}, nil, nil},
		{hostMethod{"TTLS-MSCHAP", tunnel("TTLS", inner("TTLS-MSCHAP")), ttlsFile("Tunneled-MSCHAP")}, nil, nil},
		{hostMethod{"TTLS-EAP-MSCHAPv2", tunnel("TTLS", inner("MSCHAPV2")), ttlsFile("MSCHAPV2")}, nil, nil},
		{hostMethod{"TTLS-EAP-GTC-fragments", tunnel("TTLS", inner("GTC")), ttlsFile("GTC")}, []string{"fragment_size=200"}, nil},
	}
	for _, c := range cases {
		t.Run(c.m.name, func(t *testing.T) {
			t.Parallel()
			hp := startHostPort(t, c.m, "secret", time.Minute, c.extra...)
			hp.wait(t, Authenticated, 1, 10*time.Second)
			hp.h.WaitSuccesses(t, hp.peer.HWAddr, 1, 2*time.Second)
			b, err := os.ReadFile(hp.h.Log)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range c.log {
				if !strings.Contains(string(b), want) {
					t.Errorf("hostapd's log lacks %q", want)
				}
			}
		})
	}
}
