package netconfig

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"

	"github.com/godbus/dbus/v5"
)

// Resolver hands an interface's name servers and search domains to the
// system's resolver.
type Resolver interface {
	// SetDNS replaces the servers and domains of the interface.
	SetDNS(ctx context.Context, ifname string, ifindex int, servers []netip.Addr, domains []string) error
	// RevertDNS removes what SetDNS gave for the interface.
	RevertDNS(ctx context.Context, ifname string, ifindex int) error
}

// ResolvConf talks to resolvconf(8) as iwd does: `resolvconf -a
// <ifname>.dns` with nameserver and search lines on stdin, `resolvconf -d
// <ifname>.dns` on teardown.
type ResolvConf struct {
	// Command is the resolvconf executable; default "resolvconf".
	Command string
}

func (r ResolvConf) cmd() string {
	if r.Command == "" {
		return "resolvconf"
	}
	return r.Command
}

// SetDNS implements Resolver.
func (r ResolvConf) SetDNS(ctx context.Context, ifname string, _ int, servers []netip.Addr, domains []string) error {
	var in bytes.Buffer
	for _, s := range servers {
		fmt.Fprintf(&in, "nameserver %s\n", s)
	}
	if len(domains) > 0 {
		fmt.Fprintf(&in, "search %s\n", strings.Join(domains, " "))
	}
	cmd := exec.CommandContext(ctx, r.cmd(), "-a", ifname+".dns")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("dns: resolvconf -a %s.dns: %w: %s", ifname, err, bytes.TrimSpace(out))
	}
	return nil
}

// RevertDNS implements Resolver.
func (r ResolvConf) RevertDNS(ctx context.Context, ifname string, _ int) error {
	if out, err := exec.CommandContext(ctx, r.cmd(), "-d", ifname+".dns").CombinedOutput(); err != nil {
		return fmt.Errorf("dns: resolvconf -d %s.dns: %w: %s", ifname, err, bytes.TrimSpace(out))
	}
	return nil
}

// SystemdResolved sets per-link DNS in systemd-resolved over D-Bus
// (org.freedesktop.resolve1.Manager SetLinkDNS, SetLinkDomains, RevertLink).
type SystemdResolved struct {
	Conn *dbus.Conn // the system bus
}

const (
	resolvedDest = "org.freedesktop.resolve1"
	resolvedPath = "/org/freedesktop/resolve1"
	resolvedMgr  = "org.freedesktop.resolve1.Manager"
)

type resolvedAddr struct {
	Family  int32
	Address []byte
}

type resolvedDomain struct {
	Domain      string
	RoutingOnly bool
}

// SetDNS implements Resolver.
func (s SystemdResolved) SetDNS(ctx context.Context, ifname string, ifindex int, servers []netip.Addr, domains []string) error {
	obj := s.Conn.Object(resolvedDest, resolvedPath)
	addrs := make([]resolvedAddr, 0, len(servers))
	for _, a := range servers {
		fam := int32(2) // AF_INET
		if a.Is6() && !a.Is4In6() {
			fam = 10 // AF_INET6
		}
		addrs = append(addrs, resolvedAddr{fam, a.Unmap().AsSlice()})
	}
	if err := obj.CallWithContext(ctx, resolvedMgr+".SetLinkDNS", 0, int32(ifindex), addrs).Err; err != nil {
		return fmt.Errorf("dns: resolved SetLinkDNS %s: %w", ifname, err)
	}
	doms := make([]resolvedDomain, 0, len(domains))
	for _, d := range domains {
		doms = append(doms, resolvedDomain{d, false})
	}
	if err := obj.CallWithContext(ctx, resolvedMgr+".SetLinkDomains", 0, int32(ifindex), doms).Err; err != nil {
		return fmt.Errorf("dns: resolved SetLinkDomains %s: %w", ifname, err)
	}
	return nil
}

// RevertDNS implements Resolver.
func (s SystemdResolved) RevertDNS(ctx context.Context, ifname string, ifindex int) error {
	obj := s.Conn.Object(resolvedDest, resolvedPath)
	if err := obj.CallWithContext(ctx, resolvedMgr+".RevertLink", 0, int32(ifindex)).Err; err != nil {
		return fmt.Errorf("dns: resolved RevertLink %s: %w", ifname, err)
	}
	return nil
}

// NoDNS ignores DNS information (iwd's NameResolvingService=none).
type NoDNS struct{}

// SetDNS implements Resolver.
func (NoDNS) SetDNS(context.Context, string, int, []netip.Addr, []string) error { return nil }

// RevertDNS implements Resolver.
func (NoDNS) RevertDNS(context.Context, string, int) error { return nil }
