package main

import (
	"errors"
	"fmt"
	"net"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"
)

// nlmonLink is the nlmon interface wifimon created; Close removes it.
type nlmonLink struct {
	rt    *rtnetlink.Conn
	index uint32
	name  string
}

// createNlmon creates and brings up an nlmon interface (the kernel's
// netlink tap: every netlink message of this network namespace is
// transmitted on it). A leftover nlmon of the same name (from a wifimon
// that was killed) is removed first; any other link of that name is an
// error.
func createNlmon(name string) (*nlmonLink, error) {
	rt, err := rtnetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	if ifi, err := net.InterfaceByName(name); err == nil {
		msg, err := rt.Link.Get(uint32(ifi.Index))
		if err != nil || msg.Attributes == nil || msg.Attributes.Info == nil || msg.Attributes.Info.Kind != "nlmon" {
			rt.Close()
			return nil, fmt.Errorf("nlmon: %s exists and is not an nlmon interface", name)
		}
		if err := rt.Link.Delete(uint32(ifi.Index)); err != nil {
			rt.Close()
			return nil, fmt.Errorf("nlmon: removing leftover %s: %w", name, err)
		}
	}
	err = rt.Link.New(&rtnetlink.LinkMessage{
		Family:     unix.AF_UNSPEC,
		Attributes: &rtnetlink.LinkAttributes{Name: name, Info: &rtnetlink.LinkInfo{Kind: "nlmon"}},
	})
	if err != nil {
		rt.Close()
		if errors.Is(err, unix.EOPNOTSUPP) {
			return nil, fmt.Errorf("nlmon: create %s: %w (is the nlmon module available?)", name, err)
		}
		return nil, fmt.Errorf("nlmon: create %s: %w", name, err)
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		rt.Close()
		return nil, fmt.Errorf("nlmon: %s created but not found: %w", name, err)
	}
	l := &nlmonLink{rt: rt, index: uint32(ifi.Index), name: name}
	if err := setUp(rt, l.index); err != nil {
		l.Close()
		return nil, fmt.Errorf("nlmon: %s up: %w", name, err)
	}
	return l, nil
}

// Close removes the nlmon interface.
func (l *nlmonLink) Close() error {
	err := l.rt.Link.Delete(l.index)
	l.rt.Close()
	if err != nil {
		return fmt.Errorf("nlmon: remove %s: %w", l.name, err)
	}
	return nil
}

func setUp(rt *rtnetlink.Conn, index uint32) error {
	return rt.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: index, Flags: unix.IFF_UP, Change: unix.IFF_UP})
}

// ensureUp brings a capture interface (the monitor) up if it is down.
func ensureUp(ifi *net.Interface) error {
	if ifi.Flags&net.FlagUp != 0 {
		return nil
	}
	rt, err := rtnetlink.Dial(nil)
	if err != nil {
		return fmt.Errorf("rtnetlink: %w", err)
	}
	defer rt.Close()
	if err := setUp(rt, uint32(ifi.Index)); err != nil {
		return fmt.Errorf("%s up: %w", ifi.Name, err)
	}
	return nil
}
