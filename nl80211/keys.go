package nl80211

import (
	"context"
	"fmt"
	"net"
	"wifid/nl80211/ie"

	"golang.org/x/sys/unix"
)

// Key types for Key.Type.
const (
	KeyTypeGroup    = unix.NL80211_KEYTYPE_GROUP
	KeyTypePairwise = unix.NL80211_KEYTYPE_PAIRWISE
)

// A Key is installed with NewKey. Index is 0 (or 1 with extended key ID)
// for a PTK's TK, 1..3 for a GTK, 4..5 for an IGTK, 6..7 for a BIGTK.
// Never log Data.
type Key struct {
	Type   uint32 // KeyTypePairwise or KeyTypeGroup
	Index  uint8
	Cipher ie.CipherSuite
	Data   []byte
	// RSC is the receive sequence counter (NL80211_KEY_SEQ), little
	// endian as in the EAPOL-Key frame: 6 bytes for CCMP/GCMP/BIP.
	RSC []byte
	// MAC is the peer of a pairwise key (the AP's BSSID); group keys
	// leave it nil.
	MAC net.HardwareAddr
}

// String describes the key without its material.
func (k Key) String() string {
	t := "group"
	if k.Type == KeyTypePairwise {
		t = "pairwise"
	}
	return fmt.Sprintf("%s key %d cipher %v (%d bytes)", t, k.Index, k.Cipher, len(k.Data))
}

// NewKey installs a key (NL80211_CMD_NEW_KEY, attributes nested in
// NL80211_ATTR_KEY as modern kernels want).
func (c *Client) NewKey(ctx context.Context, ifindex int, k Key) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	if len(k.MAC) != 0 {
		e.bytes(unix.NL80211_ATTR_MAC, k.MAC)
	}
	e.nested(unix.NL80211_ATTR_KEY, func(n *encoder) {
		n.bytes(unix.NL80211_KEY_DATA, k.Data)
		n.u8(unix.NL80211_KEY_IDX, k.Index)
		n.u32(unix.NL80211_KEY_CIPHER, uint32(k.Cipher))
		if len(k.RSC) > 0 {
			n.bytes(unix.NL80211_KEY_SEQ, k.RSC)
		}
		n.u32(unix.NL80211_KEY_TYPE, k.Type)
	})
	_, err := c.execute(ctx, unix.NL80211_CMD_NEW_KEY, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// SetDefaultKey makes key index idx the default for the given traffic
// (NL80211_CMD_SET_KEY with NL80211_KEY_DEFAULT and KEY_DEFAULT_TYPES).
func (c *Client) SetDefaultKey(ctx context.Context, ifindex int, idx uint8, unicast, multicast bool) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.nested(unix.NL80211_ATTR_KEY, func(n *encoder) {
		n.u8(unix.NL80211_KEY_IDX, idx)
		n.flag(unix.NL80211_KEY_DEFAULT)
		if unicast || multicast {
			n.nested(unix.NL80211_KEY_DEFAULT_TYPES, func(t *encoder) {
				if unicast {
					t.flag(unix.NL80211_KEY_DEFAULT_TYPE_UNICAST)
				}
				if multicast {
					t.flag(unix.NL80211_KEY_DEFAULT_TYPE_MULTICAST)
				}
			})
		}
	})
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_KEY, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// SetDefaultMgmtKey makes IGTK index idx the default management key
// (NL80211_KEY_DEFAULT_MGMT).
func (c *Client) SetDefaultMgmtKey(ctx context.Context, ifindex int, idx uint8) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.nested(unix.NL80211_ATTR_KEY, func(n *encoder) {
		n.u8(unix.NL80211_KEY_IDX, idx)
		n.flag(unix.NL80211_KEY_DEFAULT_MGMT)
	})
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_KEY, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// DelKey removes key idx (of peer mac for a pairwise key; nil for group).
func (c *Client) DelKey(ctx context.Context, ifindex int, idx uint8, mac net.HardwareAddr) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	if len(mac) != 0 {
		e.bytes(unix.NL80211_ATTR_MAC, mac)
	}
	e.nested(unix.NL80211_ATTR_KEY, func(n *encoder) {
		n.u8(unix.NL80211_KEY_IDX, idx)
		if len(mac) != 0 {
			n.u32(unix.NL80211_KEY_TYPE, KeyTypePairwise)
		} else {
			n.u32(unix.NL80211_KEY_TYPE, KeyTypeGroup)
		}
	})
	_, err := c.execute(ctx, unix.NL80211_CMD_DEL_KEY, ifTarget(ifindex), 0, e.b, nil)
	return err
}
