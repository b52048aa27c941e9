package netconfig

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestResolvFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "resolv.conf")
	r := NewResolvFile(path)
	ctx := context.Background()
	read := func() string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ll := netip.MustParseAddr("fe80::53").WithZone("wlan0")
	if err := r.SetDNS(ctx, "wlan0", 3, []netip.Addr{netip.MustParseAddr("10.0.0.53"), ll}, []string{"wifid.test"}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetDNS(ctx, "eth0", 2, []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("192.0.2.1")}, []string{"example.org", "wifid.test"}); err != nil {
		t.Fatal(err)
	}
	want := resolvHeader + "nameserver 10.0.0.53\nnameserver fe80::53%wlan0\nnameserver 192.0.2.1\nsearch wifid.test example.org\n"
	if got := read(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Replacing wlan0's entries keeps its place before eth0.
	if err := r.SetDNS(ctx, "wlan0", 3, []netip.Addr{netip.MustParseAddr("10.0.0.54")}, nil); err != nil {
		t.Fatal(err)
	}
	want = resolvHeader + "nameserver 10.0.0.54\nnameserver 10.0.0.53\nnameserver 192.0.2.1\nsearch example.org wifid.test\n"
	if got := read(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if err := r.RevertDNS(ctx, "eth0", 2); err != nil {
		t.Fatal(err)
	}
	if err := r.RevertDNS(ctx, "wlan0", 3); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != resolvHeader {
		t.Errorf("after revert:\n%s", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestResolvFileRejectsInjection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	r := NewResolvFile(path)
	err := r.SetDNS(context.Background(), "wlan0", 3, nil, []string{"evil.test\nnameserver 6.6.6.6"})
	if err == nil || !strings.Contains(err.Error(), "search domain") {
		t.Errorf("err %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file written on a rejected domain: %v", err)
	}
	if err := r.SetDNS(context.Background(), "wlan0", 3, []netip.Addr{{}}, nil); err == nil {
		t.Errorf("invalid server accepted")
	}
}

func TestResolvFileMissingDir(t *testing.T) {
	r := NewResolvFile(filepath.Join(t.TempDir(), "nodir", "resolv.conf"))
	if err := r.SetDNS(context.Background(), "wlan0", 3, []netip.Addr{netip.MustParseAddr("10.0.0.53")}, nil); err == nil || !strings.Contains(err.Error(), "nodir") {
		t.Errorf("err %v", err)
	}
}

func TestResolvFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	r := NewResolvFile(path)
	var wg sync.WaitGroup
	for i, ifname := range []string{"wlan0", "wlan1", "eth0", "eth1"} {
		wg.Go(func() {
			a := netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})
			for range 20 {
				if err := r.SetDNS(context.Background(), ifname, i, []netip.Addr{a}, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "nameserver "); n != 4 {
		t.Errorf("%d name servers:\n%s", n, b)
	}
}
