// Package knownnetworks reads, writes and watches the user's network files,
// one per SSID (<name>.psk, .8021x, .open) in iwd's keyfile format and
// directory, so existing iwd files keep working.
//
// Files are written 0600 and atomically (temp file + rename); a corrupt file
// is reported with its name and line and never rewritten. Own parser: iwd's
// escapes and [@pem@...] groups defeat generic ini libraries.
package knownnetworks
