package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	gc := tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != startGCPercent {
		t.Errorf("GC percent at start %d, want %d", got, startGCPercent)
	}
	gc.settled()
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent once settled %d, want %d", got, gcPercent)
	}
	gc = tuneGC(func(string) string { return "200" }) // GOGC set: left alone
	gc.settled()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d with GOGC set, want it left alone", got)
	}
}
