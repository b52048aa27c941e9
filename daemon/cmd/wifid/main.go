// Command wifid is the Wi-Fi daemon. It takes iwd's command line and
// environment (see daemon.Options) so the same harnesses can start either.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"wifid/daemon"
)

func main() {
	tuneRuntime(os.Getenv)
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

// tuneRuntime fits the Go runtime to a daemon whose live heap is small
// and mostly idle: the garbage collector runs when the heap has grown by
// gcPercent (Go's default 100 keeps a 4 MiB minimum goal, twice the live
// heap wifid needs), and past memoryLimit it runs harder, returning memory
// to the system. GOGC and GOMEMLIMIT, when set, win.
func tuneRuntime(getenv func(string) string) {
	const (
		gcPercent   = 25
		memoryLimit = 16 << 20
	)
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
