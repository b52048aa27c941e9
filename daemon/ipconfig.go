package daemon

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"wifid/knownnetworks"
	"wifid/netconfig"
	"wifid/station"
)

// ipConfig is station.IPConfigurator over netconfig: it turns a network
// file's [IPv4]/[IPv6] groups and main.conf's [Network] settings into a
// netconfig.Config, and keeps each network's last DHCP lease so the next
// connect asks for the same address in one round trip (INIT-REBOOT).
type ipConfig struct {
	conf     MainConf
	dns      netconfig.Resolver
	leaseDir string
	log      *slog.Logger

	mu      sync.Mutex
	running map[int]*netconfig.Netconfig // by ifindex, for ConfirmLease
}

func (c *ipConfig) Configure(ctx context.Context, req station.IPRequest) (<-chan station.IPEvent, func(), error) {
	cfg := netconfig.Config{
		IfIndex:             req.Ifindex,
		IfName:              req.Ifname,
		HWAddr:              req.MAC,
		RoutePriorityOffset: c.conf.RoutePriorityOffset,
		IPv6:                c.conf.EnableIPv6,
		DNS:                 c.dns,
		IPv6Events:          true,
		IgnoreCarrier:       true, // the station says when the link is gone; roams drop the carrier
		// The first frame after the 4-way handshake can beat the AP's own
		// port opening and be lost: retry it after 1 s, not 4. A lease is
		// released when IP configuration stops (a disconnect, wifid
		// exiting), as iwd 2.3 does (TestStopOnSIGTERM sees its RELEASE).
		DHCP:   netconfig.DHCPConfig{FirstRetry: time.Second, SendRelease: true},
		Logger: c.log,
	}
	detail := "DHCP"
	if s := req.Settings; s != nil {
		if v4 := s.IPv4; v4.Address.IsValid() {
			cfg.Static = &netconfig.IPv4Static{Address: v4.Address, Netmask: v4.Netmask, Gateway: v4.Gateway,
				Broadcast: v4.Broadcast, DNS: v4.DNS, DomainName: v4.DomainName}
			detail = "static"
		}
		if s.IPv4.SendHostname { // [IPv4] SendHostname: DHCP option 12, as iwd
			if h, err := os.Hostname(); err == nil {
				cfg.DHCP.Hostname = h
			}
		}
		if s.IPv6.Enabled != nil {
			cfg.IPv6 = *s.IPv6.Enabled
		}
		if v6 := s.IPv6; v6.Address.IsValid() {
			cfg.StaticIPv6 = &netconfig.IPv6Static{Address: v6.Address, Gateway: v6.Gateway, DNS: v6.DNS}
		}
	}
	if cfg.Static == nil {
		if l := c.loadLease(req.NetworkPathID); l != nil {
			cfg.Lease = l
			detail = "DHCP, INIT-REBOOT"
		}
	}
	nc, err := netconfig.Start(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	if c.running == nil {
		c.running = map[int]*netconfig.Netconfig{}
	}
	c.running[req.Ifindex] = nc
	c.mu.Unlock()
	stop := func() {
		c.mu.Lock()
		if c.running[req.Ifindex] == nc {
			delete(c.running, req.Ifindex)
		}
		c.mu.Unlock()
		nc.Stop()
	}
	out := make(chan station.IPEvent, 4)
	go func() {
		defer close(out)
		for ev := range nc.Events() {
			se := station.IPEvent{Err: ev.Err, Detail: detail, At: time.Now()}
			if ev.Address.IsValid() {
				se.Address = ev.Address.String()
			}
			switch ev.Kind {
			case netconfig.Configured:
				se.Kind = station.IPConfigured
			case netconfig.Renewed:
				se.Kind = station.IPRenewed
			case netconfig.Lost:
				se.Kind = station.IPLost
			case netconfig.IPv6Configured, netconfig.IPv6Renewed, netconfig.IPv6Lost:
				// The station's view holds the IPv4 address; IPv6 is logged.
				c.log.Info("IPv6", "iface", req.Ifname, "event", ev.Kind, "address", ev.Address.String())
				continue
			default:
				se.Kind = station.IPFailed
			}
			out <- se
			// After the station has the news: the first save makes the
			// lease directory, which is no part of connecting.
			if ev.Lease != nil {
				c.saveLease(req.NetworkPathID, ev.Lease)
			}
		}
	}()
	return out, stop, nil
}

// ConfirmLease has the DHCP client of the configuration running on
// ifindex confirm its lease (station.LeaseConfirmer): a resume kept the
// link, but the network behind it may have changed.
func (c *ipConfig) ConfirmLease(ifindex int) {
	c.mu.Lock()
	nc := c.running[ifindex]
	c.mu.Unlock()
	if nc != nil {
		nc.Confirm()
	}
}

func (c *ipConfig) leasePath(id string) string { return filepath.Join(c.leaseDir, id+".lease") }

func (c *ipConfig) loadLease(id string) *netconfig.Lease {
	if c.leaseDir == "" {
		return nil
	}
	b, err := os.ReadFile(c.leasePath(id))
	if err != nil {
		return nil
	}
	var l netconfig.Lease
	if err := l.UnmarshalText(b); err != nil {
		c.log.Warn("stored lease unreadable; ignoring it", "network", id, "err", err)
		return nil
	}
	return &l
}

func (c *ipConfig) saveLease(id string, l *netconfig.Lease) {
	if c.leaseDir == "" {
		return
	}
	b, err := l.MarshalText()
	if err == nil {
		// 0600, fsynced, renamed into place: a crash or a full disk
		// leaves the old lease or the new one, never a truncated one.
		err = knownnetworks.WriteFile(c.leasePath(id), b)
	}
	if err != nil {
		c.log.Warn("lease not stored", "network", id, "err", err)
	}
}
