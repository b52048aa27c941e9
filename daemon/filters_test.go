package daemon

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"wifid/lab/netns"
)

// TestSysctlFilters: the filters a BSS asks for reach the interface's
// sysctls and go again (on a veth of a test namespace pair; root only).
func TestSysctlFilters(t *testing.T) {
	n := netns.New(t)
	peer := n.Veth(t)
	f := sysctlFilters{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	read := func(family, key string) string {
		b, err := os.ReadFile("/proc/sys/net/" + family + "/conf/" + peer.Name + "/" + key)
		if err != nil {
			t.Skipf("no %s sysctl %s: %v", family, key, err)
		}
		return strings.TrimSpace(string(b))
	}
	for _, on := range []bool{true, false} {
		f.SetFilters(peer.Name, on, on)
		want := "0"
		if on {
			want = "1"
		}
		for _, k := range [][2]string{{"ipv4", "drop_gratuitous_arp"}, {"ipv6", "drop_unsolicited_na"},
			{"ipv4", "drop_unicast_in_l2_multicast"}, {"ipv6", "drop_unicast_in_l2_multicast"}} {
			if got := read(k[0], k[1]); got != want {
				t.Errorf("%s %s = %s, want %s", k[0], k[1], got, want)
			}
		}
	}
}
