package nl80211

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestRealKernel runs against the host's nl80211 when there is one (the
// qemu lab); on hosts without cfg80211 it skips.
func TestRealKernel(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no nl80211 on this kernel")
	}
	if err != nil {
		t.Fatal(err)
	}
	ws, err := c.Wiphys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := c.Interfaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d wiphys, %d interfaces", len(ws), len(ifs))
	c.Close()
	waitGoroutines(t, before)
}
