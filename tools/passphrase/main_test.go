package main

import (
	"strings"
	"testing"
)

// IEEE 802.11-2020 J.4, first vector (also in unit/ieee80211-annexj/psk.txt).
const annexJPSK = "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"

func TestRenderFormats(t *testing.T) {
	out, err := render("iwd", "IEEE", "password")
	if err != nil {
		t.Fatal(err)
	}
	if out != "[Security]\nPreSharedKey="+annexJPSK+"\n" {
		t.Errorf("iwd: %q", out)
	}
	out, err = render("wpa", "IEEE", "password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "psk="+annexJPSK) || !strings.Contains(out, `ssid="IEEE"`) {
		t.Errorf("wpa: %q", out)
	}
	if strings.Contains(out, "password") {
		t.Error("the passphrase must not be printed")
	}
}

func TestRenderErrors(t *testing.T) {
	if _, err := render("iwd", "IEEE", "short"); err == nil {
		t.Error("7-character passphrase accepted")
	}
	if _, err := render("xml", "IEEE", "password"); err == nil {
		t.Error("unknown format accepted")
	}
}
