package eap_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
)

// The Peer's Debug log names states and packets, never a password, and
// each transition is one line with from and to.
func TestLogHasNoSecrets(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	for _, tc := range []struct {
		name   string
		method eap.Method
		server eaptest.Method
	}{
		{"GTC", eap.NewGTC(eap.Credentials{User: "alice", Password: pw}), &eaptest.GTC{Password: pw}},
		{"PWD", eap.NewPWD(eap.PWDConfig{Credentials: eap.Credentials{User: "alice", Password: pw}}), &eaptest.PWD{Password: pw}},
	} {
		var out bytes.Buffer
		log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
		peer, err := eap.NewPeer(eap.Config{Identity: "alice", Method: tc.method, Logger: log.With("iface", "eth9")})
		if err != nil {
			t.Fatal(err)
		}
		s := &eaptest.Server{Methods: []eaptest.Method{&eaptest.MD5{Password: pw}, tc.server}}
		if err := eaptest.Run(context.Background(), peer, s); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		if strings.Contains(text, pw) {
			t.Fatalf("%s: the password is in the log:\n%s", tc.name, text)
		}
		for _, want := range []string{"from=idle to=identity", "from=identity to=method", "from=method to=success", "msg=\"eap nak\"", "iface=eth9"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no %q in the log:\n%s", tc.name, want, text)
			}
		}
	}
}
