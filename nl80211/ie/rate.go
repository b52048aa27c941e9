package ie

import "errors"

// Data rate estimation, after iwd's (src/band.c): the estimated rate at
// which the AP can send to us, given its elements, our own capabilities
// and the signal strength, used to rank BSSs. It tries HE, then VHT, then
// HT, then the legacy rates, and takes the first that gives a rate.
//
// For each PHY it takes the highest stream count both sides support and
// walks the MCS indexes down until the RSSI meets the MCS's minimum. The
// minimum RSSI for an MCS at 20 MHz (index 0-11; HT uses index mod 8) is
// ofdmMinRSSI, plus 3 dB for each doubling of the channel width. These
// values are iwd's (from measurements published online, MCS 10/11
// extrapolated); the legacy thresholds are the receiver minimum input
// sensitivities of IEEE 802.11-2020 Table 17-18, with made-up ones for
// the 802.11b rates.

// ErrNoRates is returned by the estimate for a BSS without any rate.
var ErrNoRates = errors.New("ie: BSS advertises no supported rates")

// ErrRateUnreachable is returned when no rate of the BSS is usable at the
// given signal strength (iwd's -ENETUNREACH).
var ErrRateUnreachable = errors.New("ie: no data rate usable at this signal strength")

// Capabilities are our own radio's capabilities in the band of the BSS,
// as nl80211 reports them per band: the station's side of the estimate.
// The maps are Rx maps (what we can receive); an MCSMap of 0 means MCS
// 0-7 on eight streams, so fill them (0xffff: nothing). SetVHTMCSSet and
// SetHEMCSSet take nl80211's raw attributes. DefaultCapabilities is a 2x2
// HT/VHT/HE radio.
type Capabilities struct {
	// Rates are the legacy rates in 500 kb/s units (basic bit clear;
	// nl80211's NL80211_BITRATE_ATTR_RATE is in 100 kb/s: divide by 5);
	// nil means all of 802.11b/g's.
	Rates []uint8

	HT     bool
	HTInfo uint16   // HT Capability Information (HTCapSGI20, ...)
	HTMCS  [16]byte // Supported MCS Set; bits 0-76 are the Rx bitmask

	VHT         bool
	VHTInfo     uint32 // VHT Capabilities Information
	VHTRxMCSMap MCSMap

	HE                    bool
	HEPHY                 [11]byte // HE PHY Capabilities Information
	HERxMCS80, HERxMCS160 MCSMap
	HERxMCS8080           MCSMap
}

// SetVHTMCSSet takes the 8-octet Supported VHT-MCS and NSS Set
// (NL80211_BAND_ATTR_VHT_MCS_SET) and keeps its Rx map.
func (c *Capabilities) SetVHTMCSSet(b []byte) error {
	if len(b) != 8 {
		return errf(IDVHTCapabilities, 4, "VHT-MCS and NSS set length %d, want 8", len(b))
	}
	c.VHTRxMCSMap = MCSMap(uint16(b[0]) | uint16(b[1])<<8)
	return nil
}

// SetHEMCSSet takes the Supported HE-MCS and NSS Set
// (NL80211_BAND_IFTYPE_ATTR_HE_CAP_MCS_SET: Rx/Tx pairs for <= 80, 160
// and 80+80 MHz, 4, 8 or 12 octets) and keeps the Rx maps; absent ones
// are set to "not supported".
func (c *Capabilities) SetHEMCSSet(b []byte) error {
	if len(b) != 4 && len(b) != 8 && len(b) != 12 {
		return extErrf(ExtHECapabilities, 17, "HE-MCS and NSS set length %d, want 4, 8 or 12", len(b))
	}
	maps := [3]MCSMap{0xffff, 0xffff, 0xffff}
	for i := 0; 4*i < len(b); i++ {
		maps[i] = MCSMap(uint16(b[4*i]) | uint16(b[4*i+1])<<8)
	}
	c.HERxMCS80, c.HERxMCS160, c.HERxMCS8080 = maps[0], maps[1], maps[2]
	return nil
}

var allLegacyRates = []uint8{2, 4, 11, 22, 12, 18, 24, 36, 48, 72, 96, 108}

// DefaultCapabilities returns a 2x2 radio with 802.11b/g rates, HT 40 MHz
// with short GI (MCS 0-15), VHT 80 and 160 MHz with short GI (MCS 0-9 on
// two streams) and HE 40/80/160 MHz (MCS 0-11 on two streams).
func DefaultCapabilities() *Capabilities {
	const twoStreams = MCSMap(0xfffa) // NSS 1 and 2: top range, 3-8: none
	c := &Capabilities{
		Rates:       allLegacyRates,
		HT:          true,
		HTInfo:      HTCapChannelWidth | HTCapSGI20 | HTCapSGI40,
		VHT:         true,
		VHTInfo:     1<<2 | VHTCapSGI80 | VHTCapSGI160,
		VHTRxMCSMap: twoStreams,
		HE:          true,
		HERxMCS80:   twoStreams,
		HERxMCS160:  twoStreams,
		HERxMCS8080: MCSMap(0xffff),
	}
	c.HTMCS[0], c.HTMCS[1] = 0xff, 0xff
	c.HTMCS[12] = 0x01 // Tx MCS Set Defined
	c.HEPHY[0] = (HEWidth40In24 | HEWidth40And80 | HEWidth160) << 1
	return c
}

// minimum RSSI for legacy rates, in 500 kb/s units
var legacyMinRSSI = map[uint8]int{
	2: -90, 4: -88, 11: -86, 22: -84, // 802.11b: not from the standard
	12: -82, 18: -81, 24: -79, 36: -77, 48: -74, 72: -70, 96: -66, 108: -65,
}

// minimum RSSI at 20 MHz for MCS index 0-11 (HT: index mod 8)
var ofdmMinRSSI = [12]int{-82, -79, -77, -74, -70, -66, -65, -64, -59, -57, -54, -51}

type width int

const (
	w20 width = iota
	w40
	w80
	w160
)

// per MCS index 0-11: coded bits per subcarrier and coding rate
var (
	mcsBits = [12]uint64{1, 2, 2, 4, 4, 6, 6, 6, 8, 8, 10, 10}
	mcsRNum = [12]uint64{1, 1, 3, 1, 3, 2, 3, 5, 3, 5, 3, 5}
	mcsRDen = [12]uint64{2, 2, 4, 2, 4, 3, 4, 6, 4, 6, 4, 6}
	vhtNSD  = [4]uint64{52, 108, 234, 468}   // data subcarriers, HT/VHT
	heNSD   = [4]uint64{234, 468, 980, 1960} // data subcarriers, HE
)

func usable(idx int, w width, rssi int) bool {
	return rssi >= ofdmMinRSSI[idx]+3*int(w)
}

// htVHTRate is the HT/VHT data rate Nsd*Nbpscs*R*Nss/(3.2µs+0.8µs),
// truncated to kb/s as iwd's table is; short GI multiplies it by 10/9.
func htVHTRate(idx int, w width, nss int, sgi bool) uint64 {
	kbps := vhtNSD[w] * mcsBits[idx] * mcsRNum[idx] * 250 / mcsRDen[idx]
	r := kbps * 1000
	if sgi {
		r = r / 9 * 10
	}
	return r * uint64(nss)
}

// heRate is the HE data rate Nsd*Nbpscs*R*Nss/(12.8µs+0.8µs), rounded to
// 100 kb/s.
func heRate(idx int, w width, nss int) uint64 {
	num := heNSD[w] * mcsBits[idx] * mcsRNum[idx] * 10_000_000
	den := mcsRDen[idx] * 136
	return (num + den*50_000) / (den * 100_000) * 100_000 * uint64(nss)
}

// EstimateDataRate estimates the rate in bit/s at which the BSS with
// elements ies can send to us, with our capabilities own (nil for
// DefaultCapabilities) at rssi dBm. A malformed Supported Rates, HT or
// VHT or HE Capabilities, HT or VHT Operation element, or a truncated
// element list, is an *Error, as in iwd, which then leaves the BSS
// unranked.
func EstimateDataRate(ies []byte, own *Capabilities, rssi int) (uint64, error) {
	s, _ := Summarize(ies, 0)
	if s.walkErr != nil {
		return 0, s.walkErr
	}
	if s.rateErr != nil {
		return 0, s.rateErr
	}
	return s.EstimateDataRate(own, rssi)
}

// EstimateDataRate estimates the rate from the elements Summarize could
// parse; malformed ones count as absent.
func (s *Summary) EstimateDataRate(own *Capabilities, rssi int) (uint64, error) {
	if own == nil {
		own = DefaultCapabilities()
	}
	if r, ok := s.heRate(own, rssi); ok {
		return r, nil
	}
	if r, ok := s.vhtRate(own, rssi); ok {
		return r, nil
	}
	if r, ok := s.htRate(own, rssi); ok {
		return r, nil
	}
	return s.legacyRate(own, rssi)
}

func (s *Summary) legacyRate(own *Capabilities, rssi int) (uint64, error) {
	if len(s.Rates) == 0 {
		return 0, ErrNoRates
	}
	ours := own.Rates
	if ours == nil {
		ours = allLegacyRates
	}
	var best uint8
	for _, r := range ours {
		r &= 0x7f
		floor, known := legacyMinRSSI[r]
		if r <= best || !known || rssi < floor {
			continue
		}
		for _, p := range s.Rates {
			if !p.IsSelector() && p.Value() == r {
				best = r
				break
			}
		}
	}
	if best == 0 {
		return 0, ErrRateUnreachable
	}
	return uint64(best) * 500_000, nil
}

func (s *Summary) htRate(own *Capabilities, rssi int) (uint64, bool) {
	htc, hto := s.HTCapabilities, s.HTOperation
	if !own.HT || htc == nil || hto == nil {
		return 0, false
	}
	tx := bitField(htc.MCS[:])
	maxMCS := 31
	if htc.TxMCSSetDefined() {
		if htc.TxRxMCSSetNotEqual() {
			// The AP's Tx set is not listed: assume every MCS up to
			// its Tx stream count (iwd does the same, the standard
			// leaves it to the implementation).
			n := htc.TxMaxSpatialStreams()
			maxMCS = n*8 - 1
			tx = bitField{0xff, 0xff, 0xff, 0xff}[:n]
		}
	} else {
		maxMCS = 7
	}
	ours := bitField(own.HTMCS[:])
	best := func(w width, sgi bool) (uint64, bool) {
		for i := maxMCS; i >= 0; i-- {
			if ours.bit(i) && tx.bit(i) && usable(i%8, w, rssi) {
				return htVHTRate(i%8, w, i/8+1, sgi), true
			}
		}
		return 0, false
	}
	if hto.Width40() {
		if r, ok := best(w40, own.HTInfo&HTCapSGI40 != 0 && htc.SGI40()); ok {
			return r, true
		}
	}
	return best(w20, own.HTInfo&HTCapSGI20 != 0 && htc.SGI20())
}

// bestMCSNSS finds the highest stream count both maps support and the
// top MCS for it: top[v] for the lower of the two map values v.
func bestMCSNSS(rx, tx MCSMap, top [3]int) (mcs, nss int, ok bool) {
	for n := 8; n >= 1; n-- {
		r, t := rx.Get(n), tx.Get(n)
		if r == NotSupported || t == NotSupported {
			continue
		}
		return top[min(r, t)], n, true
	}
	return 0, 0, false
}

func (s *Summary) vhtRate(own *Capabilities, rssi int) (uint64, bool) {
	vhtc, vhto := s.VHTCapabilities, s.VHTOperation
	htc, hto := s.HTCapabilities, s.HTOperation
	if !own.VHT || !own.HT || vhtc == nil || vhto == nil || htc == nil || hto == nil {
		return 0, false
	}
	if vhto.ChannelWidth > 3 {
		return 0, false
	}
	maxMCS, nss, ok := bestMCSNSS(own.VHTRxMCSMap, vhtc.TxMCSMap, [3]int{7, 8, 9})
	if !ok {
		return 0, false
	}
	best := func(w width, sgi bool) (uint64, bool) {
		for i := maxMCS; i >= 0; i-- {
			if usable(i, w, rssi) {
				return htVHTRate(i, w, nss, sgi), true
			}
		}
		return 0, false
	}
	// The widest channel wins: even with invalid MCS/width/NSS
	// combinations, MCS n-2 at twice the width beats MCS n.
	if ws := uint8(own.VHTInfo>>2) & 3; ws == 1 || ws == 2 {
		cw := vhto.ChannelWidth
		if cw == 2 || cw == 3 || (cw == 1 && vhto.CCFS1 != 0) {
			if r, ok := best(w160, own.VHTInfo&VHTCapSGI160 != 0 && vhtc.SGI160()); ok {
				return r, true
			}
		}
	}
	if vhto.ChannelWidth == 1 {
		if r, ok := best(w80, own.VHTInfo&VHTCapSGI80 != 0 && vhtc.SGI80()); ok {
			return r, true
		}
	}
	if hto.Width40() {
		if r, ok := best(w40, own.HTInfo&HTCapSGI40 != 0 && htc.SGI40()); ok {
			return r, true
		}
	}
	return best(w20, own.HTInfo&HTCapSGI20 != 0 && htc.SGI20())
}

func (s *Summary) heRate(own *Capabilities, rssi int) (uint64, bool) {
	hec := s.HECapabilities
	if !own.HE || hec == nil {
		return 0, false
	}
	ws := own.HEPHY[0] >> 1 & hec.ChannelWidthSet()
	find := func(rx, tx MCSMap, w width) (uint64, bool) {
		maxMCS, nss, ok := bestMCSNSS(rx, tx, [3]int{7, 9, 11})
		if !ok {
			return 0, false
		}
		for i := maxMCS; i >= 0; i-- {
			if usable(i, w, rssi) {
				return heRate(i, w, nss), true
			}
		}
		return 0, false
	}
	var rate uint64
	if ws&HEWidth80Plus80 != 0 && hec.Has8080 {
		if r, ok := find(own.HERxMCS8080, hec.MCS8080.Tx, w160); ok {
			rate = r
		}
	}
	if ws&HEWidth160 != 0 && hec.Has160 {
		if r, ok := find(own.HERxMCS160, hec.MCS160.Tx, w160); ok && r > rate {
			rate = r
		}
	}
	top := w20
	switch {
	case ws&HEWidth40And80 != 0:
		top = w80
	case ws&HEWidth40In24 != 0:
		top = w40
	}
	for w := top; w >= w20; w-- {
		if r, ok := find(own.HERxMCS80, hec.MCS80.Tx, w); ok {
			rate = max(rate, r)
			break
		}
	}
	return rate, rate != 0
}
