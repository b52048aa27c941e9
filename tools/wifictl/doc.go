// Command wifictl is wifid's own client. It speaks iwd's D-Bus API
// (net.connman.iwd) on the system bus, or on $DBUS_SYSTEM_BUS_ADDRESS, so it
// drives wifid and iwd alike:
//
//	wifictl [status]                      devices, station state, connected network
//	wifictl scan [IFACE]                  scan, then list networks by rank
//	wifictl connect SSID [--passphrase P] [--iface IFACE]
//	wifictl disconnect [--iface IFACE]
//	wifictl known [forget SSID]           known networks
//	wifictl watch                         property changes and debug events, live
//
// It is a plain client of the wire protocol: it does not import the daemon.
// It leans on godbus/dbus/v5 for the bus and golang.org/x/term to read a
// passphrase from a terminal without echo.
package main
