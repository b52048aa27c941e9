// Package secret wipes key material wifid holds as []byte (passphrases,
// PSKs, PMKs, PTKs, group keys, EAP keys and passwords) once its owner is
// done with it, so a core dump or a later memory disclosure of the root
// daemon does not hand out the keys of connections that have ended.
//
// What it cannot reach, and so is not wiped: copies Go's crypto keeps
// inside its own state (crypto/aes key schedules, crypto/hmac's padded
// keys, crypto/pbkdf2's and crypto/tls's internals, math/big numbers and
// crypto/elliptic's points in SAE and EAP-pwd), strings (immutable: a
// passphrase read from a network file or given by an agent over D-Bus
// stays a string in godbus and knownnetworks), and the copies the garbage
// collector or a growing buffer leaves behind when memory moves. Wiping
// what we own shortens a secret's life in memory; it does not end every
// copy of it.
package secret

import "runtime"

// Zero overwrites every octet of each slice with zero (nil and empty
// slices are fine). The caller must be the slice's last user: anything
// still holding it reads zeros from then on.
func Zero(bufs ...[]byte) {
	for _, b := range bufs {
		clear(b)
		// The stores must happen even when b is never read again.
		runtime.KeepAlive(b)
	}
}
