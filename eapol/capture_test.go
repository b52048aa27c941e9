package eapol_test

import (
	"bytes"
	"testing"
	"wifid/nl80211/ie"

	"wifid/eapol"
	"wifid/unit"
)

// TestCapturedHandshakes replays 4-way (and group key) handshakes captured
// between a real authenticator and supplicant: given the captured SNonce,
// every frame we send must equal the captured one octet for octet, and
// the keys must be installed once.
func TestCapturedHandshakes(t *testing.T) {
	for _, c := range []struct {
		file           string
		pairwise, grp  ie.CipherSuite
		mfp            bool
		wantGTK, group bool
	}{
		{"wpa2-psk-ccmp", ie.CipherCCMP128, ie.CipherCCMP128, false, true, true},
		{"psk-ccmp-v1", ie.CipherCCMP128, ie.CipherCCMP128, false, true, false},
		{"psk-tkip-mfp", ie.CipherTKIP, ie.CipherTKIP, true, true, false},
	} {
		t.Run(c.file, func(t *testing.T) {
			v := unit.Handshake(t, c.file)
			psk := v.PSK
			if v.Passphrase != "" {
				got, err := eapol.PSKFromPassphrase(v.Passphrase, v.SSID)
				if err != nil || !bytes.Equal(got, psk) {
					t.Fatalf("PSK %x, %v; want %x", got, err, psk)
				}
			}
			msg2 := v.Msg2
			snonce := msg2[17:49]
			ownRSNE := msg2[4+95:] // key data of message 2 (16-octet MIC)
			port := &fakePort{}
			s, err := eapol.New(eapol.Config{
				SPA: v.SPA, AA: v.AA, PMK: psk,
				OwnRSNE: ownRSNE, APRSNE: v.APRSNE,
				AKM: ie.AKMPSK, Pairwise: c.pairwise, Group: c.grp, MFP: c.mfp,
				EAPOLVersion: v.EAPOLVersion,
				Rand:         bytes.NewReader(snonce),
				Logger:       quiet,
			}, port)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Receive(v.Msg1); err != nil {
				t.Fatalf("message 1: %v", err)
			}
			if !bytes.Equal(port.last(), msg2) {
				t.Fatalf("message 2\n got %x\nwant %x", port.last(), msg2)
			}
			if err := s.Receive(v.Msg3); err != nil {
				t.Fatalf("message 3: %v", err)
			}
			if !bytes.Equal(port.last(), v.Msg4) {
				t.Fatalf("message 4\n got %x\nwant %x", port.last(), v.Msg4)
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
				if err := s.Receive(v.GMsg1); err != nil {
					t.Fatalf("group message 1: %v", err)
				}
				if !bytes.Equal(port.last(), v.GMsg2) {
					t.Fatalf("group message 2\n got %x\nwant %x", port.last(), v.GMsg2)
				}
			}
		})
	}
}
