package station

import (
	"net"
	"testing"

	"wifid/eapol"
	"wifid/nl80211"
)

// TestKeyPortAdmit: EAPOL frames from another source are dropped; once
// keyed, an unencrypted EAP packet or message 1 is dropped (anyone could
// send it in the AP's name), except that after a FILS association
// unencrypted EAPOL-Key frames are taken (hostapd sends them so; the Key
// Data's AES-SIV protects them).
func TestKeyPortAdmit(t *testing.T) {
	ap := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	msg1 := (&eapol.KeyFrame{Version: 2, DescriptorType: eapol.DescriptorRSN,
		Info: eapol.KeyInfoKeyType | eapol.KeyInfoAck}).Marshal()
	eapReq := []byte{2, 0, 0, 5, 1, 1, 0, 5, 1} // EAP-Request/Identity
	for _, c := range []struct {
		name        string
		fils, keyed bool
		frame       []byte
		src         net.HardwareAddr
		unencrypted bool
		admitted    bool
	}{
		{"another source", false, false, msg1, net.HardwareAddr{2, 0, 0, 0, 0, 9}, false, false},
		{"message 1 before keys", false, false, msg1, ap, true, true},
		{"unencrypted message 1 when keyed", false, true, msg1, ap, true, false},
		{"encrypted message 1 when keyed", false, true, msg1, ap, false, true},
		{"FILS: unencrypted message 1", true, true, msg1, ap, true, true},
		{"FILS: unencrypted EAP", true, true, eapReq, ap, true, false},
	} {
		k := &keyPort{ap: ap, fils: c.fils}
		k.keyed.Store(c.keyed)
		why := k.admit(&nl80211.EAPOLFrame{Src: c.src, Frame: c.frame, Unencrypted: c.unencrypted})
		if (why == "") != c.admitted {
			t.Errorf("%s: admit says %q, want admitted %v", c.name, why, c.admitted)
		}
	}
}
