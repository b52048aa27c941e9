package station

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"wifid/eapol/eap/eaptest"
	"wifid/eapol/eapoltest"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
	"wifid/nl80211/ie"
)

// WPA2-Enterprise in memory: eaptest's EAP server plays the AP's
// authentication server, its MSK the PMK of eapoltest's 4-way handshake.

// eapAP is a WPA2-Enterprise AP (802.1X, CCMP) whose server runs
// EAP-MSCHAPv2 for user and password.
func eapAP(ssid string, last byte, user, password string) *airAP {
	return &airAP{ssid: ssid, bssid: net.HardwareAddr{2, 0, 0, 0, 0, last},
		sec: eapoltest.Config{AKM: ie.AKM8021X, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128},
		newEAP: func() *eaptest.Server {
			return &eaptest.Server{Methods: []eaptest.Method{&eaptest.MSCHAPv2{User: user, Password: password}}}
		}}
}

// eapAgent answers the 802.1X requests and counts them.
type eapAgent struct {
	mu             sync.Mutex
	user, password string
	calls          []string
}

func (a *eapAgent) note(c string) {
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
}

func (a *eapAgent) asked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

func (a *eapAgent) RequestPassphrase(context.Context, string, knownnetworks.Security) (string, error) {
	a.note("RequestPassphrase")
	return "", errors.New("not a PSK network")
}

func (a *eapAgent) RequestUserNameAndPassword(_ context.Context, ssid string) (string, string, error) {
	a.note("RequestUserNameAndPassword " + ssid)
	return a.user, a.password, nil
}

func (a *eapAgent) RequestUserPassword(_ context.Context, ssid, user string) (string, error) {
	a.note("RequestUserPassword " + ssid + " " + user)
	return a.password, nil
}

func (a *eapAgent) RequestPrivateKeyPassphrase(_ context.Context, ssid string) (string, error) {
	a.note("RequestPrivateKeyPassphrase " + ssid)
	return "", errors.New("no key here")
}

func eapHarness(t *testing.T, k **air, file string, autoconnect bool, agent Agent, aps ...*airAP) *harness {
	t.Helper()
	return newHarnessConfig(t, map[string]string{"corp.8021x": file}, autoconnect, func(c *Config) {
		*k = newAir(t, c.MAC, aps...)
		c.Kernel, c.Events = *k, (*k).events
		c.MFP = 1
		c.handshakeTimeout = 300 * time.Millisecond
		c.eapTimeout = 2 * time.Second
		c.eapolStartDelay = 50 * time.Millisecond
		if agent != nil {
			c.Agent = agent
		}
	})
}

const mschapFile = "[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=alice\nEAP-Password=secret123\n"

func TestEAPConnect(t *testing.T) {
	for _, silent := range []bool{false, true} {
		name := "AP starts"
		if silent {
			name = "EAPOL-Start"
		}
		t.Run(name, func(t *testing.T) {
			var k *air
			ap := eapAP("corp", 1, "alice", "secret123")
			ap.eapSilent = silent
			h := eapHarness(t, &k, mschapFile, true, nil, ap)
			v := h.waitState(Connected)
			if v.Connected != NetworkPathID("corp", knownnetworks.Security8021X) {
				t.Errorf("view %+v", v)
			}
			if got := phases(v.Last); got != "secrets,associate,eap,4-way,group-key" {
				t.Errorf("phases %s", got)
			}
			if st, _ := v.Last.Phase(PhaseEAP); st.Detail != "MSCHAPv2" {
				t.Errorf("eap phase detail %q", st.Detail)
			}
			_, _, keys, authorized := k.snapshot()
			if !authorized || len(keys) != 2 {
				t.Errorf("authorized %v, %d keys: want the PTK and the GTK", authorized, len(keys))
			}
			k.mu.Lock()
			starts := ap.eapStarts
			k.mu.Unlock()
			if silent != (starts == 1) {
				t.Errorf("%d EAPOL-Starts for a silent AP %v", starts, silent)
			}
			// Nothing of EAP goes into the file (no PreSharedKey from the PMK).
			time.Sleep(50 * time.Millisecond)
			kn, _ := h.st.cfg.Known.Get("corp", knownnetworks.Security8021X)
			data, err := os.ReadFile(kn.Path)
			if err != nil || string(data) != mschapFile {
				t.Errorf("network file now %q (%v)", data, err)
			}
		})
	}
}

// TestEAPWrongPassword: the server's EAP-Failure ends the connect with an
// EAP error after the network's other BSS said the same, no BSS is
// blacklisted, and autoconnect tries once more (the third refusal) and
// then leaves the network alone.
func TestEAPWrongPassword(t *testing.T) {
	var k *air
	h := eapHarness(t, &k, strings.Replace(mschapFile, "secret123", "wrongpass", 1), false, nil,
		eapAP("corp", 1, "alice", "secret123"), eapAP("corp", 2, "alice", "secret123"))
	err := h.connectSec("corp", knownnetworks.Security8021X)
	if !errors.Is(err, ErrEAP) {
		t.Fatalf("Connect: %v, want ErrEAP", err)
	}
	h.waitGivenUp(NetworkPathID("corp", knownnetworks.Security8021X))
	time.Sleep(300 * time.Millisecond) // autoconnect's chance to loop
	if connects, _, _, _ := k.snapshot(); len(connects) != rejectionsToGiveUp {
		t.Errorf("joined %v: want %d attempts (both BSSes, then one more), no loop", connects, rejectionsToGiveUp)
	}
	if h.st.blacklistContains("02:00:00:00:00:01") {
		t.Error("the BSS is blacklisted for our wrong password")
	}
	v := h.st.View()
	if v.Last == nil || !strings.Contains(v.Last.Outcome, "EAP") {
		t.Errorf("timeline %v", v.Last)
	}
}

// TestEAPAgent: a file without identity and password: the agent is asked
// once (RequestUserNameAndPassword), before the association, and the
// answers stay out of the file. Without an agent the connect fails with
// ErrNoAgent and nothing is associated.
func TestEAPAgent(t *testing.T) {
	const file = "[Security]\nEAP-Method=MSCHAPV2\n"
	t.Run("asked", func(t *testing.T) {
		agent := &eapAgent{user: "alice", password: "secret123"}
		var k *air
		h := eapHarness(t, &k, file, false, agent, eapAP("corp", 1, "alice", "secret123"))
		if err := h.connectSec("corp", knownnetworks.Security8021X); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if got := strings.Join(agent.asked(), ";"); got != "RequestUserNameAndPassword corp" {
			t.Errorf("agent calls %q", got)
		}
		h.waitState(Connected)
		kn, _ := h.st.cfg.Known.Get("corp", knownnetworks.Security8021X)
		if data, _ := os.ReadFile(kn.Path); strings.Contains(string(data), "secret123") || strings.Contains(string(data), "alice") {
			t.Errorf("the agent's answers were written: %q", data)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		agent := &eapAgent{user: "alice", password: "wrongpass"}
		var k *air
		h := eapHarness(t, &k, file, false, agent, eapAP("corp", 1, "alice", "secret123"))
		if err := h.connectSec("corp", knownnetworks.Security8021X); !errors.Is(err, ErrEAP) {
			t.Fatalf("Connect: %v, want ErrEAP", err)
		}
	})
	t.Run("user known", func(t *testing.T) {
		agent := &eapAgent{password: "secret123"}
		var k *air
		h := eapHarness(t, &k, file+"EAP-Identity=alice\n", false, agent, eapAP("corp", 1, "alice", "secret123"))
		if err := h.connectSec("corp", knownnetworks.Security8021X); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if got := strings.Join(agent.asked(), ";"); got != "RequestUserPassword corp alice" {
			t.Errorf("agent calls %q", got)
		}
	})
	t.Run("no agent", func(t *testing.T) {
		var k *air
		h := eapHarness(t, &k, file, false, nil, eapAP("corp", 1, "alice", "secret123"))
		if err := h.connectSec("corp", knownnetworks.Security8021X); !errors.Is(err, ErrNoAgent) {
			t.Fatalf("Connect: %v, want ErrNoAgent", err)
		}
		if connects, _, _, _ := k.snapshot(); len(connects) != 0 {
			t.Errorf("associated with %v without credentials", connects)
		}
	})
}

// TestEAPReauthentication: the AP re-authenticates a connected station (a
// new EAP conversation, another MSK) and rekeys with the new PMK; the
// station answers both and stays connected with a new PTK.
func TestEAPReauthentication(t *testing.T) {
	var k *air
	ap := eapAP("corp", 1, "alice", "secret123")
	conversations := 0
	ap.newEAP = func() *eaptest.Server {
		conversations++
		m := &eaptest.MSCHAPv2{User: "alice", Password: "secret123"}
		m.Challenge[0] = byte(conversations) // another MSK each time
		return &eaptest.Server{Methods: []eaptest.Method{m}}
	}
	h := eapHarness(t, &k, mschapFile, true, nil, ap)
	h.waitState(Connected)
	_, _, before, _ := k.snapshot()
	k.mu.Lock()
	ap.eap = ap.newEAP()
	port := k.port
	k.mu.Unlock()
	k.eapFirst(ap, port)
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, _, keys, _ := k.snapshot()
		if len(keys) > len(before) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new key after the re-authentication (%d keys)", len(keys))
		}
		time.Sleep(10 * time.Millisecond)
	}
	k.mu.Lock()
	verdict := ap.eap.Verdict
	k.mu.Unlock()
	if verdict != eaptest.Accept {
		t.Errorf("re-authentication verdict %v", verdict)
	}
	if st := h.st.View().State; st != Connected {
		t.Errorf("state %v after the re-authentication", st)
	}
}

// TestEAPWarnsUncheckedServer: a TLS-based method without a CA certificate
// (outer or inner) gives the attempt a warning D-Bus shows; with one, none.
func TestEAPWarnsUncheckedServer(t *testing.T) {
	s := &Station{log: slog.New(slog.NewTextHandler(testLogOut(), nil))}
	for _, tc := range []struct{ file, want string }{
		{"[Security]\nEAP-Method=PEAP\nEAP-Identity=anon\nEAP-PEAP-Phase2-Method=MSCHAPV2\n" +
			"EAP-PEAP-Phase2-Identity=alice\nEAP-PEAP-Phase2-Password=x\n",
			"server not authenticated: the network file has no EAP-PEAP-CACert"},
		{"[Security]\nEAP-Method=PEAP\nEAP-Identity=anon\nEAP-PEAP-CACert=embed:ca\nEAP-PEAP-Phase2-Method=MSCHAPV2\n" +
			"EAP-PEAP-Phase2-Identity=alice\nEAP-PEAP-Phase2-Password=x\n[@pem@ca]\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", ""},
		{mschapFile, ""},
	} {
		f, err := knownnetworks.ParseFile("corp.8021x", []byte(tc.file))
		if err != nil {
			t.Fatal(err)
		}
		c, err := eapconf.Parse(f, nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.file, err)
		}
		if got := warnUnchecked(s, "corp", c); got != tc.want {
			t.Errorf("%q: warning %q, want %q", tc.file, got, tc.want)
		}
	}
	var tl Timeline
	tl.Warn("w")
	tl.Warn("w")
	if len(tl.Warnings) != 1 {
		t.Errorf("Warn twice with one text: %v", tl.Warnings)
	}
}

// TestEAPPMKSACaching: the first connect runs EAP and caches the PMKSA; a
// reconnect offers its PMKID, the AP takes it (message 1 names it) and no
// EAP runs (the timeline's eap phase says PMKSA). An AP that lost its
// cache starts EAP instead: the entry goes and EAP runs in the same
// association. An edited network file drops the entry; DisablePMKSA
// offers nothing.
func TestEAPPMKSACaching(t *testing.T) {
	ctx := context.Background()
	id := NetworkPathID("corp", knownnetworks.Security8021X)
	reconnect := func(t *testing.T, h *harness) View {
		t.Helper()
		if err := h.st.Disconnect(ctx); err != nil {
			t.Fatal(err)
		}
		h.waitState(Disconnected)
		if err := h.st.Connect(ctx, id); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		return h.waitState(Connected)
	}
	eapDetail := func(v View) string {
		st, _ := v.Last.Phase(PhaseEAP)
		return st.Detail
	}
	offered := func(k *air, ap *airAP) int {
		k.mu.Lock()
		defer k.mu.Unlock()
		return len(ap.offered)
	}
	// lost: connected once (PMKSA cached), then the AP loses its cache
	// and lose sets how it treats the PMKID it no longer knows.
	lost := func(t *testing.T, lose func(*airAP)) (*air, *airAP, *harness) {
		var k *air
		ap := eapAP("corp", 1, "alice", "secret123")
		ap.pmksa = map[ie.PMKID][]byte{}
		h := eapHarness(t, &k, mschapFile, true, nil, ap)
		h.waitState(Connected)
		k.mu.Lock()
		ap.pmksa = map[ie.PMKID][]byte{}
		lose(ap)
		k.mu.Unlock()
		return k, ap, h
	}
	t.Run("hit, then fallback", func(t *testing.T) {
		var k *air
		ap := eapAP("corp", 1, "alice", "secret123")
		ap.pmksa = map[ie.PMKID][]byte{}
		h := eapHarness(t, &k, mschapFile, true, nil, ap)
		v := h.waitState(Connected)
		if eapDetail(v) != "MSCHAPv2" || offered(k, ap) != 0 || h.st.pmksaLen() != 1 {
			t.Fatalf("first connect: eap %q, %d PMKIDs offered, %d cached", eapDetail(v), offered(k, ap), h.st.pmksaLen())
		}
		v = reconnect(t, h)
		if got := phases(v.Last); got != "secrets,associate,eap,4-way,group-key" || eapDetail(v) != "PMKSA" {
			t.Errorf("reconnect: phases %s, eap %q; want the eap phase marked PMKSA", got, eapDetail(v))
		}
		if offered(k, ap) != 1 {
			t.Errorf("%d PMKIDs offered", offered(k, ap))
		}
		k.mu.Lock()
		ap.pmksa = map[ie.PMKID][]byte{} // the AP restarted
		k.mu.Unlock()
		v = reconnect(t, h)
		if eapDetail(v) != "MSCHAPv2" || offered(k, ap) != 2 {
			t.Errorf("fallback: eap %q, %d PMKIDs offered", eapDetail(v), offered(k, ap))
		}
		if connects, _, _, _ := k.snapshot(); len(connects) != 3 {
			t.Errorf("associations %v: want one per connect (EAP in the same association)", connects)
		}
		// The new PMKSA is cached: a fourth connect skips EAP again.
		if v = reconnect(t, h); eapDetail(v) != "PMKSA" || h.st.pmksaLen() != 1 {
			t.Errorf("after the fallback: eap %q, %d cached", eapDetail(v), h.st.pmksaLen())
		}
	})
	t.Run("association refused for the PMKID", func(t *testing.T) {
		k, ap, h := lost(t, func(ap *airAP) { ap.refusePMKID = true })
		v := reconnect(t, h)
		if eapDetail(v) != "MSCHAPv2" || offered(k, ap) != 1 {
			t.Errorf("after status 53: eap %q, %d PMKIDs offered", eapDetail(v), offered(k, ap))
		}
		connects, _, _, _ := k.snapshot()
		if len(connects) != 3 || h.st.blacklistContains("02:00:00:00:00:01") {
			t.Errorf("associations %v, blacklisted %v: want the same BSS again, not blacklisted",
				connects, h.st.blacklistContains("02:00:00:00:00:01"))
		}
	})
	t.Run("message 1 names another PMKID", func(t *testing.T) {
		k, ap, h := lost(t, func(ap *airAP) { ap.otherPMKID = true })
		v := reconnect(t, h)
		k.mu.Lock()
		starts := ap.eapStarts
		k.mu.Unlock()
		connects, _, _, _ := k.snapshot()
		if eapDetail(v) != "MSCHAPv2" || starts < 1 || len(connects) != 2 {
			t.Errorf("eap %q, %d EAPOL-Starts, associations %v: want EAP after an EAPOL-Start, same association",
				eapDetail(v), starts, connects)
		}
	})
	t.Run("file edited", func(t *testing.T) {
		var k *air
		ap := eapAP("corp", 1, "alice", "secret123")
		ap.pmksa = map[ie.PMKID][]byte{}
		h := eapHarness(t, &k, mschapFile, true, nil, ap)
		h.waitState(Connected)
		kn, _ := h.st.cfg.Known.Get("corp", knownnetworks.Security8021X)
		if err := os.WriteFile(kn.Path, []byte(mschapFile+"# edited\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := h.st.cfg.Known.Load(); err != nil {
			t.Fatal(err)
		}
		if err := h.st.KnownNetworksChanged(ctx); err != nil {
			t.Fatal(err)
		}
		if n := h.st.pmksaLen(); n != 0 {
			t.Errorf("%d entries after the file changed", n)
		}
		if v := reconnect(t, h); eapDetail(v) != "MSCHAPv2" || offered(k, ap) != 0 {
			t.Errorf("after the edit: eap %q, %d PMKIDs offered; timeline %v", eapDetail(v), offered(k, ap), v.Last)
		}
	})
	t.Run("DisablePMKSA", func(t *testing.T) {
		var k *air
		ap := eapAP("corp", 1, "alice", "secret123")
		ap.pmksa = map[ie.PMKID][]byte{}
		h := newHarnessConfig(t, map[string]string{"corp.8021x": mschapFile}, true, func(c *Config) {
			k = newAir(t, c.MAC, ap)
			c.Kernel, c.Events = k, k.events
			c.eapolStartDelay = 50 * time.Millisecond
			c.PMKSA.Disabled = true
		})
		h.waitState(Connected)
		if v := reconnect(t, h); eapDetail(v) != "MSCHAPv2" || offered(k, ap) != 0 {
			t.Errorf("DisablePMKSA: eap %q, %d PMKIDs offered", eapDetail(v), offered(k, ap))
		}
	})
}
