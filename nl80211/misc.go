package nl80211

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// SetCQM arms the connection quality monitor (NL80211_CMD_SET_CQM): a
// CQMEvent when the signal crosses thresholdDBm by more than hysteresisDB.
// A threshold of 0 disables RSSI monitoring. Beacon loss events need no
// setup.
func (c *Client) SetCQM(ctx context.Context, ifindex int, thresholdDBm int32, hysteresisDB uint32) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.nested(unix.NL80211_ATTR_CQM, func(n *encoder) {
		n.s32(unix.NL80211_ATTR_CQM_RSSI_THOLD, thresholdDBm)
		n.u32(unix.NL80211_ATTR_CQM_RSSI_HYST, hysteresisDB)
	})
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_CQM, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// SetPowerSave turns 802.11 power save on or off (NL80211_CMD_SET_POWER_SAVE).
func (c *Client) SetPowerSave(ctx context.Context, ifindex int, on bool) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	ps := uint32(unix.NL80211_PS_DISABLED)
	if on {
		ps = unix.NL80211_PS_ENABLED
	}
	e.u32(unix.NL80211_ATTR_PS_STATE, ps)
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_POWER_SAVE, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// RegDomain is the answer of NL80211_CMD_GET_REG (rules not decoded).
type RegDomain struct {
	Alpha2    string // "00" is the world domain
	DFSRegion uint8
}

// RegDomain returns the global regulatory domain, or wiphy's own when
// wiphy >= 0 and the wiphy is self-managed.
func (c *Client) RegDomain(ctx context.Context, wiphy int) (*RegDomain, error) {
	var e encoder
	t := noTarget
	if wiphy >= 0 {
		e.u32(unix.NL80211_ATTR_WIPHY, uint32(wiphy))
		t = phyTarget(wiphy)
	}
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_REG, t, 0, e.b, nil)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, newError(unix.NL80211_CMD_GET_REG, t, errNoReply)
	}
	as, err := parseAttrs(msgs[0].Data)
	if err != nil {
		return nil, newError(unix.NL80211_CMD_GET_REG, t, err)
	}
	rd := &RegDomain{}
	for _, a := range as {
		switch a.Type {
		case unix.NL80211_ATTR_REG_ALPHA2:
			rd.Alpha2 = getString(a.Data)
		case unix.NL80211_ATTR_DFS_REGION:
			if rd.DFSRegion, err = getU8("ATTR_DFS_REGION", a.Data); err != nil {
				return nil, newError(unix.NL80211_CMD_GET_REG, t, err)
			}
		}
	}
	return rd, nil
}

// SetCQMThresholds arms the connection quality monitor with several RSSI
// thresholds (dBm, ascending, at most as many as the driver takes; needs
// NL80211_EXT_FEATURE_CQM_RSSI_LIST): a CQMEvent with the RSSI level when
// the signal leaves the range between its neighbouring thresholds. One
// threshold is SetCQM.
func (c *Client) SetCQMThresholds(ctx context.Context, ifindex int, thresholdsDBm []int32, hysteresisDB uint32) error {
	if len(thresholdsDBm) == 0 {
		return c.SetCQM(ctx, ifindex, 0, 0)
	}
	for i := 1; i < len(thresholdsDBm); i++ {
		if thresholdsDBm[i] <= thresholdsDBm[i-1] {
			return fmt.Errorf("nl80211: CQM thresholds %v: not strictly ascending", thresholdsDBm)
		}
	}
	list := make([]byte, 0, 4*len(thresholdsDBm))
	for _, t := range thresholdsDBm {
		list = binary.NativeEndian.AppendUint32(list, uint32(t))
	}
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.nested(unix.NL80211_ATTR_CQM, func(n *encoder) {
		n.bytes(unix.NL80211_ATTR_CQM_RSSI_THOLD, list)
		n.u32(unix.NL80211_ATTR_CQM_RSSI_HYST, hysteresisDB)
	})
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_CQM, ifTarget(ifindex), 0, e.b, nil)
	return err
}
