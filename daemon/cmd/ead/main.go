// Command ead is wifid's Ethernet authentication daemon: iwd's ead, with
// its command line (-i, -I, -d), STATE_DIRECTORY (default /var/lib/ead,
// settings in default.8021x) and D-Bus name net.connman.ead.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"wifid/internal/busconn"

	"wifid/daemon/ead"
)

func main() {
	opts, err := ead.ParseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, ead.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ead: %v\n", err)
		os.Exit(2)
	}
	if opts.Version {
		fmt.Println("wifid ead")
		return
	}
	level := slog.LevelInfo
	if opts.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	conn, err := busconn.Dial("")
	if err != nil {
		fmt.Fprintf(os.Stderr, "ead: system bus: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	if err := ead.Run(ctx, opts, conn, log); err != nil {
		fmt.Fprintf(os.Stderr, "ead: %v\n", err)
		os.Exit(1)
	}
}
