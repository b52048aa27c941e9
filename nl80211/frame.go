package nl80211

import (
	"context"
	"time"

	"golang.org/x/sys/unix"
)

// RegisterFrame asks the kernel to pass management frames of frameType
// (frame control field, e.g. 0x00d0 for Action) whose body starts with
// match to this socket as FrameEvents (NL80211_CMD_REGISTER_FRAME). The
// registration lasts as long as the Client. Used for FT, ANQP, ...
func (c *Client) RegisterFrame(ctx context.Context, ifindex int, frameType uint16, match []byte) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.u16(unix.NL80211_ATTR_FRAME_TYPE, frameType)
	e.bytes(unix.NL80211_ATTR_FRAME_MATCH, match)
	_, err := c.execute(ctx, unix.NL80211_CMD_REGISTER_FRAME, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// FrameRequest is a management frame to send with SendFrame.
type FrameRequest struct {
	Frame []byte // the whole frame, 802.11 header included
	Freq  uint32 // 0: the operating channel
	// Wait keeps the radio on Freq for an answer (NL80211_ATTR_DURATION).
	Wait         time.Duration
	OffchannelOK bool // NL80211_ATTR_OFFCHANNEL_TX_OK
	NoAck        bool // NL80211_ATTR_DONT_WAIT_FOR_ACK
}

// SendFrame transmits a management frame (NL80211_CMD_FRAME) and returns
// the cookie its FrameTxStatusEvent will carry.
func (c *Client) SendFrame(ctx context.Context, ifindex int, req FrameRequest) (uint64, error) {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	if req.Freq != 0 {
		e.u32(unix.NL80211_ATTR_WIPHY_FREQ, req.Freq)
	}
	if req.Wait > 0 {
		e.u32(unix.NL80211_ATTR_DURATION, uint32(req.Wait/time.Millisecond))
	}
	if req.OffchannelOK {
		e.flag(unix.NL80211_ATTR_OFFCHANNEL_TX_OK)
	}
	if req.NoAck {
		e.flag(unix.NL80211_ATTR_DONT_WAIT_FOR_ACK)
	}
	e.bytes(unix.NL80211_ATTR_FRAME, req.Frame)
	t := ifTarget(ifindex)
	msgs, err := c.execute(ctx, unix.NL80211_CMD_FRAME, t, 0, e.b, nil)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		as, err := parseAttrs(m.Data)
		if err != nil {
			return 0, newError(unix.NL80211_CMD_FRAME, t, err)
		}
		for _, a := range as {
			if a.Type == unix.NL80211_ATTR_COOKIE {
				v, err := getU64("ATTR_COOKIE", a.Data)
				return v, newError(unix.NL80211_CMD_FRAME, t, err)
			}
		}
	}
	return 0, nil
}
