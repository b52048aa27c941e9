package nl80211

import (
	"context"
	"net"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// An Interface is a wireless device (NL80211_CMD_GET_INTERFACE). A
// P2P-device interface has no netdev: Index is 0 and Wdev identifies it.
type Interface struct {
	Index      int
	Name       string
	Wiphy      int
	Type       Iftype
	MAC        net.HardwareAddr
	Wdev       uint64
	SSID       []byte // set while connected (station) or beaconing (AP)
	FourAddr   bool
	Freq       uint32 // operating frequency in MHz, when the kernel says
	Generation uint32
}

// Interfaces dumps all wireless interfaces.
func (c *Client) Interfaces(ctx context.Context) ([]*Interface, error) {
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_INTERFACE, noTarget, netlink.Dump, nil, nil)
	if err != nil {
		return nil, err
	}
	out, err := decodeInterfaces(msgs)
	return out, newError(unix.NL80211_CMD_GET_INTERFACE, noTarget, err)
}

// Interface returns the wireless interface with the given ifindex.
func (c *Client) Interface(ctx context.Context, ifindex int) (*Interface, error) {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	t := ifTarget(ifindex)
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_INTERFACE, t, 0, e.b, nil)
	if err != nil {
		return nil, err
	}
	out, err := decodeInterfaces(msgs)
	if err == nil && len(out) == 0 {
		err = errNoReply
	}
	if err != nil {
		return nil, newError(unix.NL80211_CMD_GET_INTERFACE, t, err)
	}
	return out[0], nil
}

func decodeInterfaces(msgs []genetlink.Message) ([]*Interface, error) {
	out := make([]*Interface, 0, len(msgs))
	for _, m := range msgs {
		as, err := parseAttrs(m.Data)
		if err != nil {
			return nil, err
		}
		ifi, err := decodeInterface(as)
		if err != nil {
			return nil, err
		}
		out = append(out, ifi)
	}
	return out, nil
}

func decodeInterface(as []Attr) (*Interface, error) {
	ifi := &Interface{Wiphy: -1}
	for _, a := range as {
		var err error
		var v uint32
		switch a.Type {
		case unix.NL80211_ATTR_IFINDEX:
			v, err = getU32("ATTR_IFINDEX", a.Data)
			ifi.Index = int(v)
		case unix.NL80211_ATTR_IFNAME:
			ifi.Name = getString(a.Data)
		case unix.NL80211_ATTR_WIPHY:
			v, err = getU32("ATTR_WIPHY", a.Data)
			ifi.Wiphy = int(v)
		case unix.NL80211_ATTR_IFTYPE:
			v, err = getU32("ATTR_IFTYPE", a.Data)
			ifi.Type = Iftype(v)
		case unix.NL80211_ATTR_MAC:
			ifi.MAC, err = getMAC("ATTR_MAC", a.Data)
		case unix.NL80211_ATTR_WDEV:
			ifi.Wdev, err = getU64("ATTR_WDEV", a.Data)
		case unix.NL80211_ATTR_SSID:
			ifi.SSID = clone(a.Data)
		case unix.NL80211_ATTR_4ADDR:
			var b uint8
			b, err = getU8("ATTR_4ADDR", a.Data)
			ifi.FourAddr = b != 0
		case unix.NL80211_ATTR_WIPHY_FREQ:
			ifi.Freq, err = getU32("ATTR_WIPHY_FREQ", a.Data)
		case unix.NL80211_ATTR_GENERATION:
			ifi.Generation, err = getU32("ATTR_GENERATION", a.Data)
		}
		if err != nil {
			return nil, err
		}
	}
	return ifi, nil
}

// NewInterfaceRequest describes an interface to create.
type NewInterfaceRequest struct {
	Wiphy int
	Name  string
	Type  Iftype           // IftypeStation if zero
	MAC   net.HardwareAddr // optional; needs NL80211_FEATURE_MAC_ON_CREATE
	// SocketOwner makes the kernel delete the interface when this
	// Client's socket closes (NL80211_ATTR_IFACE_SOCKET_OWNER).
	SocketOwner bool
}

// NewInterface creates an interface (NL80211_CMD_NEW_INTERFACE) and
// returns it as the kernel reports it.
func (c *Client) NewInterface(ctx context.Context, req NewInterfaceRequest) (*Interface, error) {
	typ := req.Type
	if typ == IftypeUnspecified {
		typ = IftypeStation
	}
	var e encoder
	e.u32(unix.NL80211_ATTR_WIPHY, uint32(req.Wiphy))
	e.bytes(unix.NL80211_ATTR_IFNAME, append([]byte(req.Name), 0))
	e.u32(unix.NL80211_ATTR_IFTYPE, uint32(typ))
	if len(req.MAC) != 0 {
		e.bytes(unix.NL80211_ATTR_MAC, req.MAC)
	}
	if req.SocketOwner {
		e.flag(unix.NL80211_ATTR_IFACE_SOCKET_OWNER)
	}
	t := phyTarget(req.Wiphy)
	msgs, err := c.execute(ctx, unix.NL80211_CMD_NEW_INTERFACE, t, 0, e.b, nil)
	if err != nil {
		return nil, err
	}
	out, err := decodeInterfaces(msgs)
	if err == nil && len(out) == 0 {
		err = errNoReply
	}
	if err != nil {
		return nil, newError(unix.NL80211_CMD_NEW_INTERFACE, t, err)
	}
	return out[0], nil
}

// DelInterface deletes an interface (NL80211_CMD_DEL_INTERFACE).
func (c *Client) DelInterface(ctx context.Context, ifindex int) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	_, err := c.execute(ctx, unix.NL80211_CMD_DEL_INTERFACE, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// SetInterfaceType changes an interface's type (NL80211_CMD_SET_INTERFACE);
// most drivers want the interface down.
//
// Changing the MAC address of a down interface is rtnetlink's business
// (RTM_SETLINK with IFLA_ADDRESS): see SetMAC.
func (c *Client) SetInterfaceType(ctx context.Context, ifindex int, typ Iftype) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.u32(unix.NL80211_ATTR_IFTYPE, uint32(typ))
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_INTERFACE, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// SetFourAddr toggles 4-address (WDS) mode on an interface.
func (c *Client) SetFourAddr(ctx context.Context, ifindex int, on bool) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	var v uint8
	if on {
		v = 1
	}
	e.u8(unix.NL80211_ATTR_4ADDR, v)
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_INTERFACE, ifTarget(ifindex), 0, e.b, nil)
	return err
}
