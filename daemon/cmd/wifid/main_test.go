package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneRuntime(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	tuneRuntime(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != 25 {
		t.Errorf("GC percent %d, want 25", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 16<<20 {
		t.Errorf("memory limit %d, want 16 MiB", got)
	}
	// GOGC and GOMEMLIMIT in the environment win.
	tuneRuntime(func(k string) string { return "set" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d with GOGC set, want it left alone", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit %d with GOMEMLIMIT set, want it left alone", got)
	}
}
