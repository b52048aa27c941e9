package netconfig

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
)

var (
	testXID6    = dhcpv6.TransactionID{0xa, 0xb, 0xc}
	testIAID    = [4]byte{0, 0, 0, 1}
	testDUID    = (&dhcpv6.DUIDLL{HWType: iana.HWTypeEthernet, LinkLayerAddr: testHW}).ToBytes()
	serverDUID  = &dhcpv6.DUIDLL{HWType: iana.HWTypeEthernet, LinkLayerAddr: net.HardwareAddr{2, 0, 0, 0, 0, 0x99}}
	testAddr6   = netip.MustParseAddr("2001:db8::100")
	testDNS6    = netip.MustParseAddr("2001:db8::53")
	clientDUID6 = func() dhcpv6.DUID { d, _ := dhcpv6.DUIDFromBytes(testDUID); return d }()
)

// serverMsg6 builds a server message for our client: server and client
// IDs, an IA_NA for testIAID with testAddr6 (preferred 1 h, valid 2 h,
// T1 30 min, T2 48 min) and a DNS server; mods are applied last.
func serverMsg6(t testing.TB, mt dhcpv6.MessageType, mods ...dhcpv6.Modifier) []byte {
	m := &dhcpv6.Message{MessageType: mt, TransactionID: testXID6}
	m.AddOption(dhcpv6.OptClientID(clientDUID6))
	m.AddOption(dhcpv6.OptServerID(serverDUID))
	ia := &dhcpv6.OptIANA{IaId: testIAID, T1: 30 * time.Minute, T2: 48 * time.Minute}
	ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: testAddr6.AsSlice(), PreferredLifetime: time.Hour, ValidLifetime: 2 * time.Hour})
	m.AddOption(ia)
	m.AddOption(dhcpv6.OptDNS(testDNS6.AsSlice()))
	for _, mod := range mods {
		mod(m)
	}
	return m.ToBytes()
}

func withIA(ia *dhcpv6.OptIANA) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) { d.UpdateOption(ia) }
}

func TestParseReply6(t *testing.T) {
	r, err := parseReply6(serverMsg6(t, dhcpv6.MessageTypeReply, dhcpv6.WithDomainSearchList("wifid.test")), testXID6, testDUID, testIAID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != dhcpv6.MessageTypeReply || !r.HasIA || len(r.Addrs) != 1 || r.Addrs[0].Addr != testAddr6 ||
		r.Addrs[0].Valid != 2*time.Hour || r.T1 != 30*time.Minute || len(r.DNS) != 1 || r.DNS[0] != testDNS6 ||
		len(r.Domains) != 1 || r.Domains[0] != "wifid.test" || string(r.ServerID) != string(serverDUID.ToBytes()) {
		t.Errorf("parsed %+v", r)
	}
	l := lease6From(r, time.Unix(0, 0))
	if l.Address != testAddr6 || l.T1 != 30*time.Minute || l.T2 != 48*time.Minute || l.Expiry() != time.Unix(7200, 0) {
		t.Errorf("lease %+v", l)
	}
}

func TestParseReply6Lifetimes(t *testing.T) {
	addr := func(a string, pref, valid time.Duration) *dhcpv6.OptIAAddress {
		return &dhcpv6.OptIAAddress{IPv6Addr: netip.MustParseAddr(a).AsSlice(), PreferredLifetime: pref, ValidLifetime: valid}
	}
	ia := &dhcpv6.OptIANA{IaId: testIAID}
	ia.Options.Add(addr("2001:db8::1", time.Hour, 2*time.Hour))
	ia.Options.Add(addr("2001:db8::2", 3*time.Hour, 2*time.Hour)) // preferred > valid
	ia.Options.Add(addr("2001:db8::3", 0, 0))                     // withdrawn
	ia.Options.Add(addr("fe80::4", time.Hour, 2*time.Hour))       // not global
	ia.Options.Add(addr("ff02::5", time.Hour, 2*time.Hour))
	r, err := parseReply6(serverMsg6(t, dhcpv6.MessageTypeReply, withIA(ia)), testXID6, testDUID, testIAID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Addrs) != 1 || r.Addrs[0].Addr != netip.MustParseAddr("2001:db8::1") {
		t.Errorf("addresses %+v, want only 2001:db8::1", r.Addrs)
	}
	// T1 = T2 = 0: the client picks 0.5 and 0.8 of the preferred lifetime.
	if l := lease6From(r, time.Now()); l.T1 != 30*time.Minute || l.T2 != 48*time.Minute {
		t.Errorf("client-chosen T1 %v T2 %v", l.T1, l.T2)
	}
	// T1 > T2: the IA_NA is discarded (RFC 8415 21.4).
	bad := &dhcpv6.OptIANA{IaId: testIAID, T1: time.Hour, T2: time.Minute}
	bad.Options.Add(addr("2001:db8::1", time.Hour, 2*time.Hour))
	r, err = parseReply6(serverMsg6(t, dhcpv6.MessageTypeReply, withIA(bad)), testXID6, testDUID, testIAID)
	if err != nil || r.HasIA || len(r.Addrs) != 0 {
		t.Errorf("T1 > T2 IA kept: %+v, %v", r, err)
	}
	// Another IAID is not ours.
	other := &dhcpv6.OptIANA{IaId: [4]byte{9, 9, 9, 9}}
	other.Options.Add(addr("2001:db8::1", time.Hour, 2*time.Hour))
	r, err = parseReply6(serverMsg6(t, dhcpv6.MessageTypeReply, withIA(other)), testXID6, testDUID, testIAID)
	if err != nil || r.HasIA {
		t.Errorf("foreign IAID taken: %+v, %v", r, err)
	}
}

func TestParseReply6Rejects(t *testing.T) {
	good := serverMsg6(t, dhcpv6.MessageTypeReply)
	noServer := func(d dhcpv6.DHCPv6) { d.(*dhcpv6.Message).Options.Del(dhcpv6.OptionServerID) }
	noClient := func(d dhcpv6.DHCPv6) { d.(*dhcpv6.Message).Options.Del(dhcpv6.OptionClientID) }
	otherClient := func(d dhcpv6.DHCPv6) {
		d.UpdateOption(dhcpv6.OptClientID(&dhcpv6.DUIDLL{HWType: iana.HWTypeEthernet, LinkLayerAddr: net.HardwareAddr{2, 9, 9, 9, 9, 9}}))
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than"},
		{"header only of a SOLICIT", []byte{1, 0xa, 0xb, 0xc}, "not ADVERTISE or REPLY"},
		{"relay reply", []byte{13, 0, 0, 0}, "not ADVERTISE or REPLY"},
		{"wrong xid", func() []byte { b := append([]byte(nil), good...); b[3] ^= 1; return b }(), "transaction ID"},
		{"no server id", serverMsg6(t, dhcpv6.MessageTypeReply, noServer), "no Server Identifier"},
		{"no client id", serverMsg6(t, dhcpv6.MessageTypeReply, noClient), "no Client Identifier"},
		{"another client", serverMsg6(t, dhcpv6.MessageTypeReply, otherClient), "not ours"},
		{"option overruns", append(append([]byte(nil), good[:4]...), 0, 1, 0, 200, 1, 2), "options"},
		{"dns of 5 bytes", serverMsg6(t, dhcpv6.MessageTypeReply, dhcpv6.WithOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionDNSRecursiveNameServer, OptionData: []byte{1, 2, 3, 4, 5}})), "options"},
	}
	for _, tt := range tests {
		_, err := parseReply6(tt.b, testXID6, testDUID, testIAID)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParseReply6(f *testing.F) {
	f.Add(serverMsg6(f, dhcpv6.MessageTypeReply, dhcpv6.WithDomainSearchList("wifid.test", "example.org")))
	f.Add(serverMsg6(f, dhcpv6.MessageTypeAdvertise, dhcpv6.WithPreference(255)))
	f.Add(serverMsg6(f, dhcpv6.MessageTypeReply, dhcpv6.WithInformationRefreshTime(time.Hour),
		dhcpv6.WithOption(&dhcpv6.OptStatusCode{StatusCode: iana.StatusNoAddrsAvail, StatusMessage: "none"})))
	f.Add([]byte{7, 0xa, 0xb, 0xc, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseReply6(b, testXID6, testDUID, testIAID)
		if err != nil {
			return
		}
		for _, a := range r.Addrs {
			if !a.Addr.Is6() || a.Addr.IsLinkLocalUnicast() || a.Valid <= 0 || a.Preferred > a.Valid {
				t.Fatalf("accepted unusable address %+v", a)
			}
		}
		if l := lease6From(r, time.Now()); l != nil && (l.T1 > l.T2 || l.T2 > l.Valid) {
			t.Fatalf("lease times T1 %v T2 %v valid %v", l.T1, l.T2, l.Valid)
		}
	})
}
