package nl80211

import (
	"context"
	"encoding/binary"
	"net"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// SetStationAuthorized opens (or closes) the controlled port for peer
// mac: NL80211_CMD_SET_STATION with NL80211_ATTR_STA_FLAGS2 (struct
// nl80211_sta_flag_update: mask and set) for NL80211_STA_FLAG_AUTHORIZED.
func (c *Client) SetStationAuthorized(ctx context.Context, ifindex int, mac net.HardwareAddr, authorized bool) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, mac)
	e.bytes(unix.NL80211_ATTR_STA_FLAGS2, staFlagUpdate(1<<unix.NL80211_STA_FLAG_AUTHORIZED, authorized))
	_, err := c.execute(ctx, unix.NL80211_CMD_SET_STATION, ifTarget(ifindex), 0, e.b, nil)
	return err
}

func staFlagUpdate(mask uint32, set bool) []byte {
	b := binary.NativeEndian.AppendUint32(nil, mask)
	if set {
		return binary.NativeEndian.AppendUint32(b, mask)
	}
	return binary.NativeEndian.AppendUint32(b, 0)
}

// Rate modes of RateInfo.
const (
	RateLegacy = iota
	RateHT
	RateVHT
	RateHE
	RateEHT
)

// RateInfo is a decoded NL80211_STA_INFO_TX_BITRATE/RX_BITRATE.
type RateInfo struct {
	Bitrate  uint32 // 100 kbit/s units (BITRATE32, else BITRATE)
	Mode     int    // RateLegacy, RateHT (MCS), RateVHT, RateHE, RateEHT
	MCS      uint8  // HT MCS index, or VHT/HE/EHT MCS
	NSS      uint8  // VHT/HE/EHT spatial streams
	WidthMHz int    // 5, 10, 20, 40, 80, 160 or 320
	Is80P80  bool
	ShortGI  bool
	HEGI     uint8 // NL80211_RATE_INFO_HE_GI_*
	HEDCM    bool
}

// StationInfo is NL80211_CMD_GET_STATION's NL80211_ATTR_STA_INFO.
type StationInfo struct {
	MAC             net.HardwareAddr
	InactiveTimeMs  uint32
	ConnectedTimeS  uint32
	RxBytes         uint64
	TxBytes         uint64
	RxPackets       uint32
	TxPackets       uint32
	TxRetries       uint32
	TxFailed        uint32
	BeaconLoss      uint32
	Signal          int8 // dBm, when HasSignal
	SignalAvg       int8 // dBm, when HasSignalAvg
	HasSignal       bool
	HasSignalAvg    bool
	BeaconSignalAvg int8
	// TxBitrate and RxBitrate are zero when the kernel leaves them
	// out: mac80211 reports an RX rate only once a unicast data frame
	// came from the peer.
	TxBitrate    RateInfo
	RxBitrate    RateInfo
	ExpectedTput uint32 // kbit/s
}

// Station returns the kernel's view of peer mac (for a station, the AP).
func (c *Client) Station(ctx context.Context, ifindex int, mac net.HardwareAddr) (*StationInfo, error) {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, mac)
	t := ifTarget(ifindex)
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_STATION, t, 0, e.b, nil)
	if err != nil {
		return nil, err
	}
	sts, err := decodeStations(msgs)
	if err == nil && len(sts) == 0 {
		err = errNoReply
	}
	if err != nil {
		return nil, newError(unix.NL80211_CMD_GET_STATION, t, err)
	}
	return sts[0], nil
}

// Stations dumps the peers of ifindex.
func (c *Client) Stations(ctx context.Context, ifindex int) ([]*StationInfo, error) {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	t := ifTarget(ifindex)
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_STATION, t, netlink.Dump, e.b, nil)
	if err != nil {
		return nil, err
	}
	sts, err := decodeStations(msgs)
	return sts, newError(unix.NL80211_CMD_GET_STATION, t, err)
}

func decodeStations(msgs []genetlink.Message) ([]*StationInfo, error) {
	var out []*StationInfo
	for _, m := range msgs {
		as, err := parseAttrs(m.Data)
		if err != nil {
			return nil, err
		}
		st := &StationInfo{}
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_ATTR_MAC:
				st.MAC, err = getMAC("ATTR_MAC", a.Data)
			case unix.NL80211_ATTR_STA_INFO:
				err = st.decode(a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func (st *StationInfo) decode(b []byte) error {
	as, err := parseNested("ATTR_STA_INFO", b)
	if err != nil {
		return err
	}
	for _, a := range as {
		var v uint8
		switch a.Type {
		case unix.NL80211_STA_INFO_INACTIVE_TIME:
			st.InactiveTimeMs, err = getU32("STA_INFO_INACTIVE_TIME", a.Data)
		case unix.NL80211_STA_INFO_CONNECTED_TIME:
			st.ConnectedTimeS, err = getU32("STA_INFO_CONNECTED_TIME", a.Data)
		case unix.NL80211_STA_INFO_RX_BYTES64:
			st.RxBytes, err = getU64("STA_INFO_RX_BYTES64", a.Data)
		case unix.NL80211_STA_INFO_TX_BYTES64:
			st.TxBytes, err = getU64("STA_INFO_TX_BYTES64", a.Data)
		case unix.NL80211_STA_INFO_RX_PACKETS:
			st.RxPackets, err = getU32("STA_INFO_RX_PACKETS", a.Data)
		case unix.NL80211_STA_INFO_TX_PACKETS:
			st.TxPackets, err = getU32("STA_INFO_TX_PACKETS", a.Data)
		case unix.NL80211_STA_INFO_TX_RETRIES:
			st.TxRetries, err = getU32("STA_INFO_TX_RETRIES", a.Data)
		case unix.NL80211_STA_INFO_TX_FAILED:
			st.TxFailed, err = getU32("STA_INFO_TX_FAILED", a.Data)
		case unix.NL80211_STA_INFO_BEACON_LOSS:
			st.BeaconLoss, err = getU32("STA_INFO_BEACON_LOSS", a.Data)
		case unix.NL80211_STA_INFO_SIGNAL:
			v, err = getU8("STA_INFO_SIGNAL", a.Data)
			st.Signal, st.HasSignal = int8(v), err == nil
		case unix.NL80211_STA_INFO_SIGNAL_AVG:
			v, err = getU8("STA_INFO_SIGNAL_AVG", a.Data)
			st.SignalAvg, st.HasSignalAvg = int8(v), err == nil
		case unix.NL80211_STA_INFO_BEACON_SIGNAL_AVG:
			v, err = getU8("STA_INFO_BEACON_SIGNAL_AVG", a.Data)
			st.BeaconSignalAvg = int8(v)
		case unix.NL80211_STA_INFO_TX_BITRATE:
			st.TxBitrate, err = decodeRate("STA_INFO_TX_BITRATE", a.Data)
		case unix.NL80211_STA_INFO_RX_BITRATE:
			st.RxBitrate, err = decodeRate("STA_INFO_RX_BITRATE", a.Data)
		case unix.NL80211_STA_INFO_EXPECTED_THROUGHPUT:
			st.ExpectedTput, err = getU32("STA_INFO_EXPECTED_THROUGHPUT", a.Data)
		}
		if err != nil {
			return attrErr("ATTR_STA_INFO", err)
		}
	}
	return nil
}

func decodeRate(name string, b []byte) (RateInfo, error) {
	r := RateInfo{WidthMHz: 20}
	as, err := parseNested(name, b)
	if err != nil {
		return r, err
	}
	var bitrate16 uint16
	for _, a := range as {
		switch a.Type {
		case unix.NL80211_RATE_INFO_BITRATE:
			bitrate16, err = getU16("RATE_INFO_BITRATE", a.Data)
		case unix.NL80211_RATE_INFO_BITRATE32:
			r.Bitrate, err = getU32("RATE_INFO_BITRATE32", a.Data)
		case unix.NL80211_RATE_INFO_MCS:
			r.MCS, err = getU8("RATE_INFO_MCS", a.Data)
			r.Mode = RateHT
		case unix.NL80211_RATE_INFO_VHT_MCS:
			r.MCS, err = getU8("RATE_INFO_VHT_MCS", a.Data)
			r.Mode = RateVHT
		case unix.NL80211_RATE_INFO_VHT_NSS:
			r.NSS, err = getU8("RATE_INFO_VHT_NSS", a.Data)
		case unix.NL80211_RATE_INFO_HE_MCS:
			r.MCS, err = getU8("RATE_INFO_HE_MCS", a.Data)
			r.Mode = RateHE
		case unix.NL80211_RATE_INFO_HE_NSS:
			r.NSS, err = getU8("RATE_INFO_HE_NSS", a.Data)
		case unix.NL80211_RATE_INFO_HE_GI:
			r.HEGI, err = getU8("RATE_INFO_HE_GI", a.Data)
		case unix.NL80211_RATE_INFO_HE_DCM:
			var v uint8
			v, err = getU8("RATE_INFO_HE_DCM", a.Data)
			r.HEDCM = v != 0
		case unix.NL80211_RATE_INFO_EHT_MCS:
			r.MCS, err = getU8("RATE_INFO_EHT_MCS", a.Data)
			r.Mode = RateEHT
		case unix.NL80211_RATE_INFO_EHT_NSS:
			r.NSS, err = getU8("RATE_INFO_EHT_NSS", a.Data)
		case unix.NL80211_RATE_INFO_SHORT_GI:
			r.ShortGI = true
		case unix.NL80211_RATE_INFO_5_MHZ_WIDTH:
			r.WidthMHz = 5
		case unix.NL80211_RATE_INFO_10_MHZ_WIDTH:
			r.WidthMHz = 10
		case unix.NL80211_RATE_INFO_40_MHZ_WIDTH:
			r.WidthMHz = 40
		case unix.NL80211_RATE_INFO_80_MHZ_WIDTH:
			r.WidthMHz = 80
		case unix.NL80211_RATE_INFO_80P80_MHZ_WIDTH:
			r.WidthMHz, r.Is80P80 = 160, true
		case unix.NL80211_RATE_INFO_160_MHZ_WIDTH:
			r.WidthMHz = 160
		case unix.NL80211_RATE_INFO_320_MHZ_WIDTH:
			r.WidthMHz = 320
		}
		if err != nil {
			return r, attrErr(name, err)
		}
	}
	if r.Bitrate == 0 {
		r.Bitrate = uint32(bitrate16)
	}
	return r, nil
}
