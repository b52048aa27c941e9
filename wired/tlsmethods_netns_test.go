package wired

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"

	"wifid/eapol/eap"
	"wifid/eapol/eap/peap"
	eaptls "wifid/eapol/eap/tls"
	"wifid/eapol/eap/ttls"
	"wifid/lab/netns"
)

// The TLS-based methods (eapol/eap/tls, peap, ttls) against real hostapd
// over a veth pair, as the port runs them: TLS 1.2 and 1.3, fragments both
// ways, PEAP v0 (hostapd sends a Crypto-Binding TLV and must find ours
// valid) and v1, every TTLS phase 2. Each case names what hostapd's log
// must show besides the success.

// tlsMethodConfig is the peer's TLS side for hostapd's PKI.
func tlsMethodConfig(t *testing.T, c *netns.Certs, mtu int, maxV uint16) eaptls.Config {
	mat, err := stdtls.LoadX509KeyPair(c.ClientCertFile, c.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", c.CAFile)
	}
	return eaptls.Config{RootCAs: pool, MTU: mtu, MaxVersion: maxV, Certificate: &mat}
}

func TestHostapdTLSMethods(t *testing.T) {
	cred := eap.Credentials{User: "alice", Password: "secret"}
	mschap := func() eap.Method {
		m, err := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: cred})
		if err != nil {
			panic(err)
		}
		return m
	}
	inner := func(m string) netns.EAPUser {
		return netns.EAPUser{Identity: "alice", Methods: []string{m}, Password: "secret", Phase2: true}
	}
	outer := func(m string) netns.EAPUser { return netns.EAPUser{Methods: []string{m}} }
	must := func(m eap.Method, err error) eap.Method {
		if err != nil {
			panic(err)
		}
		return m
	}
	type tc struct {
		name  string
		users []netns.EAPUser
		extra []string
		log   []string // what hostapd's log must hold
		m     func(t *testing.T, c *netns.Certs) eap.Method
	}
	cases := []tc{
		{"TLS-1.2", []netns.EAPUser{outer("TLS")}, nil, []string{"TLSv1.2"}, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(eaptls.New(tlsMethodConfig(t, c, 0, stdtls.VersionTLS12)))
		}},
		{"TLS-1.2-fragments", []netns.EAPUser{outer("TLS")}, []string{"fragment_size=200"}, []string{"Flags 0xc0"}, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(eaptls.New(tlsMethodConfig(t, c, 200, stdtls.VersionTLS12)))
		}},
		{"TLS-1.3", []netns.EAPUser{outer("TLS")}, []string{"tls_flags=[ENABLE-TLSv1.3]"}, []string{"TLSv1.3"}, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(eaptls.New(tlsMethodConfig(t, c, 0, stdtls.VersionTLS13)))
		}},
		{"PEAPv0-MSCHAPv2", []netns.EAPUser{outer("PEAP\t[ver=0]"), inner("MSCHAPV2")}, nil, []string{"Valid cryptobinding"}, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(peap.New(peap.Config{TLS: tlsMethodConfig(t, c, 0, 0), Identity: "alice", Inner: mschap()}))
		}},
		{"PEAPv0-GTC-fragments", []netns.EAPUser{outer("PEAP\t[ver=0]"), inner("GTC")}, []string{"fragment_size=200"}, []string{"Valid cryptobinding", "Flags 0xc0"}, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(peap.New(peap.Config{TLS: tlsMethodConfig(t, c, 200, 0), Identity: "alice", Inner: eap.NewGTC(cred)}))
		}},
		{"PEAPv1-MSCHAPv2", []netns.EAPUser{outer("PEAP\t[ver=1]"), inner("MSCHAPV2")}, nil, []string{"forcing version 1"}, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(peap.New(peap.Config{TLS: tlsMethodConfig(t, c, 0, 0), Identity: "alice", Inner: mschap()}))
		}},
		{"PEAP-MD5", []netns.EAPUser{outer("PEAP"), inner("MD5")}, nil, nil, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(peap.New(peap.Config{TLS: tlsMethodConfig(t, c, 0, 0), Identity: "alice", Inner: eap.NewMD5(cred)}))
		}},
		{"TTLS-EAP-MSCHAPv2", []netns.EAPUser{outer("TTLS"), inner("MSCHAPV2")}, nil, nil, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(ttls.New(ttls.Config{TLS: tlsMethodConfig(t, c, 0, 0), Identity: "alice", EAP: mschap()}))
		}},
		{"TTLS-EAP-GTC", []netns.EAPUser{outer("TTLS"), inner("GTC")}, nil, nil, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(ttls.New(ttls.Config{TLS: tlsMethodConfig(t, c, 0, 0), Identity: "alice", EAP: eap.NewGTC(cred)}))
		}},
	}
	for _, p2 := range []struct {
		name string
		t    ttls.Tunneled
	}{{"TTLS-PAP", ttls.PAP}, {"TTLS-CHAP", ttls.CHAP}, {"TTLS-MSCHAP", ttls.MSCHAP}, {"TTLS-MSCHAPV2", ttls.MSCHAPv2}} {
		cases = append(cases, tc{p2.name, []netns.EAPUser{outer("TTLS"), inner(p2.name)}, nil, nil, func(t *testing.T, c *netns.Certs) eap.Method {
			return must(ttls.New(ttls.Config{TLS: tlsMethodConfig(t, c, 0, 0), Phase2: p2.t, Credentials: cred}))
		}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hm := hostMethod{name: c.name, users: c.users}
			hm.method = func(certs *netns.Certs, _ string) eap.Method { return c.m(t, certs) }
			hp := startHostPort(t, hm, "secret", time.Minute, c.extra...)
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
