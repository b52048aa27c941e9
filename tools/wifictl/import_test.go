package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wifid/daemon/dbusapi"
	"wifid/knownnetworks"
)

// writeEAPConfig writes a PEAP-MSCHAPv2 profile for two SSIDs, as eduroam
// CAT makes them.
func writeEAPConfig(t *testing.T) string {
	t.Helper()
	caPEM, err := os.ReadFile(writeCA(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(caPEM)
	xml := `<?xml version="1.0" encoding="utf-8"?>
<EAPIdentityProviderList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="eap-metadata.xsd">
  <EAPIdentityProvider ID="example.org" namespace="urn:RFC4282:realm" lang="en" version="1">
    <AuthenticationMethods>
      <AuthenticationMethod>
        <EAPMethod><Type>25</Type></EAPMethod>
        <ServerSideCredential>
          <CA format="X.509" encoding="base64">` + base64.StdEncoding.EncodeToString(blk.Bytes) + `</CA>
          <ServerID>radius.example.org</ServerID>
        </ServerSideCredential>
        <ClientSideCredential>
          <OuterIdentity>anonymous@example.org</OuterIdentity>
          <InnerIdentitySuffix>@example.org</InnerIdentitySuffix>
        </ClientSideCredential>
        <InnerAuthenticationMethod><EAPMethod><Type>26</Type></EAPMethod></InnerAuthenticationMethod>
      </AuthenticationMethod>
    </AuthenticationMethods>
    <CredentialApplicability>
      <IEEE80211><SSID>eduroam</SSID><MinRSNProto>CCMP</MinRSNProto></IEEE80211>
      <IEEE80211><SSID>example secure</SSID><MinRSNProto>CCMP</MinRSNProto></IEEE80211>
      <IEEE80211><ConsortiumOID>001bc50460</ConsortiumOID></IEEE80211>
    </CredentialApplicability>
    <ProviderInfo><DisplayName lang="en">Example University</DisplayName></ProviderInfo>
  </EAPIdentityProvider>
</EAPIdentityProviderList>
`
	p := filepath.Join(t.TempDir(), "eduroam-example.eap-config")
	if err := os.WriteFile(p, []byte(xml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportEAPConfig(t *testing.T) {
	dir, cfg := t.TempDir(), writeEAPConfig(t)
	out, errOut, code := add(t, dir, "import", "eap-config", cfg, "--username", "alice@example.org", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res importResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Provider != "example.org" || res.Method != "PEAP" || res.Phase2 != "MSCHAPV2" || len(res.Paths) != 3 ||
		len(res.AskAtConnect) != 1 || res.AskAtConnect[0].AgentMethod != "RequestUserPassword" ||
		len(res.Consortiums) != 1 || res.Consortiums[0] != "001bc50460" {
		t.Errorf("result = %+v", res)
	}
	// The consortium OI is a Hotspot 2.0 profile with the same EAP keys.
	store := knownnetworks.NewStore(dir, nil)
	if err := store.Load(); err != nil {
		t.Fatal(err)
	}
	hs := store.Hotspots()
	if len(hs) != 1 || hs[0].Hotspot.Name != "Example University" || hex.EncodeToString(hs[0].Hotspot.RoamingConsortium) != "001bc50460" ||
		hs[0].SSID != "example.org-001bc50460.conf" {
		t.Fatalf("hotspot profiles: %+v", hs)
	}
	if c := readNetwork(t, hs[0].Path); c.Identity != "anonymous@example.org" || c.Phase2.Identity != "alice@example.org" {
		t.Errorf("hotspot profile: %+v %+v", c, c.Phase2)
	}
	for _, ssid := range []string{"eduroam", "example secure"} {
		c := readNetwork(t, filepath.Join(dir, ssid+".8021x"))
		if c.Identity != "anonymous@example.org" || c.Phase2.Identity != "alice@example.org" || c.TLS.CACert != "embed:ca_cert" {
			t.Errorf("%s: %+v %+v", ssid, c, c.Phase2)
		}
		if _, err := c.TLS.Load(); err != nil {
			t.Errorf("%s: %v", ssid, err)
		}
	}

	// Again: refused without --force; a user outside the realm refused.
	if _, errOut, code := add(t, dir, "import", "eap-config", cfg, "--username", "a@example.org"); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("overwrote: %d %s", code, errOut)
	}
	if _, errOut, code := add(t, t.TempDir(), "import", "eap-config", cfg, "--username", "a@evil.org"); code == 0 || !strings.Contains(errOut, "must end in") {
		t.Errorf("user outside the realm: %d %s", code, errOut)
	}
	// One SSID only; none such.
	d2 := t.TempDir()
	if _, errOut, code := add(t, d2, "import", "eap-config", cfg, "--ssid", "eduroam"); code != 0 {
		t.Errorf("--ssid: %d %s", code, errOut)
	}
	if ents, _ := os.ReadDir(d2); len(ents) != 1 {
		t.Errorf("--ssid wrote %d files", len(ents))
	}
	if _, errOut, code := add(t, d2, "import", "eap-config", cfg, "--ssid", "nope"); code == 0 || !strings.Contains(errOut, `no SSID "nope"`) {
		t.Errorf("--ssid nope: %d %s", code, errOut)
	}
	if _, errOut, code := add(t, d2, "import", "eap-config", "/nonexistent"); code == 0 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: %d %s", code, errOut)
	}
}

// A Passpoint-only provider (consortium OIs, no SSID) becomes Hotspot 2.0
// profiles; an OI iwd would not take is skipped with a warning.
func TestImportPasspointOnly(t *testing.T) {
	b, err := os.ReadFile(writeEAPConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	xml := strings.NewReplacer(
		"<IEEE80211><SSID>eduroam</SSID><MinRSNProto>CCMP</MinRSNProto></IEEE80211>", "",
		"<IEEE80211><SSID>example secure</SSID><MinRSNProto>CCMP</MinRSNProto></IEEE80211>",
		"<IEEE80211><ConsortiumOID>5A03BA0000</ConsortiumOID></IEEE80211><IEEE80211><ConsortiumOID>0102</ConsortiumOID></IEEE80211>",
	).Replace(string(b))
	cfg := filepath.Join(t.TempDir(), "passpoint.eap-config")
	if err := os.WriteFile(cfg, []byte(xml), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, errOut, code := add(t, dir, "import", "eap-config", cfg, "--username", "alice@example.org", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res importResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(res.Networks) != 0 || strings.Join(res.Consortiums, ",") != "5a03ba0000,001bc50460" || len(res.Warnings) != 1 {
		t.Errorf("result = %+v", res)
	}
	store := knownnetworks.NewStore(dir, nil)
	if err := store.Load(); err != nil {
		t.Fatal(err)
	}
	if n := len(store.Hotspots()); n != 2 {
		t.Errorf("%d hotspot profiles, want 2", n)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the state directory, want hotspot/ only", len(ents))
	}
}

func TestImportInShell(t *testing.T) {
	addr, _ := start(t, dbusapi.Config{})
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	dir, cfg := t.TempDir(), writeEAPConfig(t)
	var out syncBuffer
	script := strings.Join([]string{
		"import eap-config " + cfg + " --ssid eduroam --dir " + dir,
		"carol@example.org", // User name
		"s3cret",            // Password
		"quit",
	}, "\r") + "\r"
	s := &session{c: c, e: env{getenv: func(string) string { return "" }}}
	if err := s.shellOn(t.Context(), pipeTerm{strings.NewReader(script), &out}, &history{}, func() int { return 60 }); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	contains(t, "shell", got, "User name at Example University (ending in @example.org): ", "Added eduroam.8021x (example.org, PEAP/MSCHAPV2)")
	if strings.Contains(got, "s3cret") {
		t.Error("the password was echoed")
	}
	n := readNetwork(t, filepath.Join(dir, "eduroam.8021x"))
	if n.Phase2.Identity != "carol@example.org" || n.Phase2.Password != "s3cret" {
		t.Errorf("written: %+v", n.Phase2)
	}
}
