// Package tools holds the commands a user runs, one folder each: wifictl
// (the client), passphrase (passphrase to PSK), wifimon (the nl80211 and
// air monitor) and nlscan (nl80211 from a shell: wiphys, interfaces, scans,
// events). Tools talk to the daemon over D-Bus or to the kernel directly;
// the daemon never links their dependencies. What exists only to test lives
// under lab/.
package tools
