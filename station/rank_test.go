package station

import (
	"testing"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211/ie"
)

func net1(ssid string, sec knownnetworks.Security, rate uint64, freq uint32) *Network {
	b := &BSS{Freq: freq, DataRate: rate, Signal: -50}
	b.Rank = bssRank(b, DefaultRankConfig())
	return &Network{SSID: ssid, Security: sec, BSSes: []*BSS{b}}
}

func known(n *Network, last time.Time, prio int) *Network {
	k := knownnetworks.KnownNetwork{SSID: n.SSID, Security: n.Security, LastConnected: last}
	k.Settings.AutoConnect = true
	k.Settings.Priority = prio
	n.Known = &k
	return n
}

func order(nets ...*Network) []string {
	m := map[string]*Network{}
	for _, n := range nets {
		m[n.ID()] = n
	}
	var out []string
	for _, n := range rankNetworks(m) {
		out = append(out, n.SSID)
	}
	return out
}

func TestRankKnownBeforeUnknown(t *testing.T) {
	fast := net1("fast", knownnetworks.SecurityPSK, 1_000_000_000, 5180)
	slow := known(net1("slow", knownnetworks.SecurityPSK, 1_000_000, 2412), time.Unix(100, 0), 0)
	if got := order(fast, slow); got[0] != "slow" {
		t.Errorf("order %v: a known network must outrank an unknown one", got)
	}
}

func TestRankRecentKnownFirst(t *testing.T) {
	old := known(net1("old", knownnetworks.SecurityPSK, 100_000_000, 2412), time.Unix(100, 0), 0)
	recent := known(net1("recent", knownnetworks.SecurityPSK, 100_000_000, 2412), time.Unix(200, 0), 0)
	if got := order(old, recent); got[0] != "recent" {
		t.Errorf("order %v: the more recently connected network goes first", got)
	}
}

func TestRankPriorityOutranksEverything(t *testing.T) {
	recentFast := known(net1("recent", knownnetworks.SecurityPSK, 2_000_000_000, 5180), time.Unix(200, 0), 0)
	oldSlow := known(net1("preferred", knownnetworks.SecurityPSK, 1_000_000, 2412), time.Unix(1, 0), 1)
	if got := order(recentFast, oldSlow); got[0] != "preferred" {
		t.Errorf("order %v: Priority=1 must win", got)
	}
}

func TestBSSRankFactors(t *testing.T) {
	rc := DefaultRankConfig()
	b24 := &BSS{Freq: 2412, DataRate: 100_000_000}
	b5 := &BSS{Freq: 5180, DataRate: 100_000_000}
	if bssRank(b24, rc) != bssRank(b5, rc) {
		t.Error("equal modifiers must give equal ranks")
	}
	rc.BandModifier5GHz = 1.5
	if bssRank(b5, rc) <= bssRank(b24, rc) {
		t.Error("a 5 GHz modifier above 1 must raise the 5 GHz rank")
	}
	huge := &BSS{Freq: 2412, DataRate: 10 * maxDataRate}
	if bssRank(huge, rc) != 65535 {
		t.Error("rank must cap at 65535")
	}
	rc.BandModifier2_4GHz = 0
	if bssRank(b24, rc) != 0 {
		t.Error("modifier 0 disables the band")
	}
}

func TestRankmodTable(t *testing.T) {
	// iwd's table: 1/pow(n, 0.3) for n >= 1.
	for n, want := range []float64{1.0, 0.8122523964, 0.7192230933, 0.6597539554} {
		if got := rankmod(n); got-want > 1e-9 || want-got > 1e-9 {
			t.Errorf("rankmod(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestLoadFactor(t *testing.T) {
	near := func(got, want float64) bool { return got-want < 1e-9 && want-got < 1e-9 }
	legacy := DefaultRankConfig()
	for _, c := range []struct {
		util uint8
		want float64
	}{{0, 1.2}, {63, 1.2}, {64, 1}, {191, 1}, {192, 0.8}, {255, 0.8}} {
		if got := loadFactor(c.util, 200, legacy); !near(got, c.want) {
			t.Errorf("no thresholds, utilisation %d: factor %v, want %v", c.util, got, c.want)
		}
	}
	rc := DefaultRankConfig()
	rc.HighUtilizationThreshold = 128
	for _, c := range []struct {
		util uint8
		want float64
	}{
		{0, 1}, {127, 1}, // below the threshold: no idle bonus either
		{128, 1},            // step 0
		{200, 0.4201634287}, // 30/127*72 = 17.0: rankmod(17)
		{255, 0.3569369365}, // step 30, the deepest
	} {
		if got := loadFactor(c.util, 0, rc); !near(got, c.want) {
			t.Errorf("threshold 128, utilisation %d: factor %v, want %v", c.util, got, c.want)
		}
	}
	rc = DefaultRankConfig()
	rc.HighStationCountThreshold = 10
	if got := loadFactor(100, 9, rc); !near(got, 1) {
		t.Errorf("9 stations under threshold 10: factor %v (the legacy utilisation factor 1 applies)", got)
	}
	if got := loadFactor(200, 10, rc); !near(got, 0.8) {
		t.Errorf("10 stations at threshold 10, utilisation 200: factor %v, want 0.8*1", got)
	}
	if got, want := loadFactor(100, 1000, rc), 0.3569369365; !near(got, want) {
		t.Errorf("1000 stations (counted as 255): factor %v, want %v", got, want)
	}
	rc.HighUtilizationThreshold = 128
	if got, want := loadFactor(255, 255, rc), 0.3569369365*0.3569369365; !near(got, want) {
		t.Errorf("both at 255: factor %v, want %v (the two multiply)", got, want)
	}
	rc.HighUtilizationThreshold, rc.HighStationCountThreshold = 255, 255
	if got := loadFactor(255, 255, rc); !near(got, 1) {
		t.Errorf("thresholds 255: factor %v, want 1 (iwd cannot map an empty range)", got)
	}
}

func TestBSSRankLoad(t *testing.T) {
	loaded := func(util uint8, stations uint16) *BSS {
		return &BSS{Freq: 5180, DataRate: 600_000_000,
			Summary: &ie.Summary{BSSLoad: &ie.BSSLoad{ChannelUtilization: util, StationCount: stations}}}
	}
	rc := DefaultRankConfig()
	plain := bssRank(&BSS{Freq: 5180, DataRate: 600_000_000}, rc)
	if got := bssRank(loaded(100, 50), rc); got != plain {
		t.Errorf("middling load, no thresholds: rank %d, want %d", got, plain)
	}
	rc.HighUtilizationThreshold, rc.HighStationCountThreshold = 150, 20
	if got := bssRank(loaded(100, 19), rc); got != plain {
		t.Errorf("under both thresholds: rank %d, want %d", got, plain)
	}
	busy := bssRank(loaded(255, 19), rc)
	crowded := bssRank(loaded(100, 255), rc)
	both := bssRank(loaded(255, 255), rc)
	if !(both < busy && busy < plain) || !(both < crowded && crowded < plain) {
		t.Errorf("ranks plain %d, busy %d, crowded %d, both %d: want each load to lower it", plain, busy, crowded, both)
	}
}
