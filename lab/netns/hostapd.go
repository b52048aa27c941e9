package netns

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EAPUser is one line of hostapd's eap_user file (see hostapd.eap_user in
// hostapd's examples for the syntax it writes).
type EAPUser struct {
	// Identity is the EAP identity; "" matches any identity (hostapd's
	// "*"). With Prefix the identity matches as a prefix ("name"*).
	Identity string
	Prefix   bool
	// Methods are hostapd's method names in order of preference: MD5,
	// GTC, MSCHAPV2, TLS, PEAP, TTLS, PWD, and for a phase 2 line
	// TTLS-PAP, TTLS-CHAP, TTLS-MSCHAP, TTLS-MSCHAPV2 too.
	Methods []string
	// Password, if set, is the user's password; with NTHash it is
	// instead the hex NT hash (hostapd's hash:... form, MSCHAPV2 only).
	Password string
	NTHash   bool
	// Phase2 marks a line for the inner method of PEAP or TTLS ([2]).
	Phase2 bool
}

// Line is u as a line of the eap_user file (for a hostapd a test
// configures itself, e.g. a Wi-Fi AP with WPA-EAP).
func (u EAPUser) Line() string {
	var b strings.Builder
	if u.Identity == "" {
		b.WriteString("*")
	} else {
		fmt.Fprintf(&b, "%q", u.Identity)
		if u.Prefix {
			b.WriteString("*")
		}
	}
	b.WriteString("\t" + strings.Join(u.Methods, ","))
	switch {
	case u.NTHash:
		b.WriteString("\thash:" + u.Password)
	case u.Password != "":
		fmt.Fprintf(&b, "\t%q", u.Password)
	}
	if u.Phase2 {
		b.WriteString("\t[2]")
	}
	return b.String()
}

// WiredConfig is what a test chooses of a wired 802.1X authenticator.
type WiredConfig struct {
	// Users is the eap_user file, in order (hostapd takes the first
	// line that matches).
	Users []EAPUser
	// Extra are further hostapd.conf lines, for example
	// "fragment_size=300", "tls_flags=[ENABLE-TLSv1.3]" or
	// "eap_reauth_period=5".
	Extra []string
	// NewCerts makes the PKI (NewCertsP384, say); nil means NewCerts.
	NewCerts func(t testing.TB, dir string) *Certs
}

// Hostapd is hostapd with driver=wired and its internal EAP server on the
// far end of a veth pair. Its debug log (-dd) is in Log.
type Hostapd struct {
	*Proc
	// Conf is the hostapd.conf path; Certs the PKI whose server
	// certificate it presents (and whose CA it trusts for EAP-TLS).
	Conf  string
	Certs *Certs

	n    *NS
	peer *Peer
}

// HostapdWired writes a hostapd.conf, an eap_user file and a fresh PKI
// (WiredConfig.NewCerts under Dir) and starts hostapd on peer's far end with
// driver=wired, ieee8021x=1 and eap_server=1. It returns once hostapd has
// enabled the interface. hostapd is stopped in t.Cleanup; its log's tail
// is printed if the test failed.
func (n *NS) HostapdWired(t testing.TB, peer *Peer, cfg WiredConfig) *Hostapd {
	t.Helper()
	Require(t, "ip", "hostapd")
	dir := filepath.Join(n.dir, "hostapd-"+peer.FarName)
	newCerts := cfg.NewCerts
	if newCerts == nil {
		newCerts = NewCerts
	}
	certs := newCerts(t, filepath.Join(dir, "certs"))
	var users strings.Builder
	for _, u := range cfg.Users {
		users.WriteString(u.Line() + "\n")
	}
	usersPath := filepath.Join(dir, "eap_user")
	if err := os.WriteFile(usersPath, []byte(users.String()), 0o600); err != nil {
		t.Fatalf("netns: %v", err)
	}
	conf := []string{
		"interface=" + peer.FarName,
		"driver=wired",
		"ieee8021x=1",
		"eapol_version=2",
		"eap_server=1",
		"use_pae_group_addr=1",
		"eap_user_file=" + usersPath,
		"ca_cert=" + certs.CAFile,
		"server_cert=" + certs.ServerCertFile,
		"private_key=" + certs.ServerKeyFile,
		"logger_stdout=-1",
		"logger_stdout_level=0",
		"ctrl_interface=" + filepath.Join(dir, "ctrl"),
	}
	conf = append(conf, cfg.Extra...)
	confPath := filepath.Join(dir, "hostapd.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		t.Fatalf("netns: %v", err)
	}
	h := &Hostapd{Conf: confPath, Certs: certs, n: n, peer: peer}
	h.start(t)
	return h
}

func (h *Hostapd) start(t testing.TB) {
	t.Helper()
	logPath := filepath.Join(h.n.dir, "hostapd."+h.peer.FarName+".log")
	h.Proc = h.n.spawnLog(t, logPath, "hostapd", "-dd", "-t", h.Conf)
	h.Proc.Name = "hostapd"
	h.WaitLog(t, h.peer.FarName+": interface state UNINITIALIZED->ENABLED", 10*time.Second)
}

// Restart stops hostapd and starts it again with the same files; the log
// goes on in the same file. It returns once the new hostapd is up.
func (h *Hostapd) Restart(t testing.TB) {
	t.Helper()
	h.Stop()
	fmt.Fprintf(logAppender(t, h.Log), "=== netns: hostapd restarted\n")
	h.start(t)
}

// Reboot is Restart with the far end's carrier dropped in between, as a
// switch that reboots drops its ports' links: the near end sees the link
// go down and come back up.
func (h *Hostapd) Reboot(t testing.TB) {
	t.Helper()
	h.Stop()
	fmt.Fprintf(logAppender(t, h.Log), "=== netns: hostapd rebooted (far link down and up)\n")
	h.n.Exec(t, "ip", "link", "set", h.peer.FarName, "down")
	time.Sleep(100 * time.Millisecond)
	h.n.Exec(t, "ip", "link", "set", h.peer.FarName, "up")
	h.start(t)
}

func logAppender(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Successes and Failures count hostapd's EAP results for the supplicant
// at addr since hostapd first started (its log lines
// "CTRL-EVENT-EAP-SUCCESS <addr>" and "CTRL-EVENT-EAP-FAILURE <addr>").
func (h *Hostapd) Successes(addr net.HardwareAddr) int {
	return h.count("CTRL-EVENT-EAP-SUCCESS " + addr.String())
}

// Failures: see Successes.
func (h *Hostapd) Failures(addr net.HardwareAddr) int {
	return h.count("CTRL-EVENT-EAP-FAILURE " + addr.String())
}

// Starts counts the EAPOL-Start frames hostapd received from addr.
func (h *Hostapd) Starts(addr net.HardwareAddr) int {
	return h.count("STA " + addr.String() + " IEEE 802.1X: received EAPOL-Start from STA")
}

func (h *Hostapd) count(s string) int {
	b, _ := os.ReadFile(h.Log)
	return strings.Count(string(b), s)
}

// WaitSuccesses waits until hostapd has reported at least n EAP successes
// for addr; it fails the test after timeout.
func (h *Hostapd) WaitSuccesses(t testing.TB, addr net.HardwareAddr, n int, timeout time.Duration) {
	t.Helper()
	h.waitCount(t, "EAP successes for "+addr.String(), func() int { return h.Successes(addr) }, n, timeout)
}

// WaitFailures waits until hostapd has reported at least n EAP failures
// for addr; it fails the test after timeout.
func (h *Hostapd) WaitFailures(t testing.TB, addr net.HardwareAddr, n int, timeout time.Duration) {
	t.Helper()
	h.waitCount(t, "EAP failures for "+addr.String(), func() int { return h.Failures(addr) }, n, timeout)
}

func (h *Hostapd) waitCount(t testing.TB, what string, f func() int, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := f()
		if got >= n {
			return
		}
		if done, err := h.Exited(); done {
			t.Fatalf("netns: hostapd exited (%v) waiting for %d %s (have %d):\n%s", err, n, what, got, h.Tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("netns: %d of %d %s after %v:\n%s", got, n, what, timeout, h.Tail(30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
