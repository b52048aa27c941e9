package netconfig

import (
	"fmt"
	"net/netip"
)

// parseClasslessRoutes decodes DHCP option 121 (RFC 3442) or its
// pre-standard twin 249: a list of (width, significant destination octets,
// router) tuples.
func parseClasslessRoutes(code int, b []byte) ([]Route, error) {
	var out []Route
	for i := 0; i < len(b); {
		width := int(b[i])
		if width > 32 {
			return nil, fmt.Errorf("option %d: route %d: prefix length %d > 32", code, len(out), width)
		}
		n := (width + 7) / 8
		if i+1+n+4 > len(b) {
			return nil, fmt.Errorf("option %d: route %d: %d bytes left, need %d", code, len(out), len(b)-i, 1+n+4)
		}
		var dst [4]byte
		copy(dst[:], b[i+1:i+1+n])
		p := netip.PrefixFrom(netip.AddrFrom4(dst), width)
		if p.Masked() != p {
			return nil, fmt.Errorf("option %d: route %d: %v has host bits set", code, len(out), p)
		}
		gw := netip.AddrFrom4([4]byte(b[i+1+n : i+1+n+4]))
		out = append(out, Route{Dst: p, Gateway: gw})
		i += 1 + n + 4
	}
	return out, nil
}
