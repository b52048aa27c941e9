// Command wifid is the Wi-Fi daemon. It takes iwd's command line and
// environment (see daemon.Options) so the same harnesses can start either.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"wifid/daemon"
)

func main() {
	opts, err := daemon.ParseFlags(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wifid: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := daemon.Run(ctx, opts); err != nil {
		fmt.Fprintf(os.Stderr, "wifid: %v\n", err)
		os.Exit(1)
	}
}
