package dbusapi

import (
	"context"
	"net"
	"time"
)

// What the D-Bus layer needs from the rest of the daemon. It knows no
// nl80211 and no station internals: it calls these small interfaces for
// method calls and property writes, and the daemon tells it what changed
// through the Server's Add/Update/Remove/Set calls. Every call gets a context
// with a deadline and the caller's bus name (CallerFromContext). Errors map
// to iwd's names with ToIWDError: return one of the Err* values, wrap one, or
// return a syscall.Errno as iwd's code would (EBUSY -> InProgress, ...).

// NetworkID names a network the way iwd does: its SSID and its type.
type NetworkID struct {
	SSID string // the raw SSID; it must be UTF-8 to be published
	Type string // "open", "wep", "psk", "8021x" (known networks also "hotspot")
}

// TypeHotspot is the Type of a known network that is a Hotspot 2.0
// profile; its NetworkID's SSID is the daemon's name for the profile (not
// published: Name is shown).
const TypeHotspot = "hotspot"

// AdapterBackend is one wiphy.
type AdapterBackend interface {
	// SetPowered turns the radio on or off (rfkill). A hard-blocked radio
	// answers ErrNotAvailable.
	SetPowered(ctx context.Context, on bool) error
}

// DeviceBackend is one network interface.
type DeviceBackend interface {
	SetPowered(ctx context.Context, up bool) error
	// SetMode switches the interface type: "station", "ap" or "ad-hoc"
	// (the value is checked before the call).
	SetMode(ctx context.Context, mode string) error
}

// StationBackend is one station (an interface in station mode). Scan returns
// once the scan is triggered (iwd replies then) or refused (ErrBusy while a
// scan or a connect runs); the backend then publishes Scanning true, the
// results (SetNetworks) and Scanning false. Disconnect while idle succeeds,
// as in iwd. Connect and
// ConnectHidden may take long: they ask the agent for secrets (pass ctx on,
// or derive from it with context.WithoutCancel, so the caller's own agent is
// asked, as in iwd) and return once the connection succeeded or failed.
type StationBackend interface {
	Scan(ctx context.Context) error
	Disconnect(ctx context.Context) error
	Connect(ctx context.Context, network NetworkID) error
	ConnectHidden(ctx context.Context, ssid string) error
}

// SignalLevelBackend is optionally implemented by a StationBackend that can
// report RSSI threshold crossings (Station.RegisterSignalLevelAgent); it
// then calls Server.SignalLevelChanged. levels is nil to stop.
type SignalLevelBackend interface {
	SetSignalLevels(ctx context.Context, levels []int8) error
}

// AffinityBackend is optionally implemented by a StationBackend that can
// keep the station on its BSS (Station.Affinities, iwd 3.x): bssid is the
// connected BSS, or nil to clear.
type AffinityBackend interface {
	SetAffinity(ctx context.Context, bssid net.HardwareAddr) error
}

// DiagnosticsBackend is optionally implemented by a StationBackend for
// StationDiagnostic.GetDiagnostics (Diagnostics.Dict gives iwd's keys).
type DiagnosticsBackend interface {
	Diagnostics(ctx context.Context) (*Diagnostics, error)
}

// DebugBackend is optionally implemented by a StationBackend for
// net.connman.iwd.StationDebug (developer mode only).
type DebugBackend interface {
	ConnectBSSID(ctx context.Context, bssid net.HardwareAddr) error
	Roam(ctx context.Context, bssid net.HardwareAddr) error
	ScanFrequencies(ctx context.Context, freqs []uint16) error
	SetAutoConnect(ctx context.Context, on bool) error
}

// KnownNetworksBackend is the store of the user's network files.
type KnownNetworksBackend interface {
	Forget(ctx context.Context, network NetworkID) error
	SetAutoConnect(ctx context.Context, network NetworkID, on bool) error
}

// Published state: the daemon hands these to the Server, which turns them
// into properties and signals.

// Adapter is a wiphy, at /net/connman/iwd/<Wiphy>.
type Adapter struct {
	Wiphy          uint32
	Name           string // e.g. "phy0"
	Model, Vendor  string // optional: "" leaves the property out
	Powered        bool   // not rfkilled
	SupportedModes []string
}

// Device is an interface, at /net/connman/iwd/<Wiphy>/<Ifindex>.
type Device struct {
	Wiphy, Ifindex uint32
	Name           string // kernel interface name
	Address        net.HardwareAddr
	Powered        bool
	Mode           string // "station", "ap", "ad-hoc"
}

// Station states, as iwd's State property spells them.
const (
	StateConnected     = "connected"
	StateDisconnected  = "disconnected"
	StateConnecting    = "connecting"
	StateDisconnecting = "disconnecting"
	StateRoaming       = "roaming"
)

// StationState is what Station (and StationDebug) show.
type StationState struct {
	State string
	// Connected is the network connected to or being connected to; nil
	// removes ConnectedNetwork and clears Network.Connected.
	Connected *NetworkID
	// AccessPoint is the BSS of Connected joined or being joined
	// (Station.ConnectedAccessPoint, iwd 3.x); nil leaves it out.
	AccessPoint net.HardwareAddr
	// Affinity: the connected BSS has affinity (Station.Affinities, iwd
	// 3.x, naming Station.ConnectedAccessPoint).
	Affinity    bool
	Scanning    bool
	AutoConnect bool // StationDebug.AutoConnect
	// LastConnect is the latest connect attempt, for wifid's own
	// net.connman.wifid.Station.LastConnect; nil leaves it out.
	LastConnect *ConnectTimeline
}

// Network is one network of a station's scan results. Publish a station's
// networks in iwd's order (connected first, then known ones, then by signal).
type Network struct {
	NetworkID
	// Hotspot is the known network of type "hotspot" (a Hotspot 2.0
	// profile) the network matched, if any; its KnownNetwork is that one.
	Hotspot *NetworkID
	Signal  int16 // best BSS, in 100 * dBm
	BSS     []BSS // for StationDebug.GetNetworks
}

// BSS is one access point of a network, as StationDebug.GetNetworks shows it.
type BSS struct {
	Address   net.HardwareAddr
	Frequency uint32 // MHz
	RSSI      int32  // dBm
	Rank      uint16
	MDE       []byte // the 3 octets of the Mobility Domain element, or nil
}

// HiddenAccessPoint is a BSS with a hidden SSID (GetHiddenAccessPoints).
type HiddenAccessPoint struct {
	Address net.HardwareAddr
	Signal  int16  // 100 * dBm
	Type    string // as NetworkID.Type
}

// KnownNetwork is a provisioned network, at /net/connman/iwd/<hex SSID>_<type>.
type KnownNetwork struct {
	NetworkID
	Name          string // shown name; "" means the SSID
	Hidden        bool
	AutoConnect   bool
	LastConnected time.Time // zero: never connected (property absent)
}
