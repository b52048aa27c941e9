//go:build profile

package main

// A profiling build (go build -tags profile; the lab builds it as
// bin/wifid-profile for make bench). With WIFID_PROFILE_DIR set, wifid
// profiles its CPU from its start; on the first SIGUSR2 (sent once
// connected) it writes there cpu.pprof (start to signal), and on every
// SIGUSR2 memstats.txt (the runtime's memory figures), heap.pprof (in
// use, after a GC) and goroutine.txt, then done
// (empty) last. runtime/pprof stays out of the shipped binary.

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
)

func init() {
	dir := os.Getenv("WIFID_PROFILE_DIR")
	if dir == "" {
		return
	}
	// wifid's heap is a few MiB: the default rate (a sample per 512 KiB)
	// cannot tell its parts apart. WIFID_MEMPROFILE_RATE=0 turns heap
	// sampling off (the soak: its buckets would be counted as wifid's
	// memory).
	runtime.MemProfileRate = 512
	if r, err := strconv.Atoi(os.Getenv("WIFID_MEMPROFILE_RATE")); err == nil && r >= 0 {
		runtime.MemProfileRate = r
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
		cpu := true
		for range sig {
			if cpu {
				pprof.StopCPUProfile()
				f.Close()
				cpu = false
			}
			write := func(name, profile string, debug int) {
				if w, err := os.Create(filepath.Join(dir, name)); err == nil {
					pprof.Lookup(profile).WriteTo(w, debug)
					w.Close()
				}
			}
			write("goroutine.txt", "goroutine", 1)
			var m runtime.MemStats
			runtime.ReadMemStats(&m) // before the GC below: as the daemon had it
			os.WriteFile(filepath.Join(dir, "memstats.txt"), fmt.Appendf(nil,
				"Sys %d\nHeapInuse %d\nHeapIdle %d\nHeapReleased %d\nHeapAlloc %d\nStackInuse %d\nStackSys %d\nMSpanInuse %d\nMCacheInuse %d\nGCSys %d\nOtherSys %d\nBuckHashSys %d\nNumGC %d\n",
				m.Sys, m.HeapInuse, m.HeapIdle, m.HeapReleased, m.HeapAlloc, m.StackInuse, m.StackSys,
				m.MSpanInuse, m.MCacheInuse, m.GCSys, m.OtherSys, m.BuckHashSys, m.NumGC), 0o644)
			runtime.GC()
			write("heap.pprof", "heap", 0)
			os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
		}
	}()
}
