package station

import (
	"io"
	"log/slog"
	"testing"

	"wifid/nl80211/ie"
)

type recordedFilters struct{ calls []bssFilters }

func (r *recordedFilters) SetFilters(ifname string, nd, l2mc bool) {
	r.calls = append(r.calls, bssFilters{nd, l2mc})
}

// TestFilters: Proxy ARP in the Extended Capabilities drops neighbour
// advertisements, the HS 2.0 Indication's DGAF Disabled bit unicast IP in
// group-addressed frames (Hotspot 2.0 6.5, as iwd); a BSS asking for
// nothing sets nothing; a change is applied once, and disconnecting
// clears them.
func TestFilters(t *testing.T) {
	bss := func(ies ...byte) *BSS {
		sum, err := ie.Summarize(ies, 0)
		if err != nil {
			t.Fatal(err)
		}
		return &BSS{Summary: sum}
	}
	proxyARP := []byte{byte(ie.IDExtendedCapabilities), 2, 0, 0x10} // bit 12
	dgaf := []byte{byte(ie.IDVendorSpecific), 5, 0x50, 0x6f, 0x9a, ie.VendorTypeHS20, 0x11}
	for _, c := range []struct {
		name string
		b    *BSS
		want bssFilters
	}{
		{"plain", bss(), bssFilters{}},
		{"proxy ARP", bss(proxyARP...), bssFilters{dropNeighbourAds: true}},
		{"DGAF disabled", bss(dgaf...), bssFilters{dropUnicastInL2Multicast: true}},
		{"both", bss(append(proxyARP, dgaf...)...), bssFilters{true, true}},
	} {
		if got := filtersFor(c.b); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}

	rec := &recordedFilters{}
	s := New(Config{Ifname: "wlan0", Filters: rec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.applyFilters(bssFilters{}) // what is set already
	s.applyFilters(bssFilters{true, true})
	s.applyFilters(bssFilters{true, true}) // a roam to a BSS asking the same
	s.applyFilters(bssFilters{})           // disconnected
	want := []bssFilters{{true, true}, {}}
	if len(rec.calls) != len(want) || rec.calls[0] != want[0] || rec.calls[1] != want[1] {
		t.Errorf("calls %+v, want %+v", rec.calls, want)
	}
}
