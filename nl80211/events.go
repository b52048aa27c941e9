package nl80211

import (
	"net"

	"github.com/mdlayher/genetlink"
	"golang.org/x/sys/unix"
)

// An Event is a message the kernel sent unasked: a multicast notification
// from the "config", "scan", "mlme" or "regulatory" groups, or a frame
// unicast to this socket (control port EAPOL, registered frames). Use a
// type switch on the concrete types below.
type Event interface {
	Info() EventInfo
}

// EventInfo is what every event carries: its command and, when present,
// the wiphy, interface and wireless device it is about.
type EventInfo struct {
	Cmd     uint8
	Wiphy   int // -1 when absent
	Ifindex int // 0 when absent
	Wdev    uint64
}

// Info returns the event's common fields.
func (i EventInfo) Info() EventInfo { return i }

// WiphyEvent is NL80211_CMD_NEW_WIPHY or NL80211_CMD_DEL_WIPHY (hot-plug).
type WiphyEvent struct {
	EventInfo
	Name string
	// Wiphy is the full description a NEW_WIPHY carries; nil for DEL
	// or when it could not be decoded.
	Wiphy *Wiphy
}

// InterfaceEvent is NL80211_CMD_NEW_INTERFACE, NL80211_CMD_DEL_INTERFACE
// or NL80211_CMD_SET_INTERFACE.
type InterfaceEvent struct {
	EventInfo
	Interface *Interface
}

// ScanEvent is NL80211_CMD_TRIGGER_SCAN (started), NL80211_CMD_NEW_SCAN_RESULTS,
// NL80211_CMD_SCAN_ABORTED, NL80211_CMD_SCHED_SCAN_RESULTS or
// NL80211_CMD_SCHED_SCAN_STOPPED, with the scan's SSIDs and frequencies.
type ScanEvent struct {
	EventInfo
	SSIDs [][]byte
	Freqs []uint32
	Flags uint32
}

// ConnectEvent is NL80211_CMD_CONNECT: the result of CMD_CONNECT, or of
// an ASSOCIATE when the kernel's SME reports it.
type ConnectEvent struct {
	EventInfo
	BSSID    net.HardwareAddr
	Status   uint16 // IEEE 802.11 status code; 0 is success
	ReqIEs   []byte
	RespIEs  []byte
	TimedOut bool
	// TimeoutReason is NL80211_TIMEOUT_* when TimedOut. cfg80211's own
	// SME (mac80211 drivers) says UNSPECIFIED even when its scan found
	// no BSS; full-MAC drivers may say SCAN, AUTH or ASSOC.
	TimeoutReason uint32
}

// RoamEvent is NL80211_CMD_ROAM (the driver or firmware roamed).
type RoamEvent struct {
	EventInfo
	BSSID   net.HardwareAddr
	ReqIEs  []byte
	RespIEs []byte
}

// DisconnectEvent is NL80211_CMD_DISCONNECT.
type DisconnectEvent struct {
	EventInfo
	Reason uint16 // IEEE 802.11 reason code
	ByAP   bool   // NL80211_ATTR_DISCONNECTED_BY_AP
	IEs    []byte
}

// MLMEEvent is one of NL80211_CMD_AUTHENTICATE, ASSOCIATE, DEAUTHENTICATE,
// DISASSOCIATE, UNPROT_DEAUTHENTICATE or UNPROT_DISASSOCIATE: the frame
// received (or sent, for local deauth) or, with TimedOut, the peer that
// did not answer.
type MLMEEvent struct {
	EventInfo
	Frame    []byte // the whole management frame, header included
	MAC      net.HardwareAddr
	TimedOut bool
	ReqIEs   []byte // ASSOCIATE: the IEs of our request, when reported
}

// CQM RSSI threshold directions.
const (
	CQMRSSINone = -1
	CQMRSSILow  = unix.NL80211_CQM_RSSI_THRESHOLD_EVENT_LOW
	CQMRSSIHigh = unix.NL80211_CQM_RSSI_THRESHOLD_EVENT_HIGH
)

// CQMEvent is NL80211_CMD_NOTIFY_CQM (connection quality monitor).
type CQMEvent struct {
	EventInfo
	// RSSIThreshold is CQMRSSILow or CQMRSSIHigh when the signal crossed
	// the threshold set with SetCQM, else CQMRSSINone.
	RSSIThreshold int
	RSSILevel     int32 // dBm, when HasRSSILevel
	HasRSSILevel  bool
	BeaconLoss    bool
	PacketLoss    uint32 // packets lost to MAC, when non-zero
	MAC           net.HardwareAddr
}

// ControlPortFrameEvent is NL80211_CMD_CONTROL_PORT_FRAME: an EAPOL (or
// preauth) frame received over nl80211 by the socket owning the
// connection. It reaches Events only when no NLControlPort is open on the
// interface.
type ControlPortFrameEvent struct {
	EventInfo
	Src         net.HardwareAddr
	Ethertype   uint16
	Frame       []byte // the EAPOL PDU, no Ethernet header
	Unencrypted bool   // arrived unprotected (NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT)
}

// FrameEvent is NL80211_CMD_FRAME: a management frame matching a
// RegisterFrame registration.
type FrameEvent struct {
	EventInfo
	Freq      uint32
	SignalDBm int32
	Frame     []byte
}

// FrameTxStatusEvent is NL80211_CMD_FRAME_TX_STATUS or
// NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS.
type FrameTxStatusEvent struct {
	EventInfo
	Cookie uint64
	Ack    bool
	Frame  []byte
}

// RegulatoryEvent is NL80211_CMD_REG_CHANGE, WIPHY_REG_CHANGE or
// REG_BEACON_HINT.
type RegulatoryEvent struct {
	EventInfo
	Alpha2    string
	Initiator uint8 // NL80211_REGDOM_SET_BY_*
	Type      uint8 // NL80211_REGDOM_TYPE_*
}

// PortAuthorizedEvent is NL80211_CMD_PORT_AUTHORIZED (the driver
// completed the 4-way handshake itself).
type PortAuthorizedEvent struct {
	EventInfo
	BSSID net.HardwareAddr
}

// UnknownEvent is any other command, attributes kept raw.
type UnknownEvent struct {
	EventInfo
	Attrs []byte
}

// OverrunEvent says events were lost: the socket overran (ENOBUFS) or,
// with Dropped > 0, the Events queue was full. Re-query state.
type OverrunEvent struct {
	Dropped int
}

// Info implements Event.
func (*OverrunEvent) Info() EventInfo { return EventInfo{Wiphy: -1} }

// decodeEvent turns a sequence-0 nl80211 message into an Event.
func decodeEvent(m genetlink.Message) (Event, error) {
	cmd := m.Header.Command
	ev, err := decodeEventAttrs(cmd, m.Data)
	if err != nil {
		return nil, &Error{Cmd: CmdName(cmd), Err: err}
	}
	return ev, nil
}

func decodeEventAttrs(cmd uint8, data []byte) (Event, error) {
	as, err := parseAttrs(data)
	if err != nil {
		return nil, err
	}
	info := EventInfo{Cmd: cmd, Wiphy: -1}
	for _, a := range as {
		var v uint32
		switch a.Type {
		case unix.NL80211_ATTR_WIPHY:
			v, err = getU32("ATTR_WIPHY", a.Data)
			info.Wiphy = int(v)
		case unix.NL80211_ATTR_IFINDEX:
			v, err = getU32("ATTR_IFINDEX", a.Data)
			info.Ifindex = int(v)
		case unix.NL80211_ATTR_WDEV:
			info.Wdev, err = getU64("ATTR_WDEV", a.Data)
		}
		if err != nil {
			return nil, err
		}
	}

	switch cmd {
	case unix.NL80211_CMD_NEW_WIPHY, unix.NL80211_CMD_DEL_WIPHY:
		ev := &WiphyEvent{EventInfo: info}
		for _, a := range as {
			if a.Type == unix.NL80211_ATTR_WIPHY_NAME {
				ev.Name = getString(a.Data)
			}
		}
		if cmd == unix.NL80211_CMD_NEW_WIPHY {
			// A hot-plug must not be lost to an odd capability
			// attribute: on a decoding error Wiphy stays nil and the
			// consumer queries the wiphy (Client.Wiphy) instead.
			ev.Wiphy, _ = decodeWiphy(as)
		}
		return ev, nil

	case unix.NL80211_CMD_NEW_INTERFACE, unix.NL80211_CMD_DEL_INTERFACE, unix.NL80211_CMD_SET_INTERFACE:
		ifi, err := decodeInterface(as)
		if err != nil {
			return nil, err
		}
		return &InterfaceEvent{EventInfo: info, Interface: ifi}, nil

	case unix.NL80211_CMD_TRIGGER_SCAN, unix.NL80211_CMD_NEW_SCAN_RESULTS, unix.NL80211_CMD_SCAN_ABORTED,
		unix.NL80211_CMD_SCHED_SCAN_RESULTS, unix.NL80211_CMD_SCHED_SCAN_STOPPED:
		ev := &ScanEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_SCAN_SSIDS:
				ss, err := parseNested("ATTR_SCAN_SSIDS", a.Data)
				if err != nil {
					return nil, err
				}
				for _, s := range ss {
					ev.SSIDs = append(ev.SSIDs, clone(s.Data))
				}
			case unix.NL80211_ATTR_SCAN_FREQUENCIES:
				fs, err := parseNested("ATTR_SCAN_FREQUENCIES", a.Data)
				if err != nil {
					return nil, err
				}
				for _, f := range fs {
					v, err := getU32("ATTR_SCAN_FREQUENCIES", f.Data)
					if err != nil {
						return nil, err
					}
					ev.Freqs = append(ev.Freqs, v)
				}
			case unix.NL80211_ATTR_SCAN_FLAGS:
				if ev.Flags, err = getU32("ATTR_SCAN_FLAGS", a.Data); err != nil {
					return nil, err
				}
			}
		}
		return ev, nil

	case unix.NL80211_CMD_CONNECT:
		ev := &ConnectEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_MAC:
				ev.BSSID, err = getMAC("ATTR_MAC", a.Data)
			case unix.NL80211_ATTR_STATUS_CODE:
				ev.Status, err = getU16("ATTR_STATUS_CODE", a.Data)
			case unix.NL80211_ATTR_REQ_IE:
				ev.ReqIEs = clone(a.Data)
			case unix.NL80211_ATTR_RESP_IE:
				ev.RespIEs = clone(a.Data)
			case unix.NL80211_ATTR_TIMED_OUT:
				ev.TimedOut = true
			case unix.NL80211_ATTR_TIMEOUT_REASON:
				ev.TimeoutReason, err = getU32("ATTR_TIMEOUT_REASON", a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_ROAM:
		ev := &RoamEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_MAC:
				ev.BSSID, err = getMAC("ATTR_MAC", a.Data)
			case unix.NL80211_ATTR_REQ_IE:
				ev.ReqIEs = clone(a.Data)
			case unix.NL80211_ATTR_RESP_IE:
				ev.RespIEs = clone(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_DISCONNECT:
		ev := &DisconnectEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_REASON_CODE:
				ev.Reason, err = getU16("ATTR_REASON_CODE", a.Data)
			case unix.NL80211_ATTR_DISCONNECTED_BY_AP:
				ev.ByAP = true
			case unix.NL80211_ATTR_IE:
				ev.IEs = clone(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_AUTHENTICATE, unix.NL80211_CMD_ASSOCIATE, unix.NL80211_CMD_DEAUTHENTICATE,
		unix.NL80211_CMD_DISASSOCIATE, unix.NL80211_CMD_UNPROT_DEAUTHENTICATE, unix.NL80211_CMD_UNPROT_DISASSOCIATE:
		ev := &MLMEEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_FRAME:
				ev.Frame = clone(a.Data)
			case unix.NL80211_ATTR_MAC:
				ev.MAC, err = getMAC("ATTR_MAC", a.Data)
			case unix.NL80211_ATTR_TIMED_OUT:
				ev.TimedOut = true
			case unix.NL80211_ATTR_REQ_IE:
				ev.ReqIEs = clone(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_NOTIFY_CQM:
		ev := &CQMEvent{EventInfo: info, RSSIThreshold: CQMRSSINone}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_MAC:
				ev.MAC, err = getMAC("ATTR_MAC", a.Data)
			case unix.NL80211_ATTR_CQM:
				err = ev.decodeCQM(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_CONTROL_PORT_FRAME:
		ev := &ControlPortFrameEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_MAC:
				ev.Src, err = getMAC("ATTR_MAC", a.Data)
			case unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE:
				ev.Ethertype, err = getU16("ATTR_CONTROL_PORT_ETHERTYPE", a.Data)
			case unix.NL80211_ATTR_FRAME:
				ev.Frame = clone(a.Data)
			case unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT:
				ev.Unencrypted = true
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_FRAME:
		ev := &FrameEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_WIPHY_FREQ:
				ev.Freq, err = getU32("ATTR_WIPHY_FREQ", a.Data)
			case unix.NL80211_ATTR_RX_SIGNAL_DBM:
				ev.SignalDBm, err = getS32("ATTR_RX_SIGNAL_DBM", a.Data)
			case unix.NL80211_ATTR_FRAME:
				ev.Frame = clone(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_FRAME_TX_STATUS, unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS:
		ev := &FrameTxStatusEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_COOKIE:
				ev.Cookie, err = getU64("ATTR_COOKIE", a.Data)
			case unix.NL80211_ATTR_ACK:
				ev.Ack = true
			case unix.NL80211_ATTR_FRAME:
				ev.Frame = clone(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_REG_CHANGE, unix.NL80211_CMD_WIPHY_REG_CHANGE, unix.NL80211_CMD_REG_BEACON_HINT:
		ev := &RegulatoryEvent{EventInfo: info}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_REG_ALPHA2:
				ev.Alpha2 = getString(a.Data)
			case unix.NL80211_ATTR_REG_INITIATOR:
				ev.Initiator, err = getU8("ATTR_REG_INITIATOR", a.Data)
			case unix.NL80211_ATTR_REG_TYPE:
				ev.Type, err = getU8("ATTR_REG_TYPE", a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		return ev, nil

	case unix.NL80211_CMD_PORT_AUTHORIZED:
		ev := &PortAuthorizedEvent{EventInfo: info}
		for _, a := range as {
			if a.Type == unix.NL80211_ATTR_MAC {
				if ev.BSSID, err = getMAC("ATTR_MAC", a.Data); err != nil {
					return nil, err
				}
			}
		}
		return ev, nil
	}
	return &UnknownEvent{EventInfo: info, Attrs: clone(data)}, nil
}

func (ev *CQMEvent) decodeCQM(b []byte) error {
	as, err := parseNested("ATTR_CQM", b)
	if err != nil {
		return err
	}
	for _, a := range as {
		var v uint32
		switch a.Type {
		case unix.NL80211_ATTR_CQM_RSSI_THRESHOLD_EVENT:
			v, err = getU32("ATTR_CQM_RSSI_THRESHOLD_EVENT", a.Data)
			ev.RSSIThreshold = int(v)
		case unix.NL80211_ATTR_CQM_RSSI_LEVEL:
			ev.RSSILevel, err = getS32("ATTR_CQM_RSSI_LEVEL", a.Data)
			ev.HasRSSILevel = err == nil
		case unix.NL80211_ATTR_CQM_BEACON_LOSS_EVENT:
			ev.BeaconLoss = true
		case unix.NL80211_ATTR_CQM_PKT_LOSS_EVENT:
			ev.PacketLoss, err = getU32("ATTR_CQM_PKT_LOSS_EVENT", a.Data)
		}
		if err != nil {
			return attrErr("ATTR_CQM", err)
		}
	}
	return nil
}
