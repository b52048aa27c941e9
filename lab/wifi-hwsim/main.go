// Command wifi-hwsim is the air between mac80211_hwsim radios: it registers
// as the kernel's wireless medium, relays every frame between the radios
// (per-link signal, loss, delay and frame-matching rules) and serves iwd's
// hwsim D-Bus API (net.connman.hwsim) on the system bus, or the bus that
// DBUS_SYSTEM_BUS_ADDRESS names. iwd's autotests/util/hwsim.py drives it
// unchanged.
//
//	wifi-hwsim [--no-register] [--pcap file] [--no-dbus] [-d]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/godbus/dbus/v5"

	"wifid/lab/hwsim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wifi-hwsim:", err)
		os.Exit(1)
	}
}

func run() error {
	noRegister := flag.Bool("no-register", false, "do not register as the medium (radios, rules and SendFrame only; the kernel relays frames)")
	flag.BoolVar(noRegister, "r", false, "short for --no-register")
	pcapPath := flag.String("pcap", "", "write every relayed or injected frame to this pcap file (radiotap)")
	noDBus := flag.Bool("no-dbus", false, "do not serve net.connman.hwsim")
	signalDBm := flag.Int("signal", -30, "signal (dBm) receivers are told when no rule says otherwise")
	debug := flag.Bool("d", false, "debug logging")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cfg := hwsim.Config{Logger: log, NoRegister: *noRegister, Signal: *signalDBm}
	if *pcapPath != "" {
		f, err := os.Create(*pcapPath)
		if err != nil {
			return err
		}
		defer f.Close()
		pw, err := hwsim.NewPcapWriter(f)
		if err != nil {
			return err
		}
		cfg.Pcap = pw
	}
	var svc *hwsim.Service
	var bus *dbus.Conn
	if !*noDBus {
		var err error
		// EXTERNAL, then ANONYMOUS: the private buses of iwd's test
		// harness admit only anonymous clients.
		bus, err = dbus.ConnectSystemBus(dbus.WithAuth(dbus.AuthExternal(strconv.Itoa(os.Getuid())), dbus.AuthAnonymous()))
		if err != nil {
			return fmt.Errorf("system bus: %w", err)
		}
		defer bus.Close()
		svc = hwsim.NewService(bus, log)
		cfg.Notify = svc.Notify
	}
	m, err := hwsim.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	if svc != nil {
		if err := svc.Attach(m); err != nil {
			return err
		}
		log.Info("wifi-hwsim: serving " + hwsim.ServiceName)
	}
	var busGone <-chan struct{}
	if bus != nil {
		busGone = bus.Context().Done()
	}
	select {
	case <-ctx.Done():
	case <-busGone:
		log.Info("wifi-hwsim: D-Bus disconnected, quitting")
	}
	st := m.Stats()
	log.Info("wifi-hwsim: stopping", "frames", st.Frames, "delivered", st.Delivered, "dropped", st.Dropped,
		"acked", st.Acked, "unknown", st.Unknown, "malformed", st.Malformed)
	return nil
}
