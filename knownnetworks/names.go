package knownnetworks

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Security is the kind of network a file describes; it is the file name's
// extension.
type Security uint8

// Network file types, as iwd names them.
const (
	SecurityOpen  Security = iota + 1 // <name>.open
	SecurityPSK                       // <name>.psk (WPA/WPA2/WPA3-Personal)
	Security8021X                     // <name>.8021x (WPA-Enterprise)
	// SecurityHotspot is a Hotspot 2.0 profile, a file of any name in
	// HotspotDir; it is no file name extension (iwd's network type
	// "hotspot").
	SecurityHotspot
)

// String returns the file extension: "open", "psk" or "8021x"; "hotspot" for
// SecurityHotspot, iwd's type name for a profile.
func (s Security) String() string {
	switch s {
	case SecurityOpen:
		return "open"
	case SecurityPSK:
		return "psk"
	case Security8021X:
		return "8021x"
	case SecurityHotspot:
		return "hotspot"
	}
	return fmt.Sprintf("Security(%d)", uint8(s))
}

// ParseSecurity is the inverse of Security.String.
func ParseSecurity(s string) (Security, bool) {
	switch s {
	case "open":
		return SecurityOpen, true
	case "psk":
		return SecurityPSK, true
	case "8021x":
		return Security8021X, true
	case "hotspot":
		return SecurityHotspot, true
	}
	return 0, false
}

// hasFileName reports whether sec is a network file's extension: a
// top-level "x.hotspot" is no network file.
func (s Security) hasFileName() bool {
	return s == SecurityOpen || s == SecurityPSK || s == Security8021X
}

// relPath returns the path, relative to the storage directory, of the file
// that holds (ssid, sec): FileName for a network; for a hotspot profile,
// whose "SSID" is its file name, that name inside HotspotDir.
func relPath(ssid string, sec Security) (string, error) {
	if sec == SecurityHotspot {
		if err := checkHotspotName(ssid); err != nil {
			if errors.Is(err, ErrNotNetworkFile) {
				return "", fmt.Errorf("knownnetworks: %q is a temporary file's name, not a hotspot profile", ssid)
			}
			return "", err
		}
		return HotspotDir + "/" + ssid, nil
	}
	return FileName(ssid, sec)
}

// parseRelPath is the inverse of relPath: errors as ParseFileName's.
func parseRelPath(rel string) (ssid string, sec Security, err error) {
	if name, ok := strings.CutPrefix(rel, HotspotDir+"/"); ok {
		if err := checkHotspotName(name); err != nil {
			return "", 0, err
		}
		return name, SecurityHotspot, nil
	}
	return ParseFileName(rel)
}

// MaxSSIDLen is the longest SSID, in bytes (IEEE 802.11 SSID element).
const MaxSSIDLen = 32

// ErrNotNetworkFile is returned by ParseFileName for names that are not
// network files at all (.ap files, iwd's hidden state files, temporary
// files); the caller ignores those silently.
var ErrNotNetworkFile = errors.New("knownnetworks: not a network file")

// plainSSID reports whether iwd writes ssid verbatim in a file name: every
// byte is an ASCII letter or digit, a space, '-' or '_'.
func plainSSID(ssid string) bool {
	for i := 0; i < len(ssid); i++ {
		c := ssid[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == ' ' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func checkSSID(ssid string) error {
	switch {
	case ssid == "":
		return errors.New("knownnetworks: empty SSID")
	case len(ssid) > MaxSSIDLen:
		return fmt.Errorf("knownnetworks: SSID is %d bytes, more than %d", len(ssid), MaxSSIDLen)
	case strings.IndexByte(ssid, 0) >= 0:
		return errors.New("knownnetworks: SSID contains a NUL byte")
	case !utf8.ValidString(ssid):
		return errors.New("knownnetworks: SSID is not UTF-8")
	}
	return nil
}

// FileName returns the name of the file iwd keeps for ssid: the SSID itself
// if plain (see iwd.network(5)), else '=' and the SSID in lower-case hex,
// then '.' and the security type. iwd only handles UTF-8 SSIDs without NUL,
// of 1 to 32 bytes; others are an error.
//
// A hotspot profile has no such name (see relPath): SecurityHotspot is an
// error here.
func FileName(ssid string, sec Security) (string, error) {
	if !sec.hasFileName() {
		return "", fmt.Errorf("knownnetworks: unknown security type %d", uint8(sec))
	}
	if err := checkSSID(ssid); err != nil {
		return "", err
	}
	if plainSSID(ssid) {
		return ssid + "." + sec.String(), nil
	}
	return "=" + hex.EncodeToString([]byte(ssid)) + "." + sec.String(), nil
}

// ParseFileName is the inverse of FileName. It returns ErrNotNetworkFile for
// names to skip silently (no ".open", ".psk" or ".8021x" after the first
// dot: .ap files, ".known_network.freq", "x.psk.123.tmp"), and another error,
// worth a warning as iwd gives, for names that look like network files but
// are not what FileName would write (e.g. "café.psk", "a=b.psk", upper-case
// or non-canonical hex).
func ParseFileName(name string) (ssid string, sec Security, err error) {
	dot := strings.IndexByte(name, '.')
	if dot < 0 {
		return "", 0, ErrNotNetworkFile
	}
	sec, ok := ParseSecurity(name[dot+1:])
	if !ok || !sec.hasFileName() || dot == 0 {
		return "", 0, ErrNotNetworkFile
	}
	enc := name[:dot]
	if enc[0] != '=' {
		if len(enc) > MaxSSIDLen {
			return "", 0, fmt.Errorf("knownnetworks: %s: name longer than %d bytes", name, MaxSSIDLen)
		}
		if !plainSSID(enc) {
			return "", 0, fmt.Errorf("knownnetworks: %s: name has characters other than "+
				"letters, digits, space, '-' and '_'; hex-encode it as '=' and lower-case hex (see iwd.network(5))", name)
		}
		return enc, sec, nil
	}
	b, herr := hex.DecodeString(enc[1:])
	if herr != nil || len(b) == 0 {
		return "", 0, fmt.Errorf("knownnetworks: %s: invalid hex after '='", name)
	}
	ssid = string(b)
	if err := checkSSID(ssid); err != nil {
		return "", 0, fmt.Errorf("%w (file %s)", err, name)
	}
	if want, _ := FileName(ssid, sec); want != name {
		return "", 0, fmt.Errorf("knownnetworks: %s: iwd names this network %s", name, want)
	}
	return ssid, sec, nil
}
