package station

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"
	"time"

	"wifid/eapol"
	"wifid/eapol/eap"
	"wifid/knownnetworks"
)

// The station wipes the secrets of an attempt that failed and of a
// connection torn down (wipe.go): these tests keep references to the
// slices it held and look at them afterwards, on the station's loop.

// onLoop runs f on the station's goroutine.
func (h *harness) onLoop(f func(s *Station)) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.st.call(ctx, func() { f(h.st) }); err != nil {
		h.t.Fatal(err)
	}
}

func allZero(b []byte) bool { return bytes.Equal(b, make([]byte, len(b))) }

// TestSecretsWipedOnTeardown: a PSK connection's PSK and a WPA3 one's
// PMK and SAE password are zero once the connection is torn down; the
// network file's PreSharedKey, which the attempt copied, is intact.
func TestSecretsWipedOnTeardown(t *testing.T) {
	psk, err := eapol.PSKFromPassphrase("secret123", []byte("home"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file string
		ap         *airAP
		sae        bool
	}{
		{"PSK", "[Security]\nPreSharedKey=" + hex.EncodeToString(psk) + "\n", pskAP("home", 1, "secret123"), false},
		{"SAE", "[Security]\nPassphrase=secret123\n", saeAP("home", 1, "secret123"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var k *air
			h := airHarness(t, &k, map[string]string{"home.psk": c.file}, false, c.ap)
			if err := h.connect("home"); err != nil {
				t.Fatalf("Connect: %v", err)
			}
			h.waitState(Connected)
			var pmk, password []byte
			h.onLoop(func(s *Station) { pmk, password = s.conn.pmk, s.conn.password })
			if allZero(pmk) || (c.sae && (allZero(password) || string(password) != "secret123")) {
				t.Fatalf("connection holds PMK %d octets, password %d octets", len(pmk), len(password))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := h.st.Disconnect(ctx); err != nil {
				t.Fatal(err)
			}
			h.onLoop(func(s *Station) {
				if s.conn != nil {
					t.Fatal("still connected")
				}
			})
			if !allZero(pmk) || !allZero(password) {
				t.Errorf("after the teardown: PMK wiped %v, password wiped %v", allZero(pmk), allZero(password))
			}
			if !c.sae {
				kn, ok := h.st.cfg.Known.Get("home", knownnetworks.SecurityPSK)
				if !ok || kn.Settings.Security.PreSharedKey == nil || !bytes.Equal(kn.Settings.Security.PreSharedKey[:], psk) {
					t.Error("the network file's PreSharedKey was wiped with the connection's copy")
				}
			}
		})
	}
}

// TestSecretsWipedOnFailedAttempt: an attempt whose AP never sends
// message 1 (802.1X: never answers message 2) fails (no BSS left) and its
// PMK (EAP's PMK), SAE password and SAE exchange are wiped.
func TestSecretsWipedOnFailedAttempt(t *testing.T) {
	for _, c := range []struct {
		name string
		ap   *airAP
		sae  bool
	}{
		{"PSK", pskAP("home", 1, "secret123"), false},
		{"SAE", saeAP("home", 1, "secret123"), true},
		{"802.1X", eapAP("corp", 1, "alice", "secret123"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var k *air
			var h *harness
			id := NetworkPathID("home", knownnetworks.SecurityPSK)
			if c.name == "802.1X" {
				c.ap.noMsg3 = true
				h = eapHarness(t, &k, mschapFile, false, nil, c.ap)
				id = NetworkPathID("corp", knownnetworks.Security8021X)
			} else {
				c.ap.noMsg1 = true
				h = airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false, c.ap)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := h.st.Scan(ctx); err != nil {
				t.Fatal(err)
			}
			failed := make(chan error, 1)
			go func() { failed <- h.st.Connect(ctx, id) }()
			var a *attempt
			var pmk, password []byte
			for pmk == nil {
				h.onLoop(func(s *Station) {
					if a := s.attempt; a != nil && a.stage == stageHandshake {
						pmk, password = a.pmk, a.password
						if a.eap != nil {
							pmk = a.eapPMK
						}
					}
					a = s.attempt
				})
				time.Sleep(5 * time.Millisecond)
			}
			if allZero(pmk) || c.sae != (len(password) > 0) || (c.sae && a.sae == nil) {
				t.Fatalf("attempt holds PMK %d octets, password %d octets, SAE %v", len(pmk), len(password), a.sae != nil)
			}
			if err := <-failed; err == nil {
				t.Fatal("Connect succeeded without message 1")
			}
			h.onLoop(func(s *Station) {
				if !allZero(pmk) || !allZero(password) {
					t.Errorf("after the failure: PMK wiped %v, password wiped %v", allZero(pmk), allZero(password))
				}
				if a.pmk != nil || a.password != nil || a.eapPMK != nil || (a.sae != nil && a.sae.PMK() != nil) {
					t.Error("the failed attempt still holds secrets")
				}
			})
		})
	}
}

// TestERPMaterialWiped: the ERP material kept for FILS is a copy of the
// conversation's EMSK (which Peer.Close wipes), and is wiped when the
// station drops it.
func TestERPMaterialWiped(t *testing.T) {
	emsk := bytes.Repeat([]byte{7}, 64)
	r := eap.Result{Method: eap.TypePWD, EMSK: emsk, SessionID: []byte{52, 1, 2, 3}}
	m := erpMaterial(r, "alice@example.org")
	if m == nil {
		t.Fatal("no ERP material")
	}
	clear(emsk) // the conversation ends: Peer.Close
	if allZero(m.EMSK) {
		t.Fatal("the ERP material shares the conversation's EMSK")
	}
	s := &Station{erp: map[string]*erpEntry{"corp": {m: *m}}}
	kept := s.erp["corp"].m.EMSK
	s.dropERP("corp")
	if !allZero(kept) || s.erp["corp"] != nil {
		t.Error("dropped ERP material not wiped")
	}
}
