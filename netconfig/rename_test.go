package netconfig

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHostRenameFollowed: the interface is renamed while netconfig runs
// (udev or `ip link set name`; Linux 6.2 and later allow it while the link
// is up). The resolvconf entry moves to the new name, and Stop restores
// the sysctls and removes the DNS entry under the new name.
func TestHostRenameFollowed(t *testing.T) {
	h := newHostLab(t)
	old := h.peer.Name
	acceptRA := func(name string) string {
		b, _ := os.ReadFile("/proc/sys/net/ipv6/conf/" + name + "/accept_ra")
		return strings.TrimSpace(string(b))
	}
	if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+old+"/accept_ra", []byte("0"), 0o644); err != nil {
		t.Skipf("no IPv6 sysctls: %v", err)
	}
	cfg := h.config(t)
	cfg.IPv6 = true
	cfg.Static = &IPv4Static{Address: h.n.Addr(21), DNS: []netip.Addr{h.n.Addr(53)}}
	nc, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Stop()
	waitEvent(t, nc, 10*time.Second, Configured)
	renamed := old + "r"
	if out, err := exec.Command("ip", "link", "set", "dev", old, "name", renamed).CombinedOutput(); err != nil {
		t.Skipf("this kernel cannot rename an interface that is up: %v: %s", err, out)
	}
	// The netns helper deletes the pair by its first name.
	t.Cleanup(func() { exec.Command("ip", "link", "set", "dev", renamed, "down", "name", old).Run() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(h.dnsFile)
		s := string(b)
		if i := strings.Index(s, "ARGS -a "+renamed+".dns\n"); i >= 0 {
			if !strings.Contains(s[:i], "ARGS -d "+old+".dns\n") {
				t.Errorf("the entry under the old name was not removed before the new one was added:\n%s", s)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no resolvconf entry under the new name:\n%s", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := acceptRA(renamed); got != "1" {
		t.Errorf("accept_ra %q while running, want 1", got)
	}
	nc.Stop()
	b, _ := os.ReadFile(h.dnsFile)
	if !strings.HasSuffix(string(b), "ARGS -d "+renamed+".dns\n") {
		t.Errorf("resolvconf -d not called with the new name:\n%s", b)
	}
	if got := acceptRA(renamed); got != "0" {
		t.Errorf("accept_ra %q after Stop, want 0 restored under the new name", got)
	}
}
