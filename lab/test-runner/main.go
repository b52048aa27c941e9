// Command test-runner boots wifid's lab (Debian's kernel in qemu with
// mac80211_hwsim, see ../shared/LAB.md) and runs the lab suite inside it.
//
// On the host it builds wifid, the tools and the lab test binary
// (go test -c -tags lab ./lab), builds a small initramfs (busybox-static and
// the 9p modules of the installed kernel), boots qemu under TCG with the
// host's root read-only over 9p and a writable results share, and reports
// pass/fail per test. Inside the guest the same binary, started as
// "test-runner -guest DIR", mounts the rest of the system, runs each selected
// test as its own process with a timeout and writes the results to the share.
//
// Usage:
//
//	test-runner [-run PATTERN] [-out DIR] [-timeout 3m] [-v]
//	test-runner -shell          boot the lab and leave an interactive shell
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

type options struct {
	run         string
	out         string
	timeout     time.Duration
	bootTimeout time.Duration
	mem         int
	verbose     bool
	shell       bool
	noBuild     bool
	list        bool
	env         envList
	tags        string
}

// envList collects repeated -env K=V flags.
type envList []string

func (e *envList) String() string     { return fmt.Sprint([]string(*e)) }
func (e *envList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-guest" {
		os.Exit(guestMain(os.Args[2]))
	}
	var o options
	flag.StringVar(&o.run, "run", ".", "run only lab tests matching this regular expression (go test -run syntax)")
	flag.StringVar(&o.out, "out", "lab-results", "results folder (logs, pcaps, per-test output); emptied first")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "per-test timeout inside the guest")
	flag.DurationVar(&o.bootTimeout, "boot-timeout", 3*time.Minute, "how long the guest may take to come up")
	flag.IntVar(&o.mem, "mem", 2048, "guest memory in MiB")
	flag.BoolVar(&o.verbose, "v", false, "stream the tests' output and the guest console as they run")
	flag.BoolVar(&o.shell, "shell", false, "boot the lab and leave an interactive shell in the guest")
	flag.BoolVar(&o.noBuild, "no-build", false, "reuse the binaries already in OUT/bin")
	flag.BoolVar(&o.list, "list", false, "list the lab tests and exit (no boot)")
	flag.StringVar(&o.tags, "tags", "", "extra build tags for the lab test binary (comma separated), e.g. bench")
	flag.Var(&o.env, "env", "K=V set in the tests' environment inside the guest (repeatable)")
	flag.Parse()
	code, err := hostMain(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "test-runner: %v\n", err)
		if code == 0 {
			code = 2
		}
	}
	os.Exit(code)
}
