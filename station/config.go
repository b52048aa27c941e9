package station

import (
	"context"
	"log/slog"
	"net"
	"time"

	"wifid/knownnetworks"
	"wifid/nl80211"
)

// Kernel is what a station asks of nl80211, in the parts below; the daemon
// adapts its nl80211 client to it, a test scripts it.
type Kernel interface {
	Scanner
	SME
	Keys
	SignalMonitor
	Frames
}

// Scanner runs scans (CMD_TRIGGER_SCAN and the results).
type Scanner interface {
	Scan(ctx context.Context, ifindex int, req nl80211.ScanRequest) ([]*nl80211.BSS, error)
}

// SME joins and leaves BSSes: CMD_CONNECT when the kernel's SME does it,
// CMD_AUTHENTICATE and CMD_ASSOCIATE when the station does (SAE). Each
// returns once the kernel took the request; outcomes come as events.
type SME interface {
	Connect(ctx context.Context, ifindex int, req nl80211.ConnectRequest) error
	Authenticate(ctx context.Context, ifindex int, req nl80211.AuthenticateRequest) error
	Associate(ctx context.Context, ifindex int, req nl80211.AssociateRequest) error
	Disconnect(ctx context.Context, ifindex int, reason uint16) error
}

// Keys is the handshake's side of the kernel: the EAPOL port, the keys it
// installs, the port's authorization.
type Keys interface {
	// OpenEAPOLPort opens the interface's EAPOL port: over nl80211 (the
	// control port) or, for a driver without that, a packet socket.
	OpenEAPOLPort(ifindex int, overNL80211 bool) (nl80211.EAPOLPort, error)
	NewKey(ctx context.Context, ifindex int, k nl80211.Key) error
	SetStationAuthorized(ctx context.Context, ifindex int, mac net.HardwareAddr, authorized bool) error
}

// SignalMonitor watches the connected BSS's signal: the connection quality
// monitor's thresholds and the station's counters.
type SignalMonitor interface {
	SetCQM(ctx context.Context, ifindex int, thresholdDBm int32, hysteresisDB uint32) error
	SetCQMThresholds(ctx context.Context, ifindex int, thresholdsDBm []int32, hysteresisDB uint32) error
	Station(ctx context.Context, ifindex int, mac net.HardwareAddr) (*nl80211.StationInfo, error)
}

// Frames sends management frames and asks for the ones the station
// handles (BSS transition requests, SA Query responses).
type Frames interface {
	RegisterFrame(ctx context.Context, ifindex int, frameType uint16, match []byte) error
	SendFrame(ctx context.Context, ifindex int, req nl80211.FrameRequest) (uint64, error)
}

// IPConfigurator configures IP once a station is connected. The daemon
// passes netconfig in; nil leaves IP to someone else
// (EnableNetworkConfiguration=false).
type IPConfigurator interface {
	// Configure starts configuring and returns at once; progress comes on
	// the channel, which is closed after stop returns.
	Configure(ctx context.Context, req IPRequest) (events <-chan IPEvent, stop func(), err error)
}

// IPRequest is what the station knows that IP configuration needs.
type IPRequest struct {
	Ifindex       int
	Ifname        string
	MAC           net.HardwareAddr
	NetworkPathID string                  // the network (Network.ID), for the stored lease (INIT-REBOOT)
	Settings      *knownnetworks.Settings // static [IPv4]/[IPv6], nil for none
}

// IPEvent is progress of IP configuration.
type IPEvent struct {
	Kind    IPEventKind
	Address string // CIDR, when configured
	Detail  string // e.g. "DHCP rapid commit", "static"
	Err     error
	At      time.Time // when it happened; zero: when the station hears of it
}

// IPEventKind says what happened.
type IPEventKind int

const (
	IPConfigured IPEventKind = iota // an address is in place
	IPRenewed                       // the lease was renewed
	IPLost                          // the address is gone (lease expired)
	IPFailed                        // configuration failed (the station stays connected, as iwd's does)
)

// Agent asks the user for secrets (net.connman.iwd.Agent); nil means none.
// The 802.1X requests are for the network ssid of type 8021x; their
// answers live in the attempt's memory only, never in the network file.
type Agent interface {
	RequestPassphrase(ctx context.Context, ssid string, sec knownnetworks.Security) (string, error)
	RequestUserNameAndPassword(ctx context.Context, ssid string) (user, password string, err error)
	RequestUserPassword(ctx context.Context, ssid, user string) (string, error)
	RequestPrivateKeyPassphrase(ctx context.Context, ssid string) (string, error)
}

// LinkFilters sets the interface's packet filters the serving BSS asks
// for (station/filters.go); nil: none set.
type LinkFilters interface {
	// SetFilters drops (true) or takes again (false) gratuitous ARP and
	// unsolicited Neighbor Advertisements, and unicast IP packets sent
	// in link-layer multicast (GTK-encrypted) frames, on interface ifname.
	SetFilters(ifname string, dropNeighbourAds, dropUnicastInL2Multicast bool)
}

// Config is everything a station is given.
type Config struct {
	Ifindex int
	Ifname  string
	MAC     net.HardwareAddr
	Wiphy   *nl80211.Wiphy

	Kernel Kernel
	// Events are the nl80211 events of this interface (the daemon routes
	// them by ifindex).
	Events <-chan nl80211.Event
	Known  *knownnetworks.Store
	IP     IPConfigurator
	Agent  Agent
	// Filters sets the packet filters a BSS asks for (Proxy ARP,
	// Hotspot 2.0 DGAF); nil: not set.
	Filters LinkFilters

	// AutoConnect is where autoconnect starts (false in developer mode).
	AutoConnect bool
	Scan        ScanConfig
	Rank        RankConfig
	Blacklist   BlacklistConfig
	Roam        RoamConfig
	MFP         int // main.conf ManagementFrameProtection: 0 off, 1 if both can, 2 required
	PMKSA       PMKSAConfig
	// DisableANQP: main.conf [General] DisableANQP; without ANQP, Hotspot
	// 2.0 profiles match by HESSID and roaming consortium only.
	DisableANQP bool
	// The radio's driver quirks (main.conf [DriverQuirks], and
	// ControlPortOverNL80211=false for ForcePAE): never SAE, never OWE,
	// EAPOL over a packet socket rather than nl80211's control port.
	SAEDisabled, OWEDisabled, ForcePAE bool

	// The listeners: each is called on one goroutine of the station's
	// (not its loop), in the order things happened, one call at a time;
	// a slow one delays the news after it (and the answers to the
	// station's callers, which wait for what came before them), never
	// the station. They must not call the station's methods. Run returns
	// once they have heard everything.
	//
	// OnChange gets the new view after every change.
	OnChange func(View)
	// OnEvent gets StationDebug events (iwd's names: "scan-triggered",
	// "connecting", "handshake-started", ...).
	OnEvent func(name string, args ...any)
	// OnSignalLevel gets the signal level (0 strongest) when it changes
	// while SetSignalLevels' thresholds are set.
	OnSignalLevel func(level int)
	Logger        *slog.Logger
	Now           func() time.Time

	// handshakeTimeout is how long the 4-way handshake may wait for the
	// AP's next message (zero: handshakeTimeout); tests shorten it.
	handshakeTimeout time.Duration
	// eapTimeout bounds an EAP conversation (zero: eapTimeout) and
	// eapolStartDelay is the AP's silence after association before an
	// EAPOL-Start (zero: eapolStartDelay); tests shorten them.
	eapTimeout, eapolStartDelay time.Duration
}

// handshakeTimeout is how long the 4-way handshake waits for the AP.
const handshakeTimeout = 10 * time.Second

// eapTimeout is how long an EAP conversation may take from association
// to EAP-Success (the server retransmits within it; TLS under a slow CPU
// takes a few seconds).
const eapTimeout = 30 * time.Second

// eapolStartDelay: an AP silent this long after association gets an
// EAPOL-Start, as iwd sends one after a second (eapol.c's
// eapol_start_timeout).
const eapolStartDelay = time.Second

// ScanConfig holds main.conf's [Scan] settings: the periodic scans of a
// disconnected station (see scanSchedule for the phases).
type ScanConfig struct {
	DisablePeriodicScan bool
	InitialInterval     time.Duration // backoff: the first interval, default 10 s
	MaximumInterval     time.Duration // backoff: where the doubling stops, default 300 s
	// wifid's: the after-loss phase. AfterLossWindow zero: none (iwd's
	// schedule); AfterLossInterval zero: the default.
	AfterLossInterval time.Duration // default 3 s
	AfterLossWindow   time.Duration // default 180 s
}

// DefaultScanConfig is iwd's default, plus wifid's after-loss phase.
func DefaultScanConfig() ScanConfig {
	return ScanConfig{InitialInterval: 10 * time.Second, MaximumInterval: 300 * time.Second,
		AfterLossInterval: 3 * time.Second, AfterLossWindow: 180 * time.Second}
}
