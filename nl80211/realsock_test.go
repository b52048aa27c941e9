package nl80211

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestReaderOnRealSocket drives the Client's request machinery over a real
// generic netlink socket, talking to the generic netlink controller
// (present on every Linux host, unlike nl80211): real multi-datagram dumps
// whose NLMSG_DONE netlink.Conn swallows, real NLMSG_ERRORs, concurrency,
// and Close unblocking the reader.
func TestReaderOnRealSocket(t *testing.T) {
	before := runtime.NumGoroutine()
	nc, err := netlink.Dial(unix.NETLINK_GENERIC, nil)
	if err != nil {
		t.Skipf("no generic netlink: %v", err)
	}
	_ = nc.SetOption(netlink.ExtendedAcknowledge, true)
	ctrl := genetlink.Family{ID: unix.GENL_ID_CTRL, Version: 2, Name: "nlctrl"}
	c, err := newClient(context.Background(), nc, ctrl, Config{Groups: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	familyNames := func(msgs []genetlink.Message) map[string]bool {
		names := map[string]bool{}
		for _, m := range msgs {
			as, err := parseAttrs(m.Data)
			if err != nil {
				t.Error(err)
				return nil
			}
			for _, a := range as {
				if a.Type == unix.CTRL_ATTR_FAMILY_NAME {
					names[getString(a.Data)] = true
				}
			}
		}
		return names
	}
	var e encoder
	e.bytes(unix.CTRL_ATTR_FAMILY_NAME, []byte("no-such-family\x00"))
	missing := e.b
	var e2 encoder
	e2.bytes(unix.CTRL_ATTR_FAMILY_NAME, []byte("nlctrl\x00"))
	nlctrl := e2.b

	var e3 encoder
	e3.bytes(unix.CTRL_ATTR_FAMILY_NAME, []byte("ethtool\x00"))
	ethtool := e3.b

	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				msgs, err := c.exec(ctx, unix.CTRL_CMD_GETFAMILY, netlink.Dump, nil, nil)
				if err != nil {
					t.Errorf("dump: %v", err)
				} else if n := familyNames(msgs); !n["nlctrl"] {
					t.Errorf("dump of %d families lacks nlctrl", len(n))
				}
			case 1:
				_, err := c.exec(ctx, unix.CTRL_CMD_GETFAMILY, 0, missing, nil)
				if !errors.Is(err, unix.ENOENT) {
					t.Errorf("missing family: %v", err)
				}
			case 2:
				msgs, err := c.exec(ctx, unix.CTRL_CMD_GETFAMILY, 0, nlctrl, nil)
				if err != nil || len(msgs) != 1 || !familyNames(msgs)["nlctrl"] {
					t.Errorf("get nlctrl: %d messages, %v", len(msgs), err)
				}
			case 3:
				// ethtool's policy dump is some 12 KiB: several
				// datagrams, the case the NLMSG_DONE detection is for.
				msgs, err := c.exec(ctx, unix.CTRL_CMD_GETPOLICY, netlink.Dump, ethtool, nil)
				if errors.Is(err, unix.ENOENT) {
					return // no ethtool netlink on this kernel
				}
				if err != nil || len(msgs) < 50 {
					t.Errorf("ethtool policy dump: %d messages, %v", len(msgs), err)
				}
			}
		}()
	}
	wg.Wait()
	c.mu.Lock()
	pending, dump := len(c.pending), c.curDump
	c.mu.Unlock()
	if pending != 0 || dump != 0 {
		t.Fatalf("%d requests pending, dump %d in flight after all completed", pending, dump)
	}
	c.Close()
	waitGoroutines(t, before)
}
