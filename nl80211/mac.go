package nl80211

import (
	"errors"
	"fmt"
	"net"

	"github.com/jsimonetti/rtnetlink/v2/rtnl"
)

// ErrInterfaceUp is returned by SetMAC for an interface that is up: the
// kernel refuses to change a running wireless interface's address.
var ErrInterfaceUp = errors.New("interface is up")

// SetMAC changes the hardware address of a wireless interface that is
// down (for address randomization before a connection). It is rtnetlink's
// RTM_SETLINK with IFLA_ADDRESS, not an nl80211 command, through
// jsimonetti/rtnetlink.
func SetMAC(ifindex int, mac net.HardwareAddr) error {
	if len(mac) != 6 {
		return fmt.Errorf("nl80211: SetMAC ifindex %d: %v is not a 6-byte address", ifindex, mac)
	}
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return fmt.Errorf("nl80211: SetMAC ifindex %d: %w", ifindex, err)
	}
	if ifi.Flags&net.FlagUp != 0 {
		return fmt.Errorf("nl80211: SetMAC %s: %w", ifi.Name, ErrInterfaceUp)
	}
	c, err := rtnl.Dial(nil)
	if err != nil {
		return fmt.Errorf("nl80211: SetMAC %s: rtnetlink: %w", ifi.Name, err)
	}
	defer c.Close()
	if err := c.LinkSetHardwareAddr(ifi, mac); err != nil {
		return fmt.Errorf("nl80211: SetMAC %s: %w", ifi.Name, err)
	}
	return nil
}
