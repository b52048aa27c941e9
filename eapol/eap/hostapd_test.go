package eap_test

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/packet"

	"wifid/eapol"
	"wifid/eapol/eap"
	"wifid/lab/netns"
)

// etherTypePAE is EAPOL's ethertype (nl80211.EthertypeEAPOL; eapol does
// not import nl80211).
const etherTypePAE = 0x888e

// wiredConversation runs peer against hostapd over a packet socket on the
// near end of a veth: EAPOL-Start to the PAE group address, then EAP
// packets both ways until the peer ends. It returns the peer's error.
func wiredConversation(t *testing.T, p *netns.Peer, peer *eap.Peer) error {
	t.Helper()
	ifi, err := net.InterfaceByName(p.Name)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := packet.Listen(ifi, packet.Datagram, etherTypePAE, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pae := net.HardwareAddr(eapol.PAEGroupAddress[:])
	if err := conn.JoinGroup(pae); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteTo(eapol.StartFrame(eapol.Version2004), &packet.Addr{HardwareAddr: pae}); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("reading EAPOL (peer state %v): %v", peer.State(), err)
		}
		_, pkt, err := eapol.ParseEAPFrame(buf[:n])
		if err != nil {
			t.Logf("not EAP: %v", err)
			continue
		}
		resp, err := peer.Receive(context.Background(), pkt)
		switch peer.State() {
		case eap.Success:
			return nil
		case eap.Failure:
			return peer.Err()
		}
		if err != nil {
			t.Logf("dropped: %v", err)
		}
		if resp == nil {
			continue
		}
		f, err := eapol.EAPFrame(eapol.Version2004, resp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.WriteTo(f, from); err != nil {
			t.Fatal(err)
		}
	}
}

// The peer and its methods against hostapd's EAP server (driver=wired),
// the same server the Wi-Fi lab's APs run: each method reaches success on
// both sides; a wrong password fails on both.
func TestHostapdWired(t *testing.T) {
	secret := "secret"
	nt := "878d8014606cda29677a44efa1353fc7" // NtPasswordHash("secret")
	cases := []struct {
		name   string
		user   netns.EAPUser
		method func() eap.Method
		fail   bool // the peer fails
		keys   int  // MSK length
	}{
		{"MD5", netns.EAPUser{Identity: "alice", Methods: []string{"MD5"}, Password: secret},
			func() eap.Method { return eap.NewMD5(eap.Credentials{User: "alice", Password: secret}) }, false, 0},
		{"MD5-wrong", netns.EAPUser{Identity: "alice", Methods: []string{"MD5"}, Password: secret},
			func() eap.Method { return eap.NewMD5(eap.Credentials{User: "alice", Password: "wrong"}) }, true, 0},
		{"GTC", netns.EAPUser{Identity: "alice", Methods: []string{"GTC"}, Password: secret},
			func() eap.Method { return eap.NewGTC(eap.Credentials{User: "alice", Password: secret}) }, false, 0},
		{"MSCHAPv2", netns.EAPUser{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: secret},
			func() eap.Method {
				m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: secret}})
				return m
			}, false, 32},
		{"MSCHAPv2-server-hash", netns.EAPUser{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: nt, NTHash: true},
			func() eap.Method {
				m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: secret}})
				return m
			}, false, 32},
		{"MSCHAPv2-peer-hash", netns.EAPUser{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: secret},
			func() eap.Method {
				m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice"}, PasswordHash: ntHash(secret)})
				return m
			}, false, 32},
		{"MSCHAPv2-wrong", netns.EAPUser{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: secret},
			func() eap.Method {
				m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "wrong"}})
				return m
			}, true, 0},
		{"PWD", netns.EAPUser{Identity: "alice", Methods: []string{"PWD"}, Password: secret},
			func() eap.Method {
				return eap.NewPWD(eap.PWDConfig{Credentials: eap.Credentials{User: "alice", Password: secret}})
			}, false, 64},
		{"PWD-wrong", netns.EAPUser{Identity: "alice", Methods: []string{"PWD"}, Password: secret},
			func() eap.Method {
				return eap.NewPWD(eap.PWDConfig{Credentials: eap.Credentials{User: "alice", Password: "wrong"}})
			}, true, 0},
		// hostapd proposes MD5 first for this user; the peer's Nak
		// brings it to MSCHAPv2.
		{"Nak", netns.EAPUser{Identity: "alice", Methods: []string{"MD5", "MSCHAPV2"}, Password: secret},
			func() eap.Method {
				m, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: secret}})
				return m
			}, false, 32},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := netns.New(t)
			p := n.Veth(t)
			h := n.HostapdWired(t, p, netns.WiredConfig{Users: []netns.EAPUser{tc.user}})
			peer, err := eap.NewPeer(eap.Config{Identity: "alice", Method: tc.method(), Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = wiredConversation(t, p, peer)
			if tc.fail {
				if err == nil {
					t.Fatal("success with a wrong password")
				}
				// With EAP-pwd the peer refuses first: the
				// server's Confirm cannot prove a password it
				// does not share, and nothing is sent after it.
				if tc.user.Methods[0] != "PWD" {
					h.WaitFailures(t, p.HWAddr, 1, 5*time.Second)
				} else if !strings.Contains(err.Error(), "Confirm is wrong") {
					t.Fatalf("PWD refused for another reason: %v", err)
				}
				t.Logf("%s: refused as it should be: %v", tc.name, err)
				return
			}
			if err != nil {
				if b, rerr := os.ReadFile(h.Conf); rerr == nil {
					t.Logf("hostapd.conf:\n%s", b)
				}
				t.Fatalf("%v\nhostapd: %s", err, strings.TrimSpace(h.Tail(30)))
			}
			h.WaitSuccesses(t, p.HWAddr, 1, 5*time.Second)
			r, _ := peer.Result()
			if len(r.MSK) != tc.keys {
				t.Fatalf("MSK of %d octets, want %d", len(r.MSK), tc.keys)
			}
			t.Logf("%s: success in %v", tc.name, time.Since(start).Round(time.Millisecond))
		})
	}
}
