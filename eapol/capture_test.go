package eapol_test

import (
	"bytes"
	"testing"

	"wifid/eapol"
)

// TestCapturedHandshakes replays 4-way (and group key) handshakes captured
// between a real authenticator and supplicant: given the captured SNonce,
// every frame we send must equal the captured one octet for octet, and
// the keys must be installed once.
func TestCapturedHandshakes(t *testing.T) {
	for _, c := range []struct {
		file           string
		pairwise, grp  eapol.Cipher
		mfp            bool
		wantGTK, group bool
	}{
		{"wpa2-psk-ccmp.txt", eapol.CipherCCMP128, eapol.CipherCCMP128, false, true, true},
		{"psk-ccmp-v1.txt", eapol.CipherCCMP128, eapol.CipherCCMP128, false, true, false},
		{"psk-tkip-mfp.txt", eapol.CipherTKIP, eapol.CipherTKIP, true, true, false},
	} {
		t.Run(c.file, func(t *testing.T) {
			v := eapol.LoadVectors(t, "../unit/eapol-captures/"+c.file)[0]
			psk := v["psk"]
			if pass := v["passphrase"]; pass != nil {
				got, err := eapol.PSKFromPassphrase(string(pass), v["ssid"])
				if err != nil || !bytes.Equal(got, psk) {
					t.Fatalf("PSK %x, %v; want %x", got, err, psk)
				}
			}
			msg2 := v["msg2"]
			snonce := msg2[17:49]
			ownRSNE := msg2[4+95:] // key data of message 2 (16-octet MIC)
			port := &fakePort{}
			s, err := eapol.New(eapol.Config{
				SPA: [6]byte(v["spa"]), AA: [6]byte(v["aa"]), PMK: psk,
				OwnRSNE: ownRSNE, APRSNE: v["ap_rsne"],
				AKM: eapol.AKMPSK, Pairwise: c.pairwise, Group: c.grp, MFP: c.mfp,
				EAPOLVersion: v["eapol_version"][0],
				Rand:         bytes.NewReader(snonce),
				Logger:       quiet,
			}, port)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Receive(v["msg1"]); err != nil {
				t.Fatalf("message 1: %v", err)
			}
			if !bytes.Equal(port.last(), msg2) {
				t.Fatalf("message 2\n got %x\nwant %x", port.last(), msg2)
			}
			if err := s.Receive(v["msg3"]); err != nil {
				t.Fatalf("message 3: %v", err)
			}
			if !bytes.Equal(port.last(), v["msg4"]) {
				t.Fatalf("message 4\n got %x\nwant %x", port.last(), v["msg4"])
			}
			if s.State() != eapol.StateComplete || !s.Complete() {
				t.Fatalf("state %v after message 3", s.State())
			}
			if port.count("ptk") != 1 || port.count("gtk") != 1 {
				t.Fatalf("installs %+v", port.installs)
			}
			if c.mfp && port.count("igtk") != 1 {
				t.Fatalf("no IGTK installed")
			}
			if c.group {
				if err := s.Receive(v["gmsg1"]); err != nil {
					t.Fatalf("group message 1: %v", err)
				}
				if !bytes.Equal(port.last(), v["gmsg2"]) {
					t.Fatalf("group message 2\n got %x\nwant %x", port.last(), v["gmsg2"])
				}
			}
		})
	}
}
