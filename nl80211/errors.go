package nl80211

import (
	"errors"
	"fmt"
	"net"
)

// ErrClosed is returned by requests on (or in flight during) a closed Client.
var ErrClosed = errors.New("nl80211: client closed")

// An Error is a failed nl80211 request or an undecodable reply: which
// command, on which interface or wiphy, and why. Its text reads
// "nl80211: CMD_CONNECT wlan1: ...". Err is a *netlink.OpError wrapping a
// unix.Errno for kernel refusals (errors.Is(err, unix.EBUSY) works), or an
// *AttrError naming the attribute for decoding failures.
type Error struct {
	Cmd    string // "CMD_CONNECT"
	Target string // "wlan1", "ifindex 3", "phy0" or ""
	Err    error
}

func (e *Error) Error() string {
	if e.Target == "" {
		return "nl80211: " + e.Cmd + ": " + e.Err.Error()
	}
	return "nl80211: " + e.Cmd + " " + e.Target + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// CmdName returns the uapi name of an nl80211 command without the NL80211_
// prefix, e.g. "CMD_CONNECT".
func CmdName(cmd uint8) string {
	if n, ok := cmdNames[cmd]; ok {
		return n
	}
	return fmt.Sprintf("CMD_%d", cmd)
}

// AttrName names an nl80211 attribute as the uapi header does, without the
// NL80211_ prefix, e.g. "ATTR_IFINDEX"; "ATTR_<n>" for a number this build
// has no name for.
func AttrName(t uint16) string {
	if n, ok := attrNames[t]; ok {
		return n
	}
	return fmt.Sprintf("ATTR_%d", t)
}

// target names what a request is about, for error messages.
type target struct {
	ifindex int // 0: none
	wiphy   int // -1: none
}

var noTarget = target{wiphy: -1}

func ifTarget(ifindex int) target { return target{ifindex: ifindex, wiphy: -1} }

func phyTarget(wiphy int) target { return target{wiphy: wiphy} }

func (t target) String() string {
	switch {
	case t.ifindex > 0:
		if ifi, err := net.InterfaceByIndex(t.ifindex); err == nil {
			return ifi.Name
		}
		return fmt.Sprintf("ifindex %d", t.ifindex)
	case t.wiphy >= 0:
		return fmt.Sprintf("phy%d", t.wiphy)
	}
	return ""
}

func newError(cmd uint8, t target, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Cmd: CmdName(cmd), Target: t.String(), Err: err}
}
