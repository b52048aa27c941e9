// Package knownnetworks reads, writes and watches the user's network files,
// one per SSID (<name>.psk, .8021x, .open) in iwd's keyfile format and
// storage directory (iwd's STATE_DIRECTORY, default /var/lib/iwd), and the
// Hotspot 2.0 profiles in its hotspot/ subdirectory (any file name; a
// .8021x file's keys plus a [Hotspot] group), so existing iwd files keep
// working. A profile is a KnownNetwork of SecurityHotspot keyed by its file
// name, with its [Hotspot] group in KnownNetwork.Hotspot; the matching of
// profiles against an AP's HESSID, NAI realms and roaming consortium OIs is
// the caller's (Hotspot.Matches*). It is not for main.conf or the .ap
// files, and it knows nothing of nl80211, ANQP or connecting.
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
//   - names.go: SSID and Security to and from iwd's file names (and a
//     hotspot profile's name to its path in hotspot/).
//   - settings.go: the typed view of the keys wifid uses.
//   - hotspot.go: a profile's [Hotspot] group (ParseHotspot, as iwd's
//     hs20_config_new) and its matching.
//   - store.go, atomic.go: Store (Load, List, Hotspots, Get, Save, Update,
//     Forget, Touch, SetAutoConnect).
//   - watch.go: Store.Watch, inotify on the directory and on hotspot/,
//     which may come and go while watched.
//   - freq.go: .known_network.freq, the frequencies each network was seen
//     on (a profile's entry is matched by its full path).
//
// Leans on the standard library and golang.org/x/sys/unix (inotify) only.
// The parser is our own: iwd's escapes and [@pem@...] groups defeat generic
// ini libraries, and a minimal rewrite needs the lines kept.
package knownnetworks
