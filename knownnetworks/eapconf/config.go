package eapconf

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"wifid/knownnetworks"
)

// Prefix is the prefix of the outer method's keys; an inner method's keys
// take its outer method's prefix plus "PEAP-Phase2-" or "TTLS-Phase2-" (so
// EAP-PEAP-Phase2-Identity is the inner EAP-Identity), as iwd builds them.
const Prefix = "EAP-"

// Key suffixes, each read under a prefix (iwd.network(5), iwd 2.3's
// src/eap*.c).
const (
	KeyMethod       = "Method"
	KeyIdentity     = "Identity"
	KeyPassword     = "Password"
	KeyPasswordHash = "Password-Hash" // MSCHAPV2: the NT hash, 32 hex digits
	KeyGTCSecret    = "GTC-Secret"    // GTC's password when Password is absent
	KeyMD5Secret    = "MD5-Secret"    // MD5's password when Password is absent

	// Under the TLS prefix of a TLS-based method (EAP-TLS-, EAP-PEAP-,
	// EAP-TTLS-; WFA-TLS uses EAP-TLS- too).
	KeyCACert               = "CACert"
	KeyServerDomainMask     = "ServerDomainMask"
	KeyFastReauthentication = "FastReauthentication"
	// EAP-TLS only.
	KeyClientCert          = "ClientCert"
	KeyClientKey           = "ClientKey"
	KeyClientKeyBundle     = "ClientKeyBundle"
	KeyClientKeyPassphrase = "ClientKeyPassphrase"

	// The inner method of PEAP and TTLS: its keys are under
	// <prefix>PEAP-Phase2- or <prefix>TTLS-Phase2-.
	phase2 = "Phase2-"
)

// EmbedPrefix starts a value naming an [@pem@name] group of the same file
// instead of a file path ("embed:name").
const EmbedPrefix = "embed:"

// maxIdentity is RFC 4282 2.2's NAI limit, which iwd enforces.
const maxIdentity = 253

// maxDepth bounds nested tunnels (PEAP inside TTLS inside ...), which iwd
// allows as far as its key buffers reach.
const maxDepth = 3

// Method is an EAP method as the EAP-Method key names it.
type Method string

// Methods iwd 2.3 registers (strcasecmp on the key's value), and the TTLS
// non-EAP inner methods (exact case).
const (
	MethodTLS      Method = "TLS"
	MethodWFATLS   Method = "WFA-TLS"
	MethodTTLS     Method = "TTLS"
	MethodPEAP     Method = "PEAP"
	MethodPWD      Method = "PWD"
	MethodMSCHAPV2 Method = "MSCHAPV2"
	MethodMD5      Method = "MD5"
	MethodGTC      Method = "GTC"
	MethodSIM      Method = "SIM"
	MethodAKA      Method = "AKA"
	MethodAKAPrime Method = "AKA'"

	TunneledPAP      Method = "Tunneled-PAP"
	TunneledCHAP     Method = "Tunneled-CHAP"
	TunneledMSCHAP   Method = "Tunneled-MSCHAP"
	TunneledMSCHAPv2 Method = "Tunneled-MSCHAPv2"
)

type methodInfo struct {
	name       Method
	exportsMSK bool   // may be the outer method of 802.1X
	tlsPrefix  string // TLS-based: the suffix its TLS keys take
	password   bool   // needs an identity and a password
	simCard    bool   // needs a SIM card (ofono in iwd)
}

var methods = []methodInfo{
	{name: MethodTLS, exportsMSK: true, tlsPrefix: "TLS-"},
	{name: MethodWFATLS, exportsMSK: true, tlsPrefix: "TLS-"},
	{name: MethodTTLS, exportsMSK: true, tlsPrefix: "TTLS-"},
	{name: MethodPEAP, exportsMSK: true, tlsPrefix: "PEAP-"},
	{name: MethodPWD, exportsMSK: true, password: true},
	{name: MethodMSCHAPV2, exportsMSK: true, password: true},
	{name: MethodMD5, password: true},
	{name: MethodGTC, password: true},
	{name: MethodSIM, exportsMSK: true, simCard: true},
	{name: MethodAKA, exportsMSK: true, simCard: true},
	{name: MethodAKAPrime, exportsMSK: true, simCard: true},
}

var tunneled = []Method{TunneledPAP, TunneledCHAP, TunneledMSCHAP, TunneledMSCHAPv2}

func lookupMethod(v string) (methodInfo, bool) {
	for _, m := range methods {
		if strings.EqualFold(v, string(m.name)) {
			return m, true
		}
	}
	return methodInfo{}, false
}

// Errors wrapped by Parse, Missing and Load, for errors.Is.
var (
	// ErrNoMethod: the file has no EAP-Method (or an inner method has no
	// Phase2-Method).
	ErrNoMethod = errors.New("no EAP method configured")
	// ErrUnsupportedMethod: a method iwd has that wifid does not (SIM,
	// AKA, AKA' need a SIM card), or a name nobody has.
	ErrUnsupportedMethod = errors.New("EAP method not supported")
	// ErrWrongPassphrase: the private key passphrase (from the file or the
	// agent) does not decrypt the key: ask the agent again.
	ErrWrongPassphrase = errors.New("wrong private key passphrase")
)

// KeyError is an error about one key of a network file. It never quotes a
// value.
type KeyError struct {
	File string // the file's name, as knownnetworks.File.Name gives it
	Line int    // 0 if the key is absent or came from the agent
	Key  string // full key, e.g. EAP-PEAP-Phase2-Password
	Msg  string
	Err  error // wrapped, may be nil
}

func (e *KeyError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += fmt.Sprintf(" line %d", e.Line)
	}
	msg := e.Msg
	if e.Err != nil {
		if msg != "" {
			msg += ": "
		}
		msg += e.Err.Error()
	}
	return fmt.Sprintf("eapconf: %s: [Security] %s: %s", where, e.Key, msg)
}

func (e *KeyError) Unwrap() error { return e.Err }

// NTHash is MSCHAPv2's password hash (MD4 of the UTF-16LE password). It
// prints as <redacted>.
type NTHash [16]byte

func (NTHash) String() string             { return "<redacted>" }
func (NTHash) GoString() string           { return "<redacted>" }
func (NTHash) Format(f fmt.State, _ rune) { fmt.Fprint(f, "<redacted>") }

// Answers holds secrets the agent gave, by the key they stand for
// (SecretRequest.Key and .PasswordKey). They fill keys the file lacks; a
// value in the file wins. They live in memory only.
type Answers map[string]knownnetworks.Secret

// Config is one EAP method's configuration: the outer method of a network,
// or the inner method of PEAP or TTLS (Phase2).
type Config struct {
	// Prefix is the prefix of this method's keys: "EAP-" for the outer
	// method, "EAP-PEAP-Phase2-" or "EAP-TTLS-Phase2-" for an inner one.
	Prefix string
	Method Method
	// Identity is <Prefix>Identity: the identity sent in the clear for
	// the outer method, the user name for an inner or password method.
	// "" if absent.
	Identity string
	// Password is <Prefix>Password (or GTC-Secret / MD5-Secret for those
	// methods), "" if absent.
	Password knownnetworks.Secret
	// PasswordHash is MSCHAPV2's <Prefix>Password-Hash, nil if absent.
	PasswordHash *NTHash
	// TLS is set for TLS, WFA-TLS, PEAP and TTLS.
	TLS *TLSSettings
	// Phase2 is the inner method of PEAP and TTLS. For TTLS it may be one
	// of the Tunneled-* methods, whose Identity and Password are
	// EAP-TTLS-Phase2-Identity and -Password.
	Phase2 *Config
	// Unused lists, on the outer Config only, the EAP-* keys of the file
	// that iwd 2.3 does not read for this configuration (misspelt keys,
	// EAP-PEAP-ClientCert as iwd's own autotests carry, keys of another
	// method). They are not errors, as in iwd.
	Unused []string

	needs []SecretRequest // password secrets found missing at Parse
}

type parser struct {
	f        *knownnetworks.File
	answers  Answers
	read     map[string]bool
	keysless bool // wired: the outer method need not derive keys
}

// Parse reads the EAP configuration of a Wi-Fi network file: every EAP-*
// key iwd 2.3 reads, checked as iwd checks them (without opening
// certificate files: Missing and TLSSettings.Load do that). answers fills
// secrets the agent gave for keys the file lacks; it may be nil.
func Parse(f *knownnetworks.File, answers Answers) (*Config, error) {
	return parse(f, answers, false)
}

// ParseWired is Parse for a wired port's file (ead's /var/lib/ead/*.8021x,
// the same keys): there the outer method need not derive keys, so MD5 and
// GTC may stand alone, as ead lets them.
func ParseWired(f *knownnetworks.File, answers Answers) (*Config, error) {
	return parse(f, answers, true)
}

func parse(f *knownnetworks.File, answers Answers, wired bool) (*Config, error) {
	p := &parser{f: f, answers: answers, read: map[string]bool{}, keysless: wired}
	c, err := p.method(Prefix, true, 0)
	if err != nil {
		return nil, err
	}
	for _, k := range f.Keys(knownnetworks.GroupSecurity) {
		if strings.HasPrefix(k, Prefix) && !p.read[k] {
			c.Unused = append(c.Unused, k)
		}
	}
	sort.Strings(c.Unused)
	return c, nil
}

func (p *parser) errorf(key string, err error, format string, args ...any) error {
	return &KeyError{
		File: p.f.Name(), Line: p.f.Line(knownnetworks.GroupSecurity, key), Key: key,
		Msg: fmt.Sprintf(format, args...), Err: err,
	}
}

// str reads a key from the file, else from the answers.
func (p *parser) str(key string) (string, bool, error) {
	p.read[key] = true
	v, ok, err := p.f.String(knownnetworks.GroupSecurity, key)
	if err != nil {
		return "", true, err // a *knownnetworks.ParseError naming the line
	}
	if ok {
		return v, true, nil
	}
	if a, ok := p.answers[key]; ok {
		return string(a), true, nil
	}
	return "", false, nil
}

func (p *parser) method(prefix string, outer bool, depth int) (*Config, error) {
	key := prefix + KeyMethod
	name, ok, err := p.str(key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errorf(key, ErrNoMethod, "missing")
	}
	c := &Config{Prefix: prefix}
	if !outer {
		for _, t := range tunneled {
			if name == string(t) && strings.HasSuffix(prefix, "TTLS-"+phase2) {
				c.Method = t
				return c, p.password(c)
			}
		}
	}
	m, ok := lookupMethod(name)
	switch {
	case !ok:
		return nil, p.errorf(key, ErrUnsupportedMethod, "unknown method %q", name)
	case m.simCard:
		return nil, p.errorf(key, ErrUnsupportedMethod, "%s needs a SIM card, which wifid does not support", m.name)
	case outer && !m.exportsMSK && !p.keysless:
		return nil, p.errorf(key, ErrUnsupportedMethod,
			"%s derives no keys for 802.1X: use it inside PEAP or TTLS", m.name)
	case m.tlsPrefix != "" && depth >= maxDepth:
		return nil, p.errorf(key, ErrUnsupportedMethod, "tunnels nested too deep")
	}
	c.Method = m.name

	switch {
	case m.password:
		return c, p.password(c)
	case m.tlsPrefix != "":
		if c.Identity, _, err = p.identity(prefix + KeyIdentity); err != nil {
			return nil, err
		}
		// PEAP checks its inner method first, TTLS after its TLS keys;
		// the order only changes which error comes first.
		if c.TLS, err = p.tls(prefix+m.tlsPrefix, m.name == MethodTLS || m.name == MethodWFATLS); err != nil {
			return nil, err
		}
		if m.name == MethodPEAP || m.name == MethodTTLS {
			if c.Phase2, err = p.method(prefix+m.tlsPrefix+phase2, false, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

func (p *parser) identity(key string) (string, bool, error) {
	id, ok, err := p.str(key)
	if err != nil {
		return "", ok, err
	}
	if len(id) > maxIdentity {
		return "", ok, p.errorf(key, nil, "longer than %d octets (RFC 4282)", maxIdentity)
	}
	return id, ok, nil
}

// password reads the identity and password of a password method (MD5, GTC,
// PWD, MSCHAPV2, TTLS's Tunneled-*) and notes what the agent must give.
func (p *parser) password(c *Config) error {
	idKey, pwKey := c.Prefix+KeyIdentity, c.Prefix+KeyPassword
	id, haveID, err := p.identity(idKey)
	if err != nil {
		return err
	}
	c.Identity = id
	pw, havePW, err := p.str(pwKey)
	if err != nil {
		return err
	}
	c.Password = knownnetworks.Secret(pw)

	if c.Method == MethodGTC || c.Method == MethodMD5 {
		// iwd's load falls back to these when Password is absent.
		alt := c.Prefix + map[Method]string{MethodGTC: KeyGTCSecret, MethodMD5: KeyMD5Secret}[c.Method]
		if v, ok, err := p.str(alt); err != nil {
			return err
		} else if ok && !havePW {
			c.Password, havePW = knownnetworks.Secret(v), true
		}
	}
	if c.Method == MethodMSCHAPV2 {
		hashKey := c.Prefix + KeyPasswordHash
		raw, ok, err := p.str(hashKey)
		if err != nil {
			return err
		}
		if ok {
			if _, inFile := p.f.Value(knownnetworks.GroupSecurity, pwKey); inFile {
				return p.errorf(hashKey, nil, "give either %s or %s, not both", pwKey, hashKey)
			}
			var h NTHash
			ok := len(raw) == 32 // first: hex.Decode writes past a short destination
			if ok {
				_, err := hex.Decode(h[:], []byte(raw))
				ok = err == nil
			}
			if !ok {
				return p.errorf(hashKey, nil, "not 32 hex digits (an NT hash)")
			}
			c.PasswordHash = &h
			if !havePW {
				havePW = true
				c.Password = ""
			}
		}
	}
	switch {
	case !haveID:
		c.needs = append(c.needs, SecretRequest{Kind: UserNameAndPassword, Key: idKey, PasswordKey: pwKey})
	case !havePW:
		c.needs = append(c.needs, SecretRequest{Kind: UserPassword, Key: pwKey, User: id})
	}
	return nil
}

// TLSSettings are the keys of a TLS-based method (TLS, PEAP, TTLS).
type TLSSettings struct {
	// Prefix is the prefix of these keys: EAP-TLS-, EAP-PEAP-, EAP-TTLS-
	// (more for a tunnel inside a tunnel).
	Prefix string
	// CACert is the CA list: a PEM file's path or "embed:name". "" if
	// absent: the server's certificate is not checked.
	CACert string
	// ServerDomainMask is the mask list (split at ';'), nil if absent.
	ServerDomainMask []string
	// FastReauthentication enables TLS session resumption; default true.
	FastReauthentication bool
	// EAP-TLS only: client certificate (chain) and key as paths or
	// "embed:name", or both in one file (ClientKeyBundle, a path: PKCS#12
	// or PEM).
	ClientCert, ClientKey, ClientKeyBundle string
	// ClientKeyPassphrase decrypts ClientKey, ClientCert or
	// ClientKeyBundle; "" if absent.
	ClientKeyPassphrase knownnetworks.Secret

	passphraseInFile bool
	passphraseGiven  bool
	file             *knownnetworks.File
}

func (p *parser) tls(prefix string, client bool) (*TLSSettings, error) {
	t := &TLSSettings{Prefix: prefix, file: p.f, FastReauthentication: true}
	var err error
	if t.CACert, err = p.path(prefix + KeyCACert); err != nil {
		return nil, err
	}
	maskKey := prefix + KeyServerDomainMask
	if mask, ok, err := p.str(maskKey); err != nil {
		return nil, err
	} else if ok {
		if t.CACert == "" {
			return nil, p.errorf(maskKey, nil, "set but no %s: a server certificate that is not checked against a CA can claim any name", prefix+KeyCACert)
		}
		t.ServerDomainMask = strings.Split(mask, ";")
	}
	fastKey := prefix + KeyFastReauthentication
	p.read[fastKey] = true
	if v, ok, err := p.f.Bool(knownnetworks.GroupSecurity, fastKey); err != nil {
		return nil, err
	} else if ok {
		t.FastReauthentication = v
	}
	if !client {
		return t, nil
	}

	certKey, keyKey := prefix+KeyClientCert, prefix+KeyClientKey
	bundleKey, passKey := prefix+KeyClientKeyBundle, prefix+KeyClientKeyPassphrase
	for _, kv := range []struct {
		key string
		dst *string
	}{{certKey, &t.ClientCert}, {keyKey, &t.ClientKey}, {bundleKey, &t.ClientKeyBundle}} {
		if v, _ := p.f.Value(knownnetworks.GroupSecurity, kv.key); kv.key == bundleKey && strings.HasPrefix(v, EmbedPrefix) {
			return nil, p.errorf(bundleKey, nil, "must be a file path, not an embedded PEM")
		}
		if *kv.dst, err = p.path(kv.key); err != nil {
			return nil, err
		}
	}
	pass, ok, err := p.str(passKey)
	if err != nil {
		return nil, err
	}
	t.ClientKeyPassphrase, t.passphraseGiven = knownnetworks.Secret(pass), ok
	_, t.passphraseInFile = p.f.Value(knownnetworks.GroupSecurity, passKey)

	switch {
	case t.ClientKeyBundle != "" && (t.ClientKey != "" || t.ClientCert != ""):
		return nil, p.errorf(bundleKey, nil, "give either %s or %s and %s, not both", bundleKey, certKey, keyKey)
	case t.ClientKey != "" && t.ClientCert == "":
		return nil, p.errorf(keyKey, nil, "set but no client certificate (%s)", certKey)
	case t.ClientCert != "" && t.ClientKey == "":
		return nil, p.errorf(certKey, nil, "set but no client private key (%s)", keyKey)
	case t.ClientKey == "" && t.ClientKeyBundle == "" && t.passphraseInFile:
		return nil, p.errorf(passKey, nil, "set but no client key (%s or %s)", keyKey, bundleKey)
	}
	return t, nil
}

// path reads a file path or "embed:name" value; "" if absent. Present but
// empty is an error, as iwd fails to load "".
func (p *parser) path(key string) (string, error) {
	v, ok, err := p.str(key)
	switch {
	case err != nil:
		return "", err
	case ok && v == "":
		return "", p.errorf(key, nil, "empty: give a file path or embed:name")
	}
	return v, p.checkEmbed(key, v)
}

// checkEmbed checks that an "embed:name" value names an [@pem@name] group.
func (p *parser) checkEmbed(key, v string) error {
	name, ok := strings.CutPrefix(v, EmbedPrefix)
	if !ok {
		return nil
	}
	typ, _, found := p.f.Embedded(name)
	switch {
	case !found:
		return p.errorf(key, nil, "no [@pem@%s] group in the file", name)
	case typ != "pem":
		return p.errorf(key, nil, "[@%s@%s] is not a PEM group", typ, name)
	}
	return nil
}

// Warnings lists what the daemon should log and show about a configuration
// that works but is unsafe or odd: a TLS method whose server is not
// authenticated (no CACert: anyone in range can pose as the network and,
// for PEAP and TTLS, collect the inner credentials), and keys nothing reads.
func (c *Config) Warnings() []string {
	var out []string
	for x := c; x != nil; x = x.Phase2 {
		if x.TLS == nil || x.TLS.CACert != "" {
			continue
		}
		w := fmt.Sprintf("no %s%s: the server's certificate is not checked, so anyone in range can pose as the network",
			x.TLS.Prefix, KeyCACert)
		if x.Phase2 != nil {
			w += " and learn what the inner method sends"
		}
		out = append(out, w)
	}
	for _, k := range c.Unused {
		out = append(out, fmt.Sprintf("%s is not used with EAP-Method=%s (iwd 2.3 does not read it either)", k, c.Method))
	}
	return out
}
