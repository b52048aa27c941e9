package daemon

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"wifid/netconfig"
)

// TestLeaseStoredAtomically: a stored lease is 0600, reads back the same,
// leaves no temporary file, and replaces the previous one whole.
func TestLeaseStoredAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "leases")
	c := &ipConfig{leaseDir: dir, log: slog.New(slog.DiscardHandler)}
	for _, a := range []string{"192.168.1.50/24", "10.0.0.7/8"} {
		l := &netconfig.Lease{Address: netip.MustParsePrefix(a), Server: netip.MustParseAddr("192.168.1.1")}
		c.saveLease("net_psk", l)
		got := c.loadLease("net_psk")
		if got == nil || got.Address != l.Address {
			t.Fatalf("lease read back %+v, want %s", got, a)
		}
	}
	fi, err := os.Stat(c.leasePath("net_psk"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lease file mode %v (%v), want 0600", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("lease directory holds %d files, want 1 (no temporary left)", len(ents))
	}
}
