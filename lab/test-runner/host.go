package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// runConfig is what the host tells the guest, as OUT/run.json.
type runConfig struct {
	Tests   []string      `json:"tests"`
	Timeout time.Duration `json:"timeout"`
	Verbose bool          `json:"verbose"`
	Shell   bool          `json:"shell"`
	Env     []string      `json:"env,omitempty"`
}

// testResult is one line of OUT/results.json, written by the guest.
type testResult struct {
	Name     string  `json:"name"`
	Status   string  `json:"status"` // pass, fail, skip
	Seconds  float64 `json:"seconds"`
	Reason   string  `json:"reason,omitempty"`
	Output   string  `json:"output"` // path of the test's output, relative to OUT
	ExitCode int     `json:"exit_code"`
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run me inside the wifid source tree (no go.mod found)")
		}
		dir = parent
	}
}

func preflight() (kernel string, err error) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		return "", errors.New("qemu-system-x86_64 not found: install qemu-system-x86 (make lab-deps does)")
	}
	kernel, err = latestKernel()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		return "", errors.New("/bin/busybox not found: install busybox-static")
	}
	for _, tool := range []string{"hostapd", "dnsmasq", "iw", "modinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err2 := os.Stat("/usr/sbin/" + tool); err2 != nil {
				return "", fmt.Errorf("%s not found: install the lab packages (make lab-deps)", tool)
			}
		}
	}
	return kernel, nil
}

func run(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// wifidLinkFlags are the Makefile's WIFID_LDFLAGS: see there.
const wifidLinkFlags = "-X=runtime.godebugDefault=disablethp=1"

// build puts the guest's binaries in OUT/bin: the runner itself, wifid and
// the tools, and the lab test binary.
func build(root, out, tags string) error {
	bin := filepath.Join(out, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	env := []string{"CGO_ENABLED=0"}
	// wifid must build; a tool that does not (someone's work in progress)
	// is reported and left out, so it does not stop everyone's lab run.
	// Stripped, as make build and make install ship it; and a profiling
	// build beside it for make bench (cmd/wifid/profile.go).
	if err := run(root, env, "go", "build", "-trimpath", "-ldflags=-s -w "+wifidLinkFlags, "-o", bin+"/", "./daemon/cmd/wifid"); err != nil {
		return err
	}
	if err := run(root, env, "go", "build", "-trimpath", "-tags", "profile", "-ldflags="+wifidLinkFlags, "-o", filepath.Join(bin, "wifid-profile"), "./daemon/cmd/wifid"); err != nil {
		return err
	}
	list := exec.Command("go", "list", "-e", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`,
		"./tools/...", "./lab/test-runner", "./lab/wifi-hwsim")
	list.Dir = root
	pkgs, err := list.Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	for _, pkg := range strings.Fields(string(pkgs)) {
		if err := run(root, env, "go", "build", "-o", bin+"/", pkg); err != nil {
			fmt.Fprintf(os.Stderr, "test-runner: warning: %s does not build; lab tests that need it will fail\n", pkg)
		}
	}
	// The project's D-Bus policies, which labenv's dbus-daemon reads in
	// place of Debian's iwd and ead ones.
	if err := copyPolicies(filepath.Join(root, "daemon", "dist"), filepath.Join(bin, "dbus-policy")); err != nil {
		return err
	}
	t := "lab"
	if tags != "" {
		t += "," + tags
	}
	return run(root, env, "go", "test", "-c", "-tags", t, "-o", filepath.Join(bin, "lab.test"), "./lab")
}

// copyPolicies copies the D-Bus policy files (*-dbus.conf) of dist into dir.
func copyPolicies(dist, dir string) error {
	files, err := filepath.Glob(filepath.Join(dist, "*-dbus.conf"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no D-Bus policy in %s: %v", dist, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// listTests asks the lab test binary which tests match pattern.
func listTests(bin, pattern string) ([]string, error) {
	out, err := exec.Command(bin, "-test.list", pattern).Output()
	if err != nil {
		return nil, fmt.Errorf("listing lab tests: %w", err)
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Test") {
			names = append(names, l)
		}
	}
	return names, nil
}

func hostMain(o options) (int, error) {
	root, err := moduleRoot()
	if err != nil {
		return 2, err
	}
	if !filepath.IsAbs(o.out) {
		o.out = filepath.Join(root, o.out)
	}
	if _, err := regexp.Compile(o.run); err != nil {
		return 2, fmt.Errorf("-run %q: %w", o.run, err)
	}
	if !o.noBuild {
		for _, d := range []string{"results"} {
			os.RemoveAll(filepath.Join(o.out, d))
		}
		os.Remove(filepath.Join(o.out, "results.json"))
		fmt.Fprintln(os.Stderr, "test-runner: building wifid, the tools and the lab suite")
		if err := build(root, o.out, o.tags); err != nil {
			return 2, err
		}
	}
	names, err := listTests(filepath.Join(o.out, "bin", "lab.test"), o.run)
	if err != nil {
		return 2, err
	}
	if o.list {
		for _, n := range names {
			fmt.Println(n)
		}
		return 0, nil
	}
	if len(names) == 0 && !o.shell {
		return 2, fmt.Errorf("no lab test matches -run %q", o.run)
	}
	kernel, err := preflight()
	if err != nil {
		return 2, err
	}
	for _, d := range []string{"results"} {
		os.RemoveAll(filepath.Join(o.out, d))
		if err := os.MkdirAll(filepath.Join(o.out, d), 0o755); err != nil {
			return 2, err
		}
	}
	os.Remove(filepath.Join(o.out, "results.json"))
	cfg := runConfig{Tests: names, Timeout: o.timeout, Verbose: o.verbose, Shell: o.shell, Env: o.env}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(o.out, "run.json"), b, 0o644); err != nil {
		return 2, err
	}
	initrd := filepath.Join(o.out, "initrd.gz")
	if err := buildInitramfs(kernel, "/bin/busybox", initrd); err != nil {
		return 2, fmt.Errorf("initramfs: %w", err)
	}
	if o.shell {
		unlock, err := lockLab()
		if err != nil {
			return 2, err
		}
		defer unlock()
		return 0, bootShell(kernel, initrd, o)
	}
	unlock, err := lockLab()
	if err != nil {
		return 2, err
	}
	defer unlock()
	fmt.Fprintf(os.Stderr, "test-runner: booting kernel %s with %d lab test(s)\n", kernel, len(names))
	start := time.Now()
	bootErr := boot(kernel, initrd, o, len(names))
	results, rerr := readResults(filepath.Join(o.out, "results.json"))
	return report(o, names, results, rerr, bootErr, time.Since(start))
}

func qemuArgs(kernel, initrd string, o options) []string {
	return []string{
		"-machine", "accel=tcg", "-cpu", "max", "-m", fmt.Sprint(o.mem), "-smp", "2",
		"-no-reboot", "-nodefaults",
		"-kernel", "/boot/vmlinuz-" + kernel, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 loglevel=3 quiet",
		"-virtfs", "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap",
		"-virtfs", "local,path=" + o.out + ",mount_tag=lab,security_model=none",
	}
}

// boot runs the guest to completion, streaming its console to OUT/console.log
// and enforcing the boot and per-test deadlines from the host side too, so a
// wedged guest ends in an error and not a hang.
func boot(kernel, initrd string, o options, ntests int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	args := append(qemuArgs(kernel, initrd, o), "-display", "none", "-serial", "stdio", "-monitor", "none")
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	cmd.Stdin = nil
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	console, err := os.Create(filepath.Join(o.out, "console.log"))
	if err != nil {
		return err
	}
	defer console.Close()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("qemu: %w", err)
	}
	var (
		mu       sync.Mutex
		up       bool
		deadline = time.Now().Add(o.bootTimeout)
		phase    = "boot"
	)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(console, line)
			mu.Lock()
			switch {
			case strings.HasPrefix(line, "LAB-GUEST-UP"):
				up = true
				phase = "setup"
				deadline = time.Now().Add(2 * time.Minute)
			case strings.HasPrefix(line, "LAB-TEST-START "):
				phase = "test " + strings.TrimPrefix(line, "LAB-TEST-START ")
				deadline = time.Now().Add(o.timeout + 90*time.Second)
			case strings.HasPrefix(line, "LAB-TEST-END "):
				f := strings.Fields(line)
				if len(f) >= 4 {
					fmt.Fprintf(os.Stderr, "lab: %-4s %s (%s)\n", strings.ToUpper(f[2]), f[1], f[3])
				}
				phase = "between tests"
				deadline = time.Now().Add(2 * time.Minute)
			case strings.HasPrefix(line, "LAB-ERROR"):
				fmt.Fprintln(os.Stderr, line)
			default:
				if o.verbose {
					fmt.Fprintln(os.Stderr, "  | "+line)
				}
			}
			mu.Unlock()
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			mu.Lock()
			defer mu.Unlock()
			if !up {
				return fmt.Errorf("the guest stopped before it came up (qemu: %v); see %s", err, console.Name())
			}
			return nil
		case <-tick.C:
			mu.Lock()
			late := time.Now().After(deadline)
			p, u := phase, up
			mu.Unlock()
			if late {
				cancel()
				<-done
				if !u {
					return fmt.Errorf("the guest did not come up within %s; see %s", o.bootTimeout, console.Name())
				}
				return fmt.Errorf("the guest hung during %s; killed it; see %s", p, console.Name())
			}
		}
	}
}

func bootShell(kernel, initrd string, o options) error {
	args := append(qemuArgs(kernel, initrd, o), "-nographic")
	cmd := exec.Command("qemu-system-x86_64", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	fmt.Fprintln(os.Stderr, "test-runner: booting the lab; `poweroff -f` (or Ctrl-A x) leaves it")
	return cmd.Run()
}

func readResults(path string) ([]testResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []testResult
	dec := json.NewDecoder(f)
	for {
		var r testResult
		if err := dec.Decode(&r); err == io.EOF {
			return rs, nil
		} else if err != nil {
			return rs, fmt.Errorf("%s: %w", path, err)
		}
		rs = append(rs, r)
	}
}

func report(o options, names []string, results []testResult, rerr, bootErr error, took time.Duration) (int, error) {
	seen := map[string]bool{}
	var pass, fail, skip int
	for _, r := range results {
		seen[r.Name] = true
		switch r.Status {
		case "pass":
			pass++
		case "skip":
			skip++
		default:
			fail++
			fmt.Printf("\n--- FAIL lab %s (%.1fs): %s\n", r.Name, r.Seconds, r.Reason)
			if b, err := os.ReadFile(filepath.Join(o.out, r.Output)); err == nil {
				fmt.Println(tail(string(b), 80))
			}
		}
	}
	for _, n := range names {
		if !seen[n] {
			fail++
			fmt.Printf("--- FAIL lab %s: did not run (the guest ended before it)\n", n)
		}
	}
	if bootErr != nil {
		fmt.Printf("lab: %v\n", bootErr)
		fmt.Println(tail(readFile(filepath.Join(o.out, "console.log")), 30))
	} else if rerr != nil && len(results) == 0 {
		fmt.Printf("lab: no results from the guest: %v\n", rerr)
	}
	fmt.Printf("lab: %d passed, %d failed, %d skipped in %s (results in %s)\n", pass, fail, skip, took.Round(time.Second), o.out)
	fmt.Printf("%d passed, %d failed\n", pass, fail)
	if fail > 0 || bootErr != nil {
		return 1, nil
	}
	return 0, nil
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockLab lets one lab VM run at a time on this machine: two software-
// emulated guests on two cores slow each other until boots stall.
func lockLab() (func(), error) {
	path := filepath.Join(os.TempDir(), "wifid-lab.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		fmt.Fprintln(os.Stderr, "test-runner: another lab VM runs on this machine; waiting for it")
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("lab lock %s: %w", path, err)
		}
	}
	return func() { unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
}
