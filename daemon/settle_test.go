package daemon

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestSettledOnce: Options.Settled is called once however many stations
// connect (main's GC tuning runs once), and not at all when unset.
func TestSettledOnce(t *testing.T) {
	calls := make(chan struct{}, 3)
	d := &Daemon{opts: Options{Settled: func() { calls <- struct{}{} }}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d.settle("connected")
	d.settle("connected")
	d.settle("no connection yet")
	<-calls
	select {
	case <-calls:
		t.Fatal("Settled called twice")
	case <-time.After(50 * time.Millisecond):
	}
	(&Daemon{log: d.log}).settle("connected") // no hook: nothing
}
