package station

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"wifid/eapol/eapoltest"
	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// oweAirAP is an OWE AP (CCMP, MFP) taking the groups given.
func oweAirAP(ssid string, last byte, groups ...int) *airAP {
	return &airAP{ssid: ssid, bssid: net.HardwareAddr{2, 0, 0, 0, 0, last}, oweGroups: groups,
		sec: eapoltest.Config{AKM: ie.AKMOWE, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128,
			MFP: true, Mgmt: ie.CipherBIPCMAC128}}
}

// TestOWEConnect: an OWE network is an open one to the user; the connect
// offers group 19, an AP refusing it (status 77) is offered 20, and the
// 4-way handshake with the exchange's PMK installs the PTK, GTK and IGTK.
// An AP that refuses every group fails the connect.
func TestOWEConnect(t *testing.T) {
	for _, c := range []struct {
		name    string
		groups  []int
		offered []int
		ok      bool
	}{
		{"group 19", []int{19, 20}, []int{19}, true},
		{"group 20 only", []int{20}, []int{19, 20}, true},
		{"group 21 only", []int{21}, []int{19, 20, 21}, true},
		{"no group", nil, []int{19, 20, 21}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var k *air
			ap := oweAirAP("owe", 1, c.groups...)
			h := airHarness(t, &k, nil, false, ap)
			err := h.connectSec("owe", knownnetworks.SecurityOpen)
			if c.ok != (err == nil) {
				t.Fatalf("Connect: %v", err)
			}
			k.mu.Lock()
			offered := slices.Clone(ap.oweOffered)
			k.mu.Unlock()
			if !slices.Equal(offered, c.offered) {
				t.Errorf("groups offered %v, want %v", offered, c.offered)
			}
			if !c.ok {
				return
			}
			v := h.waitState(Connected)
			if v.Connected != NetworkPathID("owe", knownnetworks.SecurityOpen) {
				t.Errorf("connected to %q", v.Connected)
			}
			if _, _, keys, authorized := k.snapshot(); !authorized || len(keys) != 3 {
				t.Errorf("authorized %v, %d keys: want the PTK, GTK and IGTK", authorized, len(keys))
			}
			// The network file is an open one, without secrets.
			deadline := time.Now().Add(5 * time.Second)
			for {
				if kn, ok := h.st.cfg.Known.Get("owe", knownnetworks.SecurityOpen); ok {
					if kn.Settings.Security.PreSharedKey != nil {
						t.Error("a PreSharedKey in the OWE network's file")
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no network file written")
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// TestOWERoamRunsNewExchange: a roam between two BSSes of an OWE network
// runs a new Diffie-Hellman exchange with the new AP.
func TestOWERoamRunsNewExchange(t *testing.T) {
	var k *air
	ap1, ap2 := oweAirAP("owe", 1, 19), oweAirAP("owe", 2, 19)
	h := airHarness(t, &k, nil, false, ap1, ap2)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.st.ConnectBSSID(ctx, ap1.bssid); err != nil {
		t.Fatal(err)
	}
	h.waitState(Connected)
	if err := h.st.Roam(ctx, ap2.bssid); err != nil {
		t.Fatalf("Roam: %v", err)
	}
	h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == ap2.bssid.String() })
	if _, _, keys, _ := k.snapshot(); len(keys) != 6 {
		t.Errorf("%d keys installed, want the PTK, GTK and IGTK twice", len(keys))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(ap2.oweOffered) != 1 {
		t.Errorf("the roam's AP saw %d exchanges", len(ap2.oweOffered))
	}
}

// oweTransitionIE is the WFA OWE Transition Mode element naming bssid and
// ssid.
func oweTransitionIE(bssid net.HardwareAddr, ssid string) []byte {
	b := []byte{0xdd, 0, 0x50, 0x6f, 0x9a, 0x1c}
	b = append(b, bssid...)
	b = append(b, byte(len(ssid)))
	b = append(b, ssid...)
	b[1] = byte(len(b) - 2)
	return b
}

// transitionPair is an OWE transition pair: the open BSS "transition"
// (02:..:01) and its hidden OWE twin "owe-hidden" (02:..:02); twinPoints
// is the BSSID the twin's element names (the open BSS's when paired).
func transitionPair(twinPoints byte) (open, twin *airAP) {
	open = &airAP{ssid: "transition", bssid: net.HardwareAddr{2, 0, 0, 0, 0, 1}}
	twin = oweAirAP("owe-hidden", 2, 19)
	twin.hidden = true
	open.extraIEs = oweTransitionIE(twin.bssid, twin.ssid)
	twin.extraIEs = oweTransitionIE(net.HardwareAddr{2, 0, 0, 0, 0, twinPoints}, open.ssid)
	return open, twin
}

// TestOWETransition: the open network "transition" is joined through its
// hidden OWE twin, found by a directed scan, under the twin's own SSID;
// a twin whose element does not name the open BSS is left out, and the
// open BSS is joined; the hidden OWE SSID is no network of its own.
func TestOWETransition(t *testing.T) {
	for _, c := range []struct {
		name       string
		twinPoints byte
		want       *airAP // nil: the open BSS
	}{
		{"paired", 1, nil},
		{"twin names another BSS", 9, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var k *air
			open, twin := transitionPair(c.twinPoints)
			want, wantSSID := twin, "owe-hidden"
			if c.twinPoints != 1 {
				want, wantSSID = open, "transition"
			}
			h := airHarness(t, &k, nil, false, open, twin)
			if err := h.connectSec("transition", knownnetworks.SecurityOpen); err != nil {
				t.Fatalf("Connect: %v", err)
			}
			h.waitView(func(v View) bool { return v.State == Connected })
			k.mu.Lock()
			ssids := slices.Clone(want.connectSSIDs)
			k.mu.Unlock()
			if !slices.Equal(ssids, []string{wantSSID}) {
				t.Errorf("CMD_CONNECTs to %v: SSIDs %q, want [%s]", want.bssid, ssids, wantSSID)
			}
			h.onLoop(func(s *Station) {
				for _, n := range s.networks {
					if n.SSID == "owe-hidden" {
						t.Errorf("the hidden OWE SSID listed as a network")
					}
				}
			})
		})
	}
}

// TestOWETransitionAutoconnect: autoconnect to a known transition network
// waits for the directed scan and joins the OWE twin.
func TestOWETransitionAutoconnect(t *testing.T) {
	var k *air
	open, twin := transitionPair(1)
	h := airHarness(t, &k, map[string]string{"transition.open": ""}, true, open, twin)
	h.waitView(func(v View) bool { return v.State == Connected })
	k.mu.Lock()
	defer k.mu.Unlock()
	if !slices.Equal(twin.connectSSIDs, []string{"owe-hidden"}) || len(open.connectSSIDs) != 0 {
		t.Errorf("CMD_CONNECTs: twin %q, open %q", twin.connectSSIDs, open.connectSSIDs)
	}
}

// TestOWEDisabledQuirk: with [DriverQuirks] OweDisable naming the radio's
// driver, a transition network is joined through its open BSS and an
// OWE-only network is not supported.
func TestOWEDisabledQuirk(t *testing.T) {
	var k *air
	open, twin := transitionPair(1)
	only := oweAirAP("owe", 3, 19)
	h := newHarnessConfig(t, nil, false, func(c *Config) {
		k = newAir(t, c.MAC, open, twin, only)
		c.Kernel, c.Events = k, k.events
		c.MFP = 1
		c.OWEDisabled = true
	})
	if err := h.connectSec("transition", knownnetworks.SecurityOpen); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	h.waitView(func(v View) bool { return v.State == Connected })
	k.mu.Lock()
	if len(twin.connectSSIDs) != 0 || len(open.connectSSIDs) != 1 {
		t.Errorf("CMD_CONNECTs: twin %q, open %q", twin.connectSSIDs, open.connectSSIDs)
	}
	k.mu.Unlock()
	if err := h.connectSec("owe", knownnetworks.SecurityOpen); !errors.Is(err, ErrNotSupported) {
		t.Errorf("OWE-only network: %v, want NotSupported", err)
	}
}

// TestOWEUseDefaultEccGroup: a network file with UseDefaultEccGroup=true
// offers group 19 only: an AP taking only 20 is not joined.
func TestOWEUseDefaultEccGroup(t *testing.T) {
	var k *air
	ap := oweAirAP("owe", 1, 20)
	h := airHarness(t, &k, map[string]string{"owe.open": "[Settings]\nUseDefaultEccGroup=true\n"}, false, ap)
	if err := h.connectSec("owe", knownnetworks.SecurityOpen); err == nil {
		t.Fatal("connected with group 20")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !slices.Equal(ap.oweOffered, []int{19}) {
		t.Errorf("groups offered %v, want [19]", ap.oweOffered)
	}
}

// TestOWEAPKeyedOtherExchange: message 1 names another PMKID than the
// exchange's (the AP answered a repeated Association Request with a second
// exchange and keys that one): the station associates again at once and
// connects, without blacklisting the BSS or counting a refused secret.
func TestOWEAPKeyedOtherExchange(t *testing.T) {
	var k *air
	ap := oweAirAP("owe", 1, 19)
	ap.otherExchange = true
	h := airHarness(t, &k, nil, false, ap)
	if err := h.connectSec("owe", knownnetworks.SecurityOpen); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	h.waitState(Connected)
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(ap.oweOffered) != 2 {
		t.Errorf("%d associations, want 2", len(ap.oweOffered))
	}
}

// TestOWEHandshakeTimeoutRetriesOnce: the AP gives up on the handshake
// (reason 15) though we answered its message 1 (it keyed another exchange
// and its message 1 named no PMKID): the same BSS is associated again,
// once, and joined; it is not blacklisted.
func TestOWEHandshakeTimeoutRetriesOnce(t *testing.T) {
	var k *air
	ap := oweAirAP("owe", 1, 19)
	ap.forged = 1
	h := airHarness(t, &k, nil, false, ap)
	if err := h.connectSec("owe", knownnetworks.SecurityOpen); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	h.waitState(Connected)
	if h.st.blacklistContains(ap.bssid.String()) {
		t.Error("the BSS was blacklisted")
	}
}

// TestOWEOrder: in an open network the OWE twin of a transition pair
// comes first, another BSS of the SSID after it, the pair's open side last.
func TestOWEOrder(t *testing.T) {
	open, twin := transitionPair(1)
	other := &airAP{ssid: "transition", bssid: net.HardwareAddr{2, 0, 0, 0, 0, 3}}
	nets, _ := groupNetworks([]*nl80211.BSS{open.scanResult(nil), other.scanResult(nil),
		twin.scanResult([][]byte{[]byte("owe-hidden")})}, DefaultRankConfig())
	n := nets[NetworkPathID("transition", knownnetworks.SecurityOpen)]
	if n == nil || len(n.BSSes) != 3 {
		t.Fatalf("networks %v", nets)
	}
	var got []string
	for _, b := range n.BSSes {
		got = append(got, b.Addr.String())
	}
	if want := []string{"02:00:00:00:00:02", "02:00:00:00:00:03", "02:00:00:00:00:01"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
