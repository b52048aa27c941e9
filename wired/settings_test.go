package wired

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wifid/eapol/eap"
)

func TestLoadSettings(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadSettings(dir, slog.Default()); !errors.Is(err, ErrNoSettings) {
		t.Errorf("no file: %v, want ErrNoSettings", err)
	}
	cases := []struct {
		file    string
		method  eap.Type
		errWant string
	}{
		{"EAP-Method=MD5\nEAP-Identity=alice\nEAP-Password=secret\n", eap.TypeMD5, ""},
		{"EAP-Method=GTC\nEAP-Identity=alice\nEAP-GTC-Secret=secret\n", eap.TypeGTC, ""},
		{"EAP-Method=MSCHAPV2\nEAP-Identity=alice\nEAP-Password=secret\n", eap.TypeMSCHAPv2, ""},
		{"EAP-Method=PWD\nEAP-Identity=alice\nEAP-Password=secret\n", eap.TypePWD, ""},
		{"EAP-Method=MD5\nEAP-Identity=alice\n", 0, "lacks EAP-Password"},
		{"EAP-Method=MD5\n", 0, "lacks EAP-Identity"},
		{"EAP-Method=SIM\n", 0, "SIM"},
	}
	for _, tc := range cases {
		if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte("[Security]\n"+tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadSettings(dir, slog.Default())
		if tc.errWant != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("%q: err %v, want one saying %q", tc.file, err, tc.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.file, err)
			continue
		}
		if cfg.Method.Type() != tc.method || cfg.Identity != "alice" {
			t.Errorf("%q: method %v identity %q", tc.file, cfg.Method.Type(), cfg.Identity)
		}
	}
}
