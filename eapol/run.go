package eapol

import (
	"context"
	"errors"
	"time"
	"wifid/nl80211/ie"
)

// Run drives the Supplicant from a channel of received EAPOL frames until
// ctx is done (it returns ctx.Err()), frames is closed (nil), or the
// handshake fails (the *HandshakeError). Dropped frames are logged and do
// not stop it. If timeout is positive and the first 4-way handshake has
// not completed within it, the handshake fails with ie.Reason4WayHandshakeTimeout
// (ie.ReasonGKHandshakeTimeout when a WPA 4-way handshake is done but its group
// key handshake is not).
// Run owns the Supplicant while it runs; it starts no goroutine.
func (s *Supplicant) Run(ctx context.Context, frames <-chan []byte, timeout time.Duration) error {
	var deadline <-chan time.Time
	if timeout > 0 && !s.complete {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			if err := s.Expire(); err != nil {
				return err
			}
		case f, ok := <-frames:
			if !ok {
				return nil
			}
			err := s.Receive(f)
			var herr *HandshakeError
			switch {
			case errors.As(err, &herr):
				return herr
			case err != nil:
				s.log.Debug("eapol: frame ignored", "err", err)
			}
			if s.complete {
				deadline = nil
			}
		}
	}
}

// Expire is the first handshake's timeout, for a caller that drives the
// Supplicant itself (Run calls it when its timeout passes): a handshake
// not complete fails (ie.Reason4WayHandshakeTimeout, or
// ie.ReasonGKHandshakeTimeout for a WPA group key handshake that never
// came) and its *HandshakeError is returned; a complete one is left alone
// (nil).
func (s *Supplicant) Expire() error {
	if s.state == StateWaitGroupKey {
		// WPA: the 4-way handshake is done, the GTK never came.
		return s.Fail(ie.ReasonGKHandshakeTimeout, errors.New("group key handshake timed out"))
	}
	if !s.complete {
		return s.Fail(ie.Reason4WayHandshakeTimeout, errors.New("4-way handshake timed out"))
	}
	return nil
}
