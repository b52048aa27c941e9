package station

import (
	"context"
	"fmt"
	"time"
)

// LeaseConfirmer is an IPConfigurator that can confirm the lease of the
// configuration it runs on an interface, keeping the address while it
// asks: DHCP's INIT-REBOOT after a resume that kept the link.
type LeaseConfirmer interface {
	ConfirmLease(ifindex int)
}

// linkCheckTimeout bounds the resume's question to the kernel whether the
// link is still associated.
const linkCheckTimeout = 2 * time.Second

// Suspending tells the station the system is about to sleep (logind's
// PrepareForSleep(true)). It starts nothing new from then on (no scans,
// no autoconnect, no roams; a user's request is still served) and returns
// once nothing is half done: no connect attempt or roam running (a
// handshake, the secrets) and no network file write pending. If ctx ends
// first, a running attempt is aborted, so the kernel holds no half-made
// association, and ctx's error is returned.
func (s *Station) Suspending(ctx context.Context) error {
	var quiet chan struct{}
	if err := s.call(ctx, func() {
		s.asleep = true
		s.stopPeriodicScan()
		s.roam.stopTimer()
		quiet = make(chan struct{})
		why := s.busy()
		s.log.Info("suspending", "state", s.state.String(), "waiting_for", why)
		if why == "" {
			close(quiet)
		} else {
			s.quiet = quiet
		}
	}); err != nil {
		return err
	}
	select {
	case <-quiet:
	case <-ctx.Done():
		// Abort what runs: nothing may be left half done over the sleep.
		abort, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.call(abort, func() {
			if s.asleep && s.attempt != nil {
				s.log.Warn("suspending: aborting the attempt still running", "network", s.attempt.network.SSID,
					"stage", s.attempt.stage.String())
				s.failAttempt(ErrAborted, false)
			}
		})
		return fmt.Errorf("station %s: not quiet before sleep: %w", s.cfg.Ifname, ctx.Err())
	case <-s.stop:
		return ErrStopped
	}
	// The network file writes of a connection done meanwhile.
	var written chan struct{}
	if err := s.call(ctx, func() { written = s.remembered }); err != nil {
		return err
	}
	if written != nil {
		select {
		case <-written:
		case <-ctx.Done():
			return fmt.Errorf("station %s: network file write pending before sleep: %w", s.cfg.Ifname, ctx.Err())
		}
	}
	return nil
}

// busy says what Suspending waits for: "" when nothing.
func (s *Station) busy() string {
	switch {
	case s.attempt != nil:
		return s.attempt.kind.String() + " " + s.attempt.stage.String()
	case s.roam.scanning:
		return "roam scan"
	}
	return ""
}

// checkQuiet ends Suspending's wait once the station is quiet; the loop
// calls it after everything it handles.
func (s *Station) checkQuiet() {
	if s.quiet != nil && s.busy() == "" {
		close(s.quiet)
		s.quiet = nil
	}
}

// Resumed tells the station the system is awake again (logind's
// PrepareForSleep(false)). A connection that was up is checked with the
// kernel: still associated, it stays and its lease is confirmed; gone, it
// is torn down. Without a connection, autoconnect starts at once with a
// fresh scan (not waiting for its periodic timer), as after a loss.
func (s *Station) Resumed(ctx context.Context) error {
	return s.call(ctx, func() {
		s.asleep = false
		if s.quiet != nil { // a Suspending still waiting: it is over
			close(s.quiet)
			s.quiet = nil
		}
		switch c := s.conn; {
		case c != nil:
			s.log.Info("resumed", "state", s.state.String(), "checking", c.bss.Addr.String())
			s.checkLink(c, afterSleep)
		case s.attempt != nil || !s.autoconnect:
			s.log.Info("resumed", "state", s.state.String())
		default:
			s.log.Info("resumed", "state", s.state.String(), "then", "scan")
			// Results from before the sleep say nothing of where we are,
			// nor does a scan that ran across it.
			s.lastScan = time.Time{}
			s.staleScan = s.scanning
			s.stopPeriodicScan()
			s.startAutoconnect("resumed")
		}
	})
}
