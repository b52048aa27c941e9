//go:build profile

package main

// A profiling build (go build -tags profile; the lab builds it as
// bin/wifid-profile for make bench). With WIFID_PROFILE_DIR set, wifid
// profiles its CPU from its start, and on SIGUSR2 (sent once connected)
// writes there cpu.pprof (start to signal), heap.pprof (in use, after a
// GC) and goroutine.txt, then done (empty) last. runtime/pprof stays out
// of the shipped binary.

import (
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
)

func init() {
	dir := os.Getenv("WIFID_PROFILE_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR2)
	go func() {
		<-sig
		pprof.StopCPUProfile()
		f.Close()
		write := func(name, profile string, debug int) {
			if w, err := os.Create(filepath.Join(dir, name)); err == nil {
				pprof.Lookup(profile).WriteTo(w, debug)
				w.Close()
			}
		}
		write("goroutine.txt", "goroutine", 1)
		runtime.GC()
		write("heap.pprof", "heap", 0)
		os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
	}()
}
