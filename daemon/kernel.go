package daemon

import (
	"wifid/nl80211"
)

// stationKernel is station.Kernel over the daemon's nl80211 client: its
// commands as they are, and the EAPOL port over nl80211 or, for a driver
// without control port over nl80211, a packet socket.
type stationKernel struct{ *nl80211.Client }

func (k stationKernel) OpenEAPOLPort(ifindex int, overNL80211 bool) (nl80211.EAPOLPort, error) {
	if !overNL80211 {
		p, err := nl80211.ListenPacketPort(ifindex)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	p, err := k.OpenControlPort(ifindex)
	if err != nil {
		return nil, err
	}
	return p, nil
}
