// Package hwsim is the air between mac80211_hwsim radios, in userspace: a
// Medium registers with the kernel (generic netlink family MAC80211_HWSIM),
// relays every frame a radio sends to the other radios with the signal,
// loss and delay its Rules give each link, reports the TX status (ACK and
// rate tries) back to the sender, creates and removes radios, injects
// frames, and can write what it relays to a pcap with radiotap headers.
// A Service serves a Medium on D-Bus as iwd's net.connman.hwsim, the API
// iwd's autotests (autotests/util/hwsim.py) drive; cmd wifi-hwsim runs both.
//
// It is a test instrument for the lab, not part of the daemon. It leans on
// mdlayher/genetlink and mdlayher/netlink (family lookup, attributes; one
// socket with its own reader, because the kernel accepts frames and TX
// status only from the socket that registered and netlink's Execute would
// reject the frames that arrive between a request and its ACK), on the
// project's nl80211 package to follow interfaces and wiphy renames, and on
// godbus/dbus/v5 (with our own ObjectManager and Properties, which godbus
// does not provide).
//
// A lab test:
//
//	m, _ := hwsim.New(ctx, hwsim.Config{})
//	defer m.Close()
//	ap, _ := m.Radio("rad0")
//	sta, _ := m.Radio("rad1")
//	id, _ := m.AddRule(hwsim.Rule{Source: ap.Addresses[0], Destination: sta.Addresses[0], Signal: -85})
//	m.UpdateRule(id, func(r *hwsim.Rule) { r.Drop = 1 })
package hwsim
