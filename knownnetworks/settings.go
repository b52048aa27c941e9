package knownnetworks

import (
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sort"
	"strings"
)

// Group names of iwd's network files.
const (
	GroupSettings = "Settings"
	GroupSecurity = "Security"
	GroupNetwork  = "Network"
	GroupIPv4     = "IPv4"
	GroupIPv6     = "IPv6"
)

// Keys wifid reads (see iwd.network(5)).
const (
	KeyAutoConnect             = "AutoConnect"
	KeyHidden                  = "Hidden"
	KeyAlwaysRandomizeAddress  = "AlwaysRandomizeAddress"
	KeyAddressOverride         = "AddressOverride"
	KeyPriority                = "Priority" // wifid extension, ignored by iwd
	KeyTransitionDisable       = "TransitionDisable"
	KeyDisabledTransitionModes = "DisabledTransitionModes"
	KeyUseDefaultEccGroup      = "UseDefaultEccGroup"

	KeyPassphrase         = "Passphrase"
	KeyPasswordIdentifier = "PasswordIdentifier"
	KeyPreSharedKey       = "PreSharedKey"

	KeyAddress      = "Address"
	KeyGateway      = "Gateway"
	KeyDNS          = "DNS"
	KeyNetmask      = "Netmask"
	KeyBroadcast    = "Broadcast"
	KeyDomainName   = "DomainName"
	KeySendHostname = "SendHostname"
	KeyEnabled      = "Enabled"
)

const redacted = "<redacted>"

// Secret is a passphrase or password. It prints as <redacted> with fmt (every
// verb) and slog; convert with string(s) to use it.
type Secret string

func (Secret) String() string                 { return redacted }
func (Secret) GoString() string               { return redacted }
func (Secret) Format(f fmt.State, _ rune)     { io.WriteString(f, redacted) }
func (Secret) LogValue() slog.Value           { return slog.StringValue(redacted) }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// PSK is a 32-byte pre-shared key (the PMK of WPA2-Personal). It prints as
// <redacted>; index it or slice it to use it.
type PSK [32]byte

func (PSK) String() string                 { return redacted }
func (PSK) GoString() string               { return redacted }
func (PSK) Format(f fmt.State, _ rune)     { io.WriteString(f, redacted) }
func (PSK) LogValue() slog.Value           { return slog.StringValue(redacted) }
func (p PSK) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// EAPSettings holds the [Security] EAP-* keys as written in the file (raw:
// escapes not processed; File.String gives them unescaped). It prints only
// its keys, never the values.
type EAPSettings map[string]string

func (e EAPSettings) keys() []string {
	ks := make([]string, 0, len(e))
	for k := range e {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (e EAPSettings) String() string             { return "EAP" + fmt.Sprint(e.keys()) }
func (e EAPSettings) GoString() string           { return e.String() }
func (e EAPSettings) Format(f fmt.State, _ rune) { io.WriteString(f, e.String()) }
func (e EAPSettings) LogValue() slog.Value       { return slog.StringValue(e.String()) }

// SecuritySettings is the typed [Security] group.
type SecuritySettings struct {
	Passphrase         Secret // "" if absent
	PasswordIdentifier string
	PreSharedKey       *PSK // nil if absent or not 64 hex digits
	EAP                EAPSettings
}

// IPv4Settings is the typed [IPv4] group (static configuration).
type IPv4Settings struct {
	Address      netip.Addr // invalid (zero) if absent: DHCP
	Gateway      netip.Addr
	DNS          []netip.Addr
	Netmask      netip.Addr // 255.255.255.0 if absent
	Broadcast    netip.Addr
	DomainName   string
	SendHostname bool
}

// IPv6Settings is the typed [IPv6] group.
type IPv6Settings struct {
	Enabled    *bool        // nil: main.conf's [Network] EnableIPv6 decides
	Address    netip.Prefix // invalid if absent; "/128" assumed if no length given
	Gateway    netip.Addr
	DNS        []netip.Addr
	DomainName string
}

// Settings is the typed view of the keys wifid uses. Everything else stays in
// the File, untouched.
type Settings struct {
	AutoConnect             bool // default true
	Hidden                  bool
	AlwaysRandomizeAddress  bool
	AddressOverride         net.HardwareAddr // nil if absent
	Priority                int              // wifid extension; 0 (absent) keeps iwd's order
	TransitionDisable       bool
	DisabledTransitionModes []string // "personal", "enterprise", "open"
	// UseDefaultEccGroup: SAE and OWE offer group 19 only (else 19 first,
	// then the others the AP may ask for).
	UseDefaultEccGroup bool

	Security SecuritySettings
	IPv4     IPv4Settings
	IPv6     IPv6Settings
}

// ParseSettings reads the typed view out of f. Values that do not parse are
// reported in warnings (each a *ParseError naming the line; no [Security]
// value is ever quoted) and take their default, as iwd does.
func ParseSettings(f *File) (Settings, []error) {
	var s Settings
	var warns []error
	warn := func(err error) {
		if err != nil {
			warns = append(warns, err)
		}
	}
	boolOr := func(group, key string, def bool) bool {
		v, ok, err := f.Bool(group, key)
		warn(err)
		if !ok || err != nil {
			return def
		}
		return v
	}
	str := func(group, key string) string {
		v, _, err := f.String(group, key)
		warn(err)
		return v
	}
	addr := func(group, key string, want4 bool) netip.Addr {
		v := str(group, key)
		if v == "" {
			return netip.Addr{}
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Is4() != want4 || a.Zone() != "" {
			warn(f.valueError(group, key, "not an IPv"+map[bool]string{true: "4", false: "6"}[want4]+" address"))
			return netip.Addr{}
		}
		return a
	}
	addrList := func(group, key string, want4 bool) []netip.Addr {
		items, _, err := f.StringList(group, key, ' ')
		warn(err)
		var out []netip.Addr
		for _, it := range items {
			a, err := netip.ParseAddr(it)
			if err != nil || a.Is4() != want4 || a.Zone() != "" {
				warn(f.valueError(group, key, fmt.Sprintf("%q is not an address", it)))
				continue
			}
			out = append(out, a)
		}
		return out
	}

	// [Settings]
	s.AutoConnect = boolOr(GroupSettings, KeyAutoConnect, true)
	s.Hidden = boolOr(GroupSettings, KeyHidden, false)
	s.AlwaysRandomizeAddress = boolOr(GroupSettings, KeyAlwaysRandomizeAddress, false)
	if v, ok := f.Value(GroupSettings, KeyAddressOverride); ok {
		mac, err := net.ParseMAC(v)
		switch {
		case err != nil || len(mac) != 6:
			warn(f.valueError(GroupSettings, KeyAddressOverride, "not a MAC address"))
		case mac[0]&1 != 0 || isZero(mac):
			warn(f.valueError(GroupSettings, KeyAddressOverride, "not a valid station address"))
		default:
			s.AddressOverride = mac
		}
	}
	if s.AddressOverride != nil && s.AlwaysRandomizeAddress {
		warn(f.valueError(GroupSettings, KeyAlwaysRandomizeAddress,
			"ignored because AddressOverride is set"))
		s.AlwaysRandomizeAddress = false
	}
	if v, ok, err := f.Int(GroupSettings, KeyPriority); ok {
		warn(err)
		s.Priority = v
	}
	s.TransitionDisable = boolOr(GroupSettings, KeyTransitionDisable, false)
	s.UseDefaultEccGroup = boolOr(GroupSettings, KeyUseDefaultEccGroup, false)
	if raw, ok, err := f.String(GroupSettings, KeyDisabledTransitionModes); ok {
		warn(err)
		// iwd splits at spaces, its manual says commas: take both.
		for _, m := range strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == ',' }) {
			switch m {
			case "personal", "enterprise", "open":
				s.DisabledTransitionModes = append(s.DisabledTransitionModes, m)
			default:
				warn(f.valueError(GroupSettings, KeyDisabledTransitionModes,
					fmt.Sprintf("unknown mode %q", m)))
			}
		}
	}

	// [Security]
	s.Security.Passphrase = Secret(str(GroupSecurity, KeyPassphrase))
	s.Security.PasswordIdentifier = str(GroupSecurity, KeyPasswordIdentifier)
	if v, ok := f.Value(GroupSecurity, KeyPreSharedKey); ok {
		var psk PSK
		ok := len(v) == 64 // first: hex.Decode writes past a short destination
		if ok {
			_, err := hex.Decode(psk[:], []byte(v))
			ok = err == nil
		}
		if !ok {
			warn(f.valueError(GroupSecurity, KeyPreSharedKey, "not 64 hex digits"))
		} else {
			s.Security.PreSharedKey = &psk
		}
	}
	for _, k := range f.Keys(GroupSecurity) {
		if strings.HasPrefix(k, "EAP-") {
			if s.Security.EAP == nil {
				s.Security.EAP = EAPSettings{}
			}
			if _, dup := s.Security.EAP[k]; !dup {
				s.Security.EAP[k], _ = f.Value(GroupSecurity, k)
			}
		}
	}

	// [IPv4]
	s.IPv4.Address = addr(GroupIPv4, KeyAddress, true)
	s.IPv4.Gateway = addr(GroupIPv4, KeyGateway, true)
	s.IPv4.DNS = addrList(GroupIPv4, KeyDNS, true)
	s.IPv4.Netmask = addr(GroupIPv4, KeyNetmask, true)
	if !s.IPv4.Netmask.IsValid() {
		s.IPv4.Netmask = netip.AddrFrom4([4]byte{255, 255, 255, 0})
	}
	s.IPv4.Broadcast = addr(GroupIPv4, KeyBroadcast, true)
	s.IPv4.DomainName = str(GroupIPv4, KeyDomainName)
	s.IPv4.SendHostname = boolOr(GroupIPv4, KeySendHostname, false)

	// [IPv6]
	if v, ok, err := f.Bool(GroupIPv6, KeyEnabled); ok {
		warn(err)
		if err == nil {
			s.IPv6.Enabled = &v
		}
	}
	if v := str(GroupIPv6, KeyAddress); v != "" {
		if !strings.Contains(v, "/") {
			v += "/128"
		}
		p, err := netip.ParsePrefix(v)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			warn(f.valueError(GroupIPv6, KeyAddress, "not an IPv6 address/prefix length"))
		} else {
			s.IPv6.Address = p
		}
	}
	s.IPv6.Gateway = addr(GroupIPv6, KeyGateway, false)
	s.IPv6.DNS = addrList(GroupIPv6, KeyDNS, false)
	s.IPv6.DomainName = str(GroupIPv6, KeyDomainName)
	return s, warns
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
