// Package tools holds wifid's command-line tools, one folder each:
// wifictl (the client), passphrase (passphrase to PSK), wifimon (the
// nl80211 and air monitor), hwsim and wifi-hwsim (a mac80211_hwsim medium),
// test-runner (the qemu lab). Tools talk to the daemon over D-Bus or to the
// kernel directly; the daemon never links their dependencies.
package tools
