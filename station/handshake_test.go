package station

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// rsnSummary is the summary of a BSS advertising rsn.
func rsnSummary(t *testing.T, rsn *ie.RSN) *ie.Summary {
	t.Helper()
	b, err := rsn.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ies := append([]byte{0, 3, 'n', 'e', 't', 1, 1, 0x82}, b...)
	sum, err := ie.Summarize(ies, 0x11)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestChooseRSNNotSupported: a BSS wifid cannot use with this main.conf
// (or radio) is NotSupported, as iwd answers Network.Connect (testMFP-Options).
func TestChooseRSNNotSupported(t *testing.T) {
	psk := []ie.AKMSuite{ie.AKMPSK}
	mfpRequired := &ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: psk, Capabilities: ie.RSNCapMFPC | ie.RSNCapMFPR}
	noMFP := &ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128}, AKMs: psk}
	for _, c := range []struct {
		name string
		rsn  *ie.RSN
		mfp  int
		ok   bool
	}{
		{"MFP off, AP requires it", mfpRequired, 0, false},
		{"MFP optional, AP requires it", mfpRequired, 1, true},
		{"MFP required, AP lacks it", noMFP, 2, false},
		{"MFP off, AP lacks it", noMFP, 0, true},
	} {
		_, err := chooseRSN(rsnSummary(t, c.rsn), nil, c.mfp, false, 0)
		if c.ok != (err == nil) {
			t.Errorf("%s: err %v", c.name, err)
		}
		if err != nil && !errors.Is(err, ErrNotSupported) {
			t.Errorf("%s: %v is not ErrNotSupported", c.name, err)
		}
	}
}

// pskBSS is a WPA2-PSK (CCMP) scan result for ssid.
func pskBSS(t *testing.T, ssid string, bssid byte) *nl80211.BSS {
	t.Helper()
	b := openBSS(ssid, bssid)
	rsn, err := (&ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: []ie.AKMSuite{ie.AKMPSK}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b.IEs = append(b.IEs, rsn...)
	b.Capability |= 0x10
	return b
}

func TestConnectHiddenServiceSetOverlap(t *testing.T) {
	h := newHarness(t, nil, false, openBSS("hid", 1), pskBSS(t, "hid", 2))
	if err := h.st.ConnectHidden(context.Background(), "hid"); !errors.Is(err, ErrServiceSetOverlap) {
		t.Errorf("hidden SSID both open and PSK: %v, want ErrServiceSetOverlap", err)
	}
	if err := h.st.ConnectHidden(context.Background(), "nothere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("absent hidden SSID: %v", err)
	}
}

// TestChooseRSNSuiteB192: a WPA3-Enterprise 192-bit BSS gets
// 802.1X-Suite-B-192 with GCMP-256 and BIP-GMAC-256 (MFP required in our
// RSNE) when the radio lists both ciphers and MFP is allowed; otherwise a
// BSS that also offers 802.1X-SHA256 gets that, and one that offers only
// Suite-B-192 is NotSupported with the reason.
func TestChooseRSNSuiteB192(t *testing.T) {
	suiteB := func(akms ...ie.AKMSuite) *ie.RSN {
		return &ie.RSN{Version: 1, GroupCipher: ie.CipherGCMP256, PairwiseCiphers: []ie.CipherSuite{ie.CipherGCMP256},
			AKMs: akms, Capabilities: ie.RSNCapMFPC | ie.RSNCapMFPR, GroupManagementCipher: ie.CipherBIPGMAC256}
	}
	all := &nl80211.Wiphy{CipherSuites: []ie.CipherSuite{ie.CipherCCMP128, ie.CipherGCMP128, ie.CipherGCMP256,
		ie.CipherBIPCMAC128, ie.CipherBIPGMAC256}}
	noGMAC256 := &nl80211.Wiphy{CipherSuites: []ie.CipherSuite{ie.CipherCCMP128, ie.CipherGCMP256, ie.CipherBIPCMAC128}}
	mixed := suiteB(ie.AKM8021XSuiteB192, ie.AKM8021XSHA256)
	mixed.Capabilities = ie.RSNCapMFPC
	ccmpGroup := suiteB(ie.AKM8021XSuiteB192)
	ccmpGroup.GroupCipher = ie.CipherCCMP128
	for _, c := range []struct {
		name  string
		rsn   *ie.RSN
		w     *nl80211.Wiphy
		mfp   int
		akm   ie.AKMSuite // 0: NotSupported
		cause string
	}{
		{"Suite-B-192", suiteB(ie.AKM8021XSuiteB192), all, 1, ie.AKM8021XSuiteB192, ""},
		{"Suite-B-192 preferred", mixed, all, 1, ie.AKM8021XSuiteB192, ""},
		{"radio lacks BIP-GMAC-256", suiteB(ie.AKM8021XSuiteB192), noGMAC256, 1, 0, "BIP-GMAC-256"},
		{"radio lacks BIP-GMAC-256, 802.1X-SHA256 offered", mixed, noGMAC256, 1, ie.AKM8021XSHA256, ""},
		{"MFP off", suiteB(ie.AKM8021XSuiteB192), all, 0, 0, "ManagementFrameProtection=0"},
		{"CCMP group", ccmpGroup, all, 1, 0, "GCMP-256"},
	} {
		got, err := chooseRSN(rsnSummary(t, c.rsn), c.w, c.mfp, false, 0)
		if c.akm == 0 {
			if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), c.cause) {
				t.Errorf("%s: err %v, want NotSupported saying %q", c.name, err, c.cause)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.akm != c.akm {
			t.Errorf("%s: AKM %v, want %v", c.name, got.akm, c.akm)
		}
		if c.akm != ie.AKM8021XSuiteB192 {
			continue
		}
		if got.pairwise != ie.CipherGCMP256 || got.group != ie.CipherGCMP256 || !got.mfp || got.mgmt != ie.CipherBIPGMAC256 {
			t.Errorf("%s: pairwise %v group %v mfp %v mgmt %v", c.name, got.pairwise, got.group, got.mfp, got.mgmt)
		}
		own, err := ie.ParseRSN(got.ownRSNE[2:])
		if err != nil {
			t.Fatalf("%s: our RSNE: %v", c.name, err)
		}
		if !own.HasAKM(ie.AKM8021XSuiteB192) || len(own.AKMs) != 1 || !own.Capabilities.MFPR() ||
			own.GroupManagementCipher != ie.CipherBIPGMAC256 || !own.HasPairwise(ie.CipherGCMP256) {
			t.Errorf("%s: our RSNE %+v", c.name, own)
		}
	}
}

// TestConnectHiddenNotHidden: a network the station had not seen (a quick
// scan looked elsewhere) whose beacons carry its SSID is not hidden: the
// directed scan finds it and the answer is NotHidden, not a connect (iwd's
// testHiddenNetworks exceptions_test). One heard only by its probe response
// may be hidden and is connected to.
func TestConnectHiddenNotHidden(t *testing.T) {
	visible := openBSS("cafe", 1)
	visible.BeaconIEs = visible.IEs
	h := newHarness(t, nil, false, visible)
	if err := h.st.ConnectHidden(context.Background(), "cafe"); !errors.Is(err, ErrNotHidden) {
		t.Errorf("visible SSID: %v, want ErrNotHidden", err)
	}

	probed := openBSS("hid", 2)
	probed.BeaconIEs = append([]byte{0, 0}, probed.IEs[2+len("hid"):]...) // beacons with an empty SSID
	h2 := newHarness(t, nil, false, probed)
	go h2.st.ConnectHidden(context.Background(), "hid")
	if req := h2.waitConnect(); string(req.SSID) != "hid" {
		t.Errorf("connect request %+v", req)
	}
}

// TestQuickScanKeepsOtherChannels: a scan of some frequencies replaces only
// what was seen there.
func TestQuickScanKeepsOtherChannels(t *testing.T) {
	a, b := openBSS("a", 1), openBSS("b", 2)
	b.Freq = 5180
	old, _ := groupNetworks([]*nl80211.BSS{a, b}, RankConfig{})
	a2 := openBSS("a", 3)
	nets, _ := groupNetworks([]*nl80211.BSS{a2}, RankConfig{})
	keepUnscanned(nets, old, []uint32{2412})
	if len(nets) != 2 {
		t.Fatalf("networks after a 2412 MHz scan: %v", nets)
	}
	if n := nets[NetworkPathID("a", knownnetworks.SecurityOpen)]; len(n.BSSes) != 1 || n.BSSes[0].Addr[5] != 3 {
		t.Errorf("network a: the scanned frequency's old BSS kept: %+v", n.BSSes)
	}
	if n := nets[NetworkPathID("b", knownnetworks.SecurityOpen)]; n == nil || len(n.BSSes) != 1 {
		t.Errorf("network b on 5180 MHz dropped by a 2412 MHz scan")
	}
}

// TestEAPOLAdmission: once connected, an EAPOL frame from another source
// than the AP, and an unencrypted message 1 from the AP's address (anyone
// in range could send it), are dropped before the supplicant sees them,
// as iwd drops them; the AP's protected message 1 still rekeys the PTK.
func TestEAPOLAdmission(t *testing.T) {
	var k *air
	ap := pskAP("home", 1, "secret123")
	h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false, ap)
	if err := h.connect("home"); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	h.waitState(Connected)
	k.mu.Lock()
	port, sent, keys := k.port, k.eapolSent, len(k.keys)
	rogue := net.HardwareAddr{2, 0, 0, 0, 0, 0x99}
	stranger, unprotected := ap.auth.Msg1(), ap.auth.Msg1()
	ap.auth.KCK = nil // the next message 2 is a rekey's
	genuine := ap.auth.Msg1()
	k.mu.Unlock()
	port.deliverAs(rogue, stranger, false)
	port.deliverAs(ap.bssid, unprotected, true)
	port.deliverAs(ap.bssid, genuine, false)
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, _, now, _ := k.snapshot()
		if len(now) > keys {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the AP's protected message 1 did not rekey the PTK")
		}
		time.Sleep(10 * time.Millisecond)
	}
	k.mu.Lock()
	sent = k.eapolSent - sent
	k.mu.Unlock()
	if sent != 2 {
		t.Errorf("%d EAPOL frames sent after connecting, want 2 (the rekey's messages 2 and 4)", sent)
	}
	if st := h.st.View().State; st != Connected {
		t.Errorf("state %v", st)
	}
}
