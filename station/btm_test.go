package station

import (
	"encoding/hex"
	"net"
	"testing"

	"wifid/nl80211"
)

// btmFrame builds a BTM Request from ap to sta with the given request mode
// and candidate list (Neighbor Report elements, already encoded).
func btmFrame(ap, sta net.HardwareAddr, mode byte, extra []byte) []byte {
	f := []byte{0xd0, 0x00, 0x00, 0x00}
	f = append(f, sta...)
	f = append(f, ap...)
	f = append(f, ap...)
	f = append(f, 0x10, 0x00)
	f = append(f, wnmCategory, wnmBTMRequest, 0x01, mode, 0x64, 0x00, 0xff)
	return append(f, extra...)
}

// neighbor is a Neighbor Report element for bssid on channel ch of
// operating class 81 with a candidate preference.
func neighbor(bssid net.HardwareAddr, ch byte) []byte {
	el := []byte{52, 16}
	el = append(el, bssid...)
	el = append(el, 0x8f, 0x00, 0x00, 0x00, 81, ch, 0x07, 3, 1, 0xff)
	return el
}

func TestParseBTMRequest(t *testing.T) {
	ap := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	sta := net.HardwareAddr{2, 1, 1, 1, 1, 1}
	cand := net.HardwareAddr{2, 0, 0, 0, 0, 2}
	url := []byte{3, 'a', 'b', 'c'}
	term := make([]byte, 12)
	f := btmFrame(ap, sta, btmPreferredList|btmDisassocImminent|btmTerminationIncluded|btmESSDisassocImminent,
		append(append(term, url...), neighbor(cand, 6)...))
	r, err := parseBTMRequest(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.From.String() != ap.String() || r.BSSID.String() != ap.String() || r.DisassocTimer != 100 || r.Validity != 255 || !r.directed() {
		t.Errorf("parsed %+v", r)
	}
	if len(r.Candidates) != 1 || net.HardwareAddr(r.Candidates[0].BSSID[:]).String() != cand.String() || r.Candidates[0].Freq() != 2437 {
		t.Fatalf("candidates %+v", r.Candidates)
	}
	if p, ok := r.Candidates[0].Preference(); !ok || p != 0xff {
		t.Errorf("preference %d %v", p, ok)
	}
	for _, c := range []struct {
		name  string
		frame []byte
	}{
		{"short header", f[:20]},
		{"short body", f[:28]},
		{"termination truncated", btmFrame(ap, sta, btmTerminationIncluded, make([]byte, 5))},
		{"URL truncated", btmFrame(ap, sta, btmESSDisassocImminent, []byte{9, 'a'})},
		{"candidate truncated", btmFrame(ap, sta, btmPreferredList, neighbor(cand, 6)[:10])},
		{"candidate too short", btmFrame(ap, sta, btmPreferredList, []byte{52, 3, 1, 2, 3})},
	} {
		if _, err := parseBTMRequest(c.frame); err == nil || err == errNotBTM {
			t.Errorf("%s: err %v, want a parse error", c.name, err)
		}
	}
	other := btmFrame(ap, sta, 0, nil)
	other[25] = 8 // a BTM Response
	if _, err := parseBTMRequest(other); err != errNotBTM {
		t.Errorf("another WNM action: %v", err)
	}
}

func FuzzParseBTMRequest(f *testing.F) {
	ap := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	sta := net.HardwareAddr{2, 1, 1, 1, 1, 1}
	f.Add(btmFrame(ap, sta, btmPreferredList|btmDisassocImminent, neighbor(net.HardwareAddr{2, 0, 0, 0, 0, 2}, 1)))
	f.Add(btmFrame(ap, sta, 0x1f, append(make([]byte, 12), 0)))
	seed, _ := hex.DecodeString("d0003a01020101010101020000000001020000000001a0000a0701050000ff")
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseBTMRequest(b)
		if err == nil && (len(r.From) != 6 || len(r.BSSID) != 6) {
			t.Fatalf("addresses %v %v", r.From, r.BSSID)
		}
	})
}

func TestBTMRequestRoamsToCandidate(t *testing.T) {
	// Same signal: only an AP that says it will disassociate us makes us
	// move; a plain request finds no better BSS.
	for _, imminent := range []bool{false, true} {
		evc := make(chan string, 64)
		h := newHarnessConfig(t, map[string]string{"cafe.open": ""}, true, func(c *Config) {
			fastRoam(c)
			c.OnEvent = func(name string, args ...any) { evc <- name }
		}, openBSSAt("cafe", 1, -40, 2412), openBSSAt("cafe", 2, -40, 2417))
		first := connectedTo(t, h, "02:00:00:00:00:01")
		mode := byte(btmPreferredList)
		if imminent {
			mode |= btmDisassocImminent
		}
		cand := net.HardwareAddr{2, 0, 0, 0, 0, 2}
		// Not from our AP: ignored.
		h.events <- &nl80211.FrameEvent{Frame: btmFrame(cand, h.st.cfg.MAC, mode, neighbor(cand, 2))}
		h.events <- &nl80211.FrameEvent{Frame: btmFrame(first, h.st.cfg.MAC, mode, neighbor(cand, 2))}
		if imminent {
			req := h.waitConnect()
			if req.BSSID.String() != cand.String() || req.PrevBSSID.String() != first.String() {
				t.Fatalf("directed roam to %v from %v", req.BSSID, req.PrevBSSID)
			}
			h.events <- &nl80211.ConnectEvent{BSSID: req.BSSID}
			h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == cand.String() })
			continue
		}
		for e := range evc {
			if e == "no-roam-candidates" {
				break
			}
		}
		if v := h.st.View(); v.ConnectedBSS.String() != first.String() {
			t.Errorf("moved without being told it must: %v", v.ConnectedBSS)
		}
		h.stop()
	}
}
