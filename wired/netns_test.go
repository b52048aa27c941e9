package wired

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wifid/eapol/eap"
	"wifid/lab/netns"
)

// The port against real hostapd (driver=wired, internal EAP server) over a
// veth pair: the near end is the port, hostapd is on the far end. Each
// subtest has its own namespace, so they run in parallel.

// hostMethod is one EAP method as both ends configure it: hostapd's
// eap_user lines (password "secret") and the port's default.8021x, read
// through LoadSettings as ead reads it. In file, $PW is the password the
// port tries, $CA, $SERVER, $CLIENT and $CLIENTKEY the test PKI's.
type hostMethod struct {
	name  string
	users []netns.EAPUser
	file  string
}

// tunnel is the eap_user phase 1 line of PEAP and TTLS: any identity.
func tunnel(method string, inner netns.EAPUser) []netns.EAPUser {
	inner.Phase2 = true
	return []netns.EAPUser{{Methods: []string{method}}, inner}
}

var hostMethods = []hostMethod{
	{"MD5", []netns.EAPUser{{Identity: "alice", Methods: []string{"MD5"}, Password: "secret"}},
		"EAP-Method=MD5\nEAP-Identity=alice\nEAP-Password=$PW\n"},
	{"GTC", []netns.EAPUser{{Identity: "alice", Methods: []string{"GTC"}, Password: "secret"}},
		"EAP-Method=GTC\nEAP-Identity=alice\nEAP-Password=$PW\n"},
	{"MSCHAPv2", []netns.EAPUser{{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: "secret"}},
		"EAP-Method=MSCHAPV2\nEAP-Identity=alice\nEAP-Password=$PW\n"},
	{"PWD", []netns.EAPUser{{Identity: "alice", Methods: []string{"PWD"}, Password: "secret"}},
		"EAP-Method=PWD\nEAP-Identity=alice\nEAP-Password=$PW\n"},
	{"PEAP-MSCHAPv2", tunnel("PEAP", netns.EAPUser{Identity: "alice", Methods: []string{"MSCHAPV2"}, Password: "secret"}),
		"EAP-Method=PEAP\nEAP-Identity=anonymous\nEAP-PEAP-CACert=$CA\nEAP-PEAP-ServerDomainMask=$SERVER\n" +
			"EAP-PEAP-Phase2-Method=MSCHAPV2\nEAP-PEAP-Phase2-Identity=alice\nEAP-PEAP-Phase2-Password=$PW\n"},
	{"PEAP-GTC", tunnel("PEAP", netns.EAPUser{Identity: "alice", Methods: []string{"GTC"}, Password: "secret"}),
		"EAP-Method=PEAP\nEAP-Identity=anonymous\nEAP-PEAP-CACert=$CA\n" +
			"EAP-PEAP-Phase2-Method=GTC\nEAP-PEAP-Phase2-Identity=alice\nEAP-PEAP-Phase2-Password=$PW\n"},
	{"TTLS-PAP", tunnel("TTLS", netns.EAPUser{Identity: "alice", Methods: []string{"TTLS-PAP"}, Password: "secret"}),
		"EAP-Method=TTLS\nEAP-Identity=anonymous\nEAP-TTLS-CACert=$CA\n" +
			"EAP-TTLS-Phase2-Method=Tunneled-PAP\nEAP-TTLS-Phase2-Identity=alice\nEAP-TTLS-Phase2-Password=$PW\n"},
	{"TTLS-MSCHAPv2", tunnel("TTLS", netns.EAPUser{Identity: "alice", Methods: []string{"TTLS-MSCHAPV2"}, Password: "secret"}),
		"EAP-Method=TTLS\nEAP-Identity=anonymous\nEAP-TTLS-CACert=$CA\n" +
			"EAP-TTLS-Phase2-Method=Tunneled-MSCHAPv2\nEAP-TTLS-Phase2-Identity=alice\nEAP-TTLS-Phase2-Password=$PW\n"},
	{"TTLS-EAP-MD5", tunnel("TTLS", netns.EAPUser{Identity: "alice", Methods: []string{"MD5"}, Password: "secret"}),
		"EAP-Method=TTLS\nEAP-Identity=anonymous\nEAP-TTLS-CACert=$CA\n" +
			"EAP-TTLS-Phase2-Method=MD5\nEAP-TTLS-Phase2-Identity=alice\nEAP-TTLS-Phase2-Password=$PW\n"},
}

// tlsMethod is EAP-TLS: no password (its wrong-credential case is
// TestHostapdPortUntrustedServer's).
var tlsMethod = hostMethod{"TLS", []netns.EAPUser{{Identity: "client@wifid.test", Methods: []string{"TLS"}}},
	"EAP-Method=TLS\nEAP-Identity=client@wifid.test\nEAP-TLS-CACert=$CA\nEAP-TLS-ServerDomainMask=$SERVER\n" +
		"EAP-TLS-ClientCert=$CLIENT\nEAP-TLS-ClientKey=$CLIENTKEY\n"}

// settings writes m's file for password pw into a fresh state directory.
func (m hostMethod) settings(t *testing.T, c *netns.Certs, pw string) string {
	t.Helper()
	dir := t.TempDir()
	text := strings.NewReplacer("$PW", pw, "$CA", c.CAFile, "$SERVER", c.ServerName,
		"$CLIENTKEY", c.ClientKeyFile, "$CLIENT", c.ClientCertFile).Replace(m.file)
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte("[Security]\n"+text), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

type hostPort struct {
	n      *netns.NS
	peer   *netns.Peer
	h      *netns.Hostapd
	mu     sync.Mutex
	states []State
	change chan struct{}
	done   chan error
	start  time.Time // when the port's Run began
}

// startHostPort starts hostapd with m's users (and extra hostapd.conf
// lines) and a Port on the near end with password pw.
func startHostPort(t *testing.T, m hostMethod, pw string, held time.Duration, extra ...string) *hostPort {
	t.Helper()
	return startHostPortConfig(t, m, pw, held, netns.WiredConfig{Extra: extra})
}

// startHostPortConfig is startHostPort with more of hostapd chosen (its
// Users are m's).
func startHostPortConfig(t *testing.T, m hostMethod, pw string, held time.Duration, cfg netns.WiredConfig) *hostPort {
	t.Helper()
	n := netns.New(t)
	peer := n.Veth(t)
	cfg.Users = m.users
	h := n.HostapdWired(t, peer, cfg)
	dir := m.settings(t, h.Certs, pw)
	ifi, err := net.InterfaceByIndex(peer.Index)
	if err != nil {
		t.Fatal(err)
	}
	pae, err := ListenPAE(ifi)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pae.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	carrier, err := WatchCarrier(ctx, peer.Index)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	hp := &hostPort{n: n, peer: peer, h: h, change: make(chan struct{}, 1), done: make(chan error, 1)}
	lvl := slog.LevelInfo
	if testing.Verbose() {
		lvl = slog.LevelDebug
	}
	port := NewPort(Config{
		Ifname: peer.Name,
		NewEAP: func() (eap.Config, error) {
			return LoadSettings(dir, slog.Default())
		},
		StartPeriod: time.Second,
		HeldPeriod:  held,
		AuthPeriod:  5 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})),
		OnState: func(s State) {
			hp.mu.Lock()
			hp.states = append(hp.states, s)
			hp.mu.Unlock()
			select {
			case hp.change <- struct{}{}:
			default:
			}
		},
	})
	hp.start = time.Now()
	go func() { hp.done <- port.Run(ctx, pae, carrier) }()
	t.Cleanup(func() {
		cancel()
		<-hp.done
	})
	return hp
}

// count is how often the port entered s.
func (hp *hostPort) count(s State) int {
	hp.mu.Lock()
	defer hp.mu.Unlock()
	n := 0
	for _, x := range hp.states {
		if x == s {
			n++
		}
	}
	return n
}

// wait waits until the port has entered s at least n times.
func (hp *hostPort) wait(t *testing.T, s State, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for hp.count(s) < n {
		select {
		case <-hp.change:
		case <-deadline:
			got := hp.count(s)
			hp.mu.Lock()
			defer hp.mu.Unlock()
			t.Fatalf("port entered %v %d times in %v, want %d; states %v", s, got, timeout, n, hp.states)
		}
	}
}

func TestHostapdPortSuccess(t *testing.T) {
	for _, m := range append(hostMethods, tlsMethod) {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			hp := startHostPort(t, m, "secret", time.Minute)
			hp.wait(t, Authenticated, 1, 10*time.Second)
			t.Logf("%s: authenticated %v after the port started", m.name, time.Since(hp.start).Round(time.Millisecond))
			hp.h.WaitSuccesses(t, hp.peer.HWAddr, 1, 2*time.Second)
			if f := hp.h.Failures(hp.peer.HWAddr); f != 0 {
				t.Errorf("hostapd reported %d failures", f)
			}
		})
	}
}

// TestHostapdPortTLSSuiteB192: EAP-TLS against a server that allows only
// what WPA3-Enterprise 192-bit mode's TLS allows (OpenSSL's SUITEB192: TLS
// 1.2, ECDHE-ECDSA-AES256-GCM-SHA384, P-384 keys and ECDHE, SHA-384
// signatures), with a P-384 PKI: the peer's crypto/tls client, unrestricted,
// negotiates it. (The same server with a P-256 PKI fails the handshake.)
func TestHostapdPortTLSSuiteB192(t *testing.T) {
	hp := startHostPortConfig(t, tlsMethod, "", time.Minute,
		netns.WiredConfig{NewCerts: netns.NewCertsP384, Extra: []string{"openssl_ciphers=SUITEB192"}})
	hp.wait(t, Authenticated, 1, 10*time.Second)
	hp.h.WaitSuccesses(t, hp.peer.HWAddr, 1, 2*time.Second)
}

// A wrong password fails and the port holds: after HeldPeriod it starts
// again (EAPOL-Start), so the wrong password costs one attempt per held
// period and never loops. (hostapd deauthenticates a supplicant 10 ms after
// its EAP-Failure and keeps the entry 5 s, AP_MAX_INACTIVITY_AFTER_DEAUTH,
// ignoring its EAPOL-Starts meanwhile: with a 5 s held period and Starts a
// second apart, the second or third Start is answered.)
func TestHostapdPortWrongPassword(t *testing.T) {
	for _, m := range hostMethods {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			const held = 5 * time.Second
			hp := startHostPort(t, m, "wrong", held)
			hp.wait(t, Held, 1, 10*time.Second)
			first := time.Now()
			hp.wait(t, Held, 2, 4*held)
			gap := time.Since(first)
			if gap < held {
				t.Errorf("second failure %v after the first, before the held period (%v)", gap, held)
			}
			t.Logf("%s: second attempt failed %v after the first", m.name, gap.Round(time.Millisecond))
			time.Sleep(held / 2)
			if n := hp.count(Held); n != 2 {
				t.Errorf("port failed %d times in %v, want 2", n, held+gap/2)
			}
			if n := hp.count(Authenticating); n != 2 {
				t.Errorf("port started %d conversations, want 2", n)
			}
			// PWD's peer refuses hostapd's Confirm itself: hostapd
			// then reports no failure of its own.
			if f := hp.h.Failures(hp.peer.HWAddr); f > 2 {
				t.Errorf("hostapd saw %d failures, want at most 2", f)
			}
			if s := hp.h.Successes(hp.peer.HWAddr); s != 0 {
				t.Errorf("hostapd reported %d successes for a wrong password", s)
			}
			if hp.count(Authenticated) != 0 {
				t.Errorf("port authenticated with a wrong password")
			}
		})
	}
}

// A switch that reboots (hostapd restarted, the carrier dropped meanwhile)
// gets a fresh authentication; so does a re-authentication the
// authenticator starts on its own (eap_reauth_period).
func TestHostapdPortRestartAndReauth(t *testing.T) {
	for _, m := range append(hostMethods, tlsMethod) {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			hp := startHostPort(t, m, "secret", time.Minute, "eap_reauth_period=3")
			hp.wait(t, Authenticated, 1, 10*time.Second)
			hp.h.WaitSuccesses(t, hp.peer.HWAddr, 1, 2*time.Second)

			// hostapd re-authenticates after 3 s.
			hp.wait(t, Authenticated, 2, 10*time.Second)
			hp.h.WaitSuccesses(t, hp.peer.HWAddr, 2, 2*time.Second)

			hp.h.Reboot(t)
			hp.wait(t, Down, 1, 5*time.Second)
			hp.wait(t, Authenticated, 3, 10*time.Second)
			hp.h.WaitSuccesses(t, hp.peer.HWAddr, 3, 2*time.Second)
			if f := hp.h.Failures(hp.peer.HWAddr); f != 0 {
				t.Errorf("hostapd reported %d failures", f)
			}
		})
	}
}

// The Manager (ead) finds the port, reads default.8021x from its state
// directory and authenticates; a second interface it is not allowed to
// manage stays alone; the port's view follows.
func TestHostapdManager(t *testing.T) {
	files := []struct {
		name  string
		users []netns.EAPUser
		file  func(c *netns.Certs) string
	}{
		{"MD5", hostMethods[0].users, func(*netns.Certs) string {
			return "[Security]\nEAP-Method=MD5\nEAP-Identity=alice\nEAP-Password=secret\n"
		}},
		{"MSCHAPv2-Hash", hostMethods[2].users, func(*netns.Certs) string {
			return "[Security]\nEAP-Method=MSCHAPV2\nEAP-Identity=alice\nEAP-Password-Hash=878d8014606cda29677a44efa1353fc7\n"
		}},
		{"TLS", []netns.EAPUser{{Identity: "client@wifid.test", Methods: []string{"TLS"}}}, func(c *netns.Certs) string {
			return "[Security]\nEAP-Method=TLS\nEAP-Identity=client@wifid.test\nEAP-TLS-CACert=" + c.CAFile +
				"\nEAP-TLS-ClientCert=" + c.ClientCertFile + "\nEAP-TLS-ClientKey=" + c.ClientKeyFile +
				"\nEAP-TLS-ServerDomainMask=" + c.ServerName + "\n"
		}},
	}
	for _, tc := range files {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			peer := n.Veth(t)
			other := n.Veth(t)
			h := n.HostapdWired(t, peer, netns.WiredConfig{Users: tc.users})
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/"+SettingsFile, []byte(tc.file(h.Certs)), 0o600); err != nil {
				t.Fatal(err)
			}
			views := make(chan Adapter, 64)
			m := NewManager(ManagerConfig{
				StateDir: dir,
				Allow:    []string{peer.Name},
				Deny:     []string{other.Name},
				OnChange: func(a Adapter) { views <- a },
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			defer func() {
				cancel()
				<-done
			}()
			deadline := time.After(10 * time.Second)
			for {
				select {
				case a := <-views:
					if a.Ifindex != peer.Index {
						t.Fatalf("manager took %s, not allowed", a.Name)
					}
					if !a.Authenticated {
						continue
					}
					if !a.Connected || !a.Active || a.Address.String() != peer.HWAddr.String() || a.Name != peer.Name {
						t.Errorf("view %+v", a)
					}
					h.WaitSuccesses(t, peer.HWAddr, 1, 2*time.Second)
					return
				case <-deadline:
					t.Fatalf("not authenticated within 10 s")
				}
			}
		})
	}
}

// A server whose certificate the file's CACert does not vouch for is
// refused by the port itself (the TLS handshake fails before any inner
// credential could be sent): held, and no success on either side.
func TestHostapdPortUntrustedServer(t *testing.T) {
	for _, m := range []hostMethod{tlsMethod, hostMethods[4], hostMethods[6]} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			other := netns.NewCerts(t, t.TempDir())
			m.file = strings.ReplaceAll(m.file, "$CA", other.CAFile)
			hp := startHostPort(t, m, "secret", time.Minute)
			hp.wait(t, Held, 1, 10*time.Second)
			time.Sleep(500 * time.Millisecond)
			if s := hp.h.Successes(hp.peer.HWAddr); s != 0 || hp.count(Authenticated) != 0 {
				t.Errorf("authenticated against an untrusted server (hostapd successes %d)", s)
			}
		})
	}
}

// An interface deleted while managed is released: its port stops, the
// view is removed, and the Manager goes on.
func TestHostapdManagerLinkDeleted(t *testing.T) {
	m := hostMethods[0]
	n := netns.New(t)
	peer := n.Veth(t)
	h := n.HostapdWired(t, peer, netns.WiredConfig{Users: m.users})
	dir := m.settings(t, h.Certs, "secret")
	views := make(chan Adapter, 64)
	removed := make(chan int, 4)
	mgr := NewManager(ManagerConfig{
		StateDir: dir,
		Allow:    []string{peer.Name},
		OnChange: func(a Adapter) { views <- a },
		OnRemove: func(idx int) { removed <- idx },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.After(10 * time.Second)
	for authenticated := false; !authenticated; {
		select {
		case a := <-views:
			authenticated = a.Authenticated
		case <-deadline:
			t.Fatal("not authenticated within 10 s")
		}
	}
	if out, err := exec.Command("ip", "link", "del", peer.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip link del: %v: %s", err, out)
	}
	select {
	case idx := <-removed:
		if idx != peer.Index {
			t.Errorf("removed ifindex %d, want %d", idx, peer.Index)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("port not released after its interface was deleted")
	}
	select {
	case err := <-done:
		t.Fatalf("manager stopped: %v", err)
	default:
	}
}

// The port's own interface taken down and up (ip link set down/up, as a
// user or NetworkManager does): the port goes down with it, keeps its
// socket and authenticates again.
func TestHostapdPortAdminDownUp(t *testing.T) {
	hp := startHostPort(t, hostMethods[0], "secret", time.Minute)
	hp.wait(t, Authenticated, 1, 10*time.Second)
	for _, updown := range []string{"down", "up"} {
		if out, err := exec.Command("ip", "link", "set", hp.peer.Name, updown).CombinedOutput(); err != nil {
			t.Fatalf("ip link set %s: %v: %s", updown, err, out)
		}
		if updown == "down" {
			hp.wait(t, Down, 1, 5*time.Second)
		}
	}
	hp.wait(t, Authenticated, 2, 10*time.Second)
	hp.h.WaitSuccesses(t, hp.peer.HWAddr, 2, 2*time.Second)
	select {
	case err := <-hp.done:
		t.Fatalf("port stopped: %v", err)
	default:
	}
}
