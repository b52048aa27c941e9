package eapol_test

import (
	"bytes"
	"testing"

	"wifid/eapol"
	"wifid/eapol/eapoltest"
	"wifid/nl80211/ie"
)

// filsPair is a supplicant started after a FILS association (AfterFILS)
// and the authenticator holding the same FILS PTK.
func filsPair(t *testing.T, akm ie.AKMSuite) *pair {
	t.Helper()
	c := authConfig{akm: akm, pairwise: ie.CipherCCMP128, mfp: true, mgmt: ie.CipherBIPCMAC128}
	c.group = c.pairwise
	pmkLen := eapol.PMKLen(akm)
	pmk := bytes.Repeat([]byte{0x24}, pmkLen)
	ap := eapoltest.New(t, c.config(), pmk)
	kek := bytes.Repeat([]byte{0x11}, map[ie.AKMSuite]int{ie.AKMFILSSHA256: 32, ie.AKMFILSSHA384: 64}[akm])
	tk := bytes.Repeat([]byte{0x22}, 16)
	ap.SetPTK(kek, tk)
	port := &fakePort{}
	sta, err := eapol.New(eapol.Config{
		SPA: ap.SPA, AA: ap.AA, PMK: pmk, OwnRSNE: ap.StaRSNE, APRSNE: ap.RSNE,
		AKM: akm, Pairwise: c.pairwise, Group: c.group, MFP: true, GroupMgmt: c.mgmt, Logger: quiet,
		OnEvent:   func(e eapol.Event) { port.events = append(port.events, e) },
		AfterFILS: &eapol.FILSStart{KEK: kek, TK: tk, GTKID: 1, GTK: ap.GTK, IGTKID: 4, IGTK: ap.IGTK},
	}, port)
	if err != nil {
		t.Fatal(err)
	}
	if !sta.Complete() || sta.State() != eapol.StateComplete {
		t.Fatalf("after FILS: complete %v, state %v", sta.Complete(), sta.State())
	}
	return &pair{t: t, ap: ap, sta: sta, port: port, pmk: pmk}
}

// TestFILSRekeys: after a FILS association the EAPOL-Key frames carry no
// MIC and their Key Data is AES-SIV under the KEK (IEEE 802.11-2020
// 12.7.2): a group rekey and a PTK rekey (a new PTK from the FILS PMK, no
// KCK) run against the test authenticator, which checks our frames the
// same way; the keys the FILS association delivered are not installed
// again; a changed frame is dropped, as a bad MIC would be.
func TestFILSRekeys(t *testing.T) {
	for _, akm := range []ie.AKMSuite{ie.AKMFILSSHA256, ie.AKMFILSSHA384} {
		t.Run(akm.String(), func(t *testing.T) {
			p := filsPair(t, akm)
			// The GTK the association delivered, sent again: not reinstalled.
			if err := p.groupRekey(nil); err != nil {
				t.Fatalf("group handshake with the delivered GTK: %v", err)
			}
			if n := p.port.count("gtk"); n != 0 {
				t.Fatalf("the delivered GTK installed again (%d installs)", n)
			}
			p.ap.NewGTK()
			if err := p.groupRekey(nil); err != nil {
				t.Fatalf("group rekey: %v", err)
			}
			if g := p.lastInstall("gtk"); g == nil || !bytes.Equal(g.key, p.ap.GTK) {
				t.Fatal("new GTK not installed")
			}
			if p.lastInstall("igtk") == nil {
				t.Fatal("new IGTK not installed")
			}

			oldTK := bytes.Clone(p.ap.TK)
			p.fourWay()
			if tk := p.lastInstall("ptk"); tk == nil || !bytes.Equal(tk.key, p.ap.TK) || bytes.Equal(tk.key, oldTK) {
				t.Fatal("the rekeyed PTK is not installed")
			}
			if ev := p.port.events[len(p.port.events)-1]; ev.Type != eapol.EventPTKRekeyed {
				t.Fatalf("event %+v, want PTK rekeyed", ev)
			}

			p.ap.NewGTK()
			n := p.port.count("gtk")
			err := p.groupRekey(func(m *eapoltest.KeyMsg) {
				m.AfterMIC = func(f []byte) []byte { f[len(f)-1] ^= 1; return f }
			})
			wantDrop(t, err, eapol.ErrMIC)
			if p.port.count("gtk") != n {
				t.Fatal("a changed group message 1 installed a GTK")
			}
		})
	}
}
