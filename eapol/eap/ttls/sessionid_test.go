package ttls_test

import (
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
	"wifid/eapol/eap/ttls"
)

// TestTTLSSessionID: a TTLS conversation's result names its Session-Id
// (the Type-Code 21 and the TLS randoms), for ERP.
func TestTTLSSessionID(t *testing.T) {
	s := newSetup(t, eaptest.NewPKI(t), ttls.PAP, "", 0)
	if err := s.run(); err != nil {
		t.Fatalf("conversation: %v (server: %v)", err, s.outer.Err)
	}
	res, _ := s.peer.Result()
	if len(res.SessionID) != 65 || res.SessionID[0] != byte(eap.TypeTTLS) {
		t.Errorf("Session-Id %x", res.SessionID)
	}
}
