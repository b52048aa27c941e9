package netconfig

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mdlayher/ndp"
)

// enableSLAAC turns on the kernel's router advertisement processing and
// address autoconfiguration for the interface and returns a function that
// restores the previous values.
func (n *Netconfig) enableSLAAC() (restore func()) {
	dir := filepath.Join("/proc/sys/net/ipv6/conf", n.cfg.IfName)
	keys := []string{"disable_ipv6", "accept_ra", "autoconf"}
	want := map[string]string{"disable_ipv6": "0", "accept_ra": "1", "autoconf": "1"}
	old := map[string]string{}
	for _, k := range keys {
		b, err := os.ReadFile(filepath.Join(dir, k))
		if err != nil {
			n.log.Warn("netconfig: IPv6 sysctl", "iface", n.cfg.IfName, "key", k, "err", err)
			continue
		}
		if cur := strings.TrimSpace(string(b)); cur != want[k] {
			if err := os.WriteFile(filepath.Join(dir, k), []byte(want[k]), 0o644); err != nil {
				n.log.Warn("netconfig: IPv6 sysctl", "iface", n.cfg.IfName, "key", k, "err", err)
				continue
			}
			old[k] = cur
		}
	}
	return func() {
		for k, v := range old {
			_ = os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644)
		}
	}
}

// listenRA reads router advertisements and passes their RDNSS and DNSSL
// options to the resolver. The kernel does the addresses and routes.
func (n *Netconfig) listenRA(ctx context.Context) {
	ifi, err := net.InterfaceByIndex(n.cfg.IfIndex)
	if err != nil {
		return
	}
	var c *ndp.Conn
	for c == nil { // the link-local address may still be tentative
		c, _, err = ndp.Listen(ifi, ndp.LinkLocal)
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	for {
		m, _, _, err := c.ReadFrom()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		ra, ok := m.(*ndp.RouterAdvertisement)
		if !ok {
			continue
		}
		var servers []netip.Addr
		var doms []string
		for _, o := range ra.Options {
			switch o := o.(type) {
			case *ndp.RecursiveDNSServer:
				if o.Lifetime > 0 {
					servers = append(servers, o.Servers...)
				}
			case *ndp.DNSSearchList:
				if o.Lifetime > 0 {
					doms = append(doms, o.DomainNames...)
				}
			}
		}
		if len(servers) == 0 && len(doms) == 0 {
			continue
		}
		n.log.Debug("netconfig: RA DNS", "iface", n.cfg.IfName, "servers", servers, "domains", doms)
		if err := n.setDNS(nil, &servers, doms); err != nil {
			n.log.Warn("netconfig: DNS", "iface", n.cfg.IfName, "err", err)
		}
	}
}
