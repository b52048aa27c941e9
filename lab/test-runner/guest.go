package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// guestMain is the runner's half inside the VM. It runs as PID 1 after
// switch_root: it finishes mounting the system, runs each test as its own
// process with a deadline, records the results on the lab share and powers
// the guest off.
func guestMain(share string) int {
	defer poweroff()
	os.Setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	os.Setenv("HOME", "/run/home")
	os.Setenv("LANG", "C.UTF-8")
	if err := guestMounts(); err != nil {
		fmt.Printf("LAB-ERROR: %v\n", err)
		return 1
	}
	os.MkdirAll("/run/home", 0o755)
	exec.Command("ip", "link", "set", "lo", "up").Run()
	var uts unix.Utsname
	unix.Uname(&uts)
	fmt.Printf("LAB-GUEST-UP kernel %s\n", unix.ByteSliceToString(uts.Release[:]))

	var cfg runConfig
	b, err := os.ReadFile(filepath.Join(share, "run.json"))
	if err == nil {
		err = json.Unmarshal(b, &cfg)
	}
	if err != nil {
		fmt.Printf("LAB-ERROR: run.json: %v\n", err)
		return 1
	}
	for _, kv := range cfg.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			os.Setenv(k, v)
		}
	}
	bin := filepath.Join(share, "bin")
	os.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	os.Setenv("LAB_BIN", bin)
	if cfg.Shell {
		return guestShell(share)
	}
	rf, err := os.OpenFile(filepath.Join(share, "results.json"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		fmt.Printf("LAB-ERROR: %v\n", err)
		return 1
	}
	defer rf.Close()
	enc := json.NewEncoder(rf)
	for _, name := range cfg.Tests {
		r := guestRunTest(share, bin, name, cfg)
		enc.Encode(r)
		rf.Sync()
		fmt.Printf("LAB-TEST-END %s %s %.1fs\n", name, r.Status, r.Seconds)
	}
	fmt.Println("LAB-DONE")
	return 0
}

func guestMounts() error {
	type m struct{ src, dst, fstype, data string }
	for _, x := range []m{
		{"proc", "/proc", "proc", ""},
		{"sys", "/sys", "sysfs", ""},
		{"tmpfs", "/tmp", "tmpfs", "mode=1777"},
		{"tmpfs", "/run", "tmpfs", "mode=755"},
		{"tmpfs", "/var/lib", "tmpfs", ""},
		{"tmpfs", "/var/log", "tmpfs", ""},
		{"tmpfs", "/var/tmp", "tmpfs", "mode=1777"},
		{"devpts", "/dev/pts", "devpts", ""},
		{"tmpfs", "/dev/shm", "tmpfs", "mode=1777"},
		{"debugfs", "/sys/kernel/debug", "debugfs", ""},
	} {
		os.MkdirAll(x.dst, 0o755)
		if err := unix.Mount(x.src, x.dst, x.fstype, 0, x.data); err != nil && x.fstype != "debugfs" {
			return fmt.Errorf("mount %s on %s: %w", x.fstype, x.dst, err)
		}
	}
	for _, d := range []string{"/run/dbus", "/run/netns", "/run/hostapd", "/var/lib/iwd", "/var/lib/misc"} {
		os.MkdirAll(d, 0o755)
	}
	return nil
}

func guestShell(share string) int {
	fmt.Println("lab shell: binaries from this build are in " + filepath.Join(share, "bin") + " (on PATH);")
	fmt.Println("  e.g. modprobe mac80211_hwsim radios=3; lab.test -test.v -test.run Reference; poweroff -f to leave")
	cmd := exec.Command("/bin/bash", "-i")
	if _, err := os.Stat("/bin/bash"); err != nil {
		cmd = exec.Command("/bin/busybox", "sh")
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "PS1=lab# ", "TERM=linux")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	cmd.Run()
	return 0
}

// guestRunTest runs one lab test as its own process group, so whatever it
// started (hostapd, dnsmasq, daemons) goes with it, and kills it at the
// deadline.
func guestRunTest(share, bin, name string, cfg runConfig) testResult {
	dir := filepath.Join(share, "results", name)
	os.MkdirAll(dir, 0o755)
	outPath := filepath.Join(dir, "output.log")
	res := testResult{Name: name, Output: filepath.Join("results", name, "output.log")}
	out, err := os.Create(outPath)
	if err != nil {
		res.Status, res.Reason = "fail", err.Error()
		return res
	}
	defer out.Close()
	fmt.Printf("LAB-TEST-START %s\n", name)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "lab.test"),
		"-test.run", "^"+name+"$", "-test.v", "-test.timeout", cfg.Timeout.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LAB_RESULTS="+dir, "LAB_TEST="+name)
	var w io.Writer = out
	if cfg.Verbose {
		w = io.MultiWriter(out, os.Stdout)
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	err = cmd.Run()
	res.Seconds = time.Since(start).Seconds()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cleanupAfterTest()
	text := readFile(outPath)
	switch {
	case ctx.Err() != nil:
		res.Status, res.Reason = "fail", fmt.Sprintf("killed after %s (the test's own timeout did not end it)", cfg.Timeout+30*time.Second)
	case err != nil:
		res.Status, res.Reason = "fail", failReason(text, err)
		if ee, ok := err.(*exec.ExitError); ok {
			res.ExitCode = ee.ExitCode()
		}
	case strings.Contains(text, "--- SKIP: "+name):
		res.Status, res.Reason = "skip", firstLineAfter(text, "--- SKIP: "+name)
	default:
		res.Status = "pass"
	}
	return res
}

// cleanupAfterTest removes what a test that was killed could not: network
// namespaces, the hwsim radios, stray daemons.
func cleanupAfterTest() {
	for _, p := range []string{"hostapd", "dnsmasq", "iwd", "wifid", "wpa_supplicant", "tcpdump", "dbus-daemon"} {
		exec.Command("pkill", "-KILL", "-x", p).Run()
	}
	if ents, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range ents {
			exec.Command("ip", "netns", "del", e.Name()).Run()
		}
	}
	exec.Command("modprobe", "-r", "mac80211_hwsim").Run()
}

func failReason(text string, err error) string {
	if strings.Contains(text, "panic: test timed out") {
		return "timed out"
	}
	// The test's first error: go test -v prints it as "    file_test.go:N: ...".
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); strings.Contains(t, "_test.go:") || strings.HasPrefix(t, "panic:") {
			return t
		}
	}
	return err.Error()
}

// firstLineAfter returns the first indented line that follows the line
// containing marker: in go test -v output, the test's first error.
func firstLineAfter(text, marker string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.Contains(l, marker) && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	return ""
}

func poweroff() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
}
