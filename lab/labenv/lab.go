package labenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// APNamespace is the network namespace that holds the access points' radios,
// so traffic between the daemon and an AP really crosses the simulated air.
const APNamespace = "ap"

// Hardware is what a lab test declares it needs.
type Hardware struct {
	Radios int  // mac80211_hwsim radios in all (the APs' and the daemon's)
	APs    []AP // access points, each on its own radio
	DBus   bool // a system dbus-daemon (needed by wifid's and iwd's D-Bus API)
	NoPcap bool // skip the hwsim0 capture
	Medium bool // relay frames through the Go medium (lab/hwsim): see StartMedium
}

// AP is one hostapd on one radio, in the AP namespace.
type AP struct {
	Radio     int    // index into Lab.Radios
	Config    string // hostapd.conf lines; interface, driver and ctrl_interface are added
	Address   string // CIDR for the AP's interface, e.g. "192.168.77.1/24"
	DHCPRange string // dnsmasq --dhcp-range; empty: no DHCP server
	// Bridge puts the AP's interface into this bridge (made on first
	// use), with Address and the DHCP server on the bridge: APs sharing
	// a bridge are one ESS on one LAN, so an address survives a roam.
	// Each later AP of the LAN gets a bridge of its own (Bridge and its
	// index) joined to the first by a veth pair, as APs on one wired LAN
	// are: a frame one hostapd sends another's BSSID (802.11r's remote
	// request broker, FT over the DS) then reaches that hostapd, which a
	// shared bridge would send out of the other's radio instead.
	Bridge string
}

// Radio is one simulated radio: its phy name (rad<N>) and interface.
type Radio struct {
	Phy   string
	Iface string
}

// Lab is a running lab for one test.
type Lab struct {
	t      testing.TB
	Dir    string // this test's results folder
	Bin    string // folder of the binaries built for this run
	Radios []Radio
	APs    []*RunningAP
	logs   []string
	procs  []*Process
	// bridgeOwner: the AP whose bridge each LAN (AP.Bridge) is.
	bridgeOwner map[string]int
}

// RunningAP is a started access point.
type RunningAP struct {
	AP
	Iface   string
	Hostapd *Process
	Dnsmasq *Process
	IP      net.IP

	lan          string // where Address and the DHCP server live: the interface or its bridge
	restarts     int    // StartAP calls so far: each restart logs to its own file
	dhcpRestarts int    // StartDHCP calls so far, likewise
}

// InGuest reports whether this process runs inside the lab guest.
func InGuest() bool { return os.Getenv("LAB_RESULTS") != "" }

// Setup builds the declared hardware and registers its teardown.
func Setup(t testing.TB, hw Hardware) *Lab {
	t.Helper()
	if !InGuest() {
		t.Skip("labenv: not inside the lab guest (run through lab/test-runner)")
	}
	l := &Lab{t: t, Dir: os.Getenv("LAB_RESULTS"), Bin: os.Getenv("LAB_BIN")}
	if _, sub, ok := strings.Cut(t.Name(), "/"); ok {
		// A subtest's lab logs into a folder of its own: the next
		// subtest's hostapd-0.log must not answer its AP-ENABLED wait.
		l.Dir = filepath.Join(l.Dir, strings.ReplaceAll(sub, "/", "_"))
		if err := os.MkdirAll(l.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(l.teardown)
	l.reset()
	if hw.Radios > 0 {
		l.radios(hw.Radios)
	}
	l.startMedium(hw)
	if !hw.NoPcap && hw.Radios > 0 {
		l.Run("ip", "link", "set", "hwsim0", "up")
		l.Start("tcpdump", nil, "tcpdump", "-i", "hwsim0", "-U", "-s", "0", "-w", l.path("hwsim0.pcap"))
	}
	if hw.DBus {
		l.dbus()
	}
	if len(hw.APs) > 0 {
		l.Run("ip", "netns", "add", APNamespace)
		l.Run("ip", "netns", "exec", APNamespace, "ip", "link", "set", "lo", "up")
	}
	for i, ap := range hw.APs {
		l.APs = append(l.APs, l.startAP(i, ap))
	}
	return l
}

func (l *Lab) path(name string) string { return filepath.Join(l.Dir, name) }

// reset clears what an earlier test could have left behind.
func (l *Lab) reset() {
	exec.Command("ip", "netns", "del", APNamespace).Run()
	exec.Command("modprobe", "-r", "mac80211_hwsim").Run()
}

func (l *Lab) radios(n int) {
	l.Run("modprobe", "mac80211_hwsim", "radios="+strconv.Itoa(n))
	deadline := time.Now().Add(15 * time.Second)
	var phys []string
	for {
		ents, _ := os.ReadDir("/sys/class/ieee80211")
		phys = phys[:0]
		for _, e := range ents {
			phys = append(phys, e.Name())
		}
		if len(phys) >= n {
			break
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("labenv: %d of %d hwsim radios appeared", len(phys), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sort.Slice(phys, func(i, j int) bool { return phyNum(phys[i]) < phyNum(phys[j]) })
	// iwd replaces a radio's interface with its own named wlan<wiphy
	// index>; naming it so from the start lets a test follow one name
	// whichever daemon it runs. Two passes: a default name may be
	// another radio's wanted one.
	type plan struct{ phy, iface, want string }
	var plans []plan
	for _, phy := range phys {
		ifaces, _ := os.ReadDir(filepath.Join("/sys/class/ieee80211", phy, "device", "net"))
		var iface string
		for _, e := range ifaces {
			if strings.HasPrefix(e.Name(), "wlan") {
				iface = e.Name()
			}
		}
		want := iface
		if b, err := os.ReadFile(filepath.Join("/sys/class/ieee80211", phy, "index")); err == nil && iface != "" {
			want = "wlan" + strings.TrimSpace(string(b))
		}
		plans = append(plans, plan{phy, iface, want})
	}
	for i, p := range plans {
		if p.iface != "" && p.iface != p.want {
			tmp := "labtmp" + strconv.Itoa(i)
			l.Run("ip", "link", "set", "dev", p.iface, "name", tmp)
			plans[i].iface = tmp
		}
	}
	for i, p := range plans {
		if p.iface != p.want {
			l.Run("ip", "link", "set", "dev", p.iface, "name", p.want)
		}
		name := "rad" + strconv.Itoa(i)
		l.Run("iw", "phy", p.phy, "set", "name", name)
		l.Radios = append(l.Radios, Radio{Phy: name, Iface: p.want})
	}
}

func phyNum(s string) int {
	n, _ := strconv.Atoi(strings.TrimLeft(s, "phyrad"))
	return n
}

func (l *Lab) dbus() {
	os.MkdirAll("/run/dbus", 0o755)
	os.Remove("/run/dbus/system_bus_socket")
	conf, err := noActivationConfig(l.Bin)
	if err != nil {
		l.t.Fatalf("labenv: dbus-daemon configuration: %v", err)
	}
	l.Start("dbus", nil, "dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--nosyslog")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat("/run/dbus/system_bus_socket"); err == nil {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatal("labenv: dbus-daemon did not create /run/dbus/system_bus_socket within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noActivationConfig writes the system bus configuration without its
// service directories: a call to a name nobody owns yet must fail, not
// start the distribution's daemon for it. The guest has iwd's activation
// file (Exec=/usr/libexec/iwd), so a test asking net.connman.iwd a
// question a moment before wifid took the name started iwd, and wifid
// then found its name taken.
//
// It also puts the project's policies (daemon/dist/*-dbus.conf, which the
// runner copies to LAB_BIN/dbus-policy) in place of the distribution's for
// the same names, so the lab tests the policy that make install ships:
// Debian's iwd-dbus.conf is left out, the other files in the system
// policy directory stay.
func noActivationConfig(bin string) (string, error) {
	const system = "/usr/share/dbus-1/system.conf"
	b, err := os.ReadFile(system)
	if err != nil {
		return "", err
	}
	include, err := policyIncludes(filepath.Join(bin, "dbus-policy"), "/usr/share/dbus-1/system.d")
	if err != nil {
		return "", err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "<standard_system_servicedirs"), strings.HasPrefix(t, "<servicedir"),
			strings.HasPrefix(t, "<servicehelper"):
			continue
		case t == "<includedir>system.d</includedir>": // relative to the file's own directory
			line = include
		}
		out = append(out, line)
	}
	dir := "/run/lab-dbus"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	conf := filepath.Join(dir, "system.conf")
	return conf, os.WriteFile(conf, []byte(strings.Join(out, "\n")), 0o644)
}

// ownedName is a name a policy lets someone own.
var ownedName = regexp.MustCompile(`<allow\s+own="([^"]+)"`)

// policyIncludes returns <include> lines for the project's policies in
// ours and for the files in system whose owned names none of ours owns.
func policyIncludes(ours, system string) (string, error) {
	mine, err := filepath.Glob(filepath.Join(ours, "*.conf"))
	if err != nil || len(mine) == 0 {
		return "", fmt.Errorf("no project D-Bus policy in %s (the runner copies daemon/dist/*-dbus.conf there)", ours)
	}
	owned := map[string]bool{}
	var lines []string
	for _, f := range mine {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		for _, m := range ownedName.FindAllSubmatch(b, -1) {
			owned[string(m[1])] = true
		}
		lines = append(lines, "  <include>"+f+"</include>")
	}
	theirs, _ := filepath.Glob(filepath.Join(system, "*.conf"))
	for _, f := range theirs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		replaced := false
		for _, m := range ownedName.FindAllSubmatch(b, -1) {
			replaced = replaced || owned[string(m[1])]
		}
		if !replaced {
			lines = append(lines, "  <include>"+f+"</include>")
		}
	}
	return strings.Join(lines, "\n"), nil
}

// apBridge is the bridge AP i joins for the LAN named lan: the LAN's
// first AP makes the bridge lan, every other one its own bridge joined to
// lan by a veth pair (see AP.Bridge). Made once, kept across restarts.
func (l *Lab) apBridge(i int, lan string) string {
	exists := func(name string) bool {
		_, err := l.Output("ip", "netns", "exec", APNamespace, "ip", "link", "show", name)
		return err == nil
	}
	mk := func(name string) {
		l.ExecAP("ip", "link", "add", "name", name, "type", "bridge", "forward_delay", "0")
		l.ExecAP("ip", "link", "set", name, "up")
	}
	if !exists(lan) {
		mk(lan)
		if l.bridgeOwner == nil {
			l.bridgeOwner = map[string]int{}
		}
		l.bridgeOwner[lan] = i
		return lan
	}
	if owner, ok := l.bridgeOwner[lan]; !ok || owner == i {
		return lan
	}
	own := fmt.Sprintf("%s%d", lan, i)
	if !exists(own) {
		mk(own)
		a, b := fmt.Sprintf("%sv%d", lan, i), fmt.Sprintf("%sw%d", lan, i)
		l.ExecAP("ip", "link", "add", a, "type", "veth", "peer", "name", b)
		l.ExecAP("ip", "link", "set", a, "master", lan, "up")
		l.ExecAP("ip", "link", "set", b, "master", own, "up")
	}
	return own
}

func (l *Lab) startAP(i int, ap AP) *RunningAP {
	l.t.Helper()
	if ap.Radio >= len(l.Radios) {
		l.t.Fatalf("labenv: AP %d on radio %d, but only %d radios", i, ap.Radio, len(l.Radios))
	}
	r := l.Radios[ap.Radio]
	l.Run("iw", "phy", r.Phy, "set", "netns", "name", APNamespace)
	run := &RunningAP{AP: ap, Iface: r.Iface}
	lan := r.Iface // where the AP's address and DHCP server live
	if ap.Bridge != "" {
		lan = l.apBridge(i, ap.Bridge)
		ap.Config += "\nbridge=" + lan
	}
	run.lan = lan
	if ap.Address != "" {
		l.ExecAP("ip", "addr", "add", ap.Address, "dev", lan)
		ip, _, err := net.ParseCIDR(ap.Address)
		if err != nil {
			l.t.Fatalf("labenv: AP %d address %q: %v", i, ap.Address, err)
		}
		run.IP = ip
	}
	conf := fmt.Sprintf("interface=%s\ndriver=nl80211\nctrl_interface=/run/hostapd\n%s\n", r.Iface, strings.TrimSpace(ap.Config))
	confPath := l.path(fmt.Sprintf("hostapd-%d.conf", i))
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		l.t.Fatal(err)
	}
	run.Hostapd = l.Start(fmt.Sprintf("hostapd-%d", i), nil, "ip", "netns", "exec", APNamespace, "hostapd", "-dd", "-t", confPath)
	if err := run.Hostapd.WaitLog("AP-ENABLED", 30*time.Second); err != nil {
		l.t.Fatalf("labenv: AP %d: %v", i, err)
	}
	if ap.DHCPRange != "" {
		l.startDHCP(i, run, lan, fmt.Sprintf("dnsmasq-%d", i))
	}
	return run
}

// startDHCP starts AP i's dnsmasq on lan (its interface or bridge) and
// returns once it serves.
func (l *Lab) startDHCP(i int, run *RunningAP, lan, name string) {
	l.t.Helper()
	run.Dnsmasq = l.Start(name, nil, "ip", "netns", "exec", APNamespace,
		"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--interface="+lan, "--bind-interfaces",
		"--except-interface=lo", "--dhcp-range="+run.DHCPRange, "--dhcp-authoritative", "--no-ping",
		"--dhcp-leasefile="+l.path(fmt.Sprintf("dnsmasq-%d.leases", i)), "--log-dhcp",
		"--no-resolv", "--no-hosts", "--pid-file=")
	if err := run.Dnsmasq.WaitLog("DHCP, IP range", 15*time.Second); err != nil {
		l.t.Fatalf("labenv: AP %d dnsmasq: %v", i, err)
	}
}

// StopDHCP stops AP i's DHCP server (dnsmasq); the AP stays on the air.
func (l *Lab) StopDHCP(i int) {
	l.t.Helper()
	if err := l.APs[i].Dnsmasq.Stop(); err != nil {
		l.t.Logf("labenv: dnsmasq %d stopped: %v", i, err)
	}
}

// StartDHCP starts AP i's DHCP server again, with the same lease file.
func (l *Lab) StartDHCP(i int) {
	l.t.Helper()
	ap := l.APs[i]
	lan := ap.lan
	ap.dhcpRestarts++
	l.startDHCP(i, ap, lan, fmt.Sprintf("dnsmasq-%d.restart%d", i, ap.dhcpRestarts))
}

// StopAP stops AP i's hostapd (the AP goes off the air; hostapd
// deauthenticates its stations as it leaves).
func (l *Lab) StopAP(i int) {
	l.t.Helper()
	ap := l.APs[i]
	if err := ap.Hostapd.Stop(); err != nil {
		l.t.Logf("labenv: hostapd %d stopped: %v", i, err)
	}
}

// StartAP starts AP i's hostapd again with the same configuration and
// returns once it is on the air (AP-ENABLED).
func (l *Lab) StartAP(i int) {
	l.t.Helper()
	ap := l.APs[i]
	confPath := l.path(fmt.Sprintf("hostapd-%d.conf", i))
	// Its own log: the first run's AP-ENABLED must not answer the wait.
	ap.restarts++
	ap.Hostapd = l.Start(fmt.Sprintf("hostapd-%d.restart%d", i, ap.restarts), nil, "ip", "netns", "exec", APNamespace, "hostapd", "-dd", "-t", confPath)
	if err := ap.Hostapd.WaitLog("AP-ENABLED", 30*time.Second); err != nil {
		l.t.Fatalf("labenv: AP %d: %v", i, err)
	}
}

// Run runs a command to completion in the root namespace and fails the test
// if it fails. It returns the combined output.
func (l *Lab) Run(argv ...string) string {
	l.t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("labenv: %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// Output runs a command and returns its output and error, without failing.
func (l *Lab) Output(argv ...string) (string, error) {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	return string(out), err
}

// ExecAP runs a command in the AP namespace.
func (l *Lab) ExecAP(argv ...string) string {
	l.t.Helper()
	return l.Run(append([]string{"ip", "netns", "exec", APNamespace}, argv...)...)
}

// WaitIPv4 waits until iface has an IPv4 address. It asks the kernel over
// netlink (net.Interface.Addrs) and spawns nothing, so it does not starve the
// guest while it waits.
func (l *Lab) WaitIPv4(iface string, timeout time.Duration) (net.IP, error) {
	deadline := time.Now().Add(timeout)
	for {
		if ifi, err := net.InterfaceByName(iface); err == nil {
			addrs, _ := ifi.Addrs()
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
					return ipn.IP, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s got no IPv4 address within %s", iface, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Ping sends count pings to ip from the root namespace.
func (l *Lab) Ping(ip net.IP, count int) error {
	out, err := exec.Command("ping", "-c", strconv.Itoa(count), "-W", "3", ip.String()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ping %s: %v\n%s", ip, err, out)
	}
	return nil
}

func (l *Lab) teardown() {
	for i := len(l.procs) - 1; i >= 0; i-- {
		l.procs[i].Stop()
	}
	exec.Command("ip", "netns", "del", APNamespace).Run()
	exec.Command("modprobe", "-r", "mac80211_hwsim").Run()
	if l.t.Failed() {
		for _, log := range l.logs {
			l.t.Logf("---- tail of %s ----\n%s", filepath.Base(log), tailFile(log, 25))
		}
	}
}
