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
	gc := tuneGC(os.Getenv)
	opts, err := daemon.ParseFlags(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wifid: %v\n", err)
		os.Exit(2)
	}
	opts.Settled = gc.settled
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := daemon.Run(ctx, opts); err != nil {
		fmt.Fprintf(os.Stderr, "wifid: %v\n", err)
		os.Exit(1)
	}
}

// wifid's GC targets. Start-up (the wiphy dump, the D-Bus export, the
// first scan, the first connect) allocates a few MiB that are garbage
// soon after; at Go's default target that took about ten collections,
// each stopping the world, whose signals and thread wake-ups cost dearly
// on small CPUs (make bench's profile under emulation: a quarter of the
// CPU to the first address). So the start-up runs at startGCPercent,
// and once settled (the daemon's Options.Settled: first connected, or
// 30 s) wifid collects at gcPercent, a collection when the heap has grown
// by half since the last, not Go's default doubling, whose 4 MiB minimum
// goal is many times wifid's live heap (about 300 KiB connected). make
// bench's soak, 60 connect cycles then roams: RssAnon settles at 5.3-5.6
// MiB against 7.2 with the default. (Returning the start-up's garbage to
// the system at once, debug.FreeOSMemory, was tried: the reconnect that
// follows make bench's first connect paid for it.)
const (
	startGCPercent = 400
	gcPercent      = 50
)

// gcPolicy is wifid's GC tuning; the zero value (GOGC set) leaves the
// runtime alone.
type gcPolicy struct{ tuned bool }

// tuneGC sets the start-up GC target unless GOGC says otherwise.
func tuneGC(getenv func(string) string) *gcPolicy {
	if getenv("GOGC") != "" {
		return &gcPolicy{}
	}
	debug.SetGCPercent(startGCPercent)
	return &gcPolicy{tuned: true}
}

// settled moves to the steady GC target; the collection it starts frees
// the start-up's garbage.
func (g *gcPolicy) settled() {
	if !g.tuned {
		return
	}
	debug.SetGCPercent(gcPercent)
}
