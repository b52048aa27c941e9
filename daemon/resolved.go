package daemon

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"

	"github.com/godbus/dbus/v5"

	"wifid/netconfig"
)

// lazyResolved is netconfig.SystemdResolved with the system bus connected
// on first use, so wifid starts without systemd-resolved and says why DNS
// was not set when it is missing.
type lazyResolved struct {
	log  *slog.Logger
	once sync.Once
	r    netconfig.Resolver
	err  error
}

func (l *lazyResolved) get() (netconfig.Resolver, error) {
	l.once.Do(func() {
		conn, err := dbus.ConnectSystemBus()
		if err != nil {
			l.err = err
			return
		}
		l.r = netconfig.SystemdResolved{Conn: conn}
	})
	return l.r, l.err
}

func (l *lazyResolved) SetDNS(ctx context.Context, ifname string, ifindex int, servers []netip.Addr, domains []string) error {
	r, err := l.get()
	if err != nil {
		return err
	}
	return r.SetDNS(ctx, ifname, ifindex, servers, domains)
}

func (l *lazyResolved) RevertDNS(ctx context.Context, ifname string, ifindex int) error {
	r, err := l.get()
	if err != nil {
		return err
	}
	return r.RevertDNS(ctx, ifname, ifindex)
}
