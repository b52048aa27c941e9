package netconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"sync"

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

// ResolvConf talks to resolvconf(8) as iwd does: the servers as
// `resolvconf -a <ifname>.dns` (nameserver lines on stdin), the search
// domains as `resolvconf -a <ifname>.domain` (one search line each), each
// entry removed with -d when it empties and on teardown. Use a pointer: it
// remembers which entries it made.
type ResolvConf struct {
	// Command is the resolvconf executable; default "resolvconf".
	Command string

	mu   sync.Mutex
	made map[string]bool // "<ifname>.dns", "<ifname>.domain" entries in place
}

func (r *ResolvConf) cmd() string {
	if r.Command == "" {
		return "resolvconf"
	}
	return r.Command
}

// run adds (content != "") or deletes the entry; r.mu held.
func (r *ResolvConf) run(ctx context.Context, entry, content string) error {
	if r.made == nil {
		r.made = map[string]bool{}
	}
	if content == "" && !r.made[entry] {
		return nil
	}
	flag := "-a"
	if content == "" {
		flag = "-d"
	}
	cmd := exec.CommandContext(ctx, r.cmd(), flag, entry)
	if content != "" {
		cmd.Stdin = strings.NewReader(content)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("dns: resolvconf %s %s: %w: %s", flag, entry, err, bytes.TrimSpace(out))
	}
	r.made[entry] = content != ""
	return nil
}

// SetDNS implements Resolver. Removals go first, so the last entry
// resolvconf hears of is the newest.
func (r *ResolvConf) SetDNS(ctx context.Context, ifname string, _ int, servers []netip.Addr, domains []string) error {
	var ns, search strings.Builder
	for _, s := range servers {
		fmt.Fprintf(&ns, "nameserver %s\n", s)
	}
	for _, d := range domains {
		fmt.Fprintf(&search, "search %s\n", d)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	entries, contents := [2]string{ifname + ".dns", ifname + ".domain"}, [2]string{ns.String(), search.String()}
	var errs []error
	for _, add := range []bool{false, true} {
		for i, e := range entries {
			if (contents[i] != "") == add {
				errs = append(errs, r.run(ctx, e, contents[i]))
			}
		}
	}
	return errors.Join(errs...)
}

// RevertDNS implements Resolver.
func (r *ResolvConf) RevertDNS(ctx context.Context, ifname string, _ int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.run(ctx, ifname+".dns", ""), r.run(ctx, ifname+".domain", ""))
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
