//go:build lab

package lab

// Lab tests of the nl80211 package against the guest kernel (issue 3,
// "Verified by"): discovery, interface create/destroy, scans with a hidden
// SSID, CMD_CONNECT (open, and WPA2 up to EAPOL message 1 on the control
// port), GET_STATION, SET_CQM, and hwsim radios added and removed at run
// time.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"wifid/lab/labenv"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// nlDial opens an nl80211 client that closes with the test.
func nlDial(t *testing.T, ctx context.Context) *nl80211.Client {
	t.Helper()
	c, err := nl80211.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nlTestCtx is the test's context: generous, the guest is slow.
func nlTestCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitEvent reads c's events until match says yes or timeout passes; it
// returns the events seen on the way too, for failure messages.
func waitEvent(t *testing.T, c *nl80211.Client, timeout time.Duration, what string, match func(nl80211.Event) bool) nl80211.Event {
	t.Helper()
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	var seen []string
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed while waiting for %s", what)
			}
			if match(ev) {
				return ev
			}
			seen = append(seen, describeEvent(ev))
		case <-tm.C:
			t.Fatalf("no %s within %s; saw %d other events: %s", what, timeout, len(seen), strings.Join(seen, ", "))
			return nil
		}
	}
}

func describeEvent(ev nl80211.Event) string {
	i := ev.Info()
	return fmt.Sprintf("%s(%T wiphy %d ifindex %d)", nl80211.CmdName(i.Cmd), ev, i.Wiphy, i.Ifindex)
}

// wiphyByName finds a wiphy by its name (labenv renames them rad<N>).
func wiphyByName(ws []*nl80211.Wiphy, name string) *nl80211.Wiphy {
	for _, w := range ws {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// linkUp brings an interface up (scans and connects need it up).
func linkUp(t *testing.T, lab *labenv.Lab, iface string) int {
	t.Helper()
	lab.Run("ip", "link", "set", "dev", iface, "up")
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatal(err)
	}
	return ifi.Index
}

// apMAC is the MAC address of an AP's interface, read in the AP namespace.
func apMAC(t *testing.T, lab *labenv.Lab, ap *labenv.RunningAP) net.HardwareAddr {
	t.Helper()
	out := lab.ExecAP("cat", filepath.Join("/sys/class/net", ap.Iface, "address"))
	mac, err := net.ParseMAC(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("AP %s address %q: %v", ap.Iface, out, err)
	}
	return mac
}

func nlWPA2AP(radio, channel int, ssid, extra string) labenv.AP {
	return labenv.AP{Radio: radio, Config: fmt.Sprintf(`
ssid=%s
hw_mode=g
channel=%d
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=correct horse battery
%s`, ssid, channel, extra)}
}

// TestNL80211Wiphys: the hwsim radios and their capabilities, the
// interfaces with their wiphy, MAC and type, cross-checked with sysfs
// and iw.
func TestNL80211Wiphys(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, NoPcap: true})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)

	ws, err := c.Wiphys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := c.Interfaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lab.Radios {
		w := wiphyByName(ws, r.Phy)
		if w == nil {
			t.Fatalf("no wiphy named %s among %d", r.Phy, len(ws))
		}
		idx, _ := os.ReadFile(filepath.Join("/sys/class/ieee80211", r.Phy, "index"))
		if want, _ := strconv.Atoi(strings.TrimSpace(string(idx))); want != w.Index {
			t.Errorf("%s: index %d, sysfs says %d", r.Phy, w.Index, want)
		}
		t.Logf("%s: index %d, %d bands, ciphers %v, iftypes %v, max scan SSIDs %d, IE len %d, features %v, ext features %v, %d commands, %d combinations",
			w.Name, w.Index, len(w.Bands), w.CipherSuites, w.SupportedIftypes, w.MaxScanSSIDs, w.MaxScanIELen,
			w.Features.Names(), w.ExtFeatures.Names(), len(w.SupportedCommands), len(w.InterfaceCombinations))

		// Bands: hwsim has 2.4 GHz with channels 1-14 and the 11b/g rates.
		var b24 *nl80211.Band
		for i := range w.Bands {
			if w.Bands[i].Band == unix.NL80211_BAND_2GHZ {
				b24 = &w.Bands[i]
			}
		}
		if b24 == nil {
			t.Fatalf("%s: no 2.4 GHz band in %d bands", w.Name, len(w.Bands))
		}
		var freqs []uint32
		for _, ch := range b24.Channels {
			freqs = append(freqs, ch.Freq)
		}
		for _, f := range []uint32{2412, 2437, 2462} {
			if !slices.Contains(freqs, f) {
				t.Errorf("%s: 2.4 GHz band lacks %d MHz: %v", w.Name, f, freqs)
			}
		}
		if !slices.Contains(w.Frequencies(), 2412) {
			t.Errorf("%s: 2412 MHz not among enabled frequencies", w.Name)
		}
		for _, rate := range []uint32{10, 110, 540} { // 1, 11, 54 Mbit/s
			if !slices.Contains(b24.Rates, rate) {
				t.Errorf("%s: 2.4 GHz rates %v lack %d", w.Name, b24.Rates, rate)
			}
		}
		if b24.HTCapa == 0 || len(b24.HTMCSSet) != 16 {
			t.Errorf("%s: 2.4 GHz HT capabilities %#x, MCS set of %d bytes", w.Name, b24.HTCapa, len(b24.HTMCSSet))
		}
		if len(w.Bands) < 2 {
			t.Errorf("%s: only %d bands (hwsim has 2.4 and 5 GHz at least)", w.Name, len(w.Bands))
		}
		for _, b := range w.Bands {
			if len(b.Channels) == 0 {
				t.Errorf("%s: band %d has no channels", w.Name, b.Band)
			}
		}

		for _, cs := range []ie.CipherSuite{ie.CipherCCMP128, ie.CipherTKIP, ie.CipherBIPCMAC128} {
			if !w.SupportsCipher(cs) {
				t.Errorf("%s: cipher %v missing from %v", w.Name, cs, w.CipherSuites)
			}
		}
		for _, it := range []nl80211.Iftype{nl80211.IftypeStation, nl80211.IftypeAP, nl80211.IftypeMonitor} {
			if !w.SupportsIftype(it) {
				t.Errorf("%s: iftype %s missing from %v", w.Name, it, w.SupportedIftypes)
			}
		}
		if !w.SupportsControlPortOverNL80211() || !w.ExtFeatures.HasName("CONTROL_PORT_OVER_NL80211") {
			t.Errorf("%s: no CONTROL_PORT_OVER_NL80211 in %v", w.Name, w.ExtFeatures.Names())
		}
		// NL80211_ATTR_SUPPORTED_COMMANDS is a historical list: scans,
		// for one, are never in it.
		for _, cmd := range []uint8{unix.NL80211_CMD_CONNECT, unix.NL80211_CMD_AUTHENTICATE,
			unix.NL80211_CMD_ASSOCIATE, unix.NL80211_CMD_NEW_KEY, unix.NL80211_CMD_NEW_INTERFACE} {
			if !w.SupportsCommand(cmd) {
				t.Errorf("%s: %s not among supported commands", w.Name, nl80211.CmdName(cmd))
			}
		}
		if w.MaxScanSSIDs < 1 || w.MaxScanIELen < 1 {
			t.Errorf("%s: max scan SSIDs %d, max scan IE length %d", w.Name, w.MaxScanSSIDs, w.MaxScanIELen)
		}
		if len(w.InterfaceCombinations) == 0 || len(w.InterfaceCombinations[0].Limits) == 0 || w.InterfaceCombinations[0].MaxInterfaces == 0 {
			t.Errorf("%s: interface combinations %+v", w.Name, w.InterfaceCombinations)
		}
		// The same numbers as iw reads them.
		if out, err := lab.Output("iw", "phy", w.Name, "info"); err == nil {
			want := fmt.Sprintf("max # scan SSIDs: %d", w.MaxScanSSIDs)
			if !strings.Contains(out, want) {
				t.Errorf("iw phy %s info does not say %q", w.Name, want)
			}
			if n := iwCommandCount(out); n != len(w.SupportedCommands) {
				t.Errorf("%s: %d supported commands, iw lists %d", w.Name, len(w.SupportedCommands), n)
			}
		}

		// One wiphy by index, the same answer.
		one, err := c.Wiphy(ctx, w.Index)
		if err != nil {
			t.Fatal(err)
		}
		if one.Name != w.Name || len(one.Bands) != len(w.Bands) || one.MaxScanSSIDs != w.MaxScanSSIDs {
			t.Errorf("Wiphy(%d) = %s with %d bands, dump had %s with %d bands", w.Index, one.Name, len(one.Bands), w.Name, len(w.Bands))
		}

		// Its interface.
		var ifi *nl80211.Interface
		for _, i := range ifs {
			if i.Name == r.Iface {
				ifi = i
			}
		}
		if ifi == nil {
			t.Fatalf("no interface %s among %d", r.Iface, len(ifs))
		}
		nifi, err := net.InterfaceByName(r.Iface)
		if err != nil {
			t.Fatal(err)
		}
		if ifi.Wiphy != w.Index || ifi.Index != nifi.Index || ifi.Type != nl80211.IftypeStation ||
			!bytes.Equal(ifi.MAC, nifi.HardwareAddr) || ifi.Wdev == 0 {
			t.Errorf("interface %s: wiphy %d (want %d), ifindex %d (want %d), type %s, MAC %s (want %s), wdev %#x",
				r.Iface, ifi.Wiphy, w.Index, ifi.Index, nifi.Index, ifi.Type, ifi.MAC, nifi.HardwareAddr, ifi.Wdev)
		}
		one2, err := c.Interface(ctx, ifi.Index)
		if err != nil {
			t.Fatal(err)
		}
		if one2.Name != ifi.Name || !bytes.Equal(one2.MAC, ifi.MAC) {
			t.Errorf("Interface(%d) = %+v, dump had %+v", ifi.Index, one2, ifi)
		}
	}
}

// TestNL80211InterfaceLifecycle: NEW_INTERFACE / DEL_INTERFACE and their
// events; an interface created with SocketOwner dies with its socket;
// SET_INTERFACE changes the type.
func TestNL80211InterfaceLifecycle(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 1, NoPcap: true})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)
	w, err := wiphyOf(ctx, c, lab.Radios[0].Phy)
	if err != nil {
		t.Fatal(err)
	}

	ifi, err := c.NewInterface(ctx, nl80211.NewInterfaceRequest{Wiphy: w.Index, Name: "nltest0"})
	if err != nil {
		t.Fatal(err)
	}
	if ifi.Index == 0 || ifi.Name != "nltest0" || ifi.Wiphy != w.Index || ifi.Type != nl80211.IftypeStation || len(ifi.MAC) != 6 {
		t.Errorf("NewInterface returned %+v", ifi)
	}
	waitEvent(t, c, 10*time.Second, "NEW_INTERFACE nltest0", func(ev nl80211.Event) bool {
		e, ok := ev.(*nl80211.InterfaceEvent)
		return ok && e.Cmd == unix.NL80211_CMD_NEW_INTERFACE && e.Ifindex == ifi.Index &&
			e.Interface.Name == "nltest0" && e.Interface.Wiphy == w.Index
	})
	if _, err := net.InterfaceByName("nltest0"); err != nil {
		t.Errorf("the kernel has no nltest0: %v", err)
	}

	// SET_INTERFACE on the down interface: station -> AP -> station.
	for _, typ := range []nl80211.Iftype{nl80211.IftypeAP, nl80211.IftypeStation} {
		if err := c.SetInterfaceType(ctx, ifi.Index, typ); err != nil {
			t.Fatal(err)
		}
		got, err := c.Interface(ctx, ifi.Index)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != typ {
			t.Errorf("after SetInterfaceType(%s) the type is %s", typ, got.Type)
		}
	}

	// The MAC of the down interface can change (address randomization);
	// an up interface refuses.
	mac := net.HardwareAddr{0x02, 0x77, 0x66, 0x55, 0x44, 0x33}
	if err := nl80211.SetMAC(ifi.Index, mac); err != nil {
		t.Fatalf("SetMAC on a down interface: %v", err)
	}
	if got, _ := net.InterfaceByIndex(ifi.Index); got == nil || got.HardwareAddr.String() != mac.String() {
		t.Errorf("after SetMAC the address is %v, want %v", got, mac)
	}
	if got, err := c.Interface(ctx, ifi.Index); err != nil || got.MAC.String() != mac.String() {
		t.Errorf("nl80211 reports %v after SetMAC (%v)", got, err)
	}
	lab.Run("ip", "link", "set", "nltest0", "up")
	if err := nl80211.SetMAC(ifi.Index, net.HardwareAddr{0x02, 1, 2, 3, 4, 5}); !errors.Is(err, nl80211.ErrInterfaceUp) {
		t.Errorf("SetMAC on an up interface: %v, want ErrInterfaceUp", err)
	}
	lab.Run("ip", "link", "set", "nltest0", "down")

	if err := c.DelInterface(ctx, ifi.Index); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, 10*time.Second, "DEL_INTERFACE nltest0", func(ev nl80211.Event) bool {
		e, ok := ev.(*nl80211.InterfaceEvent)
		return ok && e.Cmd == unix.NL80211_CMD_DEL_INTERFACE && e.Ifindex == ifi.Index
	})
	if _, err := net.InterfaceByName("nltest0"); err == nil {
		t.Error("nltest0 still exists after DelInterface")
	}
	if err := c.DelInterface(ctx, ifi.Index); err == nil {
		t.Error("deleting a deleted interface succeeded")
	} else {
		t.Logf("deleting it again: %v", err)
	}

	// SocketOwner: the interface goes when its creator's socket closes.
	c2, err := nl80211.DialConfig(ctx, nl80211.Config{Groups: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	owned, err := c2.NewInterface(ctx, nl80211.NewInterfaceRequest{Wiphy: w.Index, Name: "nltest1", SocketOwner: true})
	if err != nil {
		c2.Close()
		t.Fatal(err)
	}
	c2.Close()
	waitEvent(t, c, 10*time.Second, "DEL_INTERFACE nltest1 after its owner closed", func(ev nl80211.Event) bool {
		e, ok := ev.(*nl80211.InterfaceEvent)
		return ok && e.Cmd == unix.NL80211_CMD_DEL_INTERFACE && e.Ifindex == owned.Index
	})
}

// iwCommandCount counts the entries of iw's "Supported commands:" list.
func iwCommandCount(info string) int {
	n, in := 0, false
	for _, l := range strings.Split(info, "\n") {
		tl := strings.TrimSpace(l)
		switch {
		case tl == "Supported commands:":
			in = true
		case in && strings.HasPrefix(tl, "* "):
			n++
		case in && tl != "":
			return n
		}
	}
	return n
}

func wiphyOf(ctx context.Context, c *nl80211.Client, phy string) (*nl80211.Wiphy, error) {
	ws, err := c.Wiphys(ctx)
	if err != nil {
		return nil, err
	}
	if w := wiphyByName(ws, phy); w != nil {
		return w, nil
	}
	return nil, fmt.Errorf("no wiphy %s", phy)
}

// scanUntil scans (up to tries times: a beacon or probe response can be
// missed in the short dwell under emulation) until ok accepts the results.
func scanUntil(t *testing.T, ctx context.Context, c *nl80211.Client, ifindex int, req nl80211.ScanRequest, tries int, ok func([]*nl80211.BSS) bool) []*nl80211.BSS {
	t.Helper()
	var res []*nl80211.BSS
	for i := 0; i < tries; i++ {
		var err error
		res, err = c.Scan(ctx, ifindex, req)
		if errors.Is(err, unix.EBUSY) {
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if ok(res) {
			return res
		}
		t.Logf("scan %d: %d results, not yet what we want", i+1, len(res))
	}
	return res
}

// bssSummary finds the BSS with bssid whose SSID is ssid (nil: any) and
// summarises its IEs.
func bssWith(res []*nl80211.BSS, bssid net.HardwareAddr, ssid []byte) (*nl80211.BSS, *ie.Summary) {
	for _, b := range res {
		if !bytes.Equal(b.BSSID, bssid) {
			continue
		}
		s, _ := ie.Summarize(b.IEs, b.Capability)
		if ssid == nil || bytes.Equal(s.SSID, ssid) {
			return b, s
		}
	}
	return nil, nil
}

func checkRSNPSK(t *testing.T, what string, s *ie.Summary) {
	t.Helper()
	if s.RSN == nil {
		t.Errorf("%s: no RSN element", what)
		return
	}
	if s.Security != ie.SecurityPSK || !s.RSN.HasAKM(ie.AKMPSK) || !s.RSN.HasPairwise(ie.CipherCCMP128) || s.RSN.GroupCipher != ie.CipherCCMP128 {
		t.Errorf("%s: security %s, RSN %+v", what, s.Security, s.RSN)
	}
}

// TestNL80211ScanHidden: a wildcard scan finds a visible WPA2 AP (SSID,
// frequency, RSN) and a hidden one by its empty SSID only; an active scan
// for the hidden SSID finds its name.
func TestNL80211ScanHidden(t *testing.T) {
	const visible, hidden = "labnet", "nl-hidden"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 3, APs: []labenv.AP{
		nlWPA2AP(0, 1, visible, ""),
		// A hidden AP answers no wildcard probe: a wildcard scan hears
		// only its beacons, so beacon often enough for a short dwell.
		nlWPA2AP(1, 11, hidden, "ignore_broadcast_ssid=1\nbeacon_int=25"),
	}})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)
	ifindex := linkUp(t, lab, lab.Radios[2].Iface)
	visMAC, hidMAC := apMAC(t, lab, lab.APs[0]), apMAC(t, lab, lab.APs[1])

	// Wildcard only: both BSSes, the hidden one without its name.
	wild := nl80211.ScanRequest{Freqs: []uint32{2412, 2462}, Flags: unix.NL80211_SCAN_FLAG_FLUSH}
	res := scanUntil(t, ctx, c, ifindex, wild, 5, func(res []*nl80211.BSS) bool {
		b1, _ := bssWith(res, visMAC, nil)
		b2, _ := bssWith(res, hidMAC, nil)
		return b1 != nil && b2 != nil
	})
	for _, b := range res {
		s, err := ie.Summarize(b.IEs, b.Capability)
		t.Logf("wildcard: %s %d MHz %.1f dBm SSID %q hidden %v security %s age %d ms (IE errors: %v)",
			b.BSSID, b.Freq, float64(b.SignalMBm)/100, s.SSID, s.Hidden, s.Security, b.SeenMsAgo, err)
	}
	b, s := bssWith(res, visMAC, nil)
	if b == nil {
		t.Fatalf("wildcard scan did not find %s (%s)", visible, visMAC)
	}
	if string(s.SSID) != visible || b.Freq != 2412 || !b.HasSignalMBm || b.BeaconInterval != 100 || b.Capability&0x10 == 0 {
		t.Errorf("%s: SSID %q, %d MHz, signal %v, beacon interval %d, capability %#x", visible, s.SSID, b.Freq, b.HasSignalMBm, b.BeaconInterval, b.Capability)
	}
	checkRSNPSK(t, visible, s)
	hb, hs := bssWith(res, hidMAC, nil)
	if hb == nil {
		t.Fatalf("wildcard scan did not find the hidden BSS %s", hidMAC)
	}
	if hb.Freq != 2462 || !hs.Hidden || !ie.SSIDHidden(hs.SSID) {
		t.Errorf("hidden BSS: %d MHz, SSID %q (hidden %v)", hb.Freq, hs.SSID, hs.Hidden)
	}
	checkRSNPSK(t, "hidden BSS beacon", hs)
	if b, _ := bssWith(res, hidMAC, []byte(hidden)); b != nil {
		t.Errorf("a wildcard-only scan learnt the hidden SSID %q", hidden)
	}

	// Active scan for the hidden SSID.
	direct := nl80211.ScanRequest{SSIDs: [][]byte{[]byte(hidden)}, Freqs: []uint32{2462}}
	res = scanUntil(t, ctx, c, ifindex, direct, 3, func(res []*nl80211.BSS) bool {
		b, _ := bssWith(res, hidMAC, []byte(hidden))
		return b != nil
	})
	hb, hs = bssWith(res, hidMAC, []byte(hidden))
	if hb == nil {
		t.Fatalf("an active scan for %q did not find it", hidden)
	}
	if hb.Freq != 2462 {
		t.Errorf("%s on %d MHz, want 2462", hidden, hb.Freq)
	}
	checkRSNPSK(t, hidden, hs)
	t.Logf("directed: %s %d MHz SSID %q from probe response %v", hb.BSSID, hb.Freq, hs.SSID, hb.FromProbeResp)

	// The scan events carried the request: TRIGGER_SCAN and
	// NEW_SCAN_RESULTS with our SSID and frequency.
	waitEvent(t, c, 10*time.Second, "NEW_SCAN_RESULTS with the hidden SSID", func(ev nl80211.Event) bool {
		se, ok := ev.(*nl80211.ScanEvent)
		return ok && se.Cmd == unix.NL80211_CMD_NEW_SCAN_RESULTS && se.Ifindex == ifindex &&
			slices.ContainsFunc(se.SSIDs, func(s []byte) bool { return string(s) == hidden }) &&
			slices.Equal(se.Freqs, []uint32{2462})
	})

	// A scan from a random address (hwsim has SCAN_RANDOM_MAC_ADDR).
	w, err := wiphyOf(ctx, c, lab.Radios[2].Phy)
	if err != nil {
		t.Fatal(err)
	}
	if w.SupportsScanRandomAddr() {
		res = scanUntil(t, ctx, c, ifindex, nl80211.ScanRequest{Freqs: []uint32{2412}, RandomAddr: true}, 3, func(res []*nl80211.BSS) bool {
			b, _ := bssWith(res, visMAC, []byte(visible))
			return b != nil
		})
		if b, _ := bssWith(res, visMAC, []byte(visible)); b == nil {
			t.Errorf("a random-address scan did not find %s", visible)
		}
	} else {
		t.Errorf("%s: no SCAN_RANDOM_MAC_ADDR in %v", w.Name, w.Features.Names())
	}

	// Abort: a scan of every channel, stopped at once.
	if err := c.TriggerScan(ctx, ifindex, nl80211.ScanRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := c.AbortScan(ctx, ifindex); err != nil {
		t.Logf("AbortScan: %v (the scan may have ended already)", err)
	}
	se := waitEvent(t, c, 30*time.Second, "the end of the aborted scan", func(ev nl80211.Event) bool {
		se, ok := ev.(*nl80211.ScanEvent)
		return ok && se.Ifindex == ifindex && (se.Cmd == unix.NL80211_CMD_SCAN_ABORTED ||
			(se.Cmd == unix.NL80211_CMD_NEW_SCAN_RESULTS && len(se.Freqs) > 2))
	})
	if se.Info().Cmd != unix.NL80211_CMD_SCAN_ABORTED {
		t.Errorf("the aborted scan ended with %s", nl80211.CmdName(se.Info().Cmd))
	}

	// The lab tool nlscan says the same.
	out, err := lab.Output(filepath.Join(lab.Bin, "nlscan"), "-scan", "-i", lab.Radios[2].Iface, "-freq", "2412")
	if err != nil || !strings.Contains(out, strconv.Quote(visible)) || !strings.Contains(out, visMAC.String()) {
		t.Errorf("nlscan -scan (%v) did not list %s %s:\n%s", err, visMAC, visible, out)
	}

	// A passive scan hears the visible AP's beacons.
	res = scanUntil(t, ctx, c, ifindex, nl80211.ScanRequest{Passive: true, Freqs: []uint32{2412}}, 3, func(res []*nl80211.BSS) bool {
		b, _ := bssWith(res, visMAC, []byte(visible))
		return b != nil
	})
	if b, _ := bssWith(res, visMAC, []byte(visible)); b == nil {
		t.Errorf("a passive scan did not hear %s", visible)
	}
}

// connectAndWait sends CMD_CONNECT and waits for its ConnectEvent.
func connectAndWait(t *testing.T, ctx context.Context, c *nl80211.Client, ifindex int, req nl80211.ConnectRequest) *nl80211.ConnectEvent {
	t.Helper()
	if err := c.Connect(ctx, ifindex, req); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, c, 60*time.Second, "CONNECT event", func(ev nl80211.Event) bool {
		ce, ok := ev.(*nl80211.ConnectEvent)
		return ok && ce.Ifindex == ifindex
	}).(*nl80211.ConnectEvent)
	if ev.Status != 0 || ev.TimedOut {
		t.Fatalf("connect failed: status %d, timed out %v (reason %d)", ev.Status, ev.TimedOut, ev.TimeoutReason)
	}
	return ev
}

func disconnectAndWait(t *testing.T, ctx context.Context, c *nl80211.Client, ifindex int) {
	t.Helper()
	if err := c.Disconnect(ctx, ifindex, 3); err != nil { // 3: deauth, leaving
		t.Fatal(err)
	}
	ev := waitEvent(t, c, 30*time.Second, "DISCONNECT event", func(ev nl80211.Event) bool {
		de, ok := ev.(*nl80211.DisconnectEvent)
		return ok && de.Ifindex == ifindex
	}).(*nl80211.DisconnectEvent)
	if ev.ByAP {
		t.Errorf("our own disconnect reported as by the AP (reason %d)", ev.Reason)
	}
	t.Logf("disconnected: reason %d, by AP %v", ev.Reason, ev.ByAP)
}

// TestNL80211ConnectOpen: CMD_CONNECT (SocketOwner) to an open AP, the
// ConnectEvent, GET_STATION's signal and bitrates, SET_CQM, then
// DISCONNECT and its event.
func TestNL80211ConnectOpen(t *testing.T) {
	const ssid = "nl-open"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{
		{Radio: 0, Config: "ssid=" + ssid + "\nhw_mode=g\nchannel=6\n", Address: "192.168.79.1/24"},
	}})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)
	sta := lab.Radios[1].Iface
	ifindex := linkUp(t, lab, sta)
	bssid := apMAC(t, lab, lab.APs[0])

	// A network that is not there: the kernel's SME scans, finds
	// nothing and reports a connect timeout. (cfg80211's own SME says
	// NL80211_TIMEOUT_UNSPECIFIED here; only full-MAC drivers report
	// NL80211_TIMEOUT_SCAN.)
	if err := c.Connect(ctx, ifindex, nl80211.ConnectRequest{SSID: []byte("nl-nowhere"), SocketOwner: true}); err != nil {
		t.Fatal(err)
	}
	fail := waitEvent(t, c, 60*time.Second, "CONNECT event for a missing network", func(ev nl80211.Event) bool {
		ce, ok := ev.(*nl80211.ConnectEvent)
		return ok && ce.Ifindex == ifindex
	}).(*nl80211.ConnectEvent)
	t.Logf("missing network: status %d, timed out %v, reason %d", fail.Status, fail.TimedOut, fail.TimeoutReason)
	if fail.Status == 0 || !fail.TimedOut {
		t.Errorf("missing network: status %d, timed out %v, reason %d (want a timeout)", fail.Status, fail.TimedOut, fail.TimeoutReason)
	}

	ev := connectAndWait(t, ctx, c, ifindex, nl80211.ConnectRequest{SSID: []byte(ssid), SocketOwner: true})
	if !bytes.Equal(ev.BSSID, bssid) || len(ev.RespIEs) == 0 {
		t.Errorf("connect event: BSSID %s (want %s), %d bytes of response IEs", ev.BSSID, bssid, len(ev.RespIEs))
	}
	ifi, err := c.Interface(ctx, ifindex)
	if err != nil {
		t.Fatal(err)
	}
	if string(ifi.SSID) != ssid || ifi.Freq != 2437 {
		t.Errorf("connected interface: SSID %q, %d MHz", ifi.SSID, ifi.Freq)
	}

	// GET_STATION: the AP's signal and rates. mac80211 reports an RX
	// rate once a unicast data frame came from the AP: ping it.
	lab.Run("ip", "addr", "add", "192.168.79.2/24", "dev", sta)
	if err := lab.Ping(lab.APs[0].IP, 1); err != nil {
		t.Error(err)
	}
	var st *nl80211.StationInfo
	for i := 0; i < 10; i++ {
		st, err = c.Station(ctx, ifindex, bssid)
		if err != nil {
			t.Fatal(err)
		}
		if st.HasSignal && st.TxBitrate.Bitrate > 0 && st.RxBitrate.Bitrate > 0 {
			break
		}
		time.Sleep(time.Second)
	}
	t.Logf("station %s: signal %d dBm (avg %d), tx %d00 kbit/s mode %d, rx %d00 kbit/s mode %d, connected %d s, rx %d B, tx %d B",
		st.MAC, st.Signal, st.SignalAvg, st.TxBitrate.Bitrate, st.TxBitrate.Mode, st.RxBitrate.Bitrate, st.RxBitrate.Mode,
		st.ConnectedTimeS, st.RxBytes, st.TxBytes)
	if !bytes.Equal(st.MAC, bssid) || !st.HasSignal || st.Signal >= 0 || st.Signal < -100 {
		t.Errorf("station %s: signal %d (present %v)", st.MAC, st.Signal, st.HasSignal)
	}
	if st.TxBitrate.Bitrate == 0 || st.RxBitrate.Bitrate == 0 {
		t.Errorf("station bitrates: tx %d, rx %d (100 kbit/s)", st.TxBitrate.Bitrate, st.RxBitrate.Bitrate)
	}
	sts, err := c.Stations(ctx, ifindex)
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 || !bytes.Equal(sts[0].MAC, bssid) {
		t.Errorf("station dump: %d entries", len(sts))
	}

	// SET_CQM: accepted; the signal (hwsim: -30 dBm) is above -70 dBm,
	// so mac80211 reports a "high" crossing after a few beacons.
	if err := c.SetCQM(ctx, ifindex, -70, 2); err != nil {
		t.Fatalf("SetCQM: %v", err)
	}
	cqm := waitEvent(t, c, 20*time.Second, "NOTIFY_CQM", func(ev nl80211.Event) bool {
		ce, ok := ev.(*nl80211.CQMEvent)
		return ok && ce.Ifindex == ifindex && ce.RSSIThreshold != nl80211.CQMRSSINone
	}).(*nl80211.CQMEvent)
	t.Logf("CQM event: threshold direction %d, level %d dBm (present %v)", cqm.RSSIThreshold, cqm.RSSILevel, cqm.HasRSSILevel)
	if cqm.RSSIThreshold != nl80211.CQMRSSIHigh || (cqm.HasRSSILevel && cqm.RSSILevel < -70) {
		t.Errorf("CQM event: direction %d, level %d", cqm.RSSIThreshold, cqm.RSSILevel)
	}
	if err := c.SetCQM(ctx, ifindex, 0, 0); err != nil {
		t.Fatalf("SetCQM off: %v", err)
	}

	// The AP sends us away: DisconnectEvent by the AP, with its reason.
	lab.ExecAP("hostapd_cli", "-p", "/run/hostapd", "-i", lab.APs[0].Iface, "deauthenticate", ifi.MAC.String())
	de := waitEvent(t, c, 30*time.Second, "DISCONNECT by the AP", func(ev nl80211.Event) bool {
		de, ok := ev.(*nl80211.DisconnectEvent)
		return ok && de.Ifindex == ifindex
	}).(*nl80211.DisconnectEvent)
	t.Logf("deauthenticated by the AP: reason %d, by AP %v", de.Reason, de.ByAP)
	if !de.ByAP || de.Reason == 0 {
		t.Errorf("AP's deauthentication: reason %d, by AP %v", de.Reason, de.ByAP)
	}

	// Again, and this time we leave.
	connectAndWait(t, ctx, c, ifindex, nl80211.ConnectRequest{SSID: []byte(ssid), BSSID: bssid, Freq: 2437, SocketOwner: true})
	disconnectAndWait(t, ctx, c, ifindex)
	if _, err := c.Station(ctx, ifindex, bssid); err == nil {
		t.Error("GET_STATION still answers after the disconnect")
	}
}

// TestNL80211ConnectWPA2ControlPort: CMD_CONNECT to a WPA2-PSK AP with
// control port over nl80211; EAPOL message 1 of the 4-way handshake
// arrives on OpenControlPort.
func TestNL80211ConnectWPA2ControlPort(t *testing.T) {
	const ssid = "nl-wpa2"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{nlWPA2AP(0, 1, ssid, "")}})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)
	sta := lab.Radios[1]
	ifindex := linkUp(t, lab, sta.Iface)
	bssid := apMAC(t, lab, lab.APs[0])
	w, err := wiphyOf(ctx, c, sta.Phy)
	if err != nil {
		t.Fatal(err)
	}
	if !w.SupportsControlPortOverNL80211() {
		t.Fatal("hwsim without control port over nl80211")
	}

	port, err := c.OpenControlPort(ifindex)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	rsne, err := (&ie.RSN{GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128}, AKMs: []ie.AKMSuite{ie.AKMPSK}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ev := connectAndWait(t, ctx, c, ifindex, nl80211.ConnectRequest{
		SSID: []byte(ssid),
		IEs:  rsne,
		Crypto: nl80211.Crypto{
			WPAVersions:            unix.NL80211_WPA_VERSION_2,
			PairwiseCiphers:        []ie.CipherSuite{ie.CipherCCMP128},
			GroupCipher:            ie.CipherCCMP128,
			AKMSuites:              []ie.AKMSuite{ie.AKMPSK},
			ControlPort:            true,
			ControlPortOverNL80211: true,
		},
		SocketOwner: true,
	})
	if !bytes.Equal(ev.BSSID, bssid) {
		t.Errorf("connected to %s, want %s", ev.BSSID, bssid)
	}

	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f, err := port.Receive(rctx)
	if err != nil {
		t.Fatalf("no EAPOL frame on the control port: %v", err)
	}
	t.Logf("EAPOL from %s, %d bytes, unencrypted %v: % x", f.Src, len(f.Frame), f.Unencrypted, f.Frame[:min(len(f.Frame), 24)])
	// EAPOL header (version, type 3 = Key, length), descriptor type 2
	// (RSN), Key Information: pairwise, ACK, no MIC, no Secure.
	if len(f.Frame) < 99 || f.Frame[1] != 3 || f.Frame[4] != 2 {
		t.Fatalf("not an RSN EAPOL-Key frame: % x", f.Frame)
	}
	ki := uint16(f.Frame[5])<<8 | uint16(f.Frame[6])
	if ki&(1<<3) == 0 || ki&(1<<7) == 0 || ki&(1<<8) != 0 || ki&(1<<9) != 0 {
		t.Errorf("key information %#04x is not message 1 of the 4-way handshake", ki)
	}
	if !bytes.Equal(f.Src, bssid) {
		t.Errorf("EAPOL from %s, want the AP %s", f.Src, bssid)
	}
	if !f.Unencrypted {
		t.Error("message 1 not flagged as received unencrypted")
	}

	// The kernel takes keys and the authorized flag as the station
	// installs them after the handshake (dummy key material here: the
	// handshake is not run, only the requests' encodings are checked).
	if err := c.NewKey(ctx, ifindex, nl80211.Key{Type: nl80211.KeyTypePairwise, Index: 0, Cipher: ie.CipherCCMP128,
		Data: make([]byte, 16), MAC: bssid}); err != nil {
		t.Errorf("NewKey pairwise: %v", err)
	}
	if err := c.NewKey(ctx, ifindex, nl80211.Key{Type: nl80211.KeyTypeGroup, Index: 1, Cipher: ie.CipherCCMP128,
		Data: make([]byte, 16), RSC: []byte{1, 0, 0, 0, 0, 0}}); err != nil {
		t.Errorf("NewKey group: %v", err)
	}
	igtk := nl80211.Key{Type: nl80211.KeyTypeGroup, Index: 4, Cipher: ie.CipherBIPCMAC128,
		Data: make([]byte, 16), RSC: []byte{1, 0, 0, 0, 0, 0}}
	if err := c.NewKey(ctx, ifindex, igtk); err != nil {
		t.Errorf("NewKey IGTK: %v", err)
	} else if err := c.SetDefaultMgmtKey(ctx, ifindex, 4); err != nil {
		t.Errorf("SetDefaultMgmtKey: %v", err)
	}
	if err := c.SetStationAuthorized(ctx, ifindex, bssid, true); err != nil {
		t.Errorf("SetStationAuthorized: %v", err)
	}
	if err := c.DelKey(ctx, ifindex, 1, nil); err != nil {
		t.Errorf("DelKey group: %v", err)
	}
	if err := c.DelKey(ctx, ifindex, 0, bssid); err != nil {
		t.Errorf("DelKey pairwise: %v", err)
	}
	disconnectAndWait(t, ctx, c, ifindex)

	// The PF_PACKET fallback: the same connect without control port over
	// nl80211; message 1 comes to an ETH_P_PAE socket.
	port.Close()
	pp, err := nl80211.ListenPacketPort(ifindex)
	if err != nil {
		t.Fatal(err)
	}
	defer pp.Close()
	req := nl80211.ConnectRequest{
		SSID: []byte(ssid),
		IEs:  rsne,
		Crypto: nl80211.Crypto{
			WPAVersions:     unix.NL80211_WPA_VERSION_2,
			PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
			GroupCipher:     ie.CipherCCMP128,
			AKMSuites:       []ie.AKMSuite{ie.AKMPSK},
			ControlPort:     true,
		},
		SocketOwner: true,
	}
	connectAndWait(t, ctx, c, ifindex, req)
	rctx2, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	f, err = pp.Receive(rctx2)
	if err != nil {
		t.Fatalf("no EAPOL frame on the packet socket: %v", err)
	}
	if len(f.Frame) < 99 || f.Frame[1] != 3 || !bytes.Equal(f.Src, bssid) {
		t.Errorf("packet port: %d bytes from %s: % x", len(f.Frame), f.Src, f.Frame[:min(len(f.Frame), 8)])
	}
	disconnectAndWait(t, ctx, c, ifindex)
}

// mac80211_hwsim's generic netlink interface, enough to add and remove
// radios (include/uapi/.../mac80211_hwsim.h is not exported: the numbers
// are the driver's enum hwsim_commands and hwsim_attrs).
const (
	hwsimCmdNewRadio   = 4
	hwsimCmdDelRadio   = 5
	hwsimAttrRadioName = 17
)

// hwsimRequest sends one MAC80211_HWSIM command and returns the value of
// its acknowledgement: NEW_RADIO answers the new radio's id in the
// NLMSG_ERROR code, a positive number netlink reports as an odd errno.
func hwsimRequest(cmd uint8, name string) (int, error) {
	conn, err := genetlink.Dial(nil)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	fam, err := conn.GetFamily("MAC80211_HWSIM")
	if err != nil {
		return 0, fmt.Errorf("family MAC80211_HWSIM: %w", err)
	}
	ae := netlink.NewAttributeEncoder()
	ae.String(hwsimAttrRadioName, name)
	data, err := ae.Encode()
	if err != nil {
		return 0, err
	}
	_, err = conn.Execute(genetlink.Message{Header: genetlink.Header{Command: cmd, Version: fam.Version}, Data: data},
		fam.ID, netlink.Request|netlink.Acknowledge)
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		if en, ok := oe.Err.(unix.Errno); ok && int32(en) < 0 {
			return int(-int32(en)), nil
		}
	}
	return 0, err
}

// TestNL80211HotplugRadio: a hwsim radio added at run time shows up as
// NEW_WIPHY (with its description) and NEW_INTERFACE events and in the
// wiphy dump; removing it gives DEL_INTERFACE and DEL_WIPHY.
func TestNL80211HotplugRadio(t *testing.T) {
	labenv.Setup(t, labenv.Hardware{Radios: 1, NoPcap: true})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)
	const name = "nlhot0"

	id, err := hwsimRequest(hwsimCmdNewRadio, name)
	if err != nil {
		t.Fatalf("HWSIM_CMD_NEW_RADIO: %v", err)
	}
	t.Logf("hwsim radio %d (%s) created", id, name)
	created := false
	defer func() {
		if created {
			hwsimRequest(hwsimCmdDelRadio, name)
		}
	}()
	created = true
	nw := waitEvent(t, c, 20*time.Second, "NEW_WIPHY "+name, func(ev nl80211.Event) bool {
		we, ok := ev.(*nl80211.WiphyEvent)
		return ok && we.Cmd == unix.NL80211_CMD_NEW_WIPHY && we.Name == name
	}).(*nl80211.WiphyEvent)
	if nw.Wiphy == nil {
		t.Errorf("NEW_WIPHY %s carried no decodable description", name)
	} else {
		t.Logf("NEW_WIPHY %s: index %d, %d bands, %d ciphers, iftypes %v", name, nw.Wiphy.Index, len(nw.Wiphy.Bands), len(nw.Wiphy.CipherSuites), nw.Wiphy.SupportedIftypes)
		if nw.Wiphy.Index != nw.Info().Wiphy || len(nw.Wiphy.Bands) == 0 || !nw.Wiphy.SupportsIftype(nl80211.IftypeStation) {
			t.Errorf("NEW_WIPHY description: index %d (event %d), %d bands", nw.Wiphy.Index, nw.Info().Wiphy, len(nw.Wiphy.Bands))
		}
	}
	ni := waitEvent(t, c, 20*time.Second, "NEW_INTERFACE on "+name, func(ev nl80211.Event) bool {
		e, ok := ev.(*nl80211.InterfaceEvent)
		return ok && e.Cmd == unix.NL80211_CMD_NEW_INTERFACE && e.Interface.Wiphy == nw.Info().Wiphy
	}).(*nl80211.InterfaceEvent)
	t.Logf("NEW_INTERFACE %s (ifindex %d) on wiphy %d", ni.Interface.Name, ni.Ifindex, ni.Interface.Wiphy)

	ws, err := c.Wiphys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := wiphyByName(ws, name); w == nil || w.Index != nw.Info().Wiphy {
		t.Errorf("the wiphy dump has no %s at index %d", name, nw.Info().Wiphy)
	}

	if _, err := hwsimRequest(hwsimCmdDelRadio, name); err != nil {
		t.Fatalf("HWSIM_CMD_DEL_RADIO: %v", err)
	}
	created = false
	waitEvent(t, c, 20*time.Second, "DEL_INTERFACE "+ni.Interface.Name, func(ev nl80211.Event) bool {
		e, ok := ev.(*nl80211.InterfaceEvent)
		return ok && e.Cmd == unix.NL80211_CMD_DEL_INTERFACE && e.Ifindex == ni.Ifindex
	})
	waitEvent(t, c, 20*time.Second, "DEL_WIPHY "+name, func(ev nl80211.Event) bool {
		we, ok := ev.(*nl80211.WiphyEvent)
		return ok && we.Cmd == unix.NL80211_CMD_DEL_WIPHY && we.Wiphy == nil && we.Info().Wiphy == nw.Info().Wiphy
	})
	ws, err = c.Wiphys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if wiphyByName(ws, name) != nil {
		t.Errorf("%s still in the wiphy dump after DEL_RADIO", name)
	}
}

// TestNL80211AuthAssoc: the userspace-SME pair (needed for SAE and FT):
// AUTHENTICATE and ASSOCIATE to an open AP with their MLME events, then
// DEAUTHENTICATE.
func TestNL80211AuthAssoc(t *testing.T) {
	const ssid = "nl-sme"
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{
		{Radio: 0, Config: "ssid=" + ssid + "\nhw_mode=g\nchannel=6\n"},
	}})
	ctx := nlTestCtx(t)
	c := nlDial(t, ctx)
	ifindex := linkUp(t, lab, lab.Radios[1].Iface)
	bssid := apMAC(t, lab, lab.APs[0])

	// The kernel authenticates only to a BSS in its scan cache.
	res := scanUntil(t, ctx, c, ifindex, nl80211.ScanRequest{SSIDs: [][]byte{[]byte(ssid)}, Freqs: []uint32{2437}}, 3,
		func(res []*nl80211.BSS) bool { b, _ := bssWith(res, bssid, nil); return b != nil })
	if b, _ := bssWith(res, bssid, nil); b == nil {
		t.Fatalf("no %s in the scan", ssid)
	}

	err := c.Authenticate(ctx, ifindex, nl80211.AuthenticateRequest{BSSID: bssid, Freq: 2437, SSID: []byte(ssid),
		AuthType: unix.NL80211_AUTHTYPE_OPEN_SYSTEM})
	if err != nil {
		t.Fatal(err)
	}
	auth := waitEvent(t, c, 30*time.Second, "AUTHENTICATE event", func(ev nl80211.Event) bool {
		me, ok := ev.(*nl80211.MLMEEvent)
		return ok && me.Cmd == unix.NL80211_CMD_AUTHENTICATE && me.Ifindex == ifindex
	}).(*nl80211.MLMEEvent)
	// Authentication frame: FC subtype 11, algorithm 0, seq 2, status 0.
	if auth.TimedOut || len(auth.Frame) < 30 || auth.Frame[0] != 0xb0 || auth.Frame[26] != 2 || auth.Frame[28] != 0 || auth.Frame[29] != 0 {
		t.Fatalf("authentication: timed out %v, frame % x", auth.TimedOut, auth.Frame)
	}

	err = c.Associate(ctx, ifindex, nl80211.AssociateRequest{BSSID: bssid, Freq: 2437, SSID: []byte(ssid), SocketOwner: true})
	if err != nil {
		t.Fatal(err)
	}
	assoc := waitEvent(t, c, 30*time.Second, "ASSOCIATE event", func(ev nl80211.Event) bool {
		me, ok := ev.(*nl80211.MLMEEvent)
		return ok && me.Cmd == unix.NL80211_CMD_ASSOCIATE && me.Ifindex == ifindex
	}).(*nl80211.MLMEEvent)
	// Association Response: FC subtype 1, status code at body offset 2.
	if assoc.TimedOut || len(assoc.Frame) < 30 || assoc.Frame[0] != 0x10 || assoc.Frame[26] != 0 || assoc.Frame[27] != 0 {
		t.Fatalf("association: timed out %v, frame % x", assoc.TimedOut, assoc.Frame)
	}
	ce := waitEvent(t, c, 10*time.Second, "CONNECT event after ASSOCIATE", func(ev nl80211.Event) bool {
		ce, ok := ev.(*nl80211.ConnectEvent)
		return ok && ce.Ifindex == ifindex
	}).(*nl80211.ConnectEvent)
	if ce.Status != 0 || !bytes.Equal(ce.BSSID, bssid) {
		t.Errorf("connect event: status %d, BSSID %s", ce.Status, ce.BSSID)
	}

	if err := c.Deauthenticate(ctx, ifindex, bssid, 3); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, 20*time.Second, "DEAUTHENTICATE event", func(ev nl80211.Event) bool {
		me, ok := ev.(*nl80211.MLMEEvent)
		return ok && me.Cmd == unix.NL80211_CMD_DEAUTHENTICATE && me.Ifindex == ifindex
	})
	waitEvent(t, c, 20*time.Second, "DISCONNECT event after deauth", func(ev nl80211.Event) bool {
		de, ok := ev.(*nl80211.DisconnectEvent)
		return ok && de.Ifindex == ifindex
	})
}
