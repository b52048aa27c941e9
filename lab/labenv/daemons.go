package labenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Daemon is a wifid or iwd started by the lab, with its directories.
type Daemon struct {
	*Process
	ConfigDir string // CONFIGURATION_DIRECTORY: main.conf
	StateDir  string // STATE_DIRECTORY: network files

	name      string   // wifid or iwd
	argv, env []string // how it was started, for Restart
	restarts  int      // Restart calls so far: each restart logs to its own file
}

// DaemonOptions describe how to start a daemon the way iwd is started.
type DaemonOptions struct {
	Phys     []string          // -p: the radios it may use
	MainConf string            // main.conf contents
	Networks map[string]string // network file name -> contents, e.g. "labnet.psk", "hotspot/x.conf"
	Args     []string          // extra flags, e.g. -d, -E
	Env      []string          // extra environment, e.g. DBUS_SYSTEM_BUS_ADDRESS
	// Mtimes sets network files' modification times, which are iwd's
	// "last connected" times.
	Mtimes map[string]time.Time
	// Bin, when set, is the executable to run instead of the default
	// (make bench's profiling build of wifid).
	Bin string
}

// StartIwd starts Debian's iwd, the reference implementation.
func (l *Lab) StartIwd(o DaemonOptions) *Daemon {
	l.t.Helper()
	return l.startDaemon("iwd", "/usr/libexec/iwd", o)
}

// StartWifid starts wifid as built for this run.
func (l *Lab) StartWifid(o DaemonOptions) *Daemon {
	l.t.Helper()
	return l.startDaemon("wifid", filepath.Join(l.Bin, "wifid"), o)
}

func (l *Lab) startDaemon(name, bin string, o DaemonOptions) *Daemon {
	l.t.Helper()
	if o.Bin != "" {
		bin = o.Bin
	}
	d := &Daemon{ConfigDir: filepath.Join("/run", name+"-conf"), StateDir: filepath.Join("/var/lib", name+"-state")}
	for _, dir := range []string{d.ConfigDir, d.StateDir} {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			l.t.Fatal(err)
		}
	}
	if o.MainConf != "" {
		if err := os.WriteFile(filepath.Join(d.ConfigDir, "main.conf"), []byte(o.MainConf), 0o644); err != nil {
			l.t.Fatal(err)
		}
	}
	for file, body := range o.Networks {
		// "hotspot/x.conf": Hotspot 2.0 profiles live in a subdirectory.
		if err := os.MkdirAll(filepath.Dir(filepath.Join(d.StateDir, file)), 0o700); err != nil {
			l.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d.StateDir, file), []byte(body), 0o600); err != nil {
			l.t.Fatal(err)
		}
		if mt, ok := o.Mtimes[file]; ok {
			if err := os.Chtimes(filepath.Join(d.StateDir, file), mt, mt); err != nil {
				l.t.Fatal(err)
			}
		}
	}
	argv := []string{bin}
	if len(o.Phys) > 0 {
		argv = append(argv, "-p", strings.Join(o.Phys, ","))
	}
	argv = append(argv, o.Args...)
	env := append([]string{"CONFIGURATION_DIRECTORY=" + d.ConfigDir, "STATE_DIRECTORY=" + d.StateDir}, o.Env...)
	d.name, d.argv, d.env = name, argv, env
	d.Process = l.Start(name, env, argv...)
	return d
}

// Restart starts the daemon again, as it was started, on the state
// directory as it is now (StartWifid and StartIwd empty it first); the
// earlier process must have ended. It logs to a file of its own.
func (l *Lab) Restart(d *Daemon) {
	l.t.Helper()
	if ok, _ := d.Exited(); !ok {
		l.t.Fatalf("labenv: restart %s: still running", d)
	}
	d.restarts++
	d.Process = l.Start(fmt.Sprintf("%s.restart%d", d.name, d.restarts), d.env, d.argv...)
}

// String names the daemon for messages.
func (d *Daemon) String() string { return fmt.Sprintf("%s (pid %d)", d.Name, d.Pid()) }
