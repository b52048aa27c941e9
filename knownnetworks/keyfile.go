package knownnetworks

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// File is one keyfile in ell's settings format, the format of iwd's network
// files. It is kept line by line: unchanged lines (comments, blank lines,
// unknown keys and groups, embedded PEM payloads) are written back exactly as
// they were read, so a rewrite by wifid changes only what wifid changed.
//
// Lookups follow ell: the first group with a given name wins, and within it
// the first key with a given name. The zero File is an empty, usable file.
type File struct {
	name    string // used in error messages, e.g. "Corp Net.psk"
	lines   []fileLine
	nextID  int  // next group id
	noFinal bool // the source did not end with a newline
}

type lineKind uint8

const (
	lineOther    lineKind = iota // blank line or comment, verbatim
	lineGroup                    // [Name]
	lineKeyValue                 // Key=Value
	lineEmbedded                 // [@type@name] header and its payload
)

type fileLine struct {
	kind  lineKind
	text  string // verbatim text (several lines for lineEmbedded), no final newline
	num   int    // 1-based line number in the source; 0 for lines added since
	group int    // group id: of the header (lineGroup), of the owning group (lineKeyValue)
	name  string // group name (lineGroup, lineEmbedded)
	key   string // lineKeyValue
	value string // lineKeyValue: raw value, escapes not yet processed
	etype string // lineEmbedded: extension type ("pem")
	body  string // lineEmbedded: payload, verbatim, without the header line
}

// ParseError says which file and line of a keyfile is wrong. It never holds a
// value from the [Security] group.
type ParseError struct {
	File string // file name as given to ParseFile
	Line int    // 1-based; 0 if the error is not tied to one line
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("knownnetworks: %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("knownnetworks: %s line %d: %s", e.File, e.Line, e.Msg)
}

// NewFile returns an empty keyfile; name is used in error messages.
func NewFile(name string) *File { return &File{name: name} }

// Name returns the name used in error messages.
func (f *File) Name() string { return f.name }

// ParseFile parses data in ell's settings syntax, as l_settings_load_from_data
// does: lines are split at '\n'; leading blanks are ignored; '#' starts a
// comment line; "[Name]" starts a group (printable ASCII other than '[' and
// ']', blanks allowed after the ']'); "Key=Value" lines need a group before
// them (key characters alphanumeric, '_', '-', '.'; blanks allowed around the
// key and before the value; the value runs to the end of the line and must be
// UTF-8); "[@pem@name]" starts an embedded group whose payload is one or more
// PEM blocks, after which parsing resumes in the previous group.
//
// Escapes in values are processed when a value is read (File.String), as in
// ell, so a bad escape makes that value unreadable, not the file.
func ParseFile(name string, data []byte) (*File, error) {
	f := &File{name: name}
	text := string(data)
	if text == "" {
		return f, nil
	}
	raw := strings.Split(text, "\n")
	if raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1]
	} else {
		f.noFinal = true
	}

	group := -1 // id of the current (non-embedded) group
	for i := 0; i < len(raw); i++ {
		l := raw[i]
		num := i + 1
		t := strings.TrimLeft(l, " \t")
		switch {
		case t == "" || t[0] == '#':
			f.lines = append(f.lines, fileLine{kind: lineOther, text: l, num: num})

		case strings.HasPrefix(t, "[@"):
			etype, ename, err := parseEmbeddedHeader(t)
			if err != nil {
				return nil, f.errorf(num, "%s", err)
			}
			end, errLine, err := scanPEM(raw, i+1)
			if err != nil {
				if errLine == 0 {
					errLine = num
				}
				return nil, f.errorf(errLine, "[@%s@%s]: %s", etype, ename, err)
			}
			body := strings.Join(raw[i+1:end], "\n")
			f.lines = append(f.lines, fileLine{
				kind: lineEmbedded, text: strings.Join(raw[i:end], "\n"), num: num,
				group: -1, name: ename, etype: etype, body: body,
			})
			i = end - 1

		case t[0] == '[':
			gname, err := parseGroupHeader(t)
			if err != nil {
				return nil, f.errorf(num, "%s", err)
			}
			group = f.nextID
			f.nextID++
			f.lines = append(f.lines, fileLine{kind: lineGroup, text: l, num: num, group: group, name: gname})

		default:
			if group < 0 {
				return nil, f.errorf(num, "key outside of any group")
			}
			key, value, err := parseKeyValue(t)
			if err != nil {
				return nil, f.errorf(num, "%s", err)
			}
			f.lines = append(f.lines, fileLine{
				kind: lineKeyValue, text: l, num: num, group: group, key: key, value: value,
			})
		}
	}
	return f, nil
}

func (f *File) errorf(line int, format string, args ...any) *ParseError {
	return &ParseError{File: f.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isPrintASCII(c byte) bool { return c >= 0x20 && c <= 0x7e }

func parseGroupHeader(t string) (string, error) {
	i := 1
	for i < len(t) && t[i] != ']' {
		if !isPrintASCII(t[i]) || t[i] == '[' {
			return "", fmt.Errorf("invalid character %q in group name", t[i])
		}
		i++
	}
	if i >= len(t) {
		return "", fmt.Errorf("unterminated group name")
	}
	for j := i + 1; j < len(t); j++ {
		if !isBlank(t[j]) {
			return "", fmt.Errorf("junk after group name")
		}
	}
	return t[1:i], nil
}

// parseEmbeddedHeader parses "[@type@name]" with nothing after the ']'.
func parseEmbeddedHeader(t string) (etype, name string, err error) {
	rest := t[2:]
	at := strings.IndexByte(rest, '@')
	if at < 0 {
		return "", "", fmt.Errorf("embedded group header without second '@'")
	}
	etype = rest[:at]
	rest = rest[at+1:]
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return "", "", fmt.Errorf("unterminated embedded group name")
	}
	if end != len(rest)-1 {
		return "", "", fmt.Errorf("junk after embedded group name")
	}
	name = rest[:end]
	if name == "" {
		return "", "", fmt.Errorf("empty embedded group name")
	}
	for i := 0; i < len(name); i++ {
		if !isPrintASCII(name[i]) || name[i] == '[' {
			return "", "", fmt.Errorf("invalid character %q in embedded group name", name[i])
		}
	}
	if etype != "pem" {
		return "", "", fmt.Errorf("unknown embedded group type %q", etype)
	}
	return etype, name, nil
}

// scanPEM finds the end (exclusive line index) of a PEM payload that starts
// at line index start: blank lines, then one or more BEGIN..END blocks
// separated by blank lines; trailing blank lines belong to the payload. On
// error it returns the 1-based line at fault (0: the header's).
func scanPEM(raw []string, start int) (end, errLine int, err error) {
	blocks := 0
	i := start
	for i < len(raw) {
		l := strings.TrimRight(raw[i], " \t\r")
		if l == "" {
			i++
			continue
		}
		label, ok := pemMarker(l, "-----BEGIN ")
		if !ok {
			break
		}
		begin := i
		i++
		for {
			if i >= len(raw) {
				return 0, begin + 1, fmt.Errorf("PEM block %q has no END line", label)
			}
			l := strings.TrimRight(raw[i], " \t\r")
			i++
			if end, ok := pemMarker(l, "-----END "); ok {
				if end != label {
					return 0, i, fmt.Errorf("END %q does not match BEGIN %q", end, label)
				}
				break
			}
			if strings.HasPrefix(l, "-----") || strings.HasPrefix(l, "[") {
				return 0, i, fmt.Errorf("unexpected line inside PEM block %q", label)
			}
		}
		blocks++
	}
	if blocks == 0 {
		return 0, 0, fmt.Errorf("no PEM block after the header")
	}
	return i, 0, nil
}

// pemMarker matches "-----BEGIN LABEL-----" (or END) and returns the label.
func pemMarker(l, prefix string) (string, bool) {
	if !strings.HasPrefix(l, prefix) || !strings.HasSuffix(l, "-----") ||
		len(l) < len(prefix)+5 {
		return "", false
	}
	return l[len(prefix) : len(l)-5], true
}

func validKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.'
}

func parseKeyValue(t string) (key, value string, err error) {
	eq := strings.IndexByte(t, '=')
	if eq < 0 {
		return "", "", fmt.Errorf("no '=' in key-value line")
	}
	if eq == 0 {
		return "", "", fmt.Errorf("empty key")
	}
	i := 0
	for i < eq && validKeyChar(t[i]) {
		i++
	}
	key = t[:i]
	for j := i; j < eq; j++ {
		if !isBlank(t[j]) {
			if i == j {
				return "", "", fmt.Errorf("invalid character %q in key", t[j])
			}
			return "", "", fmt.Errorf("garbage after key %q", key)
		}
	}
	v := eq + 1
	for v < len(t) && isBlank(t[v]) {
		v++
	}
	value = t[v:]
	if !utf8.ValidString(value) {
		return "", "", fmt.Errorf("invalid UTF-8 in value of %q", key)
	}
	return key, value, nil
}

// Unescape processes the escapes ell's settings values may hold: \s (space),
// \t, \n, \r and \\. Any other backslash sequence is an error.
func Unescape(raw string) (string, error) {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(raw) {
			return "", fmt.Errorf("backslash at end of value")
		}
		switch raw[i] {
		case 's':
			b.WriteByte(' ')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			return "", fmt.Errorf("invalid escape sequence at byte %d", i-1)
		}
	}
	return b.String(), nil
}

// Escape is the inverse of Unescape, as ell writes values: leading spaces
// and tabs become \s and \t, newline, carriage return and backslash are
// always escaped, everything else is written as is.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	lead := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ':
			if lead {
				b.WriteString(`\s`)
			} else {
				b.WriteByte(c)
			}
		case '\t':
			if lead {
				b.WriteString(`\t`)
			} else {
				b.WriteByte(c)
			}
		case '\n':
			b.WriteString(`\n`)
			lead = false
		case '\r':
			b.WriteString(`\r`)
			lead = false
		case '\\':
			b.WriteString(`\\`)
			lead = false
		default:
			b.WriteByte(c)
			lead = false
		}
	}
	return b.String()
}

// Bytes returns the file's text. Lines read from the source come back byte
// for byte; changed and added lines are written as "Key=Value".
func (f *File) Bytes() []byte {
	var b strings.Builder
	for i, l := range f.lines {
		b.WriteString(l.text)
		if i < len(f.lines)-1 || !f.noFinal {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// Clone returns a deep copy.
func (f *File) Clone() *File {
	c := *f
	c.lines = append([]fileLine(nil), f.lines...)
	return &c
}

// findGroup returns the id of the first group named name (normal or
// embedded, as ell's lookup does not tell them apart), and whether it is a
// normal group.
func (f *File) findGroup(name string) (id int, normal, ok bool) {
	for _, l := range f.lines {
		switch {
		case l.kind == lineGroup && l.name == name:
			return l.group, true, true
		case l.kind == lineEmbedded && l.name == name:
			return -1, false, true
		}
	}
	return -1, false, false
}

func (f *File) findKey(group, key string) int {
	id, normal, ok := f.findGroup(group)
	if !ok || !normal {
		return -1
	}
	for i, l := range f.lines {
		if l.kind == lineKeyValue && l.group == id && l.key == key {
			return i
		}
	}
	return -1
}

// Groups returns the names of the normal groups in file order.
func (f *File) Groups() []string {
	var out []string
	for _, l := range f.lines {
		if l.kind == lineGroup {
			out = append(out, l.name)
		}
	}
	return out
}

// HasGroup reports whether a group (normal or embedded) of that name exists.
func (f *File) HasGroup(group string) bool {
	_, _, ok := f.findGroup(group)
	return ok
}

// Keys returns the keys of the first group named group, in file order.
func (f *File) Keys(group string) []string {
	id, normal, ok := f.findGroup(group)
	if !ok || !normal {
		return nil
	}
	var out []string
	for _, l := range f.lines {
		if l.kind == lineKeyValue && l.group == id {
			out = append(out, l.key)
		}
	}
	return out
}

// Value returns the raw value (escapes unprocessed) of group.key.
func (f *File) Value(group, key string) (string, bool) {
	i := f.findKey(group, key)
	if i < 0 {
		return "", false
	}
	return f.lines[i].value, true
}

// Line returns the source line number of group.key, 0 if absent or added.
func (f *File) Line(group, key string) int {
	i := f.findKey(group, key)
	if i < 0 {
		return 0
	}
	return f.lines[i].num
}

// valueError builds an error about group.key that names the line and, except
// in the [Security] group, quotes the value.
func (f *File) valueError(group, key, what string) error {
	i := f.findKey(group, key)
	num := 0
	if i >= 0 {
		num = f.lines[i].num
	}
	msg := fmt.Sprintf("[%s] %s: %s", group, key, what)
	if i >= 0 && group != GroupSecurity {
		msg += fmt.Sprintf(" (%q)", f.lines[i].value)
	}
	return f.errorf(num, "%s", msg)
}

// String returns group.key with escapes processed. ok is false if the key is
// absent; err is set if the value holds an invalid escape.
func (f *File) String(group, key string) (s string, ok bool, err error) {
	raw, ok := f.Value(group, key)
	if !ok {
		return "", false, nil
	}
	s, err = Unescape(raw)
	if err != nil {
		return "", true, f.valueError(group, key, err.Error())
	}
	return s, true, nil
}

// Bool reads a boolean as ell does: "true" or "false" in any case, "1", "0".
func (f *File) Bool(group, key string) (v, ok bool, err error) {
	raw, ok := f.Value(group, key)
	if !ok {
		return false, false, nil
	}
	switch {
	case strings.EqualFold(raw, "true") || raw == "1":
		return true, true, nil
	case strings.EqualFold(raw, "false") || raw == "0":
		return false, true, nil
	}
	return false, true, f.valueError(group, key, "not a boolean")
}

// Int reads a base-10 int32 as ell's l_settings_get_int does.
func (f *File) Int(group, key string) (v int, ok bool, err error) {
	raw, ok := f.Value(group, key)
	if !ok {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(raw, 10, 32)
	if perr != nil {
		return 0, true, f.valueError(group, key, "not an integer")
	}
	return int(n), true, nil
}

// StringList reads a value split at sep after unescaping; empty items are
// dropped.
func (f *File) StringList(group, key string, sep byte) ([]string, bool, error) {
	s, ok, err := f.String(group, key)
	if !ok || err != nil {
		return nil, ok, err
	}
	var out []string
	for _, item := range strings.Split(s, string(sep)) {
		if item != "" {
			out = append(out, item)
		}
	}
	return out, true, nil
}

func validGroupName(g string) error {
	if strings.HasPrefix(g, "@") {
		return fmt.Errorf("knownnetworks: group name %q starts with '@'", g)
	}
	for i := 0; i < len(g); i++ {
		if !isPrintASCII(g[i]) || g[i] == '[' || g[i] == ']' {
			return fmt.Errorf("knownnetworks: invalid character %q in group name", g[i])
		}
	}
	return nil
}

func validKey(k string) error {
	if k == "" {
		return fmt.Errorf("knownnetworks: empty key")
	}
	for i := 0; i < len(k); i++ {
		if !validKeyChar(k[i]) {
			return fmt.Errorf("knownnetworks: invalid character %q in key", k[i])
		}
	}
	return nil
}

// SetValue sets group.key to raw, a value already in file syntax (escaped).
// An existing key is changed in place; a new key goes after the group's last
// key; a new group is appended at the end of the file.
func (f *File) SetValue(group, key, raw string) error {
	if err := validGroupName(group); err != nil {
		return err
	}
	if err := validKey(key); err != nil {
		return err
	}
	if strings.ContainsAny(raw, "\n\x00") || !utf8.ValidString(raw) {
		return fmt.Errorf("knownnetworks: [%s] %s: value is not a single UTF-8 line", group, key)
	}
	if _, err := Unescape(raw); err != nil {
		return fmt.Errorf("knownnetworks: [%s] %s: %w", group, key, err)
	}
	// A raw value starting with a blank would lose it on reading.
	if raw != "" && isBlank(raw[0]) {
		return fmt.Errorf("knownnetworks: [%s] %s: raw value starts with a blank", group, key)
	}
	nl := fileLine{kind: lineKeyValue, text: key + "=" + raw, key: key, value: raw}
	if i := f.findKey(group, key); i >= 0 {
		nl.group = f.lines[i].group
		f.lines[i] = nl
		return nil
	}
	id, normal, ok := f.findGroup(group)
	if ok && !normal {
		return fmt.Errorf("knownnetworks: [%s] is an embedded group", group)
	}
	if !ok {
		if n := len(f.lines); n > 0 && !(f.lines[n-1].kind == lineOther &&
			strings.TrimLeft(f.lines[n-1].text, " \t") == "") {
			f.lines = append(f.lines, fileLine{kind: lineOther})
		}
		id = f.nextID
		f.nextID++
		f.lines = append(f.lines, fileLine{kind: lineGroup, text: "[" + group + "]", group: id, name: group})
		nl.group = id
		f.lines = append(f.lines, nl)
		return nil
	}
	// After the last line that belongs to the group: its header or a key.
	at := -1
	for i, l := range f.lines {
		if (l.kind == lineGroup || l.kind == lineKeyValue) && l.group == id {
			at = i
		}
	}
	nl.group = id
	f.lines = append(f.lines, fileLine{})
	copy(f.lines[at+2:], f.lines[at+1:])
	f.lines[at+1] = nl
	return nil
}

// SetString sets group.key to s, escaped as ell does.
func (f *File) SetString(group, key, s string) error {
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		return fmt.Errorf("knownnetworks: [%s] %s: value is not UTF-8 text", group, key)
	}
	return f.SetValue(group, key, Escape(s))
}

// SetBool sets group.key to "true" or "false".
func (f *File) SetBool(group, key string, v bool) error {
	return f.SetValue(group, key, strconv.FormatBool(v))
}

// SetInt sets group.key to v in base 10.
func (f *File) SetInt(group, key string, v int) error {
	return f.SetValue(group, key, strconv.Itoa(v))
}

// Remove deletes group.key and reports whether it existed.
func (f *File) Remove(group, key string) bool {
	i := f.findKey(group, key)
	if i < 0 {
		return false
	}
	f.lines = append(f.lines[:i], f.lines[i+1:]...)
	return true
}

// RemoveGroup deletes the first normal group named group: its header, its
// keys, and the comments and blank lines up to the next header.
func (f *File) RemoveGroup(group string) bool {
	id, normal, ok := f.findGroup(group)
	if !ok || !normal {
		return false
	}
	out := f.lines[:0:0]
	in := false
	for _, l := range f.lines {
		switch {
		case l.kind == lineGroup && l.group == id:
			in = true
			continue
		case l.kind == lineGroup || l.kind == lineEmbedded:
			in = false
		}
		if l.kind == lineKeyValue && l.group == id {
			continue
		}
		if in && l.kind == lineOther {
			continue
		}
		out = append(out, l)
	}
	// Drop the blank lines the removal left at the end of the file.
	for n := len(out); n > 0 && out[n-1].kind == lineOther && strings.TrimLeft(out[n-1].text, " \t") == ""; n-- {
		out = out[:n-1]
	}
	f.lines = out
	return true
}

// EmbeddedGroups returns the names of the [@type@name] groups in file order.
func (f *File) EmbeddedGroups() []string {
	var out []string
	for _, l := range f.lines {
		if l.kind == lineEmbedded {
			out = append(out, l.name)
		}
	}
	return out
}

// Embedded returns the type ("pem") and verbatim payload of an embedded
// group. The payload is the text after the header line, up to and including
// the last PEM END line and any blank lines after it.
func (f *File) Embedded(name string) (etype, payload string, ok bool) {
	for _, l := range f.lines {
		if l.kind == lineEmbedded && l.name == name {
			return l.etype, l.body, true
		}
	}
	return "", "", false
}

// SetEmbedded sets the [@pem@name] group to payload, one or more PEM
// blocks (as iwd's "embed:name" values refer to): an existing group of that
// name is replaced in place, a new one goes at the end of the file. The
// payload must hold PEM blocks only, in the form ParseFile reads back.
func (f *File) SetEmbedded(name, payload string) error {
	header := "[@pem@" + name + "]"
	if _, _, err := parseEmbeddedHeader(header); err != nil {
		return fmt.Errorf("knownnetworks: %s: %w", header, err)
	}
	payload = strings.TrimRight(payload, "\n")
	if !utf8.ValidString(payload) || strings.IndexByte(payload, 0) >= 0 {
		return fmt.Errorf("knownnetworks: %s: payload is not text", header)
	}
	raw := strings.Split(payload, "\n")
	end, _, err := scanPEM(raw, 0)
	if err == nil && end != len(raw) {
		err = fmt.Errorf("line %d of the payload is not PEM", end+1)
	}
	if err != nil {
		return fmt.Errorf("knownnetworks: %s: %w", header, err)
	}
	nl := fileLine{kind: lineEmbedded, text: header + "\n" + payload, group: -1, name: name, etype: "pem", body: payload}
	if _, normal, ok := f.findGroup(name); ok && normal {
		return fmt.Errorf("knownnetworks: %s: a group [%s] exists", header, name)
	}
	for i, l := range f.lines {
		if l.kind == lineEmbedded && l.name == name {
			f.lines[i] = nl
			return nil
		}
	}
	if n := len(f.lines); n > 0 && !(f.lines[n-1].kind == lineOther &&
		strings.TrimLeft(f.lines[n-1].text, " \t") == "") {
		f.lines = append(f.lines, fileLine{kind: lineOther})
	}
	f.lines = append(f.lines, nl)
	return nil
}
