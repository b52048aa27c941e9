package nl80211

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestJoinsDefaultGroups(t *testing.T) {
	fk := newFakeKernel(t, nil)
	fk.dial(t)
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if len(fk.groups) != 4 {
		t.Fatalf("joined %v, want config, scan, mlme, regulatory", fk.groups)
	}
}

func TestRequestAcked(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		if h.Flags != netlink.Request|netlink.Acknowledge {
			fk.t.Errorf("flags %v, want request|ack", h.Flags)
		}
		fk.deliver(ackMsg(h.Sequence, 0))
	})
	c := fk.dial(t)
	if err := c.SetPowerSave(ctxT(t), 7, true); err != nil {
		t.Fatal(err)
	}
	req := fk.requests()[0]
	if req.Header.Command != unix.NL80211_CMD_SET_POWER_SAVE {
		t.Fatalf("command %d", req.Header.Command)
	}
	a := attrsOf(t, req.Data)
	if !bytes.Equal(a[unix.NL80211_ATTR_IFINDEX], u32b(7)) || !bytes.Equal(a[unix.NL80211_ATTR_PS_STATE], u32b(1)) {
		t.Fatalf("attributes %v", a)
	}
}

func TestRequestErrorNamesCommandAndInterface(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(ackMsg(h.Sequence, unix.EBUSY))
	})
	c := fk.dial(t)
	err := c.TriggerScan(ctxT(t), 99999, ScanRequest{})
	if !errors.Is(err, unix.EBUSY) {
		t.Fatalf("err %v, want EBUSY", err)
	}
	var ne *Error
	if !errors.As(err, &ne) || ne.Cmd != "CMD_TRIGGER_SCAN" {
		t.Fatalf("err %#v", err)
	}
	if want := "nl80211: CMD_TRIGGER_SCAN ifindex 99999: "; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err %q, want prefix %q", err, want)
	}
}

func bssMsg(seq uint32, bssid []byte, freq uint32) netlink.Message {
	return genlMsg(seq, netlink.Multi, unix.NL80211_CMD_NEW_SCAN_RESULTS, enc(func(e *encoder) {
		e.u32(unix.NL80211_ATTR_GENERATION, 3)
		e.u32(unix.NL80211_ATTR_IFINDEX, 5)
		e.nested(unix.NL80211_ATTR_BSS, func(n *encoder) {
			n.bytes(unix.NL80211_BSS_BSSID, bssid)
			n.u32(unix.NL80211_BSS_FREQUENCY, freq)
			n.s32(unix.NL80211_BSS_SIGNAL_MBM, -4500)
			n.bytes(unix.NL80211_BSS_INFORMATION_ELEMENTS, []byte{0, 4, 't', 'e', 's', 't'})
			n.bytes(unix.NL80211_BSS_BEACON_IES, []byte{0, 4, 't', 'e', 's', 't', 3, 1, 6})
		})
	}))
}

// A dump spread over datagrams, with an event and another request's
// NLMSG_ERROR between its parts, still completes with all its records.
func TestDumpInterleavedWithEventsAndErrors(t *testing.T) {
	release := make(chan struct{})
	var other uint32
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		switch gm.Header.Command {
		case unix.NL80211_CMD_GET_SCAN:
			go func() {
				fk.deliver(bssMsg(h.Sequence, []byte{2, 0, 0, 0, 0, 1}, 2412), bssMsg(h.Sequence, []byte{2, 0, 0, 0, 0, 2}, 2437))
				fk.deliver(eventMsg(unix.NL80211_CMD_DISCONNECT, enc(func(e *encoder) {
					e.u32(unix.NL80211_ATTR_IFINDEX, 5)
					e.u16(unix.NL80211_ATTR_REASON_CODE, 3)
				})))
				<-release
				fk.deliver(ackMsg(other, unix.ENOENT))
				fk.deliver(bssMsg(h.Sequence, []byte{2, 0, 0, 0, 0, 3}, 5180), doneMsg(h.Sequence))
			}()
		default:
			other = h.Sequence
			close(release)
		}
	})
	c := fk.dial(t)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	var bss []*BSS
	var dumpErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		bss, dumpErr = c.ScanResults(ctx, 5)
	}()
	// Wait for the dump to be in flight, then send a failing request.
	for len(fk.requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	err := c.DelKey(ctx, 5, 1, nil)
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("DelKey err %v", err)
	}
	wg.Wait()
	if dumpErr != nil {
		t.Fatal(dumpErr)
	}
	if len(bss) != 3 || bss[2].Freq != 5180 || bss[0].SignalMBm != -4500 || bss[0].Ifindex != 5 || bss[0].Generation != 3 {
		t.Fatalf("bss %+v", bss)
	}
	if !bytes.Equal(bss[1].BeaconIEs, []byte{0, 4, 't', 'e', 's', 't', 3, 1, 6}) || len(bss[1].IEs) != 6 {
		t.Fatalf("IEs %x beacon %x", bss[1].IEs, bss[1].BeaconIEs)
	}
	select {
	case ev := <-c.Events():
		d, ok := ev.(*DisconnectEvent)
		if !ok || d.Reason != 3 || d.Ifindex != 5 || d.ByAP {
			t.Fatalf("event %#v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
}

func TestEmptyDump(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		if h.Flags != netlink.Request|netlink.Dump {
			fk.t.Errorf("flags %v", h.Flags)
		}
		fk.deliver(doneMsg(h.Sequence))
	})
	c := fk.dial(t)
	ifs, err := c.Interfaces(ctxT(t))
	if err != nil || len(ifs) != 0 {
		t.Fatalf("%v %v", ifs, err)
	}
	// The dump slot is free again.
	if _, err := c.Interfaces(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// Replies come back in the reverse order of the requests.
func TestConcurrentRequestsOutOfOrder(t *testing.T) {
	const n = 20
	type request struct {
		h  netlink.Header
		gm genetlink.Message
	}
	var mu sync.Mutex
	var held []request
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		mu.Lock()
		defer mu.Unlock()
		// Each header stays with its own request: the fake's request log
		// is appended under another lock, so its order may differ.
		held = append(held, request{h, gm})
		if len(held) == n {
			for i := n - 1; i >= 0; i-- {
				idx := attrsOf(fk.t, held[i].gm.Data)[unix.NL80211_ATTR_IFINDEX]
				var ifindex [4]byte
				copy(ifindex[:], idx)
				fk.deliver(genlMsg(held[i].h.Sequence, 0, unix.NL80211_CMD_NEW_INTERFACE, enc(func(e *encoder) {
					e.put(unix.NL80211_ATTR_IFINDEX, ifindex[:])
				})), ackMsg(held[i].h.Sequence, 0))
			}
		}
	})
	c := fk.dial(t)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ifi, err := c.Interface(ctx, i)
			if err == nil && ifi.Index != i {
				err = errors.New("reply of another request")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func scanEvent(cmd uint8, ifindex uint32) netlink.Message {
	return eventMsg(cmd, enc(func(e *encoder) {
		e.u32(unix.NL80211_ATTR_WIPHY, 0)
		e.u32(unix.NL80211_ATTR_IFINDEX, ifindex)
		e.nested(unix.NL80211_ATTR_SCAN_FREQUENCIES, func(n *encoder) { n.u32(0, 2412) })
	}))
}

func TestScanWaitsForItsOwnResults(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		switch gm.Header.Command {
		case unix.NL80211_CMD_TRIGGER_SCAN:
			// An older scan's results, queued before our ACK, must
			// not end our wait; neither must another interface's.
			fk.deliver(scanEvent(unix.NL80211_CMD_NEW_SCAN_RESULTS, 5))
			fk.deliver(ackMsg(h.Sequence, 0))
			fk.deliver(scanEvent(unix.NL80211_CMD_TRIGGER_SCAN, 5))
			go func() {
				time.Sleep(20 * time.Millisecond)
				fk.deliver(scanEvent(unix.NL80211_CMD_NEW_SCAN_RESULTS, 6))
				fk.deliver(scanEvent(unix.NL80211_CMD_NEW_SCAN_RESULTS, 5))
			}()
		case unix.NL80211_CMD_GET_SCAN:
			fk.deliver(bssMsg(h.Sequence, []byte{2, 0, 0, 0, 0, 9}, 2412), doneMsg(h.Sequence))
		}
	})
	c := fk.dial(t)
	start := time.Now()
	res, err := c.Scan(ctxT(t), 5, ScanRequest{Freqs: []uint32{2412}, RandomAddr: true})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 15*time.Millisecond {
		t.Fatal("Scan returned on the stale NEW_SCAN_RESULTS")
	}
	if len(res) != 1 || res[0].BSSID.String() != "02:00:00:00:00:09" {
		t.Fatalf("results %+v", res)
	}
	a := attrsOf(t, fk.requests()[0].Data)
	if !bytes.Equal(a[unix.NL80211_ATTR_SCAN_FLAGS], u32b(unix.NL80211_SCAN_FLAG_RANDOM_ADDR)) {
		t.Fatalf("scan flags %x", a[unix.NL80211_ATTR_SCAN_FLAGS])
	}
	// The scan events also went to Events.
	var cmds []uint8
	for len(cmds) < 4 {
		select {
		case ev := <-c.Events():
			cmds = append(cmds, ev.Info().Cmd)
		case <-time.After(time.Second):
			t.Fatalf("events so far %v", cmds)
		}
	}
}

func TestScanAborted(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(ackMsg(h.Sequence, 0))
		fk.deliver(scanEvent(unix.NL80211_CMD_SCAN_ABORTED, 5))
	})
	c := fk.dial(t)
	_, err := c.Scan(ctxT(t), 5, ScanRequest{})
	if !errors.Is(err, ErrScanAborted) {
		t.Fatalf("err %v", err)
	}
}

func TestScanCancelAborts(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(ackMsg(h.Sequence, 0))
	})
	c := fk.dial(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Scan(ctx, 5, ScanRequest{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	reqs := fk.requests()
	if len(reqs) != 2 || reqs[1].Header.Command != unix.NL80211_CMD_ABORT_SCAN {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestControlPortFramesGoToOpenPort(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(ackMsg(h.Sequence, 0))
	})
	c := fk.dial(t)
	ctx := ctxT(t)
	frame := func(ifindex uint32) netlink.Message {
		return eventMsg(unix.NL80211_CMD_CONTROL_PORT_FRAME, enc(func(e *encoder) {
			e.u32(unix.NL80211_ATTR_IFINDEX, ifindex)
			e.bytes(unix.NL80211_ATTR_MAC, []byte{2, 0, 0, 0, 0, 1})
			e.u16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, EthertypeEAPOL)
			e.bytes(unix.NL80211_ATTR_FRAME, []byte{2, 3, 0, 0})
			e.flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT)
		}))
	}
	p, err := c.OpenControlPort(5)
	if err != nil {
		t.Fatal(err)
	}
	fk.deliver(frame(5))
	f, err := p.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Src.String() != "02:00:00:00:00:01" || !bytes.Equal(f.Frame, []byte{2, 3, 0, 0}) || !f.Unencrypted {
		t.Fatalf("frame %+v", f)
	}
	if err := p.Send(ctx, f.Src, []byte{2, 3, 0, 1}, true); err != nil {
		t.Fatal(err)
	}
	a := attrsOf(t, fk.requests()[0].Data)
	if _, ok := a[unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT]; !ok || !bytes.Equal(a[unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE], u16b(0x888e)) {
		t.Fatalf("control port request %v", a)
	}
	// Another interface's frames, and ours after Close, go to Events.
	p.Close()
	if _, err := p.Receive(ctx); !errors.Is(err, ErrPortClosed) {
		t.Fatalf("Receive after Close: %v", err)
	}
	fk.deliver(frame(5))
	ev := <-c.Events()
	if cp, ok := ev.(*ControlPortFrameEvent); !ok || cp.Ethertype != EthertypeEAPOL || cp.Ifindex != 5 {
		t.Fatalf("event %#v", ev)
	}
}

func TestCloseFailsPendingAndLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		fk := newFakeKernel(t, nil) // never answers
		c, err := newClient(context.Background(), netlink.NewConn(fk, 1), fakeFam, Config{})
		if err != nil {
			t.Fatal(err)
		}
		fk.deliver(eventMsg(unix.NL80211_CMD_NEW_INTERFACE, enc(func(e *encoder) { e.u32(unix.NL80211_ATTR_IFINDEX, 3) })))
		errc := make(chan error)
		go func() { errc <- c.Disconnect(context.Background(), 3, 3) }()
		go func() {
			_, err := c.Wiphys(context.Background())
			errc <- err
		}()
		for len(fk.requests()) < 2 {
			time.Sleep(time.Millisecond)
		}
		c.Close()
		for range 2 {
			if err := <-errc; !errors.Is(err, ErrClosed) {
				t.Fatalf("pending request: %v", err)
			}
		}
		for range c.Events() { // drained and closed
		}
		if err := c.Disconnect(context.Background(), 3, 3); !errors.Is(err, ErrClosed) {
			t.Fatalf("after close: %v", err)
		}
	}
	waitGoroutines(t, before)
}

func TestDialContextCancelCloses(t *testing.T) {
	before := runtime.NumGoroutine()
	fk := newFakeKernel(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	c, err := newClient(ctx, netlink.NewConn(fk, 1), fakeFam, Config{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-c.Events():
		if ok {
			t.Fatal("unexpected event")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Events not closed after context cancel")
	}
	c.Close()
	waitGoroutines(t, before)
}

func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left, want %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEventQueueOverflowReportsOverrun(t *testing.T) {
	fk := newFakeKernel(t, nil)
	c, err := newClient(context.Background(), netlink.NewConn(fk, 1), fakeFam, Config{MaxQueuedEvents: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 5 {
		fk.deliver(eventMsg(unix.NL80211_CMD_DEL_INTERFACE, enc(func(e *encoder) { e.u32(unix.NL80211_ATTR_IFINDEX, uint32(i+1)) })))
	}
	time.Sleep(50 * time.Millisecond) // let the reader queue them all
	var got []Event
	for len(got) < 3 {
		got = append(got, <-c.Events())
	}
	// One event was in the channel hand-off, two queued, the rest dropped.
	var overrun bool
	for _, ev := range got {
		if o, ok := ev.(*OverrunEvent); ok && o.Dropped > 0 {
			overrun = true
		}
	}
	if !overrun {
		t.Fatalf("no OverrunEvent in %#v", got)
	}
}

// The kernel (6.1) sets a socket's error to EINVAL when a read goes on
// with a dump that a request sent meanwhile started and finished
// (netlink_dump finds none running). The dump's messages are queued all
// the same: the client reads on, and the dump completes.
func TestSocketEINVALAfterDumpIsNotFatal(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		go func() {
			fk.deliver(bssMsg(h.Sequence, []byte{2, 0, 0, 0, 0, 1}, 2412))
			fk.fail(unix.EINVAL)
			fk.deliver(bssMsg(h.Sequence, []byte{2, 0, 0, 0, 0, 2}, 2437), doneMsg(h.Sequence))
		}()
	})
	c := fk.dial(t)
	bss, err := c.ScanResults(ctxT(t), 5)
	if err != nil || len(bss) != 2 {
		t.Fatalf("dump after EINVAL: %d records, err %v", len(bss), err)
	}
	// The client still works.
	if bss, err = c.ScanResults(ctxT(t), 5); err != nil || len(bss) != 2 {
		t.Fatalf("second dump: %d records, err %v", len(bss), err)
	}
	select {
	case ev := <-c.Events():
		t.Fatalf("event %#v after EINVAL, want none", ev)
	default:
	}
}

// Another socket error is reported once: consumers resynchronise, the
// client goes on.
func TestSocketErrorAsksForResync(t *testing.T) {
	fk := newFakeKernel(t, nil)
	c := fk.dial(t)
	fk.fail(unix.ENOMEM)
	select {
	case ev := <-c.Events():
		if _, ok := ev.(*OverrunEvent); !ok {
			t.Fatalf("event %#v, want an OverrunEvent", ev)
		}
	case <-ctxT(t).Done():
		t.Fatal("no OverrunEvent after a socket error")
	}
	fk.deliver(eventMsg(unix.NL80211_CMD_DEL_INTERFACE, enc(func(e *encoder) { e.u32(unix.NL80211_ATTR_IFINDEX, 7) })))
	if ev := <-c.Events(); ev == nil {
		t.Fatal("events stopped after one socket error")
	}
}

// A socket that yields only errors closes the client rather than spin.
func TestSocketOnlyErrorsCloses(t *testing.T) {
	fk := newFakeKernel(t, nil)
	c := fk.dial(t)
	for range maxReceiveErrors {
		fk.fail(unix.EIO)
	}
	ctx := ctxT(t)
	for {
		select {
		case _, ok := <-c.Events():
			if !ok {
				return
			}
		case <-ctx.Done():
			t.Fatal("the client did not close on a socket that only fails")
		}
	}
}
