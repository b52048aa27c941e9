package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: wifictl [command]
  status                                   devices, station state, connected network (default)
  scan [IFACE]                             scan and list networks (signal, security, known)
  connect SSID [--passphrase P] [--iface IFACE]
                                           connect; asks for the passphrase if needed
  disconnect [--iface IFACE]               disconnect
  known                                    list known networks
  known forget SSID                        forget a known network
  watch                                    print property changes and debug events as they come
The bus is $DBUS_SYSTEM_BUS_ADDRESS, else the system bus.`

// env is what a run of wifictl sees of the world; tests fill it in.
type env struct {
	getenv func(string) string
	stdin  *os.File // may be nil: no terminal to prompt on
	stdout io.Writer
	stderr io.Writer
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
		fmt.Fprintln(e.stderr, usage)
		return 2
	}
	fmt.Fprintln(e.stderr, "wifictl:", err)
	return 1
}

func dispatch(ctx context.Context, args []string, e env) error {
	cmd := "status"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "-h" || cmd == "--help" || cmd == "help" {
		fmt.Fprintln(e.stdout, usage)
		return nil
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	iface := fs.String("iface", "", "interface")
	pass := fs.String("passphrase", "", "passphrase")
	if err := fs.Parse(interleave(args)); err != nil {
		return fmt.Errorf("%s: %v\n%w", cmd, err, errUsage)
	}
	rest := fs.Args()
	passGiven := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "passphrase" {
			passGiven = true
		}
	})

	c, err := dial(e.getenv("DBUS_SYSTEM_BUS_ADDRESS"))
	if err != nil {
		return err
	}
	defer c.close()
	if cmd != "watch" {
		if err := c.refresh(ctx); err != nil {
			return err
		}
	}
	switch cmd {
	case "status":
		return status(c, e.stdout)
	case "scan":
		if len(rest) > 1 {
			return errUsage
		}
		if len(rest) == 1 {
			*iface = rest[0]
		}
		return scan(ctx, c, *iface, e.stdout)
	case "connect":
		if len(rest) != 1 {
			return fmt.Errorf("connect: name one SSID\n%w", errUsage)
		}
		var p *string
		if passGiven {
			p = pass
		}
		return connect(ctx, c, rest[0], *iface, p, e)
	case "disconnect":
		return disconnect(ctx, c, *iface, e.stdout)
	case "known":
		switch {
		case len(rest) == 0:
			return known(c, e.stdout)
		case len(rest) == 2 && rest[0] == "forget":
			return forget(ctx, c, rest[1], e.stdout)
		}
		return errUsage
	case "watch":
		return watch(ctx, c, e.stdout)
	}
	return fmt.Errorf("unknown command %q\n%w", cmd, errUsage)
}

// interleave moves flags before positional arguments, so that
// "connect SSID --passphrase P" parses as "--passphrase P SSID".
func interleave(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !containsEq(a) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

func containsEq(s string) bool {
	for _, r := range s {
		if r == '=' {
			return true
		}
	}
	return false
}
