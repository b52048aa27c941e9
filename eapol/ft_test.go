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

// ftTestAP is the target AP's side of a fast transition, built from the
// package's key hierarchy and the standard's frame layout (13.8): enough
// to run a transition through and to tamper with its answers.
type ftTestAP struct {
	t            *testing.T
	aa           [6]byte
	rsne, mde    []byte
	keys         *eapol.FTKeys
	anonce       [32]byte
	ptk          *eapol.PTK
	r1Name       [16]byte
	gtk          []byte
	mutateResp   func(f *ie.FTE)
	mutateReassc func(f *ie.FTE)
}

func (ap *ftTestAP) rsneWith(pmkid [16]byte) []byte {
	r, err := ie.ParseRSN(ap.rsne[2:])
	if err != nil {
		ap.t.Fatal(err)
	}
	r.PMKIDs = []ie.PMKID{ie.PMKID(pmkid)}
	b, err := r.Marshal()
	if err != nil {
		ap.t.Fatal(err)
	}
	return b
}

func (ap *ftTestAP) fte(ies []byte) *ie.FTE {
	for el, err := range ie.Walk(ies) {
		if err != nil {
			ap.t.Fatal(err)
		}
		if el.ID == ie.IDFastBSSTransition {
			f, err := ie.ParseFTE(el.Data, 16)
			if err != nil {
				ap.t.Fatal(err)
			}
			return f
		}
	}
	ap.t.Fatal("no FTE")
	return nil
}

// respond answers an FT Authentication Request.
func (ap *ftTestAP) respond(req []byte) []byte {
	f := ap.fte(req)
	if string(f.R0KHID) != string(ap.keys.R0KHID) {
		ap.t.Fatalf("request R0KH-ID %q", f.R0KHID)
	}
	ap.anonce = [32]byte{0xa1, 0xa2, 31: 0xa3}
	pmkR1, name := ap.keys.R1(ap.aa)
	ap.r1Name = name
	ptk, err := eapol.DeriveFTPTK(ap.keys.AKM, ie.CipherCCMP128, pmkR1, f.SNonce[:], ap.anonce[:], ap.aa, ap.keys.SPA)
	if err != nil {
		ap.t.Fatal(err)
	}
	ap.ptk = ptk
	aa := ap.aa
	resp := &ie.FTE{ANonce: ap.anonce, SNonce: f.SNonce, R1KHID: &aa, R0KHID: ap.keys.R0KHID}
	if ap.mutateResp != nil {
		ap.mutateResp(resp)
	}
	fte, err := resp.Marshal(16)
	if err != nil {
		ap.t.Fatal(err)
	}
	return bytes.Join([][]byte{ap.rsneWith(ap.keys.PMKR0Name), ap.mde, fte}, nil)
}

func (ap *ftTestAP) mic(seq byte, rsne, fte []byte) []byte {
	msg := append(append(append([]byte{}, ap.keys.SPA[:]...), ap.aa[:]...), seq)
	msg = append(append(append(msg, rsne...), ap.mde...), fte...)
	m, err := eapol.CMAC(ap.ptk.KCK, msg)
	if err != nil {
		ap.t.Fatal(err)
	}
	return m
}

// reassociate checks the Reassociation Request's MIC and answers with the
// GTK (key ID 2, RSC 5).
func (ap *ftTestAP) reassociate(req []byte) []byte {
	f := ap.fte(req)
	var rsne, fteRaw []byte
	for el := range ie.Walk(req) {
		switch el.ID {
		case ie.IDRSN:
			rsne = el.Raw
		case ie.IDFastBSSTransition:
			fteRaw = bytes.Clone(el.Raw)
		}
	}
	clear(fteRaw[4:20])
	if !bytes.Equal(ap.mic(5, rsne, fteRaw), f.MIC) || f.ElementCount != 3 {
		ap.t.Fatalf("reassociation request MIC or element count %d wrong", f.ElementCount)
	}
	wrapped, err := eapol.KeyWrap(ap.ptk.KEK, ap.gtk) // 16 octets: no padding
	if err != nil {
		ap.t.Fatal(err)
	}
	aa := ap.aa
	resp := &ie.FTE{ElementCount: 3, ANonce: f.ANonce, SNonce: f.SNonce, R1KHID: &aa, R0KHID: ap.keys.R0KHID,
		GTK: &ie.FTGTK{KeyID: 2, KeyLength: uint8(len(ap.gtk)), RSC: [8]byte{5}, WrappedKey: wrapped}}
	if ap.mutateReassc != nil {
		ap.mutateReassc(resp)
	}
	rsne = ap.rsneWith(ap.r1Name)
	zeroed, err := resp.Marshal(16)
	if err != nil {
		ap.t.Fatal(err)
	}
	if resp.MIC == nil {
		resp.MIC = ap.mic(6, rsne, zeroed)
	}
	fte, err := resp.Marshal(16)
	if err != nil {
		ap.t.Fatal(err)
	}
	return bytes.Join([][]byte{rsne, ap.mde, fte}, nil)
}

// ftTransitionSetup completes the vector's initial association and
// readies a transition to a second AP of the domain, 02:00:00:00:01:00.
func ftTransitionSetup(t *testing.T) (*eapol.FTTransition, *ftTestAP) {
	port := &fakePort{}
	sta := ftSupplicant(t, port)
	if err := sta.Receive(ftHex(ftVector.msg1)); err != nil {
		t.Fatal(err)
	}
	if err := sta.Receive(ftHex(ftVector.msg3)); err != nil {
		t.Fatal(err)
	}
	keys := sta.FTKeys()
	sta.Close()
	ap := &ftTestAP{t: t, aa: [6]byte{2, 0, 0, 0, 1, 0}, rsne: ftHex(ftVector.apRSNE), mde: ftHex(ftVector.mde),
		keys: keys, gtk: bytes.Repeat([]byte{0x77}, 16)}
	tr, err := eapol.NewFTTransition(keys, ap.aa, ftHex(ftVector.ownRSNE), ap.rsne, ap.mde, ie.CipherCCMP128,
		bytes.NewReader(bytes.Repeat([]byte{0x5e}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return tr, ap
}

// TestFTTransition: a fast transition to another AP of the domain, over
// the air: PMKR0Name in the request, the reassociation request's MIC
// under the new PTK, the response's MIC checked and its GTK unwrapped;
// the Supplicant for the rekeys starts complete with those keys.
func TestFTTransition(t *testing.T) {
	tr, ap := ftTransitionSetup(t)
	req, err := tr.RequestIEs()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(req, ap.keys.PMKR0Name[:]) {
		t.Fatal("request names no PMKR0Name")
	}
	if err := tr.HandleResponse(ap.respond(req)); err != nil {
		t.Fatal(err)
	}
	re, err := tr.ReassociationIEs()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.HandleReassociationResponse(ap.reassociate(re))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.PTK.TK, ap.ptk.TK) || !bytes.Equal(st.GTK, ap.gtk) || st.GTKID != 2 || st.RSC[0] != 5 {
		t.Fatalf("keys: TK %x GTK %x id %d RSC %x", st.PTK.TK, st.GTK, st.GTKID, st.RSC)
	}
	sup, err := eapol.New(eapol.Config{SPA: ap.keys.SPA, AA: ap.aa, OwnRSNE: ftHex(ftVector.ownRSNE), APRSNE: ap.rsne,
		AKM: ie.AKMFTPSK, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128, AfterFT: st, Logger: quiet}, &fakePort{})
	if err != nil {
		t.Fatal(err)
	}
	if !sup.Complete() {
		t.Fatal("Supplicant after a transition not complete")
	}
	sup.Close()
	st.Wipe()
	tr.Wipe()
}

// TestFTTransitionRejects: a response that does not answer our request, or
// a reassociation response whose MIC, nonces or key holders are wrong,
// ends the transition with an error and no keys.
func TestFTTransitionRejects(t *testing.T) {
	for _, c := range []struct {
		name   string
		resp   func(f *ie.FTE)
		reassc func(f *ie.FTE)
	}{
		{"response SNonce", func(f *ie.FTE) { f.SNonce[0] ^= 1 }, nil},
		{"response R0KH-ID", func(f *ie.FTE) { f.R0KHID = []byte("other") }, nil},
		{"response without R1KH-ID", func(f *ie.FTE) { f.R1KHID = nil }, nil},
		{"response with a MIC", func(f *ie.FTE) { f.MIC = []byte{1} }, nil},
		{"reassociation MIC", nil, func(f *ie.FTE) { f.MIC = bytes.Repeat([]byte{1}, 16) }},
		{"reassociation ANonce", nil, func(f *ie.FTE) { f.ANonce[3] ^= 1 }},
		{"reassociation element count", nil, func(f *ie.FTE) { f.ElementCount = 2 }},
		{"reassociation without GTK", nil, func(f *ie.FTE) { f.GTK = nil }},
		{"reassociation GTK wrapped badly", nil, func(f *ie.FTE) { f.GTK.WrappedKey[3] ^= 1 }},
	} {
		tr, ap := ftTransitionSetup(t)
		ap.mutateResp, ap.mutateReassc = c.resp, c.reassc
		req, _ := tr.RequestIEs()
		err := tr.HandleResponse(ap.respond(req))
		if c.resp != nil {
			if err == nil {
				t.Errorf("%s: accepted", c.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		re, _ := tr.ReassociationIEs()
		if st, err := tr.HandleReassociationResponse(ap.reassociate(re)); err == nil || st != nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// FuzzFTResponses: bytes from the air as the FT authentication and
// reassociation responses never crash a transition.
func FuzzFTResponses(f *testing.F) {
	f.Add([]byte{0x30, 0x02, 0x01, 0x00}, []byte{0x36, 0x03, 0x12, 0x34, 0x01})
	f.Fuzz(func(t *testing.T, resp, reassoc []byte) {
		keys, err := eapol.DeriveFTKeys(ie.AKMFTPSK, make([]byte, 32), []byte("x"), [2]byte{0x12, 0x34}, []byte("r0"), [6]byte{2})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := eapol.NewFTTransition(keys, [6]byte{4}, ftHex(ftVector.ownRSNE), ftHex(ftVector.apRSNE),
			ftHex(ftVector.mde), ie.CipherCCMP128, bytes.NewReader(make([]byte, 32)))
		if err != nil {
			t.Fatal(err)
		}
		if tr.HandleResponse(resp) != nil {
			return
		}
		if _, err := tr.ReassociationIEs(); err != nil {
			return
		}
		tr.HandleReassociationResponse(reassoc)
	})
}
