package eapol_test

// The eapol tests' side of eapoltest's authenticator: a configuration with
// the supplicant's options, and a supplicant wired to the authenticator.

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"wifid/eapol"
	"wifid/eapol/eapoltest"
	"wifid/nl80211/ie"
)

type authConfig struct {
	akm                   ie.AKMSuite
	pairwise, group, mgmt ie.CipherSuite
	mfp                   bool
	holdPMK               bool   // 802.1X: do not call SetPMK yet
	wpa                   bool   // WPA (pre-RSN) instead of RSN
	apRSNXE               []byte // the RSNX element of the AP's Beacon, nil for none
	pmkLen                int    // the PMK's length when not the AKM's own (OWE's groups)
}

// config is the authenticator's part of c.
func (c authConfig) config() eapoltest.Config {
	return eapoltest.Config{AKM: c.akm, Pairwise: c.pairwise, Group: c.group, Mgmt: c.mgmt, MFP: c.mfp, WPA: c.wpa}
}

func rsneFor(c authConfig, caps uint16) []byte { return eapoltest.RSNE(c.config(), caps) }
func wpaIEFor(c authConfig) []byte             { return eapoltest.WPAIE(c.config()) }

// pair is an authenticator and a supplicant wired through a fakePort.
type pair struct {
	t    testing.TB
	ap   *eapoltest.Authenticator
	sta  *eapol.Supplicant
	port *fakePort
	pmk  []byte
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newPair(t testing.TB, c authConfig) *pair {
	t.Helper()
	pmk := bytes.Repeat([]byte{0x42}, 32)
	if c.akm == ie.AKM8021XSuiteB192 {
		pmk = bytes.Repeat([]byte{0x42}, 48)
	}
	if c.pmkLen != 0 {
		pmk = bytes.Repeat([]byte{0x42}, c.pmkLen)
	}
	if c.group == 0 {
		c.group = c.pairwise
	}
	ap := eapoltest.New(t, c.config(), pmk)
	port := &fakePort{}
	cfg := eapol.Config{
		SPA: ap.SPA, AA: ap.AA, PMK: pmk, OwnRSNE: ap.StaRSNE, APRSNE: ap.RSNE, APRSNXE: c.apRSNXE,
		AKM: c.akm, Pairwise: c.pairwise, Group: c.group, MFP: c.mfp, GroupMgmt: c.mgmt,
		Logger:  quiet,
		OnEvent: func(e eapol.Event) { port.events = append(port.events, e) },
	}
	if !eapol.UsesPSK(c.akm) && c.akm != ie.AKMOWE {
		cfg.PMK = nil // EAP gives it later
	}
	sta, err := eapol.New(cfg, port)
	if err != nil {
		t.Fatal(err)
	}
	if !eapol.UsesPSK(c.akm) && c.akm != ie.AKMOWE && !c.holdPMK {
		if err := sta.SetPMK(pmk); err != nil { // EAP has succeeded
			t.Fatal(err)
		}
	}
	return &pair{t: t, ap: ap, sta: sta, port: port, pmk: pmk}
}

// deliver hands a frame to the supplicant and returns what it sent back
// (nil if nothing) and Receive's error.
func (p *pair) deliver(frame []byte) ([]byte, error) {
	n := len(p.port.sent)
	err := p.sta.Receive(frame)
	if len(p.port.sent) > n {
		return p.port.last(), err
	}
	return nil, err
}

// fourWay plays messages 1 to 4 and fails the test on any error.
func (p *pair) fourWay() {
	p.t.Helper()
	m2, err := p.deliver(p.ap.Msg1())
	if err != nil || m2 == nil {
		p.t.Fatalf("message 1: %v (sent %x)", err, m2)
	}
	if err := p.ap.HandleMsg2(m2); err != nil {
		p.t.Fatal(err)
	}
	m4, err := p.deliver(p.ap.Msg3(nil))
	if err != nil || m4 == nil {
		p.t.Fatalf("message 3: %v", err)
	}
	if err := p.ap.CheckMsg4(m4); err != nil {
		p.t.Fatal(err)
	}
}

// groupRekey plays a group key handshake.
func (p *pair) groupRekey(mod func(*eapoltest.KeyMsg)) error {
	p.t.Helper()
	g2, err := p.deliver(p.ap.GroupMsg1(mod))
	if err != nil {
		return err
	}
	if g2 == nil {
		return fmt.Errorf("no group message 2")
	}
	return p.ap.CheckGroupMsg2(g2)
}

// lastInstall returns the last key of a kind handed to the port.
func (p *pair) lastInstall(kind string) *installed {
	for i := len(p.port.installs) - 1; i >= 0; i-- {
		if p.port.installs[i].kind == kind {
			return &p.port.installs[i]
		}
	}
	return nil
}
