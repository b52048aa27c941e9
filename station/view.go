package station

import (
	"net"

	"wifid/knownnetworks"
)

// View is a station's state as its users see it: what the D-Bus API shows
// and wifictl prints. The station publishes a new View after every change;
// Views are never modified after publication.
type View struct {
	Ifname       string
	State        State
	Scanning     bool
	AutoConnect  bool
	Networks     []NetworkView // best first
	Connected    string        // network ID, "" when not connected
	Connecting   string        // network ID of the attempt in progress, if any
	ConnectedBSS net.HardwareAddr
	// AccessPoint is the BSS joined or being joined (the attempt's, else
	// the connection's): Station.ConnectedAccessPoint.
	AccessPoint net.HardwareAddr
	// Affinity: the connected BSS has affinity (Station.Affinities).
	Affinity bool
	Address  string    // IPv4 address (CIDR) once configured
	Last     *Timeline // the latest connect attempt (a copy)
}

// NetworkView is one network in a View.
type NetworkView struct {
	ID       string
	SSID     string
	Security knownnetworks.Security
	Known    bool
	// Hotspot is the store's name of the Hotspot 2.0 profile the network
	// matched ("" if none): its known network.
	Hotspot   string
	Signal    int // dBm of the best BSS
	Rank      float64
	Connected bool
	BSSes     []BSSView
}

// BSSView is one BSS in a NetworkView.
type BSSView struct {
	Addr     net.HardwareAddr
	Freq     uint32
	Signal   int
	Rank     uint16
	DataRate uint64
}

// Network returns the network with that ID from the view.
func (v View) Network(id string) (NetworkView, bool) {
	for _, n := range v.Networks {
		if n.ID == id {
			return n, true
		}
	}
	return NetworkView{}, false
}
