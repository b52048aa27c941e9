// Package knownnetworks reads, writes and watches the user's network files,
// one per SSID (<name>.psk, .8021x, .open) in iwd's keyfile format and
// storage directory (iwd's STATE_DIRECTORY, default /var/lib/iwd), so
// existing iwd files keep working. It is not for main.conf, the .ap files or
// hotspot/ profiles, and it knows nothing of nl80211 or connecting.
//
// Files are written 0600 and atomically (temp file in the same directory,
// fsync, rename, fsync of the directory), keeping comments, unknown keys and
// groups and their order; a corrupt file is logged with its name and line,
// skipped, and never rewritten or removed. Secrets never reach logs or
// error strings (Secret, PSK and EAPSettings print as <redacted>).
//
// Files:
//   - keyfile.go: File, ell's settings syntax (escapes \s \t \n \r \\,
//     [@pem@name] groups), parsed line by line so rewrites are minimal.
//   - names.go: SSID and Security to and from iwd's file names.
//   - settings.go: the typed view of the keys wifid uses.
//   - store.go, atomic.go: Store (Load, List, Get, Save, Update, Forget,
//     Touch, SetAutoConnect).
//   - watch.go: Store.Watch, inotify on the directory.
//   - freq.go: .known_network.freq, the frequencies each network was seen on.
//
// Leans on the standard library and golang.org/x/sys/unix (inotify) only.
// The parser is our own: iwd's escapes and [@pem@...] groups defeat generic
// ini libraries, and a minimal rewrite needs the lines kept.
package knownnetworks
