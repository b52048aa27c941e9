package nl80211

import (
	"context"
	"net"
	"slices"
	"sort"
	"wifid/nl80211/ie"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// A Wiphy is a physical radio (NL80211_CMD_GET_WIPHY), merged from the
// parts of a split dump.
type Wiphy struct {
	Index      int
	Name       string
	Generation uint32
	// Address is NL80211_ATTR_MAC when the driver reports one; Addresses
	// is NL80211_ATTR_MAC_ADDRS (radios with several addresses).
	Address   net.HardwareAddr
	Addresses []net.HardwareAddr

	Bands []Band // sorted by Band

	CipherSuites []ie.CipherSuite
	// AKMSuites is NL80211_ATTR_AKM_SUITES: empty when the driver does
	// not say, which means cfg80211's defaults.
	AKMSuites   []ie.AKMSuite
	Features    Features
	ExtFeatures ExtFeatures

	SupportedIftypes      []Iftype
	SoftwareIftypes       []Iftype
	InterfaceCombinations []IfaceCombination
	// SupportedCommands is NL80211_ATTR_SUPPORTED_COMMANDS, a list the
	// kernel keeps for history: it never names TRIGGER_SCAN, GET_SCAN
	// and other always-present commands, so test only optional ones
	// (CONNECT, AUTHENTICATE, ...).
	SupportedCommands []uint8

	MaxScanSSIDs      int
	MaxSchedScanSSIDs int
	MaxMatchSets      int
	MaxScanIELen      int
	MaxSchedScanIELen int
	RoamSupport       bool // NL80211_ATTR_ROAM_SUPPORT: firmware roams itself
}

// A Band is one NL80211_ATTR_WIPHY_BANDS entry.
type Band struct {
	Band      uint8 // NL80211_BAND_2GHZ, _5GHZ, _60GHZ, _6GHZ, ...
	Channels  []Channel
	Rates     []uint32 // legacy bitrates in 100 kbit/s
	HTCapa    uint16
	HTMCSSet  []byte
	VHTCapa   uint32
	VHTMCSSet []byte
	// IftypeData is NL80211_BAND_ATTR_IFTYPE_DATA kept raw (HE/EHT
	// capabilities per interface type).
	IftypeData []byte
}

// A Channel is one NL80211_BAND_ATTR_FREQS entry.
type Channel struct {
	Freq        uint32 // MHz
	Disabled    bool
	NoIR        bool // no initiating radiation: passive scan only
	Radar       bool
	IndoorOnly  bool
	NoHT40Minus bool
	NoHT40Plus  bool
	No80MHz     bool
	No160MHz    bool
	NoHE        bool
	MaxTxPower  uint32 // mBm
	DFSState    uint32
}

// An IfaceCombination is one NL80211_ATTR_INTERFACE_COMBINATIONS entry.
type IfaceCombination struct {
	Limits        []IfaceLimit
	MaxInterfaces uint32
	NumChannels   uint32
	STAAPBIMatch  bool
}

// An IfaceLimit says at most Max interfaces of Types may coexist.
type IfaceLimit struct {
	Max   uint32
	Types []Iftype
}

// SupportsCommand reports whether cmd is in NL80211_ATTR_SUPPORTED_COMMANDS.
func (w *Wiphy) SupportsCommand(cmd uint8) bool { return slices.Contains(w.SupportedCommands, cmd) }

// SupportsIftype reports whether t is in NL80211_ATTR_SUPPORTED_IFTYPES.
func (w *Wiphy) SupportsIftype(t Iftype) bool { return slices.Contains(w.SupportedIftypes, t) }

// SupportsCipher reports whether suite is in NL80211_ATTR_CIPHER_SUITES.
func (w *Wiphy) SupportsCipher(suite ie.CipherSuite) bool {
	return slices.Contains(w.CipherSuites, suite)
}

// SupportsScanRandomAddr reports whether scans may use
// NL80211_SCAN_FLAG_RANDOM_ADDR (NL80211_FEATURE_SCAN_RANDOM_MAC_ADDR).
func (w *Wiphy) SupportsScanRandomAddr() bool {
	return w.Features.Has(unix.NL80211_FEATURE_SCAN_RANDOM_MAC_ADDR)
}

// SupportsControlPortOverNL80211 reports whether EAPOL may go over
// nl80211 (CMD_CONTROL_PORT_FRAME) instead of a PF_PACKET socket.
func (w *Wiphy) SupportsControlPortOverNL80211() bool {
	return w.ExtFeatures.Has(unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211)
}

// Frequencies returns the enabled channel frequencies of all bands.
func (w *Wiphy) Frequencies() []uint32 {
	var out []uint32
	for _, b := range w.Bands {
		for _, ch := range b.Channels {
			if !ch.Disabled {
				out = append(out, ch.Freq)
			}
		}
	}
	return out
}

// BandFrequencies returns the enabled channel frequencies of the 2.4, 5
// and 6 GHz bands, band by band in that order; bands with no enabled
// channel are left out, and so are the others (60 GHz, S1G: a station does
// not scan them, and an S1G channel cannot be named in MHz).
func (w *Wiphy) BandFrequencies() [][]uint32 {
	var out [][]uint32
	for _, b := range w.Bands {
		if b.Band != unix.NL80211_BAND_2GHZ && b.Band != unix.NL80211_BAND_5GHZ && b.Band != unix.NL80211_BAND_6GHZ {
			continue
		}
		var freqs []uint32
		for _, ch := range b.Channels {
			if !ch.Disabled {
				freqs = append(freqs, ch.Freq)
			}
		}
		if len(freqs) > 0 {
			out = append(out, freqs)
		}
	}
	return out
}

// Wiphys dumps all wiphys (split dump, parts merged per wiphy).
func (c *Client) Wiphys(ctx context.Context) ([]*Wiphy, error) {
	return c.wiphys(ctx, -1)
}

// Wiphy returns wiphy index idx.
func (c *Client) Wiphy(ctx context.Context, idx int) (*Wiphy, error) {
	ws, err := c.wiphys(ctx, idx)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if w.Index == idx {
			return w, nil
		}
	}
	return nil, newError(unix.NL80211_CMD_GET_WIPHY, phyTarget(idx), unix.ENODEV)
}

func (c *Client) wiphys(ctx context.Context, idx int) ([]*Wiphy, error) {
	var e encoder
	e.flag(unix.NL80211_ATTR_SPLIT_WIPHY_DUMP)
	t := noTarget
	if idx >= 0 {
		e.u32(unix.NL80211_ATTR_WIPHY, uint32(idx))
		t = phyTarget(idx)
	}
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_WIPHY, t, netlink.Dump, e.b, nil)
	if err != nil {
		return nil, err
	}
	ws, err := decodeWiphyDump(msgs)
	return ws, newError(unix.NL80211_CMD_GET_WIPHY, t, err)
}

// decodeWiphyDump merges the messages of a split wiphy dump.
func decodeWiphyDump(msgs []genetlink.Message) ([]*Wiphy, error) {
	byIdx := make(map[int]*Wiphy)
	var order []int
	for _, m := range msgs {
		as, err := parseAttrs(m.Data)
		if err != nil {
			return nil, err
		}
		idx := -1
		for _, a := range as {
			if a.Type == unix.NL80211_ATTR_WIPHY {
				v, err := getU32("ATTR_WIPHY", a.Data)
				if err != nil {
					return nil, err
				}
				idx = int(v)
			}
		}
		if idx < 0 {
			return nil, &AttrError{Attr: "ATTR_WIPHY", Err: errMissing}
		}
		w := byIdx[idx]
		if w == nil {
			w = &Wiphy{Index: idx}
			byIdx[idx] = w
			order = append(order, idx)
		}
		if err := w.merge(as); err != nil {
			return nil, err
		}
	}
	out := make([]*Wiphy, 0, len(order))
	for _, idx := range order {
		out = append(out, byIdx[idx])
	}
	return out, nil
}

// decodeWiphy decodes one (unsplit) wiphy message, e.g. NEW_WIPHY events.
func decodeWiphy(as []Attr) (*Wiphy, error) {
	w := &Wiphy{Index: -1}
	if err := w.merge(as); err != nil {
		return nil, err
	}
	return w, nil
}

// merge folds one message's attributes into w. Split dumps send each
// part once except the bands, whose channels arrive over many messages.
func (w *Wiphy) merge(as []Attr) error {
	for _, a := range as {
		var err error
		switch a.Type {
		case unix.NL80211_ATTR_WIPHY:
			var v uint32
			v, err = getU32("ATTR_WIPHY", a.Data)
			w.Index = int(v)
		case unix.NL80211_ATTR_WIPHY_NAME:
			w.Name = getString(a.Data)
		case unix.NL80211_ATTR_GENERATION:
			w.Generation, err = getU32("ATTR_GENERATION", a.Data)
		case unix.NL80211_ATTR_MAC:
			w.Address, err = getMAC("ATTR_MAC", a.Data)
		case unix.NL80211_ATTR_MAC_ADDRS:
			err = w.decodeMACAddrs(a.Data)
		case unix.NL80211_ATTR_WIPHY_BANDS:
			err = w.mergeBands(a.Data)
		case unix.NL80211_ATTR_CIPHER_SUITES:
			w.CipherSuites, err = getU32s[ie.CipherSuite]("ATTR_CIPHER_SUITES", a.Data)
		case unix.NL80211_ATTR_AKM_SUITES:
			w.AKMSuites, err = getU32s[ie.AKMSuite]("ATTR_AKM_SUITES", a.Data)
		case unix.NL80211_ATTR_FEATURE_FLAGS:
			var v uint32
			v, err = getU32("ATTR_FEATURE_FLAGS", a.Data)
			w.Features = Features(v)
		case unix.NL80211_ATTR_EXT_FEATURES:
			w.ExtFeatures = ExtFeatures(clone(a.Data))
		case unix.NL80211_ATTR_SUPPORTED_IFTYPES:
			w.SupportedIftypes, err = decodeIftypes("ATTR_SUPPORTED_IFTYPES", a.Data)
		case unix.NL80211_ATTR_SOFTWARE_IFTYPES:
			w.SoftwareIftypes, err = decodeIftypes("ATTR_SOFTWARE_IFTYPES", a.Data)
		case unix.NL80211_ATTR_INTERFACE_COMBINATIONS:
			w.InterfaceCombinations, err = decodeCombinations(a.Data)
		case unix.NL80211_ATTR_SUPPORTED_COMMANDS:
			err = w.decodeCommands(a.Data)
		case unix.NL80211_ATTR_MAX_NUM_SCAN_SSIDS:
			var v uint8
			v, err = getU8("ATTR_MAX_NUM_SCAN_SSIDS", a.Data)
			w.MaxScanSSIDs = int(v)
		case unix.NL80211_ATTR_MAX_NUM_SCHED_SCAN_SSIDS:
			var v uint8
			v, err = getU8("ATTR_MAX_NUM_SCHED_SCAN_SSIDS", a.Data)
			w.MaxSchedScanSSIDs = int(v)
		case unix.NL80211_ATTR_MAX_MATCH_SETS:
			var v uint8
			v, err = getU8("ATTR_MAX_MATCH_SETS", a.Data)
			w.MaxMatchSets = int(v)
		case unix.NL80211_ATTR_MAX_SCAN_IE_LEN:
			var v uint16
			v, err = getU16("ATTR_MAX_SCAN_IE_LEN", a.Data)
			w.MaxScanIELen = int(v)
		case unix.NL80211_ATTR_MAX_SCHED_SCAN_IE_LEN:
			var v uint16
			v, err = getU16("ATTR_MAX_SCHED_SCAN_IE_LEN", a.Data)
			w.MaxSchedScanIELen = int(v)
		case unix.NL80211_ATTR_ROAM_SUPPORT:
			w.RoamSupport = true
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *Wiphy) decodeMACAddrs(b []byte) error {
	as, err := parseNested("ATTR_MAC_ADDRS", b)
	if err != nil {
		return err
	}
	for _, a := range as {
		mac, err := getMAC("ATTR_MAC_ADDRS", a.Data)
		if err != nil {
			return err
		}
		w.Addresses = append(w.Addresses, mac)
	}
	return nil
}

func (w *Wiphy) decodeCommands(b []byte) error {
	as, err := parseNested("ATTR_SUPPORTED_COMMANDS", b)
	if err != nil {
		return err
	}
	for _, a := range as {
		v, err := getU32("ATTR_SUPPORTED_COMMANDS", a.Data)
		if err != nil {
			return err
		}
		if v <= 0xff && !slices.Contains(w.SupportedCommands, uint8(v)) {
			w.SupportedCommands = append(w.SupportedCommands, uint8(v))
		}
	}
	return nil
}

// decodeIftypes decodes a nested set of flags whose types are iftypes.
func decodeIftypes(name string, b []byte) ([]Iftype, error) {
	as, err := parseNested(name, b)
	if err != nil {
		return nil, err
	}
	out := make([]Iftype, 0, len(as))
	for _, a := range as {
		out = append(out, Iftype(a.Type))
	}
	return out, nil
}

func decodeCombinations(b []byte) ([]IfaceCombination, error) {
	const name = "ATTR_INTERFACE_COMBINATIONS"
	combs, err := parseNested(name, b)
	if err != nil {
		return nil, err
	}
	var out []IfaceCombination
	for _, ca := range combs {
		as, err := parseNested(name, ca.Data)
		if err != nil {
			return nil, err
		}
		var ic IfaceCombination
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_IFACE_COMB_LIMITS:
				ic.Limits, err = decodeLimits(a.Data)
			case unix.NL80211_IFACE_COMB_MAXNUM:
				ic.MaxInterfaces, err = getU32("IFACE_COMB_MAXNUM", a.Data)
			case unix.NL80211_IFACE_COMB_NUM_CHANNELS:
				ic.NumChannels, err = getU32("IFACE_COMB_NUM_CHANNELS", a.Data)
			case unix.NL80211_IFACE_COMB_STA_AP_BI_MATCH:
				ic.STAAPBIMatch = true
			}
			if err != nil {
				return nil, attrErr(name, err)
			}
		}
		out = append(out, ic)
	}
	return out, nil
}

func decodeLimits(b []byte) ([]IfaceLimit, error) {
	ls, err := parseNested("IFACE_COMB_LIMITS", b)
	if err != nil {
		return nil, err
	}
	var out []IfaceLimit
	for _, la := range ls {
		as, err := parseNested("IFACE_COMB_LIMITS", la.Data)
		if err != nil {
			return nil, err
		}
		var l IfaceLimit
		for _, a := range as {
			switch a.Type {
			case unix.NL80211_IFACE_LIMIT_MAX:
				l.Max, err = getU32("IFACE_LIMIT_MAX", a.Data)
			case unix.NL80211_IFACE_LIMIT_TYPES:
				l.Types, err = decodeIftypes("IFACE_LIMIT_TYPES", a.Data)
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// band returns the Band with id, creating it (kept sorted).
func (w *Wiphy) band(id uint8) *Band {
	for i := range w.Bands {
		if w.Bands[i].Band == id {
			return &w.Bands[i]
		}
	}
	w.Bands = append(w.Bands, Band{Band: id})
	sort.Slice(w.Bands, func(i, j int) bool { return w.Bands[i].Band < w.Bands[j].Band })
	for i := range w.Bands {
		if w.Bands[i].Band == id {
			return &w.Bands[i]
		}
	}
	return nil // unreachable
}

func (w *Wiphy) mergeBands(b []byte) error {
	const name = "ATTR_WIPHY_BANDS"
	bands, err := parseNested(name, b)
	if err != nil {
		return err
	}
	for _, ba := range bands {
		if ba.Type > 0xff {
			return &AttrError{Attr: name, Err: errBadBand}
		}
		as, err := parseNested(name, ba.Data)
		if err != nil {
			return err
		}
		bd := w.band(uint8(ba.Type))
		if err := bd.merge(as); err != nil {
			return attrErr(name, err)
		}
	}
	return nil
}

func (bd *Band) merge(as []Attr) error {
	for _, a := range as {
		var err error
		switch a.Type {
		case unix.NL80211_BAND_ATTR_FREQS:
			err = bd.mergeFreqs(a.Data)
		case unix.NL80211_BAND_ATTR_RATES:
			err = bd.decodeRates(a.Data)
		case unix.NL80211_BAND_ATTR_HT_CAPA:
			bd.HTCapa, err = getU16("BAND_ATTR_HT_CAPA", a.Data)
		case unix.NL80211_BAND_ATTR_HT_MCS_SET:
			bd.HTMCSSet = clone(a.Data)
		case unix.NL80211_BAND_ATTR_VHT_CAPA:
			bd.VHTCapa, err = getU32("BAND_ATTR_VHT_CAPA", a.Data)
		case unix.NL80211_BAND_ATTR_VHT_MCS_SET:
			bd.VHTMCSSet = clone(a.Data)
		case unix.NL80211_BAND_ATTR_IFTYPE_DATA:
			bd.IftypeData = clone(a.Data)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (bd *Band) decodeRates(b []byte) error {
	rs, err := parseNested("BAND_ATTR_RATES", b)
	if err != nil {
		return err
	}
	bd.Rates = bd.Rates[:0]
	for _, ra := range rs {
		as, err := parseNested("BAND_ATTR_RATES", ra.Data)
		if err != nil {
			return err
		}
		for _, a := range as {
			if a.Type == unix.NL80211_BITRATE_ATTR_RATE {
				v, err := getU32("BITRATE_ATTR_RATE", a.Data)
				if err != nil {
					return err
				}
				bd.Rates = append(bd.Rates, v)
			}
		}
	}
	return nil
}

// mergeFreqs appends channels; a split dump sends them one per message.
func (bd *Band) mergeFreqs(b []byte) error {
	fs, err := parseNested("BAND_ATTR_FREQS", b)
	if err != nil {
		return err
	}
	for _, fa := range fs {
		as, err := parseNested("BAND_ATTR_FREQS", fa.Data)
		if err != nil {
			return err
		}
		var ch Channel
		for _, a := range as {
			var err error
			switch a.Type {
			case unix.NL80211_FREQUENCY_ATTR_FREQ:
				ch.Freq, err = getU32("FREQUENCY_ATTR_FREQ", a.Data)
			case unix.NL80211_FREQUENCY_ATTR_DISABLED:
				ch.Disabled = true
			case unix.NL80211_FREQUENCY_ATTR_NO_IR:
				ch.NoIR = true
			case unix.NL80211_FREQUENCY_ATTR_RADAR:
				ch.Radar = true
			case unix.NL80211_FREQUENCY_ATTR_INDOOR_ONLY:
				ch.IndoorOnly = true
			case unix.NL80211_FREQUENCY_ATTR_NO_HT40_MINUS:
				ch.NoHT40Minus = true
			case unix.NL80211_FREQUENCY_ATTR_NO_HT40_PLUS:
				ch.NoHT40Plus = true
			case unix.NL80211_FREQUENCY_ATTR_NO_80MHZ:
				ch.No80MHz = true
			case unix.NL80211_FREQUENCY_ATTR_NO_160MHZ:
				ch.No160MHz = true
			case unix.NL80211_FREQUENCY_ATTR_NO_HE:
				ch.NoHE = true
			case unix.NL80211_FREQUENCY_ATTR_MAX_TX_POWER:
				ch.MaxTxPower, err = getU32("FREQUENCY_ATTR_MAX_TX_POWER", a.Data)
			case unix.NL80211_FREQUENCY_ATTR_DFS_STATE:
				ch.DFSState, err = getU32("FREQUENCY_ATTR_DFS_STATE", a.Data)
			}
			if err != nil {
				return attrErr("BAND_ATTR_FREQS", err)
			}
		}
		if ch.Freq == 0 {
			return &AttrError{Attr: "BAND_ATTR_FREQS/FREQUENCY_ATTR_FREQ", Err: errMissing}
		}
		replaced := false
		for i := range bd.Channels {
			if bd.Channels[i].Freq == ch.Freq {
				bd.Channels[i], replaced = ch, true
			}
		}
		if !replaced {
			bd.Channels = append(bd.Channels, ch)
		}
	}
	return nil
}
