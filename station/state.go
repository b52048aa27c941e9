package station

// State is where a station's state machine is: iwd's station states, by
// iwd's names. iwd's D-Bus API shows five values (see DBusState); the log,
// the StationDebug "state-..." events and wifictl show these.
type State int

const (
	Disconnected     State = iota // idle, not connected, no autoconnect running
	AutoconnectQuick              // scanning the frequencies known networks were last seen on
	AutoconnectFull               // periodic full scans for a known network
	Connecting                    // a user's connect: secrets, authenticate, associate, handshake
	ConnectingAuto                // the same, started by autoconnect
	Netconfig                     // keyed; IP configuration runs (the connect has been answered)
	Connected                     // keyed and, when wifid configures IP, an address in place
	Roaming                       // moving to another BSS of the same network
	Disconnecting                 // tearing down a connection
)

var stateNames = [...]string{
	Disconnected:     "disconnected",
	AutoconnectQuick: "autoconnect_quick",
	AutoconnectFull:  "autoconnect_full",
	Connecting:       "connecting",
	ConnectingAuto:   "connecting (auto)",
	Netconfig:        "connecting (netconfig)",
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
// "connected", "disconnected", "connecting", "disconnecting", "roaming"
// (iwd's doc/station-api.txt). The autoconnect states show as
// disconnected, netconfig as connecting, as iwd shows them.
func (s State) DBusState() string {
	switch s {
	case Connecting, ConnectingAuto, Netconfig:
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

// attemptKind is what started a connection attempt.
type attemptKind int

const (
	kindConnect     attemptKind = iota // a user's Connect (or ConnectBssid, ConnectHiddenNetwork)
	kindAutoconnect                    // autoconnect chose the network
	kindRoam                           // a move to another BSS of the connected network
)

var kindNames = [...]string{kindConnect: "connect", kindAutoconnect: "autoconnect", kindRoam: "roam"}

// String is the kind as the timeline, the log and LastConnect name it.
func (k attemptKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// connectingState is the station state an attempt of kind k runs in.
func (k attemptKind) connectingState() State {
	switch k {
	case kindAutoconnect:
		return ConnectingAuto
	case kindRoam:
		return Roaming
	}
	return Connecting
}

// stage is where a connection attempt is, within the connecting (or
// roaming) state: what it waits for.
type stage int

const (
	stageStart     stage = iota // chosen; nothing asked of anyone yet
	stageSecrets                // the passphrase: PBKDF2, or the agent asking the user
	stageFTAuth                 // a fast transition: our FT Authentication frame sent, the target's awaited
	stageSAE                    // WPA3-Personal: the SAE exchange in Authentication frames
	stageFILS                   // 802.1X with ERP keys: the FILS exchange in Authentication frames
	stageAssociate              // CMD_CONNECT (or CMD_ASSOCIATE after SAE) sent; waiting for its event
	stageEAP                    // 802.1X: associated; the EAP conversation runs
	stageHandshake              // associated (802.1X: EAP succeeded); the 4-way handshake runs
	stageAuthorize              // keyed; the port is being authorized
)

var stageNames = [...]string{
	stageStart:     "start",
	stageSecrets:   "secrets",
	stageFTAuth:    "ft-auth",
	stageSAE:       "sae",
	stageFILS:      "fils",
	stageAssociate: "connect",
	stageEAP:       "eap",
	stageHandshake: "handshake",
	stageAuthorize: "authorize",
}

func (g stage) String() string {
	if g < 0 || int(g) >= len(stageNames) {
		return "unknown"
	}
	return stageNames[g]
}

// kernelInvolved says whether the kernel holds state of an attempt in
// stage g (an authentication or association), which a failure must undo
// with CMD_DISCONNECT.
func (g stage) kernelInvolved() bool { return g >= stageSAE }
