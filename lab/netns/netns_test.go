package netns_test

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"wifid/lab/netns"
)

func TestVethAndDnsmasq(t *testing.T) {
	n := netns.New(t)
	peer := n.Veth(t, n.CIDR(1))
	if _, err := net.InterfaceByName(peer.Name); err != nil {
		t.Fatalf("near end missing: %v", err)
	}
	out := n.Exec(t, "ip", "-4", "-o", "addr", "show", "dev", peer.FarName)
	if !strings.Contains(out, n.CIDR(1)) {
		t.Fatalf("far address missing: %s", out)
	}
	d := n.Dnsmasq(t, peer, "--dhcp-range="+n.Addr(50).String()+","+n.Addr(150).String()+",255.255.255.0,2m")
	d.WaitLog(t, "DHCP, IP range", 2*time.Second)
	// dnsmasq must not listen in the root namespace.
	if done, err := d.Exited(); done {
		t.Fatalf("dnsmasq exited: %v", err)
	}
}

func TestCleanupRemovesEverything(t *testing.T) {
	var name, ns string
	t.Run("inner", func(t *testing.T) {
		n := netns.New(t)
		p := n.Veth(t)
		name, ns = p.Name, n.Name
	})
	if name == "" {
		t.Skip("inner skipped")
	}
	if _, err := net.InterfaceByName(name); err == nil {
		t.Errorf("veth %s still exists after cleanup", name)
	}
	if out, _ := exec_("ip", "netns", "list"); strings.Contains(out, ns) {
		t.Errorf("namespace %s still exists after cleanup", ns)
	}
}

func exec_(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
