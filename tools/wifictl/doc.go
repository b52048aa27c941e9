// Command wifictl is wifid's own client. It speaks iwd's D-Bus API
// (net.connman.iwd) on the system bus, or on $DBUS_SYSTEM_BUS_ADDRESS, so it
// drives wifid and iwd alike, with iwctl's command vocabulary, one-shot or
// in an interactive shell (no command on a terminal):
//
//	wifictl device list | device IFACE show | device IFACE set-property Powered on|off
//	wifictl adapter list | adapter PHY show | adapter PHY set-property Powered on|off
//	wifictl station list
//	wifictl station IFACE show|scan|get-networks|get-hidden-access-points|disconnect
//	wifictl station IFACE connect SSID [SECURITY] | connect-hidden SSID
//	wifictl known-networks list | SSID show|forget | SSID set-property AutoConnect yes|no
//	wifictl known-networks add SSID [--method M --username U --ca-cert F ...]
//	wifictl import eap-config FILE [--username U --ssid S ...]
//	wifictl passphrase SSID [PASSPHRASE]  the PSK of a passphrase, in hex
//
// "known-networks add" and "import eap-config" (an eduroam CAT or
// geteduroam profile) write enterprise networks' .8021x files themselves
// (0600, atomically, through wifid/knownnetworks) after loading the
// certificate files they name with wifid/knownnetworks/eapconf; they ask
// on the terminal for what their flags leave out and need no daemon.
//
// and its own short forms: status, scan [IFACE], connect SSID, disconnect,
// known [forget SSID], watch (every signal, live). --json prints results as
// JSON for scripts; progress (a scan or connect running, each phase of the
// connect as it ends) goes to stderr. It is the agent for its own connects:
// --passphrase answers, else it asks on the terminal. "station IFACE show"
// draws wifid's net.connman.wifid.Station.LastConnect (the latest connect
// attempt's phases) as a bar scaled to the terminal; iwd has no such
// property, so against iwd the bar is simply absent.
//
// It is a plain client of the wire protocol: it does not import the daemon.
// It leans on godbus/dbus/v5 for the bus, golang.org/x/term for the shell
// (line editing, history, Tab completion) and for reading secrets without
// echo, and wifid/eapol for the PSK (no D-Bus in that path).
package main
