package nl80211

import (
	"context"
	"net"

	"golang.org/x/sys/unix"
)

// SetPMKSA adds a PMKSA cache entry for drivers that select PMKIDs
// themselves (full-MAC, NL80211_CMD_SET_PMKSA). Never log the PMK.
func (c *Client) SetPMKSA(ctx context.Context, ifindex int, bssid net.HardwareAddr, pmkid, pmk []byte) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, bssid)
	e.bytes(unix.NL80211_ATTR_PMKID, pmkid)
	if len(pmk) > 0 {
		e.bytes(unix.NL80211_ATTR_PMK, pmk)
	}
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_PMKSA, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// DelPMKSA removes the PMKSA cache entry of bssid (NL80211_CMD_DEL_PMKSA).
func (c *Client) DelPMKSA(ctx context.Context, ifindex int, bssid net.HardwareAddr, pmkid []byte) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, bssid)
	e.bytes(unix.NL80211_ATTR_PMKID, pmkid)
	_, err := c.execute(ctx, unix.NL80211_CMD_DEL_PMKSA, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// FlushPMKSA empties the driver's PMKSA cache (NL80211_CMD_FLUSH_PMKSA).
func (c *Client) FlushPMKSA(ctx context.Context, ifindex int) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	_, err := c.execute(ctx, unix.NL80211_CMD_FLUSH_PMKSA, ifTarget(ifindex), 0, e.b, nil)
	return err
}
