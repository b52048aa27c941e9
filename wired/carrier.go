package wired

import (
	"context"
	"fmt"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// WatchCarrier sends ifindex's carrier state (IFF_LOWER_UP) on the
// returned channel: first the state now, then each change, until ctx is
// done (then the channel is closed). An interface that disappears sends
// false.
func WatchCarrier(ctx context.Context, ifindex int) (<-chan bool, error) {
	c, err := rtnetlink.Dial(&netlink.Config{Groups: unix.RTMGRP_LINK})
	if err != nil {
		return nil, fmt.Errorf("wired: rtnetlink link events: %w", err)
	}
	// The state now, asked on a second socket: replies on the
	// subscribed one would interleave with events.
	q, err := rtnetlink.Dial(nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("wired: rtnetlink: %w", err)
	}
	lm, err := q.Link.Get(uint32(ifindex))
	q.Close()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("wired: carrier of ifindex %d: %w", ifindex, err)
	}
	out := make(chan bool, 8)
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	go func() {
		defer close(out)
		last := lm.Flags&unix.IFF_LOWER_UP != 0
		select {
		case out <- last:
		case <-ctx.Done():
			return
		}
		for {
			msgs, raw, err := c.Receive()
			if err != nil {
				return
			}
			for i, m := range msgs {
				lm, ok := m.(*rtnetlink.LinkMessage)
				if !ok || lm.Index != uint32(ifindex) {
					continue
				}
				up := raw[i].Header.Type == unix.RTM_NEWLINK && lm.Flags&unix.IFF_LOWER_UP != 0
				if up == last {
					continue
				}
				last = up
				select {
				case out <- up:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
