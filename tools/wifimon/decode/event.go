package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is one decoded message or frame: what it is, where it came from and
// its fields in the order they were decoded.
type Event struct {
	Time   time.Time
	Source string // "nl", "air" or "eth:<ifname>"
	// Dir is the direction of a netlink message: "req" (user to kernel),
	// "reply", "event" (multicast) or "ack"; empty for frames.
	Dir string
	// Kind groups events: "nl80211", "genl", "rtnl", "netlink", "mgmt",
	// "ctrl", "data", "eapol", "dhcp", "arp", "ip", "malformed".
	Kind string
	// Name is what the event is: "CMD_CONNECT", "Authentication",
	// "EAPOL-Key", "DHCPDISCOVER", ...
	Name string
	// Subtype is the 802.11 type/subtype number (type<<4 | subtype, as
	// Wireshark's wlan.fc.type_subtype) of an air frame, else -1.
	Subtype int
	Fields  []Field
	// Malformed says what was wrong; a malformed event prints as
	// "malformed: <why>".
	Malformed string
}

// Field is one named value of an event. Value is a string, a number, a
// bool, a []string or a nested *Event.
type Field struct {
	Key   string
	Value any
}

func (e *Event) add(k string, v any) { e.Fields = append(e.Fields, Field{k, v}) }

// Get returns the value of the first field named k.
func (e *Event) Get(k string) (any, bool) {
	for _, f := range e.Fields {
		if f.Key == k {
			return f.Value, true
		}
	}
	return nil, false
}

func malformed(src, why string) Event {
	return Event{Source: src, Kind: "malformed", Name: "malformed", Subtype: -1, Malformed: why}
}

// Text is the event as one line for a terminal, without the time stamp
// and source.
func (e *Event) Text() string {
	var b strings.Builder
	if e.Malformed != "" {
		b.WriteString("malformed: ")
		b.WriteString(e.Malformed)
		if e.Name != "malformed" && e.Name != "" {
			b.WriteString(" (" + e.Name + ")")
		}
		return b.String()
	}
	switch e.Dir {
	case "req":
		b.WriteString("> ")
	case "reply", "ack":
		b.WriteString("< ")
	case "event":
		b.WriteString("* ")
	}
	b.WriteString(e.Name)
	for _, f := range e.Fields {
		b.WriteByte(' ')
		b.WriteString(f.Key)
		b.WriteByte('=')
		b.WriteString(textValue(f.Value))
	}
	return b.String()
}

// Line is the event as one line: time, source, Text.
func (e *Event) Line() string {
	return fmt.Sprintf("%s %-4s %s", e.Time.Format("15:04:05.000000"), e.Source, e.Text())
}

func textValue(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" || strings.ContainsAny(v, " =\"[]\t\n") || !strconv.CanBackquote(v) {
			return strconv.Quote(v)
		}
		return v
	case []string:
		return "[" + strings.Join(v, ",") + "]"
	case *Event:
		return "[" + v.Text() + "]"
	default:
		return fmt.Sprint(v)
	}
}

// MarshalJSON writes the event as one flat JSON object: time, source,
// dir, kind, name, subtype (air frames), malformed, then the fields.
func (e *Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(k string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
		b.Write(vb)
		return nil
	}
	if !e.Time.IsZero() {
		put("time", e.Time.Format(time.RFC3339Nano))
	}
	if e.Source != "" {
		put("source", e.Source)
	}
	if e.Dir != "" {
		put("dir", e.Dir)
	}
	put("kind", e.Kind)
	put("name", e.Name)
	if e.Subtype >= 0 && e.Source == "air" {
		put("subtype", e.Subtype)
	}
	if e.Malformed != "" {
		put("malformed", e.Malformed)
	}
	for _, f := range e.Fields {
		if err := put(f.Key, f.Value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
