// Package rfkill reads and sets the kernel's radio kill switches through
// /dev/rfkill: the soft block (airplane mode, set by software) and the hard
// block (a switch or firmware, read only) of each radio. It is what
// Adapter.Powered stands on: a radio is powered when neither block is set.
//
// The kernel's interface is a character device carrying fixed-size event
// records (linux/rfkill.h): reading it gives one ADD event per existing
// switch, then one event per change; writing a CHANGE record sets a soft
// block. No library covers it (mdlayher/wifi does not), and it is small.
//
// Which wiphy a switch belongs to is in sysfs: the switch is a child of the
// wiphy's device (/sys/class/ieee80211/<phy>/rfkill<N>), see Wiphy.
package rfkill

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Type is the kind of radio a switch controls (enum rfkill_type).
type Type uint8

// Radio types, as linux/rfkill.h numbers them.
const (
	TypeAll       Type = 0
	TypeWLAN      Type = 1
	TypeBluetooth Type = 2
	TypeUWB       Type = 3
	TypeWiMAX     Type = 4
	TypeWWAN      Type = 5
	TypeGPS       Type = 6
	TypeFM        Type = 7
	TypeNFC       Type = 8
)

func (t Type) String() string {
	switch t {
	case TypeAll:
		return "all"
	case TypeWLAN:
		return "wlan"
	case TypeBluetooth:
		return "bluetooth"
	case TypeUWB:
		return "uwb"
	case TypeWiMAX:
		return "wimax"
	case TypeWWAN:
		return "wwan"
	case TypeGPS:
		return "gps"
	case TypeFM:
		return "fm"
	case TypeNFC:
		return "nfc"
	}
	return "type" + strconv.Itoa(int(t))
}

// Op is what an event says happened (enum rfkill_operation).
type Op uint8

// Operations, as linux/rfkill.h numbers them.
const (
	OpAdd       Op = 0 // a switch appeared (and, on open, each existing one)
	OpDel       Op = 1 // a switch went away
	OpChange    Op = 2 // a switch's blocks changed; written, it sets one switch
	OpChangeAll Op = 3 // written, it sets every switch of a type
)

func (o Op) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpDel:
		return "del"
	case OpChange:
		return "change"
	case OpChangeAll:
		return "change-all"
	}
	return "op" + strconv.Itoa(int(o))
}

// Event is one record of /dev/rfkill.
type Event struct {
	Index uint32 // the switch: /sys/class/rfkill/rfkill<Index>
	Type  Type
	Op    Op
	Soft  bool // blocked by software (airplane mode, `rfkill block`)
	Hard  bool // blocked by a switch or firmware; software cannot lift it
}

// Blocked reports whether the radio is off for either reason.
func (e Event) Blocked() bool { return e.Soft || e.Hard }

// eventSize is struct rfkill_event: idx (u32), type, op, soft, hard (u8).
// Newer kernels append hard_block_reasons (u8); a reader takes what comes.
const eventSize = 8

// ErrShort is returned for a record shorter than the kernel's smallest.
var ErrShort = errors.New("rfkill: event shorter than 8 bytes")

// ParseEvent decodes one record. Bytes past the first 8 (fields newer
// kernels add) are ignored.
func ParseEvent(b []byte) (Event, error) {
	if len(b) < eventSize {
		return Event{}, fmt.Errorf("%w (%d)", ErrShort, len(b))
	}
	return Event{
		Index: binary.NativeEndian.Uint32(b[0:4]),
		Type:  Type(b[4]),
		Op:    Op(b[5]),
		Soft:  b[6] != 0,
		Hard:  b[7] != 0,
	}, nil
}

// Marshal encodes e as the 8-byte record the kernel reads.
func (e Event) Marshal() []byte {
	b := make([]byte, eventSize)
	binary.NativeEndian.PutUint32(b[0:4], e.Index)
	b[4] = byte(e.Type)
	b[5] = byte(e.Op)
	if e.Soft {
		b[6] = 1
	}
	if e.Hard {
		b[7] = 1
	}
	return b
}

// DevicePath is where the kernel's rfkill device is.
const DevicePath = "/dev/rfkill"

// Device is an open /dev/rfkill.
type Device struct {
	f *os.File
}

// Open opens path (DevicePath outside tests) for reading events and setting
// soft blocks.
func Open(path string) (*Device, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("rfkill: %w", err)
	}
	return &Device{f: f}, nil
}

// Read blocks until the next event. The first reads after Open give one
// OpAdd per existing switch. It returns io.EOF (or an error wrapping
// os.ErrClosed) once Close was called.
func (d *Device) Read() (Event, error) {
	buf := make([]byte, 64)
	n, err := d.f.Read(buf)
	if err != nil {
		return Event{}, err
	}
	if n == 0 {
		return Event{}, io.EOF
	}
	return ParseEvent(buf[:n])
}

// SetSoft sets or clears the soft block of switch index.
func (d *Device) SetSoft(index uint32, block bool) error {
	_, err := d.f.Write(Event{Index: index, Op: OpChange, Soft: block}.Marshal())
	if err != nil {
		return fmt.Errorf("rfkill: soft block rfkill%d=%v: %w", index, block, err)
	}
	return nil
}

// Close stops a pending Read.
func (d *Device) Close() error { return d.f.Close() }

// Wiphy finds the rfkill switch of the wiphy named phy (phy0, rad1...) in
// sysfs under root ("/sys" outside tests): the rfkill<N> directory inside
// class/ieee80211/<phy>. ok is false when the wiphy has none (some
// drivers register no switch; such a radio is always powered).
func Wiphy(root, phy string) (index uint32, ok bool, err error) {
	dir := filepath.Join(root, "class", "ieee80211", phy)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, false, fmt.Errorf("rfkill: wiphy %s: %w", phy, err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "rfkill") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(name, "rfkill"), 10, 32)
		if err != nil {
			continue
		}
		return uint32(n), true, nil
	}
	return 0, false, nil
}

// State is a switch's blocks as sysfs shows them: what a program that may
// not open /dev/rfkill (a user's tool) can still read.
type State struct {
	Index uint32
	Soft  bool // set by software: airplane mode, rfkill block, Adapter.Powered
	Hard  bool // a switch or the firmware; software cannot clear it
}

// Blocked reports whether the radio is off for either reason.
func (s State) Blocked() bool { return s.Soft || s.Hard }

// WiphyState reads the blocks of the wiphy named phy from sysfs under root
// (the soft and hard files of its rfkill<N>). ok is false when the wiphy has
// no switch.
func WiphyState(root, phy string) (st State, ok bool, err error) {
	idx, ok, err := Wiphy(root, phy)
	if err != nil || !ok {
		return State{}, ok, err
	}
	st.Index = idx
	dir := filepath.Join(root, "class", "ieee80211", phy, fmt.Sprintf("rfkill%d", idx))
	for _, f := range []struct {
		name string
		to   *bool
	}{{"soft", &st.Soft}, {"hard", &st.Hard}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return State{}, false, fmt.Errorf("rfkill: wiphy %s: %w", phy, err)
		}
		switch strings.TrimSpace(string(b)) {
		case "0":
		case "1":
			*f.to = true
		default:
			return State{}, false, fmt.Errorf("rfkill: wiphy %s: %s is %q, not 0 or 1", phy, f.name, strings.TrimSpace(string(b)))
		}
	}
	return st, true, nil
}
