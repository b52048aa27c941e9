// Package nl80211 is a typed client for the Linux kernel's Wi-Fi
// configuration interface (nl80211 over generic netlink): wiphys, interfaces,
// scans, connect/authenticate/associate, keys, station flags, control-port
// EAPOL, frame registration and events. It is not a station: no policy, no
// state machine; information elements stay raw bytes (nl80211/ie parses them).
//
// It imports nothing of wifid's. It is built on mdlayher/genetlink (family
// lookup) and mdlayher/netlink (socket, NLMSG_ERROR decoding, extended ACK
// messages) because mdlayher/wifi covers only a summary subset (no keys,
// control port, raw IEs or events); constants come from golang.org/x/sys/unix.
// The EAPOL fallback for drivers without control port over nl80211 is a
// PF_PACKET socket from mdlayher/packet.
//
// One socket carries requests and events. netlink's Execute cannot be used
// (it rejects replies whose sequence number doesn't match, and events arrive
// with sequence 0), so a Client sends with its own sequence numbers and one
// reader goroutine matches replies, dump parts, ACKs and errors to requests,
// and turns sequence-0 messages into typed Events. Its socket is the one
// that owns connections made with SocketOwner, so EAPOL frames received with
// control port over nl80211 arrive there too.
//
// A lab session against a real kernel:
//
//	c, _ := nl80211.Dial(ctx)
//	wiphys, _ := c.Wiphys(ctx)
//	ifaces, _ := c.Interfaces(ctx)
//	res, _ := c.Scan(ctx, ifindex, nl80211.ScanRequest{Freqs: []uint32{2412}})
//	_ = c.Connect(ctx, ifindex, nl80211.ConnectRequest{SSID: ssid, SocketOwner: true})
//	ev := <-c.Events()
//
// tools/nlscan does the same from a shell. lab/nl80211_test.go checks the
// package against the lab guest's kernel (mac80211_hwsim, hostapd).
package nl80211
