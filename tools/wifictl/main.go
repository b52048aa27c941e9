package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/term"
)

const usage = `usage: wifictl [--json] [--passphrase P] [--dont-ask] [command]
With no command on a terminal, an interactive shell (history, Tab completes).

iwctl's commands:
  device list                              Wi-Fi interfaces
  device IFACE show                        one interface (if off, why)
  device IFACE set-property Powered on|off the interface up or down
  adapter list                             radios (wiphys), blocked or not
  adapter PHY show                         one radio
  adapter PHY set-property Powered on|off  the radio's soft block (airplane mode)
  station list                             interfaces in station mode
  station IFACE show                       state, connected network, the last
                                           connect attempt's timeline
  station IFACE scan                       scan (progress while it runs)
  station IFACE get-networks [rssi-dbms|rssi-bars]
  station IFACE get-hidden-access-points
  station IFACE connect SSID [SECURITY]    connect (asks for the passphrase)
  station IFACE connect-hidden SSID
  station IFACE disconnect
  known-networks list
  known-networks SSID show|forget
  known-networks SSID set-property AutoConnect yes|no
  known-networks add SSID [options]        write an enterprise (.8021x) network
                                           file; "known-networks add" lists options
  import eap-config FILE [options]         write the networks of an eduroam CAT /
                                           geteduroam profile; "import eap-config"
                                           lists options
wifictl's own:
  passphrase SSID [PASSPHRASE]             the PSK of a passphrase (hex)
  status                                   devices, station state, connected network
  scan [IFACE]                             scan and list networks
  connect SSID [--iface IFACE]             connect (hidden networks too)
  disconnect [--iface IFACE]
  known [forget SSID]                      known networks
  watch                                    property changes and debug events, live
Options:
  --json            machine-readable output on stdout (progress stays on stderr)
  --passphrase P    the agent answers P instead of asking
  --dont-ask        the agent asks nothing (a secret needed fails the connect)
  --iface IFACE     the station for status/scan/connect/disconnect
The bus is $DBUS_SYSTEM_BUS_ADDRESS, else the system bus.`

// env is what a run of wifictl sees of the world; tests fill it in.
type env struct {
	getenv func(string) string
	stdin  *os.File // may be nil: no terminal to prompt on
	stdout io.Writer
	stderr io.Writer
	sysfs  string // where the rfkill switches are read; "" is /sys
}

// options are the global flags.
type options struct {
	json    bool
	pass    *string // nil: not given
	dontAsk bool
	iface   string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

var errUsage = errors.New(usage)

func run(ctx context.Context, args []string, e env) int {
	err := dispatch(ctx, args, e)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		if msg := strings.TrimSuffix(err.Error(), usage); strings.TrimSpace(msg) != "" {
			fmt.Fprintln(e.stderr, "wifictl:", strings.TrimSpace(msg))
		}
		fmt.Fprintln(e.stderr, usage)
		return 2
	}
	fmt.Fprintln(e.stderr, "wifictl:", err)
	return 1
}

// parseOptions takes the global flags out of args, wherever they are
// ("connect SSID --passphrase P" works); "--" ends them.
func parseOptions(args []string) (options, []string, error) {
	var o options
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		takeValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value\n%w", name, errUsage)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "--":
			words = append(words, args[i+1:]...)
			i = len(args)
		case name == "--json" || name == "-j":
			o.json = true
		case name == "--dont-ask" || name == "-v":
			o.dontAsk = true
		case name == "--passphrase" || name == "-P":
			v, err := takeValue()
			if err != nil {
				return o, nil, err
			}
			o.pass = &v
		case name == "--iface" || name == "-i":
			v, err := takeValue()
			if err != nil {
				return o, nil, err
			}
			o.iface = v
		case a == "-h" || a == "--help":
			words = append([]string{"help"}, words...)
		case len(a) > 1 && a[0] == '-':
			return o, nil, fmt.Errorf("unknown option %s\n%w", a, errUsage)
		default:
			words = append(words, a)
		}
	}
	return o, words, nil
}

func dispatch(ctx context.Context, args []string, e env) error {
	for i := 0; i+1 < len(args); i++ {
		if cmd := fileCmds[[2]string{args[i], args[i+1]}]; cmd != nil {
			if o, words, err := parseOptions(args[:i]); err == nil && len(words) == 0 {
				return cmd(o, args[i+2:], stdinAsker(e), e.stdout, e.stderr, e.getenv)
			}
		}
	}
	o, words, err := parseOptions(args)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		switch words[0] {
		case "help":
			fmt.Fprintln(e.stdout, usage)
			return nil
		case "passphrase":
			return passphrase(o, words[1:], e)
		}
	}
	shell := len(words) == 0 && e.stdin != nil && term.IsTerminal(int(e.stdin.Fd())) && !o.json
	if len(words) == 0 {
		words = []string{"status"}
	}
	c, err := dial(e.getenv("DBUS_SYSTEM_BUS_ADDRESS"))
	if err != nil {
		return err
	}
	defer c.close()
	s := &session{c: c, e: e, opt: o, out: e.stdout, progress: e.stderr, ask: stdinAsker(e)}
	if shell {
		return s.shell(ctx)
	}
	if words[0] != "watch" {
		if err := c.refresh(ctx); err != nil {
			return err
		}
	}
	return s.exec(ctx, words)
}

// fileCmds are the commands that write network files: they have options
// of their own and need no daemon.
var fileCmds = map[[2]string]func(global options, args []string, ask asker, stdout, stderr io.Writer, getenv func(string) string) error{
	{"known-networks", "add"}: addKnown,
	{"import", "eap-config"}:  importEAPConfig,
}

// session is one client of the daemon: a one-shot command or the shell.
type session struct {
	c        *client
	e        env
	opt      options
	out      io.Writer                // results
	progress io.Writer                // progress and prompts
	ask      asker                    // how the agent asks the user
	agent    *agent                   // registered for the whole shell; nil in one-shot
	width    int                      // columns for the timeline bar; 0: ask the terminal
	prog     atomic.Pointer[progress] // the running scan's or connect's, for the agent
}

// emit prints v as indented JSON.
func (s *session) emit(v any) error {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// exec runs one command line.
func (s *session) exec(ctx context.Context, words []string) error {
	cmd, rest := words[0], words[1:]
	switch cmd {
	case "help":
		fmt.Fprintln(s.out, usage)
		return nil
	case "device":
		return s.deviceCmd(ctx, rest)
	case "adapter":
		return s.adapterCmd(ctx, rest)
	case "station":
		return s.stationCmd(ctx, rest)
	case "known-networks":
		return s.knownCmd(ctx, rest)
	case "passphrase":
		return passphrase(s.opt, rest, s.e)
	case "status":
		return s.status(ctx)
	case "scan":
		if len(rest) > 1 {
			return fmt.Errorf("scan: at most one interface\n%w", errUsage)
		}
		iface := s.opt.iface
		if len(rest) == 1 {
			iface = rest[0]
		}
		return s.scanAndList(ctx, iface)
	case "connect":
		if len(rest) != 1 {
			return fmt.Errorf("connect: name one SSID\n%w", errUsage)
		}
		return s.connectAny(ctx, rest[0], s.opt.iface)
	case "disconnect":
		if len(rest) != 0 {
			return fmt.Errorf("disconnect: no arguments (--iface IFACE)\n%w", errUsage)
		}
		path, name, err := s.c.station(s.opt.iface)
		if err != nil {
			return err
		}
		return s.disconnect(ctx, path, name)
	case "known":
		switch {
		case len(rest) == 0:
			return s.knownList()
		case len(rest) == 2 && rest[0] == "forget":
			return s.forget(ctx, rest[1])
		}
		return fmt.Errorf("known: known, or known forget SSID\n%w", errUsage)
	case "watch":
		return watch(ctx, s.c, s.out)
	}
	return fmt.Errorf("unknown command %q\n%w", cmd, errUsage)
}
