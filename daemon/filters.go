package daemon

import (
	"log/slog"

	"wifid/netconfig"
)

// sysctlFilters sets the packet filters a BSS asks for (station.LinkFilters)
// with the interface's sysctls, as iwd does: drop_gratuitous_arp and
// drop_unsolicited_na, drop_unicast_in_l2_multicast for IPv4 and IPv6.
// A kernel without a knob (or without IPv6) is logged, not an error.
type sysctlFilters struct{ log *slog.Logger }

func (f sysctlFilters) SetFilters(ifname string, dropNeighbourAds, dropUnicastInL2Multicast bool) {
	v := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	for _, s := range []struct{ family, key, value string }{
		{"ipv4", "drop_gratuitous_arp", v(dropNeighbourAds)},
		{"ipv6", "drop_unsolicited_na", v(dropNeighbourAds)},
		{"ipv4", "drop_unicast_in_l2_multicast", v(dropUnicastInL2Multicast)},
		{"ipv6", "drop_unicast_in_l2_multicast", v(dropUnicastInL2Multicast)},
	} {
		if err := netconfig.WriteSysctl(s.family, ifname, s.key, s.value); err != nil {
			f.log.Debug("packet filter sysctl", "iface", ifname, "family", s.family, "key", s.key, "err", err)
		}
	}
}
