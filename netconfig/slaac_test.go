package netconfig

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/mdlayher/ndp"
)

// TestChooseSLAACPrefix: iwd's testNetconfig cases (the longest preferred
// lifetime wins: 3605 s over 3600 s; infinity over a day) and RFC 4862
// 5.5.3's refusals.
func TestChooseSLAACPrefix(t *testing.T) {
	p100, p200 := netip.MustParsePrefix("3ffe:501:ffff:100::/64"), netip.MustParsePrefix("3ffe:501:ffff:200::/64")
	day := 24 * time.Hour
	for _, c := range []struct {
		name string
		in   []raPrefix
		want netip.Prefix
	}{
		{"stateless", []raPrefix{{p100, day, 3605 * time.Second}, {p200, day, 3600 * time.Second}}, p100},
		{"slaac", []raPrefix{{p100, day, 4 * time.Hour}, {p200, ndp.Infinity, ndp.Infinity}}, p200},
		{"equal: longer valid", []raPrefix{{p100, day, time.Hour}, {p200, 2 * day, time.Hour}}, p200},
		{"not a /64", []raPrefix{{netip.MustParsePrefix("3ffe:501:ffff:100::/72"), day, day}}, netip.Prefix{}},
		{"preferred above valid", []raPrefix{{p100, time.Hour, day}}, netip.Prefix{}},
		{"valid 0", []raPrefix{{p100, 0, 0}}, netip.Prefix{}},
	} {
		got, ok := chooseSLAACPrefix(c.in)
		if ok != c.want.IsValid() || (ok && got.Prefix != c.want) {
			t.Errorf("%s: got %v %v, want %v", c.name, got.Prefix, ok, c.want)
		}
	}
}

// TestEUI64Address: RFC 4291 appendix A's modified EUI-64, the
// universal/local bit inverted (RFC 4862's example MAC 00:11:22:33:44:55).
func TestEUI64Address(t *testing.T) {
	mac, _ := net.ParseMAC("00:11:22:33:44:55")
	a, err := eui64Address(netip.MustParsePrefix("2001:db8:1:2::/64"), mac)
	if err != nil || a != netip.MustParseAddr("2001:db8:1:2:211:22ff:fe33:4455") {
		t.Errorf("got %v, %v", a, err)
	}
	local, _ := net.ParseMAC("02:00:00:00:01:00")
	if a, _ := eui64Address(netip.MustParsePrefix("fd00::/64"), local); a != netip.MustParseAddr("fd00::ff:fe00:100") {
		t.Errorf("local MAC: got %v", a)
	}
	if _, err := eui64Address(netip.MustParsePrefix("2001:db8::/56"), mac); err == nil {
		t.Error("a /56 made an address")
	}
}

// TestSLAACValidLifetime: RFC 4862 5.5.3 e's two-hour rule.
func TestSLAACValidLifetime(t *testing.T) {
	h := time.Hour
	for _, c := range []struct{ remaining, received, want time.Duration }{
		{10 * h, 3 * h, 3 * h},                  // more than two hours: taken
		{10 * h, 30 * time.Minute, 2 * h},       // cut short: two hours
		{h, 30 * time.Minute, h},                // two hours or less left: kept
		{h, 90 * time.Minute, 90 * time.Minute}, // longer than what is left: taken
		{-1, 30 * time.Minute, 2 * h},           // infinite: two hours
		{-1, ndp.Infinity, ndp.Infinity},
		{h, 0, h}, // a withdrawal cannot end it at once
	} {
		if got := slaacValidLifetime(c.remaining, c.received); got != c.want {
			t.Errorf("remaining %v received %v: got %v, want %v", c.remaining, c.received, got, c.want)
		}
	}
}
