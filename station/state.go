package station

// State is where a station's state machine is. iwd's D-Bus API shows five
// values (see DBusState); wifid keeps the finer internal states so the log
// says exactly where a connection attempt is.
type State int

const (
	Disconnected     State = iota // idle, not connected, no autoconnect running
	AutoconnectQuick              // scanning the frequencies known networks were last seen on
	AutoconnectFull               // periodic full scans for a known network
	Connecting                    // authenticate, associate, handshake
	ConnectingAuto                // connecting, started by autoconnect
	Connected                     // handshake done; netconfig may still run
	Roaming                       // moving to another BSS of the same network
	Disconnecting                 // tearing down a connection
)

var stateNames = [...]string{
	Disconnected:     "disconnected",
	AutoconnectQuick: "autoconnect_quick",
	AutoconnectFull:  "autoconnect_full",
	Connecting:       "connecting",
	ConnectingAuto:   "connecting (auto)",
	Connected:        "connected",
	Roaming:          "roaming",
	Disconnecting:    "disconnecting",
}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "unknown"
	}
	return stateNames[s]
}

// DBusState is the value of net.connman.iwd.Station.State for s: one of
// "connected", "disconnected", "connecting", "disconnecting", "roaming".
// The autoconnect states show as disconnected, as iwd shows them.
func (s State) DBusState() string {
	switch s {
	case Connecting, ConnectingAuto:
		return "connecting"
	case Connected:
		return "connected"
	case Roaming:
		return "roaming"
	case Disconnecting:
		return "disconnecting"
	}
	return "disconnected"
}

// Autoconnecting reports whether s is one of the autoconnect scan states.
func (s State) Autoconnecting() bool { return s == AutoconnectQuick || s == AutoconnectFull }
