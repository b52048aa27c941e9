package station

import "sync"

// outbox hands the station's news (OnChange, OnEvent, OnSignalLevel) to its
// listeners in order, on a goroutine of its own: a slow listener (D-Bus
// signals, written under the server's lock) holds up the next piece of news,
// never the station's loop. A caller of the station's methods gets its
// answer only once the listeners heard what happened before it (see
// heard), as when they were told from the loop: a D-Bus client sees the
// State change before the method's reply. The queue has no bound: the loop only appends,
// and a listener that falls behind catches up with every change in order,
// as the D-Bus clients must see them.
type outbox struct {
	mu    sync.Mutex
	queue []func()
	wake  chan struct{} // one token: something was queued
	done  chan struct{} // closed when run has delivered everything after close
	shut  bool
}

func newOutbox() *outbox {
	return &outbox{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// post queues f; it never blocks.
func (o *outbox) post(f func()) {
	o.mu.Lock()
	o.queue = append(o.queue, f)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run delivers until close, then what is left, and returns.
func (o *outbox) run() {
	defer close(o.done)
	for range o.wake {
		for {
			o.mu.Lock()
			batch, shut := o.queue, o.shut
			o.queue = nil
			o.mu.Unlock()
			for _, f := range batch {
				f()
			}
			if len(batch) == 0 {
				if shut {
					return
				}
				break
			}
		}
	}
}

// flushed is closed once everything queued before it is delivered (never,
// if run has returned: see done).
func (o *outbox) flushed() <-chan struct{} {
	ch := make(chan struct{})
	o.post(func() { close(ch) })
	return ch
}

// close lets run return once everything queued is delivered, and waits
// for that.
func (o *outbox) close() {
	o.mu.Lock()
	o.shut = true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	<-o.done
}
