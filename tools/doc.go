// Package tools holds wifid's command-line tools, one folder each:
// wifictl (the client), passphrase (passphrase to PSK), test-runner (the qemu
// lab), and later the monitor. Tools talk to the daemon over D-Bus or to the
// kernel directly; the daemon never links their dependencies.
package tools
