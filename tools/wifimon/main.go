// Command wifimon shows what happens between a Wi-Fi daemon and the kernel
// (nl80211 and rtnetlink, through an nlmon interface) and on the air (a
// monitor interface with radiotap), decoded by name; see doc.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

type options struct {
	write       string
	read        string
	json        bool
	showSecrets bool
	air         string
	ifaces      []string
	noNetlink   bool
	nlmonName   string
	beacons     bool
	all         bool
	verbose     bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("wifimon", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: wifimon [flags]\n\nCaptures nl80211/rtnetlink (nlmon) and the air (a monitor interface),\nprints each message and frame decoded, one per line.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.write, "w", "", "also write everything captured to `FILE` (pcapng, one interface per source)")
	fs.StringVar(&o.read, "r", "", "decode `FILE` (pcapng written by -w, or a pcap of a monitor interface) instead of capturing")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line")
	fs.BoolVar(&o.showSecrets, "show-secrets", false, "print key material (nonces, MICs, key data, PMKs) instead of its length")
	fs.StringVar(&o.air, "air", "auto", "monitor `interface` to read (radiotap); auto: hwsim0 if present; none: no air capture")
	fs.Func("i", "also capture a station's own `interface` (decrypted traffic: DHCP, ARP); repeatable", func(s string) error {
		o.ifaces = append(o.ifaces, s)
		return nil
	})
	fs.BoolVar(&o.noNetlink, "no-netlink", false, "do not capture netlink (no nlmon interface)")
	fs.StringVar(&o.nlmonName, "nlmon", "wifimon0", "`name` of the nlmon interface wifimon creates (and removes on exit)")
	fs.BoolVar(&o.beacons, "beacons", false, "print beacons too (they are always written with -w)")
	fs.BoolVar(&o.all, "a", false, "print everything: other netlink protocols and generic netlink families, control frames")
	fs.BoolVar(&o.verbose, "v", false, "name the nl80211 attributes not decoded instead of counting them")
	fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wifimon:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	m := newMonitor(o, stdout)
	if o.read != "" {
		if o.write != "" {
			return errors.New("-r and -w together: nothing to capture")
		}
		err := m.readFile(o.read)
		m.summary(stderr, nil)
		return err
	}
	return m.capture(ctx, stderr)
}

// airInterface resolves -air: "auto" is hwsim0 when it exists.
func airInterface(s string) string {
	switch s {
	case "none", "":
		return ""
	case "auto":
		if _, err := net.InterfaceByName("hwsim0"); err == nil {
			return "hwsim0"
		}
		return ""
	}
	return s
}

func sourceNames(srcs []*source) string {
	var s []string
	for _, src := range srcs {
		s = append(s, src.name)
	}
	return strings.Join(s, ", ")
}
