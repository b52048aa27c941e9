// Package daemon wires wifid together: it reads main.conf and the command
// line, starts one station per managed interface, and serves iwd's D-Bus API
// (net.connman.iwd) so iwctl, NetworkManager and wifictl drive it unchanged.
//
// It is not a library: nothing imports it but its main in daemon/cmd/wifid.
// It leans on godbus/dbus/v5 for the bus; ObjectManager is ours.
package daemon
