package eapol_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"wifid/eapol"
	"wifid/eapol/eapoltest"
	"wifid/nl80211/ie"
)

// oweAP is eapoltest's AP side of the exchange; the element it returns
// is the body the package's Keys takes.
func oweAP(t *testing.T, group int, staElement []byte) (apElement, pmk, pmkid []byte) {
	t.Helper()
	if int(binary.LittleEndian.Uint16(staElement[3:])) != group {
		t.Fatalf("station's element %x, want group %d", staElement, group)
	}
	el, pmk, pmkid, err := eapoltest.OWEResponse(staElement)
	if err != nil {
		t.Fatal(err)
	}
	return el[3:], pmk, pmkid
}

// TestOWEKeys: both sides of each group reach the same PMK (of the
// group's hash length) and PMKID.
func TestOWEKeys(t *testing.T) {
	for _, group := range eapol.OWEGroups {
		for range 4 { // either y of the AP's key
			o, err := eapol.NewOWE(group, nil)
			if err != nil {
				t.Fatal(err)
			}
			apEl, wantPMK, wantID := oweAP(t, group, o.Element())
			pmk, id, err := o.Keys(apEl)
			if err != nil {
				t.Fatalf("group %d: %v", group, err)
			}
			if !bytes.Equal(pmk, wantPMK) || !bytes.Equal(id[:], wantID) {
				t.Fatalf("group %d: PMK %x PMKID %x, want %x %x", group, pmk, id, wantPMK, wantID)
			}
			if want := map[int]int{19: 32, 20: 48, 21: 64}[group]; len(pmk) != want {
				t.Fatalf("group %d: PMK of %d octets", group, len(pmk))
			}
		}
	}
}

// TestOWEKeysRefusesBadElements: another group, a short key, a point off
// the curve, x not below p: errors, no PMK.
func TestOWEKeysRefusesBadElements(t *testing.T) {
	o, err := eapol.NewOWE(19, nil)
	if err != nil {
		t.Fatal(err)
	}
	apEl, _, _ := oweAP(t, 19, o.Element())
	other := bytes.Clone(apEl)
	other[0] = 20
	if _, _, err := o.Keys(other); !errors.Is(err, eapol.ErrOWEGroup) {
		t.Errorf("group 20 element: %v", err)
	}
	for name, el := range map[string][]byte{
		"empty":     nil,
		"short key": apEl[:20],
		"x = p":     append([]byte{19, 0}, bytes.Repeat([]byte{0xff}, 32)...),
	} {
		if pmk, _, err := o.Keys(el); err == nil || pmk != nil {
			t.Errorf("%s: PMK %x, err %v", name, pmk, err)
		}
	}
	// About half of all x are not on the curve: find one.
	off := bytes.Clone(apEl)
	for i := 0; i < 64; i++ {
		off[len(off)-1] ^= byte(i + 1)
		if _, _, err := o.Keys(off); err != nil {
			return
		}
	}
	t.Error("64 altered x-coordinates all accepted")
}

// FuzzOWEKeys: any Association Response element gives keys or an error.
func FuzzOWEKeys(f *testing.F) {
	f.Add(append([]byte{19, 0}, bytes.Repeat([]byte{7}, 32)...))
	f.Add([]byte{20, 0, 1})
	o, err := eapol.NewOWE(19, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, el []byte) {
		pmk, _, err := o.Keys(el)
		if err == nil && len(pmk) != 32 {
			t.Fatalf("PMK of %d octets", len(pmk))
		}
	})
}

// TestMessage1PMKIDChecked: with Config.PMKID set (OWE), a message 1
// naming another PMKID fails the handshake with ErrPMKIDMismatch; one
// naming it is answered.
func TestMessage1PMKIDChecked(t *testing.T) {
	for _, same := range []bool{true, false} {
		pmk := bytes.Repeat([]byte{0x42}, 32)
		c := eapoltest.Config{AKM: ie.AKMOWE, Pairwise: ie.CipherCCMP128}
		ap := eapoltest.New(t, c, pmk)
		want := ie.PMKID(bytes.Repeat([]byte{7}, 16))
		port := &fakePort{}
		sta, err := eapol.New(eapol.Config{SPA: ap.SPA, AA: ap.AA, PMK: pmk, PMKID: &want, OwnRSNE: ap.StaRSNE,
			APRSNE: ap.RSNE, AKM: ie.AKMOWE, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128, Logger: quiet}, port)
		if err != nil {
			t.Fatal(err)
		}
		named := want[:]
		if !same {
			named = bytes.Repeat([]byte{8}, 16)
		}
		err = sta.Receive(ap.Msg1PMKID(named))
		if same && (err != nil || len(port.sent) != 1) {
			t.Errorf("matching PMKID: %v, %d frames sent", err, len(port.sent))
		}
		if !same && (!errors.Is(err, eapol.ErrPMKIDMismatch) || len(port.sent) != 0) {
			t.Errorf("other PMKID: %v, %d frames sent", err, len(port.sent))
		}
	}
}
