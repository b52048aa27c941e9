package netconfig

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

var (
	testHW  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	testXID = dhcpv4.TransactionID{1, 2, 3, 4}
)

// serverReply builds a reply as a server would, with mods applied last.
func serverReply(t testing.TB, mt dhcpv4.MessageType, mods ...dhcpv4.Modifier) []byte {
	base := []dhcpv4.Modifier{
		func(d *dhcpv4.DHCPv4) { d.OpCode = dhcpv4.OpcodeBootReply },
		dhcpv4.WithTransactionID(testXID),
		dhcpv4.WithHwAddr(testHW),
		dhcpv4.WithMessageType(mt),
		dhcpv4.WithYourIP(net.IPv4(192, 168, 1, 50)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(192, 168, 1, 1))),
		dhcpv4.WithLeaseTime(3600),
		dhcpv4.WithNetmask(net.CIDRMask(24, 32)),
		dhcpv4.WithOption(dhcpv4.OptRouter(net.IPv4(192, 168, 1, 1))),
		dhcpv4.WithOption(dhcpv4.OptDNS(net.IPv4(192, 168, 1, 53))),
	}
	m, err := dhcpv4.New(append(base, mods...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m.ToBytes()
}

func TestParseReplyOffer(t *testing.T) {
	r, err := parseReply(serverReply(t, dhcpv4.MessageTypeOffer,
		dhcpv4.WithGeneric(dhcpv4.OptionClasslessStaticRoute, []byte{24, 10, 0, 0, 192, 168, 1, 2, 0, 192, 168, 1, 1}),
		dhcpv4.WithGeneric(dhcpv4.OptionInterfaceMTU, []byte{0x05, 0xdc}),
	), testXID, testHW)
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != dhcpv4.MessageTypeOffer || r.YourIP != netip.MustParseAddr("192.168.1.50") ||
		r.ServerID != netip.MustParseAddr("192.168.1.1") || r.Mask != 24 || r.LeaseTime != time.Hour || r.MTU != 1500 {
		t.Errorf("parsed %+v", r)
	}
	want := []Route{
		{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("192.168.1.2")},
		{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("192.168.1.1")},
	}
	if len(r.Routes) != 2 || r.Routes[0] != want[0] || r.Routes[1] != want[1] {
		t.Errorf("routes %v, want %v", r.Routes, want)
	}
	l := leaseFrom(r, time.Unix(0, 0), testHW)
	if l.T1 != 30*time.Minute || l.T2 != 3150*time.Second {
		t.Errorf("default T1/T2 %v/%v", l.T1, l.T2)
	}
	if l.Gateway() != netip.MustParseAddr("192.168.1.1") {
		t.Errorf("gateway %v", l.Gateway())
	}
}

func TestInfiniteLease(t *testing.T) {
	r, err := parseReply(serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithLeaseTime(0xffffffff)), testXID, testHW)
	if err != nil {
		t.Fatal(err)
	}
	l := leaseFrom(r, time.Now(), testHW)
	if l.T1 <= 0 || l.T1 > l.T2 || l.T2 > l.Duration {
		t.Errorf("infinite lease: T1 %v T2 %v duration %v", l.T1, l.T2, l.Duration)
	}
}

func TestParseReplyRejects(t *testing.T) {
	good := serverReply(t, dhcpv4.MessageTypeAck)
	withOpts := func(opts ...byte) []byte {
		b := append([]byte(nil), good[:offOpts]...)
		b = append(b, 53, 1, 5, 54, 4, 192, 168, 1, 1, 51, 4, 0, 0, 1, 0)
		return append(append(b, opts...), 255)
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated header", good[:100], "shorter than"},
		{"wrong xid", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithTransactionID(dhcpv4.TransactionID{9, 9, 9, 9})), "xid"},
		{"wrong mac", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithHwAddr(net.HardwareAddr{2, 0, 0, 0, 0, 2})), "chaddr"},
		{"request not reply", serverReply(t, dhcpv4.MessageTypeAck, func(d *dhcpv4.DHCPv4) { d.OpCode = dhcpv4.OpcodeBootRequest }), "BOOTREPLY"},
		{"overlong option", append(append([]byte(nil), good[:offOpts]...), 53, 1, 5, 6, 200, 1, 2, 3), "options"},
		{"no end option", append(append([]byte(nil), good[:offOpts]...), 53, 1, 5), "options"},
		{"no server id", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithoutOption(dhcpv4.OptionServerIdentifier)), "server identifier"},
		{"zero server id", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4zero))), "not a unicast"},
		{"broadcast server id", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4bcast))), "not a unicast"},
		{"short server id", withOpts(54, 2, 1, 2), "option 54"},
		{"bad yiaddr", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithYourIP(net.IPv4(224, 0, 0, 1))), "yiaddr"},
		{"no lease time", serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithoutOption(dhcpv4.OptionIPAddressLeaseTime)), "lease time"},
		{"router length", withOpts(3, 5, 1, 2, 3, 4, 5), "multiple of 4"},
		{"bad mask", withOpts(1, 4, 255, 0, 255, 0), "subnet mask"},
		{"bad route width", withOpts(121, 5, 33, 1, 2, 3, 4), "prefix length"},
		{"short route", withOpts(121, 4, 24, 10, 0, 0), "bytes left"},
		{"message type discover", serverReply(t, dhcpv4.MessageTypeDiscover), "not a server reply"},
		{"duplicate message type", withOpts(53, 1, 1), "option 53"},
		{"bad overload value", withOpts(52, 1, 7), "overload"},
		{"overload garbage in file", func() []byte {
			b := withOpts(52, 1, 1)
			b[offFile], b[offFile+1] = 6, 250 // option 6 claiming 250 bytes
			return b
		}(), "file field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseReply(tt.b, testXID, testHW)
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestParseReplyOverload(t *testing.T) {
	b := serverReply(t, dhcpv4.MessageTypeAck, dhcpv4.WithGeneric(dhcpv4.OptionOptionOverload, []byte{3}),
		dhcpv4.WithoutOption(dhcpv4.OptionDomainNameServer))
	copy(b[offFile:], []byte{6, 4, 10, 0, 0, 53, 255})
	copy(b[offSname:], []byte{15, 4, 't', 'e', 's', 't', 255})
	r, err := parseReply(b, testXID, testHW)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.DNS) != 1 || r.DNS[0] != netip.MustParseAddr("10.0.0.53") || r.DomainName != "test" {
		t.Errorf("overloaded options not read: dns %v domain %q", r.DNS, r.DomainName)
	}
}

func TestIPv4UDPRoundTrip(t *testing.T) {
	payload := []byte("hello dhcp")
	b := buildIPv4UDP(payload, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("255.255.255.255"), 67, 68)
	got, err := parseIPv4UDP(b, 68)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := parseIPv4UDP(b, 67); err == nil {
		t.Error("wrong port accepted")
	}
	b[10] ^= 0xff
	if _, err := parseIPv4UDP(b, 68); err == nil {
		t.Error("bad header checksum accepted")
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add(serverReply(f, dhcpv4.MessageTypeOffer))
	f.Add(serverReply(f, dhcpv4.MessageTypeAck, dhcpv4.WithGeneric(dhcpv4.OptionOptionOverload, []byte{3}),
		dhcpv4.WithGeneric(dhcpv4.OptionClasslessStaticRoute, []byte{0, 192, 168, 1, 1})))
	f.Add(serverReply(f, dhcpv4.MessageTypeNak))
	f.Add([]byte{2, 1, 6, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseReply(b, testXID, testHW)
		if err == nil && r.Type != dhcpv4.MessageTypeNak {
			if !r.YourIP.Is4() || r.LeaseTime <= 0 {
				t.Fatalf("accepted reply without usable yiaddr/lease: %+v", r)
			}
			if l := leaseFrom(r, time.Now(), testHW); l.T1 <= 0 || l.T1 > l.T2 || l.T2 > l.Duration {
				t.Fatalf("lease times T1 %v T2 %v duration %v", l.T1, l.T2, l.Duration)
			}
		}
	})
}

func FuzzParseIPv4UDP(f *testing.F) {
	f.Add(buildIPv4UDP(serverReply(f, dhcpv4.MessageTypeOffer), netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.50"), 67, 68))
	f.Add([]byte{0x4f, 0, 0, 20})
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := parseIPv4UDP(b, 68); err == nil {
			if len(p) > len(b) {
				t.Fatal("payload longer than frame")
			}
			_, _ = parseReply(p, testXID, testHW)
		}
	})
}

func FuzzClasslessRoutes(f *testing.F) {
	f.Add([]byte{24, 10, 0, 0, 192, 168, 1, 2, 0, 192, 168, 1, 1})
	f.Add([]byte{32, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{33})
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := parseClasslessRoutes(121, b)
		if err == nil {
			for _, r := range rs {
				if !r.Dst.IsValid() || r.Dst.Masked() != r.Dst {
					t.Fatalf("bad route %v", r)
				}
			}
		}
	})
}

func FuzzParseARP(f *testing.F) {
	f.Add((&arpPacket{Op: 2, SenderHW: testHW, SenderIP: netip.MustParseAddr("10.0.0.1"),
		TargetHW: testHW, TargetIP: netip.MustParseAddr("10.0.0.2")}).marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := parseARP(b); err == nil {
			a.conflicts(netip.MustParseAddr("10.0.0.1"), testHW)
		}
	})
}
