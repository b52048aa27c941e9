package eapol_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"wifid/eapol"
	"wifid/nl80211/ie"
)

// The FT-PSK 4-way handshake of an initial mobility domain association,
// frame by frame: the vector of iwd's unit/test-eapol.c ("EAPoL/FT-Using-
// PSK 4-Way Handshake"), SSID "TestFT", MDID 0x3412 with FT over the DS,
// R0KH-ID "dummy0", R1KH-ID = AA = 02:00:00:00:00:00, SPA
// 02:00:00:00:02:00. Message 2 names PMKR1Name dece50a0... and carries the
// MDE and the AP's FTE; messages 2 and 4 must come out octet for octet.
var ftVector = struct {
	psk, apRSNE, ownRSNE, mde, fte, snonce string
	msg1, msg2, msg3, msg4                 string
}{
	psk:     "bccd1798ef6cb87f2b5475fb980657d2ea026ce368ef3fcada3148543fee94f0",
	apRSNE:  "30140100000fac040100000fac040100000fac048100",
	ownRSNE: "30120100000fac040100000fac040100000fac04",
	mde:     "3603123401",
	fte:     "3762" + strings.Repeat("00", 82) + "0106020000000000" + "030664756d6d7930",
	snonce:  "ac1eb2c70b208ce60ae207b2389e441fff39863d449f81246fe36ede0f1f56ce",
	msg1:    "0203005f02008b0010000000000000000133b274a0aec9e85d61118f1b6b97774e5b7508374577dc1408a5f180c5d2e9fd" + strings.Repeat("00", 50),
	msg2: "020300f002010b00000000000000000001ac1eb2c70b208ce60ae207b2389e441fff39863d449f81246fe36ede0f1f56ce" +
		strings.Repeat("00", 32) + "79a19519e85fcf2e607d6ffbd9e804b0" + "0091" +
		"30260100000fac040100000fac040100000fac0400000100dece50a09ef08c4ebef2f1dbe967b4d4" + "3603123401" +
		"3762" + strings.Repeat("00", 82) + "0106020000000000030664756d6d7930",
	msg3: "0203011f0213cb0010000000000000000233b274a0aec9e85d61118f1b6b97774e5b7508374577dc1408a5f180c5d2e9fd" +
		strings.Repeat("00", 32) + "12e36def965b07aa58ceedb15783517e00c0" +
		"1d411cf6354e5c0f4d0308e73b3304de5e01771cb891ef4f246484aa9442c3cb632ded5e5fcb1aff535845d5c2115240060870d8d1f779fe37b86dd62745bc112a69052c403a06245a7aa6794b18c8bf2110a07d80897785278874070014e091a2e0a2253c26ced69f332099c6c046918a685ba0a130cd7658268103e6793bf64b2f1d738f62da22a9b4ac77ccd4d46f8031fb3d21de410970cc18a6a53eda1b6b30ced4ded4867e71d09785cca2d34c56cf1ad3fff818fd527721e9873f1430",
	msg4: "0203005f02030b00000000000000000002" + strings.Repeat("00", 64) + "3e853a3c83714a94e430dfb20665a1d40000",
}

func ftSupplicant(t *testing.T, port *fakePort) *eapol.Supplicant {
	t.Helper()
	v := ftVector
	sta, err := eapol.New(eapol.Config{
		SPA: [6]byte{2, 0, 0, 0, 2, 0}, AA: [6]byte{2, 0, 0, 0, 0, 0},
		PMK: ftHex(v.psk), OwnRSNE: ftHex(v.ownRSNE), APRSNE: ftHex(v.apRSNE),
		AKM: ie.AKMFTPSK, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128,
		FT:     &eapol.FTConfig{SSID: []byte("TestFT"), MDE: ftHex(v.mde), FTE: ftHex(v.fte)},
		Rand:   bytes.NewReader(ftHex(v.snonce)),
		Logger: quiet,
	}, port)
	if err != nil {
		t.Fatal(err)
	}
	return sta
}

func TestFTInitialMobilityDomainHandshake(t *testing.T) {
	port := &fakePort{}
	sta := ftSupplicant(t, port)
	if err := sta.Receive(ftHex(ftVector.msg1)); err != nil {
		t.Fatal(err)
	}
	if got, want := port.last(), ftHex(ftVector.msg2); !bytes.Equal(got, want) {
		t.Fatalf("message 2\n got %x\nwant %x", got, want)
	}
	if err := sta.Receive(ftHex(ftVector.msg3)); err != nil {
		t.Fatal(err)
	}
	if got, want := port.last(), ftHex(ftVector.msg4); !bytes.Equal(got, want) {
		t.Fatalf("message 4\n got %x\nwant %x", got, want)
	}
	if !sta.Complete() || port.count("ptk") != 1 || port.count("gtk") != 1 {
		t.Fatalf("complete %v, installs %+v", sta.Complete(), port.installs)
	}
	k := sta.FTKeys()
	if k == nil || string(k.R0KHID) != "dummy0" || k.MDID != [2]byte{0x12, 0x34} {
		t.Fatalf("FTKeys %+v", k)
	}
	if _, name := k.R1([6]byte{2, 0, 0, 0, 0, 0}); name != [16]byte(ftHex("dece50a09ef08c4ebef2f1dbe967b4d4")) {
		t.Fatalf("PMKR1Name %x", name)
	}
	sta.Close()
	k.Wipe()
}

// The key holders named in the Association Response's FTE key the PTK:
// told of another R0KH-ID than the AP's, the Supplicant derives another
// PMK-R0 and drops the AP's message 3 (its MIC), installing nothing.
func TestFTKeyHoldersKeyThePTK(t *testing.T) {
	v := ftVector
	fte := ftHex(v.fte)
	fte[len(fte)-1] = '9' // R0KH-ID "dummy9": another PMK-R0, so another PTK
	port := &fakePort{}
	sta, err := eapol.New(eapol.Config{
		SPA: [6]byte{2, 0, 0, 0, 2, 0}, AA: [6]byte{2, 0, 0, 0, 0, 0},
		PMK: ftHex(v.psk), OwnRSNE: ftHex(v.ownRSNE), APRSNE: ftHex(v.apRSNE),
		AKM: ie.AKMFTPSK, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128,
		FT:   &eapol.FTConfig{SSID: []byte("TestFT"), MDE: ftHex(v.mde), FTE: fte},
		Rand: bytes.NewReader(ftHex(v.snonce)), Logger: quiet,
	}, port)
	if err != nil {
		t.Fatal(err)
	}
	if err := sta.Receive(ftHex(v.msg1)); err != nil {
		t.Fatal(err)
	}
	err = sta.Receive(ftHex(v.msg3))
	wantDrop(t, err, eapol.ErrMIC)
	if port.count("ptk") != 0 {
		t.Fatal("keys installed")
	}
}

func TestFTConfigRequired(t *testing.T) {
	v := ftVector
	cfg := eapol.Config{
		PMK: ftHex(v.psk), OwnRSNE: ftHex(v.ownRSNE), APRSNE: ftHex(v.apRSNE),
		AKM: ie.AKMFTPSK, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128, Logger: quiet,
	}
	if _, err := eapol.New(cfg, &fakePort{}); err == nil {
		t.Fatal("FT AKM without Config.FT accepted")
	}
	cfg.FT = &eapol.FTConfig{SSID: []byte("TestFT"), MDE: ftHex(v.mde), FTE: ftHex("3762" + strings.Repeat("00", 82) + "030664756d6d7930")}
	if _, err := eapol.New(cfg, &fakePort{}); err == nil {
		t.Fatal("FTE without an R1KH-ID accepted")
	}
	cfg.AKM, cfg.FT = ie.AKMPSK, &eapol.FTConfig{SSID: []byte("TestFT"), MDE: ftHex(v.mde), FTE: ftHex(v.fte)}
	if _, err := eapol.New(cfg, &fakePort{}); err == nil {
		t.Fatal("Config.FT with a non-FT AKM accepted")
	}
	if _, err := eapol.DerivePTK(ie.AKMFTPSK, ie.CipherCCMP128, make([]byte, 32), [6]byte{}, [6]byte{1}, make([]byte, 32), make([]byte, 32)); err == nil {
		t.Fatal("DerivePTK of an FT AKM")
	}
}

func ftHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
