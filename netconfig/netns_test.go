package netconfig

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"

	"wifid/lab/netns"
)

// These tests run real dnsmasq in a namespace across a veth pair; the code
// under test works on the near end in the root namespace. They need root
// (skipped otherwise, failed with WIFID_NETNS=1).

type hostLab struct {
	n       *netns.NS
	peer    *netns.Peer
	dnsFile string
	rc      *ResolvConf
}

func newHostLab(t *testing.T) *hostLab {
	t.Helper()
	n := netns.New(t)
	peer := n.Veth(t, n.CIDR(1))
	dir := t.TempDir()
	dnsFile := filepath.Join(dir, "resolvconf.log")
	script := filepath.Join(dir, "resolvconf")
	// A fake resolvconf: records its arguments and stdin.
	body := "#!/bin/sh\n{ echo \"ARGS $*\"; cat; } >> '" + dnsFile + "'\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return &hostLab{n: n, peer: peer, dnsFile: dnsFile, rc: &ResolvConf{Command: script}}
}

func (h *hostLab) dnsmasq(t *testing.T, extra ...string) *netns.Proc {
	args := []string{
		"--dhcp-range=" + h.n.Addr(50).String() + "," + h.n.Addr(150).String() + ",255.255.255.0,2m",
		"--dhcp-option=option:router," + h.n.Addr(1).String(),
		"--dhcp-option=option:dns-server," + h.n.Addr(53).String(),
		"--dhcp-option=option:domain-name,wifid.test",
		"--no-ping", // dnsmasq otherwise pings an address for ~3 s before offering it
	}
	return h.n.Dnsmasq(t, h.peer, append(args, extra...)...)
}

func (h *hostLab) config(t *testing.T) Config {
	return Config{
		IfIndex: h.peer.Index, IfName: h.peer.Name, HWAddr: h.peer.HWAddr,
		RoutePriorityOffset: 300,
		DHCP:                DHCPConfig{RetransmitBase: 500 * time.Millisecond, Timeout: 10 * time.Second},
		DNS:                 h.rc,
		ACD:                 ACDTimings{ProbeWait: 10 * time.Millisecond, ProbeMin: 50 * time.Millisecond, ProbeMax: 100 * time.Millisecond, AnnounceWait: 200 * time.Millisecond, AnnounceIntv: 50 * time.Millisecond},
		Logger:              slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func waitEvent(t *testing.T, nc *Netconfig, timeout time.Duration, kinds ...EventKind) Event {
	t.Helper()
	tm := time.After(timeout)
	for {
		select {
		case ev, ok := <-nc.Events():
			if !ok {
				t.Fatalf("events closed while waiting for %v", kinds)
			}
			for _, k := range kinds {
				if ev.Kind == k {
					return ev
				}
			}
			t.Logf("event %v (%v) while waiting for %v", ev.Kind, ev.Err, kinds)
			if ev.Kind == Failed {
				t.Fatalf("failed: %v", ev.Err)
			}
		case <-tm:
			t.Fatalf("no %v event within %v", kinds, timeout)
		}
	}
}

func linkAddrs(t *testing.T, ifindex int) []netip.Prefix {
	t.Helper()
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msgs, err := c.Address.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Prefix
	for _, m := range msgs {
		if int(m.Index) != ifindex || m.Family != unix.AF_INET || m.Attributes == nil {
			continue
		}
		a, _ := netip.AddrFromSlice(m.Attributes.Address)
		out = append(out, netip.PrefixFrom(a.Unmap(), int(m.PrefixLength)))
	}
	return out
}

type kroute struct {
	dst      netip.Prefix
	gw       netip.Addr
	priority uint32
}

func linkRoutes(t *testing.T, ifindex int) []kroute {
	t.Helper()
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msgs, err := c.Route.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []kroute
	for _, m := range msgs {
		if int(m.Attributes.OutIface) != ifindex || m.Family != unix.AF_INET || m.Attributes.Table != unix.RT_TABLE_MAIN {
			continue
		}
		dst := netip.IPv4Unspecified()
		if m.Attributes.Dst != nil {
			dst, _ = netip.AddrFromSlice(m.Attributes.Dst)
		}
		gw, _ := netip.AddrFromSlice(m.Attributes.Gateway)
		out = append(out, kroute{netip.PrefixFrom(dst.Unmap(), int(m.DstLength)), gw.Unmap(), m.Attributes.Priority})
	}
	return out
}

func TestHostDHCPLease(t *testing.T) {
	h := newHostLab(t)
	d := h.dnsmasq(t)
	nc, err := Start(context.Background(), h.config(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 15*time.Second, Configured)
	if !h.n.Prefix.Contains(ev.Address.Addr()) || ev.Address.Bits() != 24 {
		t.Errorf("address %v not in %v", ev.Address, h.n.Prefix)
	}
	if ev.Gateway != h.n.Addr(1) {
		t.Errorf("gateway %v, want %v", ev.Gateway, h.n.Addr(1))
	}
	addrs := linkAddrs(t, h.peer.Index)
	if len(addrs) != 1 || addrs[0] != ev.Address {
		t.Errorf("kernel addresses %v, want [%v]", addrs, ev.Address)
	}
	var haveDefault, haveSubnet bool
	for _, r := range linkRoutes(t, h.peer.Index) {
		if r.dst.Bits() == 0 && r.gw == h.n.Addr(1) && r.priority == 300 {
			haveDefault = true
		}
		if r.dst == h.n.Prefix && r.priority == 300 {
			haveSubnet = true
		}
	}
	if !haveDefault || !haveSubnet {
		t.Errorf("routes %+v: default via %v metric 300 %v, subnet metric 300 %v", linkRoutes(t, h.peer.Index), h.n.Addr(1), haveDefault, haveSubnet)
	}
	b, _ := os.ReadFile(h.dnsFile)
	want := "ARGS -a " + h.peer.Name + ".dns\nnameserver " + h.n.Addr(53).String() + "\nARGS -a " + h.peer.Name + ".domain\nsearch wifid.test\n"
	if string(b) != want {
		t.Errorf("resolvconf got:\n%s\nwant:\n%s", b, want)
	}
	if !d.LogContains("DHCPACK") {
		t.Errorf("dnsmasq log has no DHCPACK")
	}

	nc.Stop()
	if a := linkAddrs(t, h.peer.Index); len(a) != 0 {
		t.Errorf("addresses left after Stop: %v", a)
	}
	if r := linkRoutes(t, h.peer.Index); len(r) != 0 {
		t.Errorf("routes left after Stop: %+v", r)
	}
	b, _ = os.ReadFile(h.dnsFile)
	if !strings.HasSuffix(string(b), "ARGS -d "+h.peer.Name+".dns\nARGS -d "+h.peer.Name+".domain\n") {
		t.Errorf("resolvconf -d not called:\n%s", b)
	}
}

func TestHostDHCPInitReboot(t *testing.T) {
	h := newHostLab(t)
	d := h.dnsmasq(t)
	nc, err := Start(context.Background(), h.config(t))
	if err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, nc, 15*time.Second, Configured)
	nc.Stop()
	text, err := ev.Lease.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var lease Lease
	if err := lease.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	discovers := strings.Count(d.Tail(1000), "DHCPDISCOVER")

	cfg := h.config(t)
	cfg.Lease = &lease
	start := time.Now()
	nc, err = Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev2 := waitEvent(t, nc, 15*time.Second, Configured)
	if ev2.Address != ev.Address {
		t.Errorf("INIT-REBOOT got %v, want %v", ev2.Address, ev.Address)
	}
	if n := strings.Count(d.Tail(1000), "DHCPDISCOVER"); n != discovers {
		t.Errorf("INIT-REBOOT sent DISCOVER (%d before, %d after)", discovers, n)
	}
	t.Logf("INIT-REBOOT took %v", time.Since(start))
}

func TestHostDHCPRenew(t *testing.T) {
	h := newHostLab(t)
	h.dnsmasq(t, "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,100")
	nc, err := Start(context.Background(), h.config(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 15*time.Second, Configured)
	if ev.Lease.T1 != 3*time.Second {
		t.Errorf("T1 %v, want 3s", ev.Lease.T1)
	}
	ev2 := waitEvent(t, nc, 10*time.Second, Renewed)
	if ev2.Address != ev.Address || !ev2.Lease.Acquired.After(ev.Lease.Acquired) {
		t.Errorf("renewed lease %v acquired %v; first %v acquired %v", ev2.Address, ev2.Lease.Acquired, ev.Address, ev.Lease.Acquired)
	}
	if a := linkAddrs(t, h.peer.Index); len(a) != 1 {
		t.Errorf("addresses after renew: %v", a)
	}
}

// TestHostDHCPRenewFollowsRoutes: the RENEW at T1 is unicast through the
// kernel's routing, as iwd sends it: with a route that sends the server's
// address to a gateway nobody answers for, it does not reach the server
// (iwd's testNetconfig breaks routing this way to test renewal retries;
// wifid sent it to the server's MAC, past the route).
func TestHostDHCPRenewFollowsRoutes(t *testing.T) {
	h := newHostLab(t)
	d := h.dnsmasq(t, "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,100")
	nc, err := Start(context.Background(), h.config(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 15*time.Second, Configured)
	bogus := h.n.Addr(200).String()
	if out, err := exec.Command("ip", "route", "add", ev.Lease.Server.String()+"/32", "via", bogus, "dev", h.peer.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip route add: %v: %s", err, out)
	}
	requests := strings.Count(d.Tail(1000), "DHCPREQUEST")
	select {
	case ev2 := <-nc.Events():
		t.Errorf("event %v %v while routing to the server is broken", ev2.Kind, ev2.Address)
	case <-time.After(ev.Lease.T1 + 3*time.Second - time.Since(ev.Lease.Acquired)):
	}
	if n := strings.Count(d.Tail(1000), "DHCPREQUEST"); n != requests {
		t.Errorf("the server saw %d REQUESTs past the route (RENEW not routed by the kernel)", n-requests)
	}
}

func TestHostDHCPRapidCommit(t *testing.T) {
	h := newHostLab(t)
	d := h.dnsmasq(t, "--dhcp-rapid-commit")
	cfg := h.config(t)
	cfg.DHCP.RapidCommit = true
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	waitEvent(t, nc, 15*time.Second, Configured)
	log := d.Tail(1000)
	if strings.Contains(log, "DHCPOFFER") || strings.Contains(log, "DHCPREQUEST") || !strings.Contains(log, "DHCPACK") {
		t.Errorf("not a two-message exchange:\n%s", log)
	}
}

func TestHostStaticACD(t *testing.T) {
	h := newHostLab(t)
	cfg := h.config(t)
	cfg.Static = &IPv4Static{Address: h.n.Addr(20), Gateway: h.n.Addr(1), DNS: []netip.Addr{h.n.Addr(53)}}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, nc, 10*time.Second, Configured)
	if want := netip.PrefixFrom(h.n.Addr(20), 24); ev.Address != want {
		t.Errorf("address %v, want %v", ev.Address, want)
	}
	if a := linkAddrs(t, h.peer.Index); len(a) != 1 {
		t.Errorf("kernel addresses %v", a)
	}
	h.n.Exec(t, "ping", "-c1", "-W2", h.n.Addr(20).String())
	nc.Stop()
	if a := linkAddrs(t, h.peer.Index); len(a) != 0 {
		t.Errorf("addresses left after Stop: %v", a)
	}
}

func TestHostStaticACDConflict(t *testing.T) {
	h := newHostLab(t)
	h.n.Exec(t, "ip", "addr", "add", h.n.CIDR(30), "dev", h.peer.FarName)
	cfg := h.config(t)
	cfg.Static = &IPv4Static{Address: h.n.Addr(30)}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 10*time.Second, Failed, Configured)
	if ev.Kind != Failed || !errors.Is(ev.Err, ErrAddressInUse) {
		t.Fatalf("got %v (%v), want Failed with ErrAddressInUse", ev.Kind, ev.Err)
	}
	if a := linkAddrs(t, h.peer.Index); len(a) != 0 {
		t.Errorf("address added despite conflict: %v", a)
	}
}

// arpClaim makes the far side of the veth claim addr: two ARP announcements
// (sender addr, from the far interface's MAC) a second apart, sent with a
// raw packet socket in the namespace.
func arpClaim(t *testing.T, h *hostLab, addr netip.Addr) {
	t.Helper()
	script := `
import socket, struct, sys, time
ifname, ip = sys.argv[1], socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((ifname, 0))
mac = s.getsockname()[4]
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip + b"\0" * 6 + ip
for i in range(2):
    s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
    time.sleep(1)
`
	h.n.Exec(t, "python3", "-c", script, h.peer.FarName, addr.String())
}

// TestHostStaticAddressDefended: once a static address is in use, another
// host claiming it is answered once (RFC 5227 2.4 (b)); a second claim
// within DefendInterval takes it away: the address and its routes go, a
// Lost event says why.
func TestHostStaticAddressDefended(t *testing.T) {
	netns.Require(t, "python3")
	h := newHostLab(t)
	cfg := h.config(t)
	cfg.Static = &IPv4Static{Address: h.n.Addr(30), Gateway: h.n.Addr(1)}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	if ev := waitEvent(t, nc, 10*time.Second, Failed, Configured); ev.Kind != Configured {
		t.Fatalf("got %v (%v)", ev.Kind, ev.Err)
	}
	arpClaim(t, h, h.n.Addr(30))
	ev := waitEvent(t, nc, 10*time.Second, Lost)
	if !errors.Is(ev.Err, ErrAddressInUse) {
		t.Errorf("lost: %v, want ErrAddressInUse", ev.Err)
	}
	if a := linkAddrs(t, h.peer.Index); len(a) != 0 {
		t.Errorf("address kept after it was claimed twice: %v", a)
	}
	if r := linkRoutes(t, h.peer.Index); len(r) != 0 {
		t.Errorf("routes kept: %+v", r)
	}
}

// TestHostDHCPAddressDefended: a DHCP address is defended as a static one
// (as iwd's ACD does): claimed twice by another host, it goes (Lost), the
// server hears a DECLINE, and the client asks for another.
func TestHostDHCPAddressDefended(t *testing.T) {
	netns.Require(t, "python3")
	h := newHostLab(t)
	d := h.dnsmasq(t)
	cfg := h.config(t)
	cfg.DHCP.DeclineWait = 500 * time.Millisecond
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 15*time.Second, Configured)
	arpClaim(t, h, ev.Address.Addr())
	lost := waitEvent(t, nc, 10*time.Second, Lost)
	t.Logf("lost: %v", lost.Err)
	if slices.Contains(linkAddrs(t, h.peer.Index), ev.Address) {
		t.Errorf("address %v kept after it was claimed twice", ev.Address)
	}
	next := waitEvent(t, nc, 15*time.Second, Configured)
	if next.Address == ev.Address {
		t.Errorf("the taken address %v again", next.Address)
	}
	if !d.LogContains("DHCPDECLINE") {
		t.Errorf("the server saw no DECLINE:\n%s", d.Tail(20))
	}
}

func TestHostLinkDownRemovesAll(t *testing.T) {
	h := newHostLab(t)
	h.dnsmasq(t)
	nc, err := Start(context.Background(), h.config(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	waitEvent(t, nc, 15*time.Second, Configured)
	// Carrier loss as a disconnect would cause it: the far end goes down.
	h.n.Exec(t, "ip", "link", "set", h.peer.FarName, "down")
	ev := waitEvent(t, nc, 5*time.Second, Lost)
	t.Logf("lost: %v", ev.Err)
	if a := linkAddrs(t, h.peer.Index); len(a) != 0 {
		t.Errorf("addresses left after link down: %v", a)
	}
	if r := linkRoutes(t, h.peer.Index); len(r) != 0 {
		t.Errorf("routes left after link down: %+v", r)
	}
	// The run ends on link down: Events is closed.
	for range nc.Events() {
	}
}

// TestHostIgnoreCarrierKeepsAddress: with IgnoreCarrier (a Wi-Fi station
// roaming), a carrier drop and return leave the lease and routes in place.
func TestHostIgnoreCarrierKeepsAddress(t *testing.T) {
	h := newHostLab(t)
	h.dnsmasq(t)
	cfg := h.config(t)
	cfg.IgnoreCarrier = true
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	waitEvent(t, nc, 15*time.Second, Configured)
	h.n.Exec(t, "ip", "link", "set", h.peer.FarName, "down")
	time.Sleep(500 * time.Millisecond)
	h.n.Exec(t, "ip", "link", "set", h.peer.FarName, "up")
	select {
	case ev := <-nc.Events():
		if ev.Kind == Lost || ev.Kind == Failed {
			t.Fatalf("carrier drop ended the configuration: %v (%v)", ev.Kind, ev.Err)
		}
	case <-time.After(time.Second):
	}
	if a := linkAddrs(t, h.peer.Index); len(a) == 0 {
		t.Error("address gone after a carrier drop with IgnoreCarrier")
	}
	// The ARP cache outlives carrier loss while netconfig runs, and the
	// kernel's default comes back when it stops.
	evict := "/proc/sys/net/ipv4/conf/" + h.peer.Name + "/arp_evict_nocarrier"
	if b, err := os.ReadFile(evict); err == nil {
		if v := strings.TrimSpace(string(b)); v != "0" {
			t.Errorf("arp_evict_nocarrier = %s while running, want 0", v)
		}
		nc.Stop()
		if b, _ := os.ReadFile(evict); strings.TrimSpace(string(b)) != "1" {
			t.Errorf("arp_evict_nocarrier = %s after Stop, want 1 back", b)
		}
	}
}

// TestHostIPv6RestoresSysctls: router advertisements on while running
// (accept_ra), the value before back on Stop.
func TestHostIPv6RestoresSysctls(t *testing.T) {
	h := newHostLab(t)
	path := "/proc/sys/net/ipv6/conf/" + h.peer.Name + "/accept_ra"
	if err := os.WriteFile(path, []byte("0"), 0o644); err != nil {
		t.Skipf("no IPv6 sysctls: %v", err)
	}
	cfg := h.config(t)
	cfg.IPv6 = true
	cfg.Static = &IPv4Static{Address: h.n.Addr(21)}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, nc, 10*time.Second, Configured)
	if b, _ := os.ReadFile(path); strings.TrimSpace(string(b)) != "1" {
		t.Errorf("accept_ra %q while running, want 1", b)
	}
	nc.Stop()
	if b, _ := os.ReadFile(path); strings.TrimSpace(string(b)) != "0" {
		t.Errorf("accept_ra %q after Stop, want 0 restored", b)
	}
}

func linkAddrs6(t *testing.T, ifindex int) []netip.Prefix {
	t.Helper()
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msgs, err := c.Address.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Prefix
	for _, m := range msgs {
		if int(m.Index) != ifindex || m.Family != unix.AF_INET6 || m.Attributes == nil {
			continue
		}
		a, _ := netip.AddrFromSlice(m.Attributes.Address)
		if a.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, netip.PrefixFrom(a, int(m.PrefixLength)))
	}
	return out
}

// newHostLab6 is newHostLab with an IPv6 ULA /64 on the far end too.
func newHostLab6(t *testing.T) *hostLab {
	t.Helper()
	h := newHostLab(t)
	h.n.Exec(t, "ip", "addr", "add", h.n.CIDR6(1), "dev", h.peer.FarName)
	return h
}

func (h *hostLab) dnsmasq6(t *testing.T, rangeArgs string, extra ...string) *netns.Proc {
	args := []string{"--enable-ra", "--dhcp-range=" + rangeArgs,
		"--dhcp-option=option6:dns-server,[" + h.n.Addr6(53).String() + "]",
		"--dhcp-option=option6:domain-search,wifid6.test"}
	return h.dnsmasq(t, append(args, extra...)...)
}

func (h *hostLab) config6(t *testing.T) Config {
	cfg := h.config(t)
	cfg.IPv6 = true
	cfg.IPv6Events = true
	return cfg
}

func TestHostDHCPv6Stateful(t *testing.T) {
	h := newHostLab6(t)
	d := h.dnsmasq6(t, "::100,::1ff,constructor:"+h.peer.FarName+",64,2m")
	nc, err := Start(context.Background(), h.config6(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 30*time.Second, IPv6Configured)
	if ev.Address.Bits() != 128 || !h.n.Prefix6.Contains(ev.Address.Addr()) || ev.Lease6 == nil {
		t.Fatalf("DHCPv6 address %v (lease %+v) not a /128 in %v", ev.Address, ev.Lease6, h.n.Prefix6)
	}
	if a := ev.Address.Addr().As16(); a[14] != 1 {
		t.Errorf("address %v not in the stateful range ::100-::1ff", ev.Address)
	}
	if len(ev.DNS) != 1 || ev.DNS[0] != h.n.Addr6(53) || len(ev.Domains) != 1 || ev.Domains[0] != "wifid6.test" {
		t.Errorf("DNS %v domains %v", ev.DNS, ev.Domains)
	}
	l := ev.Lease6
	if l.Valid != 2*time.Minute || l.T1 <= 0 || l.T1 >= l.T2 || l.T2 >= l.Valid {
		t.Errorf("lease times valid %v T1 %v T2 %v", l.Valid, l.T1, l.T2)
	}
	if !slices.Contains(linkAddrs6(t, h.peer.Index), ev.Address) {
		t.Errorf("kernel IPv6 addresses %v lack %v", linkAddrs6(t, h.peer.Index), ev.Address)
	}
	netns.WaitFor(t, 5*time.Second, "resolvconf with the DHCPv6 server", func() bool {
		b, _ := os.ReadFile(h.dnsFile)
		return strings.Contains(string(b), "nameserver "+h.n.Addr6(53).String()+"\n") &&
			strings.Contains(string(b), "wifid6.test")
	})
	// The server can reach us on the leased address.
	h.n.Exec(t, "ping", "-6", "-c1", "-W3", ev.Address.Addr().String())
	for _, s := range []string{"DHCPSOLICIT", "DHCPADVERTISE", "DHCPREQUEST", "DHCPREPLY"} {
		if !d.LogContains(s) {
			t.Errorf("dnsmasq log has no %s", s)
		}
	}

	nc.Stop()
	if slices.Contains(linkAddrs6(t, h.peer.Index), ev.Address) {
		t.Errorf("DHCPv6 address %v left after Stop", ev.Address)
	}
	d.WaitLog(t, "DHCPRELEASE", 5*time.Second)
}

func TestHostDHCPv6Stateless(t *testing.T) {
	h := newHostLab6(t)
	d := h.dnsmasq6(t, "::,constructor:"+h.peer.FarName+",ra-stateless,64,2m")
	nc, err := Start(context.Background(), h.config6(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 30*time.Second, IPv6Configured)
	for ev.Address.IsValid() { // SLAAC's
		ev = waitEvent(t, nc, 30*time.Second, IPv6Configured)
	}
	if len(ev.DNS) != 1 || ev.DNS[0] != h.n.Addr6(53) {
		t.Errorf("stateless event: DNS %v", ev.DNS)
	}
	if !d.LogContains("DHCPINFORMATION-REQUEST") {
		t.Errorf("dnsmasq saw no INFORMATION-REQUEST")
	}
	// SLAAC is netconfig's, from the same RA: one /128, none from the
	// kernel.
	wantSLAAC(t, h, nc)
}

// wantSLAAC waits for netconfig's SLAAC address in the lab's prefix: a
// /128 with the EUI-64 of the interface's MAC, announced by an
// IPv6Configured event, and no /64 of the kernel's own SLAAC.
func wantSLAAC(t *testing.T, h *hostLab, nc *Netconfig) netip.Prefix {
	t.Helper()
	want, err := eui64Address(netip.PrefixFrom(h.n.Prefix6.Addr(), 64), h.peer.HWAddr)
	if err != nil {
		t.Fatal(err)
	}
	a := netip.PrefixFrom(want, 128)
	for deadline := time.Now().Add(15 * time.Second); ; {
		ev := waitEvent(t, nc, time.Until(deadline), IPv6Configured)
		if ev.Address == a {
			break
		}
	}
	for _, p := range linkAddrs6(t, h.peer.Index) {
		if h.n.Prefix6.Contains(p.Addr()) && p != a && p.Bits() != 128 {
			t.Errorf("address %v in the prefix besides SLAAC's %v (the kernel's SLAAC?)", p, a)
		}
	}
	if !slices.Contains(linkAddrs6(t, h.peer.Index), a) {
		t.Errorf("SLAAC address %v not on the link: %v", a, linkAddrs6(t, h.peer.Index))
	}
	return a
}

// TestHostSLAAC: router advertisements alone (dnsmasq ra-only): one
// address by SLAAC, a /128 as iwd makes it, removed by Stop.
func TestHostSLAAC(t *testing.T) {
	h := newHostLab6(t)
	h.dnsmasq6(t, "::,constructor:"+h.peer.FarName+",ra-only,64,2m")
	cfg := h.config6(t)
	cfg.Static = &IPv4Static{Address: h.n.Addr(23)}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	a := wantSLAAC(t, h, nc)
	nc.Stop()
	if slices.Contains(linkAddrs6(t, h.peer.Index), a) {
		t.Errorf("SLAAC address %v left after Stop", a)
	}
}

func TestHostRDNSS(t *testing.T) {
	h := newHostLab6(t)
	h.dnsmasq6(t, "::,constructor:"+h.peer.FarName+",ra-only,64,2m")
	cfg := h.config6(t)
	cfg.Static = &IPv4Static{Address: h.n.Addr(22)}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	waitEvent(t, nc, 10*time.Second, Configured)
	netns.WaitFor(t, 15*time.Second, "resolvconf with the RDNSS server", func() bool {
		b, _ := os.ReadFile(h.dnsFile)
		return strings.Contains(string(b), "nameserver "+h.n.Addr6(53).String()+"\n")
	})
	nc.Stop()
	b, _ := os.ReadFile(h.dnsFile)
	if !strings.HasSuffix(string(b), "ARGS -d "+h.peer.Name+".dns\nARGS -d "+h.peer.Name+".domain\n") {
		t.Errorf("resolvconf -d not called:\n%s", b)
	}
}

// TestHostDHCPRebind moves the DHCP server: T1 3 s, T2 6 s; after the
// lease, the first dnsmasq stops and its address (the server identifier
// that RENEW is unicast to) leaves the far end, so RENEW goes unanswered;
// a second dnsmasq on a new address of the same subnet, sharing the lease
// file, answers the broadcast REBIND at T2.
func TestHostDHCPRebind(t *testing.T) {
	h := newHostLab(t)
	leases := filepath.Join(h.n.Dir(), "shared.leases")
	d1 := h.dnsmasq(t, "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,6", "--dhcp-leasefile="+leases)
	nc, err := Start(context.Background(), h.config(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 15*time.Second, Configured)
	if ev.Lease.Server != h.n.Addr(1) {
		t.Fatalf("server %v, want %v", ev.Lease.Server, h.n.Addr(1))
	}
	d1.Stop()
	// Delete first: deleting a primary address takes its secondaries along.
	h.n.Exec(t, "ip", "addr", "del", h.n.CIDR(1), "dev", h.peer.FarName)
	h.n.Exec(t, "ip", "addr", "add", h.n.CIDR(2), "dev", h.peer.FarName)
	d2 := h.dnsmasq(t, "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,6", "--dhcp-leasefile="+leases)
	ev2 := waitEvent(t, nc, 15*time.Second, Renewed, Lost)
	if ev2.Kind != Renewed || ev2.Address != ev.Address || ev2.Lease.Server != h.n.Addr(2) {
		t.Fatalf("after the move: %v %v from %v, want renewed %v from %v", ev2.Kind, ev2.Address, ev2.Lease, ev.Address, h.n.Addr(2))
	}
	if got := ev2.Lease.Acquired.Sub(ev.Lease.Acquired); got < 6*time.Second {
		t.Errorf("rebound %v after the lease, before T2", got)
	}
	if !d2.LogContains("DHCPACK") || d2.LogContains("DHCPDISCOVER") {
		t.Errorf("second server did not ACK a REBIND:\n%s", d2.Tail(20))
	}
}

// TestHostDHCPv6Renew waits for T1 of dnsmasq's shortest DHCPv6 lease
// (2 minutes, so T1 is 60 s): RENEW to the same server, the address's
// lifetimes refreshed. Slow: runs with WIFID_NETNS_SLOW=1.
func TestHostDHCPv6Renew(t *testing.T) {
	netns.Slow(t)
	h := newHostLab6(t)
	d := h.dnsmasq6(t, "::100,::1ff,constructor:"+h.peer.FarName+",64,2m")
	nc, err := Start(context.Background(), h.config6(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 30*time.Second, IPv6Configured)
	ev2 := waitEvent(t, nc, ev.Lease6.T1+15*time.Second, IPv6Renewed)
	if ev2.Address != ev.Address || ev2.Lease6.Acquired.Sub(ev.Lease6.Acquired) < ev.Lease6.T1 {
		t.Errorf("renewed %v at +%v, first %v T1 %v", ev2.Address, ev2.Lease6.Acquired.Sub(ev.Lease6.Acquired), ev.Address, ev.Lease6.T1)
	}
	if !d.LogContains("DHCPRENEW") {
		t.Errorf("dnsmasq saw no RENEW")
	}
}

// TestHostDHCPv6DeclineOnDAD: the only address in dnsmasq's range is
// already used by another host on the link (a macvlan on the far end,
// which dnsmasq does not serve), so the kernel's DAD fails on our side:
// the address is removed and DECLINEd.
func TestHostDHCPv6DeclineOnDAD(t *testing.T) {
	h := newHostLab6(t)
	if out, err := h.n.ExecErr("ip", "link", "add", "mv0", "link", h.peer.FarName, "type", "macvlan", "mode", "bridge"); err != nil {
		t.Skipf("no macvlan: %v: %s", err, out)
	}
	h.n.Exec(t, "sysctl", "-q", "-w", "net.ipv6.conf.mv0.accept_dad=0")
	h.n.Exec(t, "ip", "addr", "add", h.n.CIDR6(0x100), "dev", "mv0")
	h.n.Exec(t, "ip", "link", "set", "mv0", "up")
	d := h.dnsmasq6(t, "::100,::100,constructor:"+h.peer.FarName+",64,2m")
	nc, err := Start(context.Background(), h.config6(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	d.WaitLog(t, "DHCPDECLINE", 30*time.Second)
	for _, p := range linkAddrs6(t, h.peer.Index) {
		if p.Addr() == h.n.Addr6(0x100) {
			t.Errorf("duplicate address %v left on the link", p)
		}
	}
	for {
		select {
		case ev := <-nc.Events():
			if ev.Kind == IPv6Configured && ev.Address.IsValid() {
				t.Errorf("IPv6Configured with %v despite DAD failure", ev.Address)
			}
			continue
		default:
		}
		break
	}
}

func TestHostDHCPv6RapidCommit(t *testing.T) {
	h := newHostLab6(t)
	d := h.dnsmasq6(t, "::100,::1ff,constructor:"+h.peer.FarName+",64,2m", "--dhcp-rapid-commit")
	cfg := h.config6(t)
	cfg.DHCP.RapidCommit = true
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 30*time.Second, IPv6Configured)
	if !h.n.Prefix6.Contains(ev.Address.Addr()) {
		t.Errorf("address %v", ev.Address)
	}
	// DHCPv4 asks for rapid commit too: no OFFER/ADVERTISE, no REQUEST.
	if d.LogContains("DHCPADVERTISE") || d.LogContains("DHCPREQUEST") || !d.LogContains("DHCPREPLY") {
		t.Errorf("not a two-message exchange:\n%s", d.Tail(40))
	}
}

// TestHostDHCPv6LinkDown: carrier loss removes the DHCPv6 address (and
// sends no RELEASE into a dead link).
func TestHostDHCPv6LinkDown(t *testing.T) {
	h := newHostLab6(t)
	d := h.dnsmasq6(t, "::100,::1ff,constructor:"+h.peer.FarName+",64,2m")
	nc, err := Start(context.Background(), h.config6(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	ev := waitEvent(t, nc, 30*time.Second, IPv6Configured)
	h.n.Exec(t, "ip", "link", "set", h.peer.FarName, "down")
	waitEvent(t, nc, 5*time.Second, Lost)
	for range nc.Events() {
	}
	if slices.Contains(linkAddrs6(t, h.peer.Index), ev.Address) {
		t.Errorf("DHCPv6 address %v left after link down", ev.Address)
	}
	if d.LogContains("DHCPRELEASE") {
		t.Errorf("RELEASE sent on link down")
	}
}

func TestHostIPv6OffTurnsSLAACOff(t *testing.T) {
	h := newHostLab(t)
	dir := "/proc/sys/net/ipv6/conf/" + h.peer.Name + "/"
	for _, k := range []string{"accept_ra", "autoconf"} {
		if err := os.WriteFile(dir+k, []byte("1"), 0o644); err != nil {
			t.Skipf("no IPv6 sysctls: %v", err)
		}
	}
	cfg := h.config(t)
	cfg.Static = &IPv4Static{Address: h.n.Addr(23)}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, nc, 10*time.Second, Configured)
	for _, k := range []string{"accept_ra", "autoconf"} {
		if b, _ := os.ReadFile(dir + k); strings.TrimSpace(string(b)) != "0" {
			t.Errorf("%s %q while running with IPv6 off, want 0", k, b)
		}
	}
	nc.Stop()
	for _, k := range []string{"accept_ra", "autoconf"} {
		if b, _ := os.ReadFile(dir + k); strings.TrimSpace(string(b)) != "1" {
			t.Errorf("%s %q after Stop, want 1 restored", k, b)
		}
	}
}
