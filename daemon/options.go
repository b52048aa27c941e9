package daemon

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Options is wifid's launch contract, which is iwd's: the same flags and
// environment, so a harness written for iwd starts wifid unchanged.
type Options struct {
	Interfaces   []string // -i/--interfaces: globs of interfaces to manage
	NoInterfaces []string // -I/--nointerfaces: globs of interfaces to leave alone
	Phys         []string // -p/--phys: globs of wiphys to manage
	NoPhys       []string // -P/--nophys: globs of wiphys to leave alone
	Debug        bool     // -d/--debug: debug logging
	DebugFilter  string   // -d=FILTER: iwd takes a filter; kept, unused
	Developer    bool     // -E/--developer: StationDebug and autoconnect off
	Version      bool     // -v/--version
	ConfigDir    string   // $CONFIGURATION_DIRECTORY, default /etc/iwd (main.conf)
	StateDir     string   // $STATE_DIRECTORY, default /var/lib/iwd (network files)

	// Settled, when set, is called once: when a station is first
	// connected, or settleAfter after the start if none is by then. The
	// start-up's burst of work is over; main tightens the GC then.
	Settled func()
}

// Default directories, as iwd's.
const (
	DefaultConfigDir = "/etc/iwd"
	DefaultStateDir  = "/var/lib/iwd"
)

const usage = `usage: wifid [options]
  -i, --interfaces=GLOBS     manage only these interfaces (comma separated globs)
  -I, --nointerfaces=GLOBS   never manage these interfaces
  -p, --phys=GLOBS           manage only these wiphys
  -P, --nophys=GLOBS         never manage these wiphys
  -d, --debug                debug logging
  -E, --developer            developer mode (StationDebug; autoconnect starts off)
  -v, --version              print the version and exit
environment: CONFIGURATION_DIRECTORY (main.conf, default /etc/iwd),
             STATE_DIRECTORY (network files, default /var/lib/iwd)`

// ErrHelp is returned for -h/--help; the caller prints Usage.
var ErrHelp = errors.New(usage)

// ParseFlags reads iwd's command line and environment.
func ParseFlags(args []string, getenv func(string) string) (Options, error) {
	o := Options{ConfigDir: DefaultConfigDir, StateDir: DefaultStateDir}
	if d := firstDir(getenv("CONFIGURATION_DIRECTORY")); d != "" {
		o.ConfigDir = d
	}
	if d := firstDir(getenv("STATE_DIRECTORY")); d != "" {
		o.StateDir = d
	}
	lists := map[string]*[]string{
		"i": &o.Interfaces, "interfaces": &o.Interfaces,
		"I": &o.NoInterfaces, "nointerfaces": &o.NoInterfaces,
		"p": &o.Phys, "phys": &o.Phys,
		"P": &o.NoPhys, "nophys": &o.NoPhys,
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var name, val string
		var hasVal bool
		switch {
		case strings.HasPrefix(a, "--"):
			name, val, hasVal = strings.Cut(a[2:], "=")
		case strings.HasPrefix(a, "-") && len(a) >= 2:
			name = a[1:2]
			if len(a) > 2 {
				val, hasVal = strings.TrimPrefix(a[2:], "="), true
			}
		default:
			return o, fmt.Errorf("unexpected argument %q\n%s", a, usage)
		}
		switch name {
		case "d", "debug":
			o.Debug, o.DebugFilter = true, val
		case "E", "developer":
			o.Developer = true
		case "v", "version":
			o.Version = true
		case "h", "help":
			return o, ErrHelp
		default:
			dst, ok := lists[name]
			if !ok {
				return o, fmt.Errorf("unknown option %q\n%s", a, usage)
			}
			if !hasVal {
				if i+1 >= len(args) {
					return o, fmt.Errorf("option %q needs a value", a)
				}
				i++
				val = args[i]
			}
			for _, g := range strings.Split(val, ",") {
				if g = strings.TrimSpace(g); g != "" {
					if _, err := path.Match(g, ""); err != nil {
						return o, fmt.Errorf("option %q: bad glob %q", a, g)
					}
					*dst = append(*dst, g)
				}
			}
		}
	}
	return o, nil
}

// firstDir takes the first of systemd's colon-separated directory list.
func firstDir(s string) string {
	d, _, _ := strings.Cut(s, ":")
	return d
}

// ManagesPhy reports whether the wiphy name passes -p/-P.
func (o Options) ManagesPhy(name string) bool { return allowed(name, o.Phys, o.NoPhys) }

// ManagesInterface reports whether the interface name passes -i/-I.
func (o Options) ManagesInterface(name string) bool {
	return allowed(name, o.Interfaces, o.NoInterfaces)
}

func allowed(name string, allow, deny []string) bool {
	for _, g := range deny {
		if ok, _ := path.Match(g, name); ok {
			return false
		}
	}
	if len(allow) == 0 {
		return true
	}
	for _, g := range allow {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}
