package netconfig

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// TestResolvConfEntries: servers and domains are two resolvconf entries as
// iwd makes them (<if>.dns, <if>.domain with one search line each); an
// entry that empties is deleted before the others are written, one never
// made is not deleted, and RevertDNS deletes what is there.
func TestResolvConfEntries(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := filepath.Join(dir, "resolvconf")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n(echo \"$*\"; [ \"$1\" = -a ] && cat; true) >> "+log+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := &ResolvConf{Command: script}
	ctx := context.Background()
	a, b := netip.MustParseAddr("192.168.1.2"), netip.MustParseAddr("3ffe:501:ffff:100::2")
	steps := []struct {
		servers []netip.Addr
		domains []string
		want    string
	}{
		{[]netip.Addr{a}, nil, "-a wlan0.dns\nnameserver 192.168.1.2\n"},
		{[]netip.Addr{a, b}, []string{"test1", "test2"},
			"-a wlan0.dns\nnameserver 192.168.1.2\nnameserver 3ffe:501:ffff:100::2\n-a wlan0.domain\nsearch test1\nsearch test2\n"},
		{[]netip.Addr{a}, nil, "-d wlan0.domain\n-a wlan0.dns\nnameserver 192.168.1.2\n"},
		{nil, []string{"test1"}, "-d wlan0.dns\n-a wlan0.domain\nsearch test1\n"},
	}
	for i, st := range steps {
		os.Remove(log)
		if err := r.SetDNS(ctx, "wlan0", 3, st.servers, st.domains); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got, _ := os.ReadFile(log); string(got) != st.want {
			t.Errorf("step %d: resolvconf got\n%s\nwant\n%s", i, got, st.want)
		}
	}
	os.Remove(log)
	if err := r.RevertDNS(ctx, "wlan0", 3); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(log); string(got) != "-d wlan0.domain\n" {
		t.Errorf("revert: resolvconf got\n%s", got)
	}
}
