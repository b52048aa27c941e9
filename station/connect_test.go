package station

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// Whole connects in memory: the station against scripted APs (air) whose
// 4-way handshake is eapoltest's authenticator.

// airHarness runs a station over k with the network files given.
func airHarness(t *testing.T, k **air, files map[string]string, autoconnect bool, aps ...*airAP) *harness {
	t.Helper()
	return newHarnessConfig(t, files, autoconnect, func(c *Config) {
		*k = newAir(t, c.MAC, aps...)
		c.Kernel, c.Events = *k, (*k).events
		c.MFP = 1
		c.handshakeTimeout = 300 * time.Millisecond
	})
}

// connect scans and connects to ssid's psk network.
func (h *harness) connect(ssid string) error {
	h.t.Helper()
	return h.connectSec(ssid, knownnetworks.SecurityPSK)
}

// connectSec scans and connects to ssid's network of type sec.
func (h *harness) connectSec(ssid string, sec knownnetworks.Security) error {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.st.Scan(ctx); err != nil {
		h.t.Fatal(err)
	}
	return h.st.Connect(ctx, NetworkPathID(ssid, sec))
}

func (k *air) snapshot() (connects []string, discs int, keys []nl80211.Key, authorized bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.connects...), k.discs, append([]nl80211.Key(nil), k.keys...), k.authorized
}

// phases lists a timeline's phase names.
func phases(tl *Timeline) string {
	var p []string
	for _, s := range tl.Steps {
		p = append(p, s.Phase)
	}
	return strings.Join(p, ",")
}

func TestPSKConnect(t *testing.T) {
	var k *air
	h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false,
		pskAP("home", 1, "secret123"))
	if err := h.connect("home"); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	v := h.waitState(Connected)
	if v.Connected != NetworkPathID("home", knownnetworks.SecurityPSK) || v.ConnectedBSS.String() != "02:00:00:00:00:01" {
		t.Errorf("view %+v", v)
	}
	_, _, keys, authorized := k.snapshot()
	if !authorized || len(keys) != 2 || keys[0].Type != nl80211.KeyTypePairwise || keys[1].Type != nl80211.KeyTypeGroup {
		t.Errorf("authorized %v, keys %+v: want the PTK and the GTK installed", authorized, keys)
	}
	if v.Last == nil || v.Last.Outcome != "connected" || phases(v.Last) != "secrets,associate,4-way,group-key" {
		t.Errorf("timeline %v", v.Last)
	}
	// The PSK computed from the passphrase is stored, in the background.
	deadline := time.Now().Add(5 * time.Second)
	for {
		kn, _ := h.st.cfg.Known.Get("home", knownnetworks.SecurityPSK)
		if kn.Settings.Security.PreSharedKey != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("PreSharedKey not written to the network file")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSAEConnect(t *testing.T) {
	var k *air
	h := airHarness(t, &k, map[string]string{"wpa3.psk": "[Security]\nPassphrase=secret123\n"}, false,
		saeAP("wpa3", 1, "secret123"))
	if err := h.connect("wpa3"); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	v := h.waitState(Connected)
	st, ok := v.Last.Phase(PhaseAuth)
	if !ok || !strings.Contains(st.Detail, "SAE group 19") || v.Last.Outcome != "connected" {
		t.Errorf("timeline %v: want an SAE authenticate phase and connected", v.Last)
	}
	if _, _, keys, authorized := k.snapshot(); !authorized || len(keys) != 3 {
		t.Errorf("authorized %v, %d keys: want the PTK, GTK and IGTK", authorized, len(keys))
	}
}

// TestWrongPassphrase: WPA2 (the AP drops a message 2 with a bad MIC and
// deauthenticates) and WPA3 (the AP refuses the confirm): each attempt
// ends without blacklisting the BSS, and after rejectionsToGiveUp refusals
// in a row autoconnect does not try the network again until its file
// changes.
func TestWrongPassphrase(t *testing.T) {
	for _, c := range []struct {
		name string
		ap   *airAP
	}{
		{"PSK", pskAP("home", 1, "secret123")},
		{"SAE", saeAP("home", 1, "secret123")},
	} {
		t.Run(c.name, func(t *testing.T) {
			var k *air
			h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=wrongpass\n"}, true, c.ap)
			h.waitGivenUp(NetworkPathID("home", knownnetworks.SecurityPSK))
			v := h.st.View()
			if !strings.Contains(v.Last.Outcome, "wrong passphrase?") {
				t.Errorf("outcome %q", v.Last.Outcome)
			}
			time.Sleep(500 * time.Millisecond) // autoconnect's chance to loop
			// (SAE's attempts end before CMD_CONNECT: TestSAERefusedConfirm
			// counts them.)
			if connects, _, _, _ := k.snapshot(); c.name == "PSK" && len(connects) != rejectionsToGiveUp {
				t.Errorf("%d attempts, want %d and then none (no loop)", len(connects), rejectionsToGiveUp)
			}
			if h.st.blacklistContains("02:00:00:00:00:01") {
				t.Error("the BSS is blacklisted for our wrong passphrase")
			}
			if st := h.st.View().State; st != AutoconnectFull && st != AutoconnectQuick {
				t.Errorf("state %v, want autoconnect scanning on", st)
			}
		})
	}
}

// waitGivenUp waits until autoconnect gives up on network id's secret.
func (h *harness) waitGivenUp(id string) {
	h.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var bad bool
		h.st.call(context.Background(), func() { bad = h.st.rejected.bad(id) })
		if bad {
			return
		}
	}
	h.t.Fatalf("network %s not given up", id)
}

// rejections is the count of refusals of PSK network ssid's secret.
func (h *harness) rejections(ssid string) (n int) {
	h.st.call(context.Background(), func() { n = h.st.rejected[NetworkPathID(ssid, knownnetworks.SecurityPSK)] })
	return n
}

// TestForgedRejection: one deauthentication after our message 2 (forged by
// anyone in range, or an AP that lost the frame) is not enough to give up
// on a passphrase: autoconnect tries again and connects, and the count
// starts over.
func TestForgedRejection(t *testing.T) {
	ap := pskAP("home", 1, "secret123")
	ap.forged = rejectionsToGiveUp - 1
	var k *air
	h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, true, ap)
	h.waitState(Connected)
	if connects, _, _, _ := k.snapshot(); len(connects) != rejectionsToGiveUp {
		t.Errorf("%d attempts, want %d", len(connects), rejectionsToGiveUp)
	}
	if h.st.blacklistContains("02:00:00:00:00:01") {
		t.Error("the BSS is blacklisted for a refusal")
	}
	if n := h.rejections("home"); n != 0 {
		t.Errorf("%d refusals counted after connecting, want 0", n)
	}
}

// TestRejectionBeforeMessage2: a deauthentication before our message 2 is
// no evidence against the passphrase (the AP has seen nothing of our key):
// it is the BSS's failure, blacklisted, and nothing is counted.
func TestRejectionBeforeMessage2(t *testing.T) {
	bad := pskAP("home", 1, "secret123")
	bad.deauthFirst = true
	var k *air
	h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false, bad)
	if err := h.connect("home"); err == nil || strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("Connect: %v, want a failure of the BSS", err)
	}
	if !h.st.blacklistContains("02:00:00:00:00:01") {
		t.Error("the BSS that deauthenticated us is not blacklisted")
	}
	if n := h.rejections("home"); n != 0 {
		t.Errorf("%d refusals counted, want 0", n)
	}
}

// TestSilentAP: an AP that never sends message 1 times the handshake out;
// a user's connect goes on to the next BSS, which works. One that never
// answers message 2 fails the connect when no BSS is left. Both are
// blacklisted.
func TestSilentAP(t *testing.T) {
	t.Run("message 1, next BSS", func(t *testing.T) {
		quiet, good := pskAP("home", 1, "secret123"), pskAP("home", 2, "secret123")
		quiet.noMsg1, good.mbm = true, -6000
		var k *air
		h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false, quiet, good)
		if err := h.connect("home"); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if connects, _, _, _ := k.snapshot(); strings.Join(connects, " ") != "02:00:00:00:00:01 02:00:00:00:00:02" {
			t.Errorf("joined %v, want the quiet AP, then the next", connects)
		}
		if !h.st.blacklistContains("02:00:00:00:00:01") {
			t.Error("the quiet AP is not blacklisted")
		}
		h.waitState(Connected)
	})
	t.Run("message 3, failure", func(t *testing.T) {
		ap := pskAP("home", 1, "secret123")
		ap.noMsg3 = true
		var k *air
		h := airHarness(t, &k, map[string]string{"home.psk": "[Security]\nPassphrase=secret123\n"}, false, ap)
		err := h.connect("home")
		if err == nil || !strings.Contains(err.Error(), "4-way handshake") {
			t.Fatalf("Connect: %v, want a 4-way handshake failure", err)
		}
		if errors.Is(err, ErrAborted) {
			t.Errorf("Connect: %v", err)
		}
		if !h.st.blacklistContains("02:00:00:00:00:01") {
			t.Error("the AP is not blacklisted")
		}
		// CMD_DISCONNECT goes out in the background (sendDisconnect).
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if _, discs, _, _ := k.snapshot(); discs > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Error("the kernel was not told to let go")
				break
			}
		}
		// A user's connect turned autoconnect on; the blacklisted AP
		// waits.
		time.Sleep(100 * time.Millisecond)
		if connects, _, _, _ := k.snapshot(); len(connects) != 1 {
			t.Errorf("joined %v after the failure, want one attempt", connects)
		}
		if st := h.st.View().State; !st.Autoconnecting() {
			t.Errorf("state %v, want autoconnect", st)
		}
	})
}
