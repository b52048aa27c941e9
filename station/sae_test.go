package station

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"wifid/eapol/sae"
	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// saeBSS is a WPA3-Personal (SAE only, MFP required) scan result.
func saeBSS(t *testing.T, ssid string, bssid byte) *nl80211.BSS {
	t.Helper()
	b := openBSS(ssid, bssid)
	rsn, err := (&ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: []ie.AKMSuite{ie.AKMSAE}, Capabilities: ie.RSNCapMFPC | ie.RSNCapMFPR}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b.IEs = append(b.IEs, rsn...)
	b.Capability |= 0x10
	return b
}

// authFrame is the AP's Authentication frame carrying an SAE message.
func authFrame(ap, sta net.HardwareAddr, m sae.Message) []byte {
	f := []byte{0xb0, 0x00, 0x00, 0x00}
	f = append(f, sta...)
	f = append(f, ap...)
	f = append(f, ap...)
	f = append(f, 0x00, 0x00, 3, 0)
	f = binary.LittleEndian.AppendUint16(f, m.Seq)
	f = binary.LittleEndian.AppendUint16(f, m.Status)
	return append(f, m.Body...)
}

func authEvent(frame []byte) *nl80211.MLMEEvent {
	return &nl80211.MLMEEvent{EventInfo: nl80211.EventInfo{Cmd: unix.NL80211_CMD_AUTHENTICATE}, Frame: frame}
}

// TestSAEExchange plays the AP's side of SAE (eapol/sae in the AP role)
// against the station: commit, commit, confirm, confirm, then the
// association. The fake kernel has no control port, so the attempt ends
// there; the lab connects for real against hostapd.
func TestSAEExchange(t *testing.T) {
	auths := make(chan nl80211.AuthenticateRequest, 4)
	h := newHarnessConfig(t, map[string]string{"wpa3.psk": "[Security]\nPassphrase=secret123\n"}, true,
		func(c *Config) { c.Kernel.(*fakeKernel).authCh = auths; c.MFP = 1 }, saeBSS(t, "wpa3", 1))
	next := func() (uint16, uint16, []byte) {
		t.Helper()
		select {
		case r := <-auths:
			if r.AuthType != unix.NL80211_AUTHTYPE_SAE || len(r.AuthData) < 4 {
				t.Fatalf("authenticate request %+v", r)
			}
			return binary.LittleEndian.Uint16(r.AuthData), binary.LittleEndian.Uint16(r.AuthData[2:]), r.AuthData[4:]
		case <-time.After(5 * time.Second):
			t.Fatal("no CMD_AUTHENTICATE")
		}
		return 0, 0, nil
	}
	apMAC := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	var own, peer [6]byte
	copy(own[:], apMAC)
	copy(peer[:], h.st.cfg.MAC)
	ap, err := sae.New(sae.Config{Password: []byte("secret123"), SSID: []byte("wpa3"), Own: own, Peer: peer})
	if err != nil {
		t.Fatal(err)
	}
	seq, status, body := next()
	if seq != sae.SeqCommit {
		t.Fatalf("first message seq %d", seq)
	}
	apStatus, apBody, err := ap.Commit()
	if err != nil {
		t.Fatal(err)
	}
	apConfirm, err := ap.Receive(seq, status, body)
	if err != nil {
		t.Fatalf("AP on the station's commit: %v", err)
	}
	h.events <- authEvent(authFrame(apMAC, h.st.cfg.MAC, sae.Message{Seq: sae.SeqCommit, Status: apStatus, Body: apBody}))
	seq, status, body = next()
	if seq != sae.SeqConfirm {
		t.Fatalf("second message seq %d", seq)
	}
	if m, err := ap.Receive(seq, status, body); err != nil || !m.None() || !ap.Done() {
		t.Fatalf("AP on the station's confirm: %v %+v", err, m)
	}
	h.events <- authEvent(authFrame(apMAC, h.st.cfg.MAC, apConfirm))
	v := h.waitView(func(v View) bool { return v.Last != nil && v.Last.Outcome != "" })
	st, ok := v.Last.Phase(PhaseAuth)
	if !ok || !strings.Contains(st.Detail, "SAE group 19") {
		t.Errorf("timeline %s: no SAE authenticate phase", v.Last)
	}
	if !strings.Contains(v.Last.Outcome, "EAPOL port") {
		t.Errorf("outcome %q: want the fake kernel's missing control port after SAE", v.Last.Outcome)
	}
}

// TestSAERefusedConfirm: an AP that cannot verify our confirm (a wrong
// passphrase) answers it with a failure status: the attempt ends without a
// blacklist, autoconnect tries again (one refusal may be forged), and after
// rejectionsToGiveUp refusals it leaves the network alone.
func TestSAERefusedConfirm(t *testing.T) {
	auths := make(chan nl80211.AuthenticateRequest, 8)
	h := newHarnessConfig(t, map[string]string{"wpa3.psk": "[Security]\nPassphrase=wrong one\n"}, true,
		func(c *Config) { c.Kernel.(*fakeKernel).authCh = auths; c.MFP = 1 }, saeBSS(t, "wpa3", 1))
	apMAC := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	var own, peer [6]byte
	copy(own[:], apMAC)
	copy(peer[:], h.st.cfg.MAC)
	for i := 0; i < rejectionsToGiveUp; i++ {
		ap, err := sae.New(sae.Config{Password: []byte("secret123"), SSID: []byte("wpa3"), Own: own, Peer: peer})
		if err != nil {
			t.Fatal(err)
		}
		var r nl80211.AuthenticateRequest
		select {
		case r = <-auths:
		case <-time.After(5 * time.Second):
			t.Fatalf("attempt %d: no SAE commit (autoconnect gave up after one refusal?)", i+1)
		}
		apStatus, apBody, _ := ap.Commit()
		ap.Receive(binary.LittleEndian.Uint16(r.AuthData), binary.LittleEndian.Uint16(r.AuthData[2:]), r.AuthData[4:])
		h.events <- authEvent(authFrame(apMAC, h.st.cfg.MAC, sae.Message{Seq: sae.SeqCommit, Status: apStatus, Body: apBody}))
		<-auths // our confirm, which the AP cannot verify
		h.events <- authEvent(authFrame(apMAC, h.st.cfg.MAC, sae.Message{Seq: sae.SeqConfirm, Status: 1}))
		v := h.waitView(func(v View) bool { return v.Last != nil && v.Last.Outcome != "" })
		if !strings.Contains(v.Last.Outcome, "wrong passphrase") {
			t.Errorf("outcome %q", v.Last.Outcome)
		}
		if h.st.blacklistContains("02:00:00:00:00:01") {
			t.Error("a wrong passphrase blacklisted the BSS")
		}
	}
	h.waitGivenUp(NetworkPathID("wpa3", knownnetworks.SecurityPSK))
	select {
	case r := <-auths:
		t.Fatalf("autoconnect tried again after %d refusals: %+v", rejectionsToGiveUp, r)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestSAEDisabledQuirk: with [DriverQuirks] SaeDisable naming the radio's
// driver, an SAE-only network is not supported (no SAE exchange starts).
func TestSAEDisabledQuirk(t *testing.T) {
	var k *air
	h := newHarnessConfig(t, map[string]string{"wpa3.psk": "[Security]\nPassphrase=secret123\n"}, false, func(c *Config) {
		k = newAir(t, c.MAC, saeAP("wpa3", 1, "secret123"))
		c.Kernel, c.Events = k, k.events
		c.MFP = 1
		c.SAEDisabled = true
	})
	if err := h.connect("wpa3"); !errors.Is(err, ErrNotSupported) {
		t.Errorf("SAE-only network: %v, want NotSupported", err)
	}
}
