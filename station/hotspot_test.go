package station

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"wifid/nl80211"
)

// hs20BSS is an 802.1X BSS "Hotspot" with the Hotspot 2.0 Indication
// (release 2), an Interworking element with HESSID 02:00:00:00:04:00 and
// a Roaming Consortium element (OIs 112233, 1020304050, 010203040506).
func hs20BSS(bssid byte) *nl80211.BSS {
	b := rsnBSS("Hotspot", bssid, 1)
	b.IEs = append(b.IEs,
		107, 7, 0x1e, 2, 0, 0, 0, 4, 0, // Interworking: type 14, Internet; HESSID
		111, 13, 1, 0x53, 0x11, 0x22, 0x33, 0x10, 0x20, 0x30, 0x40, 0x50, 0x01, 0x02, 0x03,
		0xdd, 5, 0x50, 0x6f, 0x9a, 0x10, 0x20, // HS 2.0 Indication, release 2 (field value 2)
	)
	return b
}

// newHotspotHarness: a station in developer mode (no autoconnect) with the
// hotspot profiles given (file name -> [Hotspot] lines) and DisableANQP.
func newHotspotHarness(t *testing.T, profiles map[string]string, disableANQP bool, results ...*nl80211.BSS) *harness {
	return newHarnessConfig(t, nil, false, func(c *Config) {
		dir := filepath.Join(c.Known.Dir(), "hotspot")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, body := range profiles {
			body = "[Security]\nEAP-Method=TTLS\nEAP-Identity=a@b\nEAP-TTLS-Phase2-Method=Tunneled-PAP\n[Hotspot]\n" + body
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Known.Load(); err != nil {
			t.Fatal(err)
		}
		c.DisableANQP = disableANQP
	}, results...)
}

// waitNetwork waits for a view in which the network with that SSID
// passes ok.
func (h *harness) waitNetwork(ssid string, ok func(NetworkView) bool) NetworkView {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case v := <-h.views:
			for _, n := range v.Networks {
				if n.SSID == ssid && ok(n) {
					return n
				}
			}
		case <-timeout:
			h.t.Fatalf("network %q never as wanted; view %+v", ssid, h.st.View().Networks)
		}
	}
}

func TestHotspotMatchesHESSIDAndConsortiumWithoutANQP(t *testing.T) {
	for _, c := range []struct{ name, profile string }{
		{"hessid", "Name=H\nHESSID=02:00:00:00:04:00\n"},
		{"consortium", "Name=RC\nRoamingConsortium=1020304050\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHotspotHarness(t, map[string]string{c.name + ".conf": c.profile}, true, hs20BSS(1))
			if err := h.st.Scan(t.Context()); err != nil {
				t.Fatal(err)
			}
			n := h.waitNetwork("Hotspot", func(n NetworkView) bool { return n.Known })
			if n.Hotspot != c.name+".conf" {
				t.Errorf("matched %q, want %s.conf", n.Hotspot, c.name)
			}
			h.k.mu.Lock()
			defer h.k.mu.Unlock()
			if len(h.k.frames) != 0 {
				t.Errorf("%d frames sent; ANQP is off", len(h.k.frames))
			}
		})
	}
}

func TestHotspotNoMatch(t *testing.T) {
	h := newHotspotHarness(t, map[string]string{"x.conf": "Name=X\nHESSID=02:00:00:00:04:01\nRoamingConsortium=aabbcc\n"},
		true, hs20BSS(1))
	if err := h.st.Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := h.waitNetwork("Hotspot", func(NetworkView) bool { return true })
	if n.Known || n.Hotspot != "" {
		t.Errorf("matched: %+v", n)
	}
}

// anqpElement is an ANQP element: Info ID, length, body.
func anqpElement(id uint16, body []byte) []byte {
	el := binary.LittleEndian.AppendUint16(nil, id)
	el = binary.LittleEndian.AppendUint16(el, uint16(len(body)))
	return append(el, body...)
}

// naiRealmElement is an NAI Realm list with one realm entry naming realms
// (';'-separated), EAP-TTLS.
func naiRealmElement(realms string) []byte {
	realm := []byte{0, byte(len(realms))} // encoding RFC 4282, realm length
	realm = append(realm, realms...)
	realm = append(realm, 1, 2, 21, 0) // one EAP method (2 octets): TTLS, no auth params
	body := binary.LittleEndian.AppendUint16(nil, 1)
	body = binary.LittleEndian.AppendUint16(body, uint16(len(realm)))
	return anqpElement(263, append(body, realm...))
}

// gasResponse is a GAS Initial Response from bssid carrying the ANQP
// elements.
func gasResponse(bssid, to net.HardwareAddr, token byte, elements ...[]byte) []byte {
	resp := bytes.Join(elements, nil)
	f := []byte{0xd0, 0, 0, 0}
	f = append(f, to...)
	f = append(f, bssid...)
	f = append(f, bssid...)
	f = append(f, 0, 0)
	f = append(f, 4, 11, token, 0, 0, 0, 0, 108, 2, 0x7f, 0)
	f = binary.LittleEndian.AppendUint16(f, uint16(len(resp)))
	return append(f, resp...)
}

// firstFrame waits for the first frame the station sends.
func (h *harness) firstFrame() []byte {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		h.k.mu.Lock()
		if len(h.k.frames) > 0 {
			f := h.k.frames[0]
			h.k.mu.Unlock()
			return f
		}
		h.k.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatal("no frame sent")
	return nil
}

func TestHotspotMatchesRealmByANQP(t *testing.T) {
	h := newHotspotHarness(t, map[string]string{"realm.conf": "Name=Realm\nNAIRealmNames=nowhere.test,example.com\n"},
		false, hs20BSS(1))
	if err := h.st.Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The GAS request goes to the BSS.
	req := h.firstFrame()
	if len(req) < 27 || req[24] != 4 || req[25] != 10 {
		t.Fatalf("no GAS Initial Request sent: % x", req)
	}
	if !bytes.Equal(req[4:10], []byte{2, 0, 0, 0, 0, 1}) {
		t.Errorf("GAS request to %x", req[4:10])
	}
	if v := h.st.View(); !v.Scanning {
		t.Error("Scanning went false before ANQP answered")
	}
	h.events <- &nl80211.FrameEvent{Frame: gasResponse(net.HardwareAddr{2, 0, 0, 0, 0, 1},
		net.HardwareAddr{2, 1, 1, 1, 1, 1}, req[26], naiRealmElement("other.test;example.com"))}
	n := h.waitNetwork("Hotspot", func(n NetworkView) bool { return n.Known })
	if n.Hotspot != "realm.conf" {
		t.Errorf("matched %q", n.Hotspot)
	}
	if h.st.View().Scanning {
		t.Error("still scanning after the answer")
	}
}

// A consortium OI the beacon does not show (it says one more is in ANQP)
// matches from the AP's Roaming Consortium list.
func TestHotspotMatchesConsortiumByANQP(t *testing.T) {
	h := newHotspotHarness(t, map[string]string{"rc.conf": "Name=RC\nRoamingConsortium=fedcba\n"}, false, hs20BSS(1))
	if err := h.st.Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	req := h.firstFrame()
	ois := anqpElement(261, []byte{3, 0x11, 0x22, 0x33, 3, 0xfe, 0xdc, 0xba})
	h.events <- &nl80211.FrameEvent{Frame: gasResponse(net.HardwareAddr{2, 0, 0, 0, 0, 1},
		net.HardwareAddr{2, 1, 1, 1, 1, 1}, req[26], ois)}
	if n := h.waitNetwork("Hotspot", func(n NetworkView) bool { return n.Known }); n.Hotspot != "rc.conf" {
		t.Errorf("matched %q", n.Hotspot)
	}
}

func TestHotspotIEs(t *testing.T) {
	h := newHotspotHarness(t, map[string]string{"rc.conf": "Name=RC\nRoamingConsortium=1020304050\n"}, true, hs20BSS(1))
	if err := h.st.Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.waitNetwork("Hotspot", func(n NetworkView) bool { return n.Known })
	var got []byte
	if err := h.st.call(t.Context(), func() {
		for _, n := range h.st.networks {
			if n.SSID == "Hotspot" {
				got = hotspotIEs(n, n.Best())
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := []byte{0xdd, 5, 0x50, 0x6f, 0x9a, 0x10, 0x20, // HS 2.0 Indication, release 2
		0xdd, 9, 0x50, 0x6f, 0x9a, 0x1d, 0x10, 0x20, 0x30, 0x40, 0x50} // RC selection
	if !bytes.Equal(got, want) {
		t.Errorf("IEs\n got % x\nwant % x", got, want)
	}
}

// An AP that never answers holds the scan for anqpTimeout at most; a
// malformed answer ends the query at once. Neither matches.
func TestHotspotANQPSilenceAndGarbage(t *testing.T) {
	for _, garbage := range []bool{false, true} {
		h := newHotspotHarness(t, map[string]string{"realm.conf": "Name=Realm\nNAIRealmNames=example.com\n"}, false, hs20BSS(1))
		start := time.Now()
		if err := h.st.Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		req := h.firstFrame()
		if garbage {
			f := gasResponse(net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 1, 1, 1, 1, 1}, req[26],
				anqpElement(263, []byte{0xff, 0xff, 1}))
			h.events <- &nl80211.FrameEvent{Frame: f}
		}
		n := h.waitNetwork("Hotspot", func(NetworkView) bool { return !h.st.View().Scanning })
		if n.Known {
			t.Errorf("garbage=%v: matched %+v", garbage, n)
		}
		if took := time.Since(start); garbage && took > anqpTimeout {
			t.Errorf("a malformed answer held the scan %v", took)
		}
		// Silence: the request went out anqpTries times; an answer (even
		// a bad one) stops the repeats.
		h.k.mu.Lock()
		sent := len(h.k.frames)
		h.k.mu.Unlock()
		if want := map[bool]int{false: anqpTries, true: 1}[garbage]; sent != want {
			t.Errorf("garbage=%v: %d requests sent, want %d", garbage, sent, want)
		}
		h.stop()
	}
}
