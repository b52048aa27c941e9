package netconfig

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/ndp"
)

var testRouter = netip.MustParseAddr("fe80::1").WithZone("wlan0")

func marshalRA(t testing.TB, ra *ndp.RouterAdvertisement) []byte {
	b, err := ndp.MarshalMessage(ra)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testRA(managed, other bool, opts ...ndp.Option) *ndp.RouterAdvertisement {
	return &ndp.RouterAdvertisement{CurrentHopLimit: 64, ManagedConfiguration: managed, OtherConfiguration: other,
		RouterLifetime: 30 * time.Minute, Options: opts}
}

func TestParseRA(t *testing.T) {
	b := marshalRA(t, testRA(true, true,
		&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: testHW},
		&ndp.PrefixInformation{PrefixLength: 64, OnLink: true, AutonomousAddressConfiguration: true,
			ValidLifetime: time.Hour, PreferredLifetime: time.Hour, Prefix: netip.MustParseAddr("2001:db8:1::")},
		ndp.NewMTU(1480),
		&ndp.RecursiveDNSServer{Lifetime: time.Hour, Servers: []netip.Addr{testDNS6, netip.MustParseAddr("fe80::53")}},
		&ndp.RecursiveDNSServer{Lifetime: 0, Servers: []netip.Addr{netip.MustParseAddr("2001:db8::dead")}}, // withdrawn
		&ndp.DNSSearchList{Lifetime: time.Hour, DomainNames: []string{"wifid.test", "example.org"}},
	))
	ra, err := parseRA(b, testRouter, 255)
	if err != nil {
		t.Fatal(err)
	}
	if !ra.Managed || !ra.Other || ra.Lifetime != 30*time.Minute || ra.MTU != 1480 || !ra.HasSource {
		t.Errorf("flags/lifetime/MTU: %+v", ra)
	}
	wantDNS := []netip.Addr{testDNS6, netip.MustParseAddr("fe80::53").WithZone("wlan0")}
	if len(ra.DNS) != 2 || ra.DNS[0] != wantDNS[0] || ra.DNS[1] != wantDNS[1] || ra.DNSLife != time.Hour {
		t.Errorf("RDNSS %v (life %v), want %v", ra.DNS, ra.DNSLife, wantDNS)
	}
	if strings.Join(ra.Domains, " ") != "wifid.test example.org" {
		t.Errorf("DNSSL %v", ra.Domains)
	}
	if len(ra.Prefixes) != 1 || ra.Prefixes[0].Prefix != netip.MustParsePrefix("2001:db8:1::/64") {
		t.Errorf("prefixes %v", ra.Prefixes)
	}
	if !ra.Withdrawn {
		t.Errorf("the RDNSS of lifetime 0 not seen as a withdrawal")
	}
	if got := raDNSLifetime(ra); got != time.Hour {
		t.Errorf("DNS lifetime %v, want 1h", got)
	}
	// The shorter of RDNSS and DNSSL counts; none means 0.
	if got := raDNSLifetime(&raInfo{DNSLife: time.Hour, DomLife: time.Minute}); got != time.Minute {
		t.Errorf("DNS lifetime %v, want 1m", got)
	}
	if got := raDNSLifetime(&raInfo{}); got != 0 {
		t.Errorf("DNS lifetime %v without options", got)
	}
}

func TestParseRARejects(t *testing.T) {
	good := marshalRA(t, testRA(false, true))
	if _, err := parseRA(good, testRouter, 64); err == nil || !strings.Contains(err.Error(), "hop limit") {
		t.Errorf("hop limit 64: %v", err)
	}
	if _, err := parseRA(good, netip.MustParseAddr("2001:db8::1"), 255); err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Errorf("global source: %v", err)
	}
	if _, err := parseRA([]byte{135, 0, 0, 0}, testRouter, 255); err != errNotRA {
		t.Errorf("neighbor solicitation: %v", err)
	}
	if _, err := parseRA(good[:10], testRouter, 255); err == nil {
		t.Errorf("truncated RA accepted")
	}
	// RDNSS with a multicast server.
	bad := marshalRA(t, testRA(false, false, &ndp.RecursiveDNSServer{Lifetime: time.Hour, Servers: []netip.Addr{netip.MustParseAddr("ff02::1")}}))
	if _, err := parseRA(bad, testRouter, 255); err == nil || !strings.Contains(err.Error(), "RDNSS") {
		t.Errorf("multicast RDNSS: %v", err)
	}
	// An option whose length runs past the end.
	trunc := append(append([]byte(nil), good...), 25, 9, 0, 0)
	if _, err := parseRA(trunc, testRouter, 255); err == nil {
		t.Errorf("overlong option accepted")
	}
}

func FuzzParseRA(f *testing.F) {
	f.Add(marshalRA(f, testRA(true, true,
		&ndp.RecursiveDNSServer{Lifetime: time.Hour, Servers: []netip.Addr{testDNS6}},
		&ndp.DNSSearchList{Lifetime: time.Hour, DomainNames: []string{"wifid.test"}},
		&ndp.PrefixInformation{PrefixLength: 64, AutonomousAddressConfiguration: true, ValidLifetime: time.Hour,
			PreferredLifetime: time.Hour, Prefix: netip.MustParseAddr("2001:db8:1::")})))
	f.Add(marshalRA(f, testRA(false, false, ndp.NewMTU(1280), &ndp.LinkLayerAddress{Direction: ndp.Source, Addr: testHW})))
	f.Add([]byte{134, 0, 0, 0, 64, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 31, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ra, err := parseRA(b, testRouter, 255)
		if err != nil {
			return
		}
		for _, s := range ra.DNS {
			if !s.Is6() || s.IsMulticast() || s.IsUnspecified() {
				t.Fatalf("accepted DNS server %v", s)
			}
		}
		for _, d := range ra.Domains {
			if d == "" || strings.ContainsAny(d, " \n") {
				t.Fatalf("accepted domain %q", d)
			}
		}
	})
}
