package daemon

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// unitExposure is the most each shipped unit may score in `systemd-analyze
// security` (0 is best, 10 worst; systemd calls below 5 "OK"). Measured
// with systemd 252: wifid.service 2.3, ead.service 1.6. What is left is
// what a root network daemon needs: root, the host's network, packet and
// netlink sockets, CAP_NET_ADMIN and CAP_NET_RAW (wifid also /dev/rfkill,
// CAP_NET_BIND_SERVICE for DHCPv6's port 546 and /proc/sys/net/*/conf).
// A loosened line shows up as a higher figure.
var unitExposure = map[string]float64{
	"wifid.service": 2.4,
	"ead.service":   1.7,
}

var exposureLine = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

// TestUnitsHardened scores daemon/dist's units with `systemd-analyze
// security --offline=true` against unitExposure.
func TestUnitsHardened(t *testing.T) {
	bin := systemdAnalyze(t)
	for unit, max := range unitExposure {
		out, err := exec.Command(bin, "security", "--offline=true", "--no-pager", filepath.Join("dist", unit)).CombinedOutput()
		m := exposureLine.FindSubmatch(out)
		if m == nil {
			t.Errorf("%s: no exposure level in systemd-analyze's output (%v):\n%s", unit, err, out)
			continue
		}
		got, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("%s: exposure %.1f (at most %.1f)", unit, got, max)
		if got > max {
			t.Errorf("%s: exposure %.1f, want at most %.1f; systemd-analyze's findings:\n%s", unit, got, max, findings(out))
		}
	}
}

// findings are the lines of systemd-analyze security that count against
// the unit.
func findings(out []byte) string {
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "✗") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestUnitsVerify runs `systemd-analyze verify` on the units in a root of
// their own (the host's units are not loaded: Debian's iwd.service owns
// the same bus name), with stand-ins for the units they order against and
// for the binaries. Any complaint (an unknown key, a value systemd
// ignores) fails: systemd starts a unit with a bad line, without it.
func TestUnitsVerify(t *testing.T) {
	bin := systemdAnalyze(t)
	root := t.TempDir()
	units := filepath.Join(root, "etc", "systemd", "system")
	write := func(path, body string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for unit := range unitExposure {
		b, err := os.ReadFile(filepath.Join("dist", unit))
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(units, unit), string(b), 0o644)
		names = append(names, unit)
		for _, l := range strings.Split(string(b), "\n") {
			if exe, ok := strings.CutPrefix(l, "ExecStart="); ok {
				write(filepath.Join(root, exe), "#!/bin/sh\n", 0o755)
			}
		}
	}
	for _, stub := range []string{"dbus.socket", "sysinit.target", "basic.target", "shutdown.target",
		"network.target", "multi-user.target", "systemd-udevd.service", "iwd.service", "system.slice", "-.slice"} {
		body := "[Unit]\n"
		switch filepath.Ext(stub) {
		case ".service":
			body = "[Service]\nExecStart=/bin/true\n"
			write(filepath.Join(root, "bin", "true"), "#!/bin/sh\n", 0o755)
		case ".socket":
			body = "[Socket]\nListenStream=/run/dbus/system_bus_socket\n"
		}
		write(filepath.Join(units, stub), body, 0o644)
	}
	args := append([]string{"verify", "--root=" + root, "--man=no", "--generators=no"}, names...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify %v: %v\n%s", names, err, out)
	}
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze:", err)
	}
	if out, err := exec.Command(bin, "security", "--help").CombinedOutput(); err != nil || !strings.Contains(string(out), "--offline") {
		t.Skip("systemd-analyze has no security --offline (systemd 250 or later)")
	}
	return bin
}
