// Package nl80211 is a typed client for the Linux kernel's Wi-Fi
// configuration interface (nl80211 over generic netlink): wiphys, interfaces,
// scans, connect, keys, control-port EAPOL and events.
//
// It imports nothing of wifid's. It is built on mdlayher/genetlink because
// mdlayher/wifi covers only a summary subset (no keys, control port, raw IEs
// or events); constants come from golang.org/x/sys/unix.
package nl80211
