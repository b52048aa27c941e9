package tls_test

import (
	"bytes"
	stdtls "crypto/tls"
	"encoding/hex"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
	eaptls "wifid/eapol/eap/tls"
)

// TestSessionID: EAP-TLS's Session-Id (for ERP): under TLS 1.2 the
// Type-Code and both Hello randoms (the client's checked against the
// server's key log, which names it), under TLS 1.3 the Type-Code and the
// Method-Id exporter the server computes alike.
func TestSessionID(t *testing.T) {
	pki := eaptest.NewPKI(t)
	for _, v := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		t.Run(stdtls.VersionName(v), func(t *testing.T) {
			m, err := eaptls.New(eaptls.Config{RootCAs: pki.Pool, Certificate: &pki.Client, MaxVersion: v})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if id := m.Tunnel().SessionID(); id != nil {
				t.Errorf("Session-Id %x before the handshake", id)
			}
			cfg := pki.ServerConfig(v, v, true)
			var keylog bytes.Buffer
			cfg.KeyLogWriter = &keylog
			srv := &eaptest.TLS{MethodType: eap.TypeTLS, Config: cfg}
			defer srv.Close()
			if _, s, err := run(t, m, srv); err != nil {
				t.Fatalf("conversation: %v (server: %v)", err, s.Err)
			}
			id := m.Tunnel().SessionID()
			if len(id) != 65 || id[0] != byte(eap.TypeTLS) {
				t.Fatalf("Session-Id %x", id)
			}
			if v == stdtls.VersionTLS13 {
				cs := srv.ConnectionState()
				want, err := cs.ExportKeyingMaterial(eaptls.LabelMethodID, []byte{byte(eap.TypeTLS)}, 64)
				if err != nil || !bytes.Equal(id[1:], want) {
					t.Errorf("Method-Id %x, server's %x (%v)", id[1:], want, err)
				}
				return
			}
			if !bytes.Contains(keylog.Bytes(), []byte("CLIENT_RANDOM "+hex.EncodeToString(id[1:33]))) {
				t.Errorf("client random %x is not the one the server logged:\n%s", id[1:33], keylog.Bytes())
			}
			if bytes.Equal(id[1:33], id[33:]) || bytes.Equal(id[33:], make([]byte, 32)) {
				t.Errorf("server random %x", id[33:])
			}
		})
	}
}
