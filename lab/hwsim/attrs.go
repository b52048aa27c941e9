package hwsim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"wifid/nl80211/ie"

	"github.com/mdlayher/netlink"
)

// Generic netlink family of mac80211_hwsim, and its version.
const (
	familyName    = "MAC80211_HWSIM"
	familyVersion = 1
	configGroup   = "config"
)

// Commands of the MAC80211_HWSIM family (the kernel's uapi mac80211_hwsim.h).
const (
	cmdUnspec      = 0
	cmdRegister    = 1
	cmdFrame       = 2
	cmdTxInfoFrame = 3
	cmdNewRadio    = 4
	cmdDelRadio    = 5
	cmdGetRadio    = 6
	cmdAddMACAddr  = 7
	cmdDelMACAddr  = 8
)

// Attributes of the MAC80211_HWSIM family.
const (
	attrAddrReceiver        = 1
	attrAddrTransmitter     = 2
	attrFrame               = 3
	attrFlags               = 4
	attrRxRate              = 5
	attrSignal              = 6
	attrTxInfo              = 7
	attrCookie              = 8
	attrChannels            = 9
	attrRadioID             = 10
	attrRegHintAlpha2       = 11
	attrRegCustomReg        = 12
	attrRegStrictReg        = 13
	attrSupportP2PDevice    = 14
	attrUseChanctx          = 15
	attrDestroyRadioOnClose = 16
	attrRadioName           = 17
	attrNoVIF               = 18
	attrFreq                = 19
	attrPad                 = 20
	attrTxInfoFlags         = 21
	attrPermAddr            = 22
	attrIftypeSupport       = 23
	attrCipherSupport       = 24
)

// TX control flags (enum hwsim_tx_control_flags).
const (
	txCtlReqTxStatus = 1 << 0
	txCtlNoAck       = 1 << 1
	txStatAck        = 1 << 2
)

// maxRates is IEEE80211_TX_MAX_RATES: the rate table a TX_INFO carries.
const maxRates = 4

// maxFrameLen bounds a frame from the kernel (IEEE80211_MAX_DATA_LEN plus
// headers, generously).
const maxFrameLen = 2352 + 64

// TxRate is one try of a frame's rate table: the rate index (-1 ends the
// table) and how many times it was, or may be, tried.
type TxRate struct {
	Idx   int8
	Count uint8
}

// txFrame is a HWSIM_CMD_FRAME the kernel sent the medium: a radio
// transmits.
type txFrame struct {
	Transmitter net.HardwareAddr // the radio's second address (its hwsim id)
	Data        []byte           // the 802.11 frame, no FCS
	Flags       uint32
	Cookie      uint64
	Freq        uint32 // MHz; 0 when the kernel did not say
	Rates       []TxRate
}

// dst is the frame's Address 1.
func (f *txFrame) dst() net.HardwareAddr { return net.HardwareAddr(f.Data[4:10]) }

// errAttr names an attribute that was wrong.
type errAttr struct {
	Attr string
	Err  error
}

func (e *errAttr) Error() string { return "hwsim: " + e.Attr + ": " + e.Err.Error() }
func (e *errAttr) Unwrap() error { return e.Err }

func badLen(name string, got, want int) error {
	return &errAttr{name, fmt.Errorf("length %d, want %d", got, want)}
}

var errMissing = errors.New("missing")

// decodeTxFrame decodes the attributes of a HWSIM_CMD_FRAME from the
// kernel. Every attribute the medium needs must be there and well formed.
func decodeTxFrame(b []byte) (*txFrame, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil, &errAttr{"attributes", err}
	}
	f := &txFrame{}
	var have struct{ tx, data, flags, cookie, rates bool }
	for ad.Next() {
		v := ad.Bytes()
		switch ad.Type() {
		case attrAddrTransmitter:
			if len(v) != 6 {
				return nil, badLen("ATTR_ADDR_TRANSMITTER", len(v), 6)
			}
			f.Transmitter, have.tx = net.HardwareAddr(clone(v)), true
		case attrFrame:
			if len(v) < 10 || len(v) > maxFrameLen {
				return nil, &errAttr{"ATTR_FRAME", fmt.Errorf("length %d, want 10..%d", len(v), maxFrameLen)}
			}
			f.Data, have.data = clone(v), true
		case attrFlags:
			if len(v) != 4 {
				return nil, badLen("ATTR_FLAGS", len(v), 4)
			}
			f.Flags, have.flags = binary.NativeEndian.Uint32(v), true
		case attrCookie:
			if len(v) != 8 {
				return nil, badLen("ATTR_COOKIE", len(v), 8)
			}
			f.Cookie, have.cookie = binary.NativeEndian.Uint64(v), true
		case attrFreq:
			if len(v) != 4 {
				return nil, badLen("ATTR_FREQ", len(v), 4)
			}
			f.Freq = binary.NativeEndian.Uint32(v)
		case attrTxInfo:
			if len(v)%2 != 0 || len(v) > 2*maxRates {
				return nil, &errAttr{"ATTR_TX_INFO", fmt.Errorf("length %d, want an even number up to %d", len(v), 2*maxRates)}
			}
			for i := 0; i+1 < len(v); i += 2 {
				f.Rates = append(f.Rates, TxRate{Idx: int8(v[i]), Count: v[i+1]})
			}
			have.rates = true
		}
	}
	if err := ad.Err(); err != nil {
		return nil, &errAttr{"attributes", err}
	}
	switch {
	case !have.tx:
		return nil, &errAttr{"ATTR_ADDR_TRANSMITTER", errMissing}
	case !have.data:
		return nil, &errAttr{"ATTR_FRAME", errMissing}
	case !have.flags:
		return nil, &errAttr{"ATTR_FLAGS", errMissing}
	case !have.cookie:
		return nil, &errAttr{"ATTR_COOKIE", errMissing}
	case !have.rates:
		return nil, &errAttr{"ATTR_TX_INFO", errMissing}
	}
	return f, nil
}

// rxFrame is a HWSIM_CMD_FRAME the medium sends the kernel: a radio receives.
type rxFrame struct {
	Receiver net.HardwareAddr // the receiving radio's second address
	Data     []byte
	RxRate   uint32
	Signal   int32 // dBm
	Freq     uint32
}

func (r *rxFrame) encode() ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(attrAddrReceiver, r.Receiver)
	ae.Bytes(attrFrame, r.Data)
	ae.Uint32(attrRxRate, r.RxRate)
	ae.Uint32(attrSignal, uint32(r.Signal))
	if r.Freq != 0 {
		ae.Uint32(attrFreq, r.Freq)
	}
	return ae.Encode()
}

// txInfo is the HWSIM_CMD_TX_INFO_FRAME that tells the transmitting radio
// what became of its frame.
type txInfo struct {
	Transmitter net.HardwareAddr
	Flags       uint32
	Signal      int32 // the ACK's signal, dBm
	Cookie      uint64
	Rates       []TxRate
}

func (t *txInfo) encode() ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(attrAddrTransmitter, t.Transmitter)
	ae.Uint32(attrFlags, t.Flags)
	ae.Uint32(attrSignal, uint32(t.Signal))
	ae.Uint64(attrCookie, t.Cookie)
	rates := make([]byte, 0, 2*maxRates)
	for _, r := range t.Rates {
		rates = append(rates, byte(r.Idx), r.Count)
	}
	ae.Bytes(attrTxInfo, rates)
	return ae.Encode()
}

// radioInfo is what the kernel says of a radio (GET_RADIO, NEW_RADIO and
// DEL_RADIO).
type radioInfo struct {
	ID           int
	Name         string
	Channels     uint32
	P2P          bool
	Chanctx      bool
	Alpha2       string
	CustomReg    int // -1 when absent
	PermAddr     net.HardwareAddr
	haveID       bool
	IftypeMask   uint32
	CipherSuites []ie.CipherSuite
}

func decodeRadio(b []byte) (*radioInfo, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil, &errAttr{"attributes", err}
	}
	r := &radioInfo{CustomReg: -1}
	for ad.Next() {
		v := ad.Bytes()
		switch ad.Type() {
		case attrRadioID:
			if len(v) != 4 {
				return nil, badLen("ATTR_RADIO_ID", len(v), 4)
			}
			id := int32(binary.NativeEndian.Uint32(v))
			if id < 0 {
				return nil, &errAttr{"ATTR_RADIO_ID", fmt.Errorf("negative id %d", id)}
			}
			r.ID, r.haveID = int(id), true
		case attrRadioName:
			r.Name = cstring(v)
		case attrChannels:
			if len(v) != 4 {
				return nil, badLen("ATTR_CHANNELS", len(v), 4)
			}
			r.Channels = binary.NativeEndian.Uint32(v)
		case attrSupportP2PDevice:
			r.P2P = true
		case attrUseChanctx:
			r.Chanctx = true
		case attrRegHintAlpha2:
			if len(v) != 2 {
				return nil, badLen("ATTR_REG_HINT_ALPHA2", len(v), 2)
			}
			r.Alpha2 = string(v)
		case attrRegCustomReg:
			if len(v) != 4 {
				return nil, badLen("ATTR_REG_CUSTOM_REG", len(v), 4)
			}
			r.CustomReg = int(binary.NativeEndian.Uint32(v) & 0xffff)
		case attrPermAddr:
			if len(v) != 6 {
				return nil, badLen("ATTR_PERM_ADDR", len(v), 6)
			}
			r.PermAddr = net.HardwareAddr(clone(v))
		case attrIftypeSupport:
			if len(v) != 4 {
				return nil, badLen("ATTR_IFTYPE_SUPPORT", len(v), 4)
			}
			r.IftypeMask = binary.NativeEndian.Uint32(v)
		case attrCipherSupport:
			if len(v)%4 != 0 {
				return nil, &errAttr{"ATTR_CIPHER_SUPPORT", fmt.Errorf("length %d, not a multiple of 4", len(v))}
			}
			for i := 0; i < len(v); i += 4 {
				r.CipherSuites = append(r.CipherSuites, ie.CipherSuite(binary.NativeEndian.Uint32(v[i:])))
			}
		}
	}
	if err := ad.Err(); err != nil {
		return nil, &errAttr{"attributes", err}
	}
	if !r.haveID {
		return nil, &errAttr{"ATTR_RADIO_ID", errMissing}
	}
	return r, nil
}

// macAddrEvent is HWSIM_CMD_ADD_MAC_ADDR / DEL_MAC_ADDR: an interface
// address (Receiver) appears on or leaves a radio (Transmitter).
type macAddrEvent struct {
	Radio net.HardwareAddr
	Addr  net.HardwareAddr
}

func decodeMACAddr(b []byte) (*macAddrEvent, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil, &errAttr{"attributes", err}
	}
	e := &macAddrEvent{}
	for ad.Next() {
		v := ad.Bytes()
		switch ad.Type() {
		case attrAddrTransmitter:
			if len(v) != 6 {
				return nil, badLen("ATTR_ADDR_TRANSMITTER", len(v), 6)
			}
			e.Radio = net.HardwareAddr(clone(v))
		case attrAddrReceiver:
			if len(v) != 6 {
				return nil, badLen("ATTR_ADDR_RECEIVER", len(v), 6)
			}
			e.Addr = net.HardwareAddr(clone(v))
		}
	}
	if err := ad.Err(); err != nil {
		return nil, &errAttr{"attributes", err}
	}
	if e.Radio == nil {
		return nil, &errAttr{"ATTR_ADDR_TRANSMITTER", errMissing}
	}
	if e.Addr == nil {
		return nil, &errAttr{"ATTR_ADDR_RECEIVER", errMissing}
	}
	return e, nil
}

// RadioConfig describes a radio to create (HWSIM_CMD_NEW_RADIO).
type RadioConfig struct {
	Name  string // wiphy name; empty: the kernel's phyN
	P2P   bool   // a P2P device
	NoVIF bool   // no default interface
	// DisableIftypes and DisableCiphers take iwd's names: station, ap,
	// adhoc, p2p_client, p2p_go, mesh_point; wep40, wep104, tkip, ccmp,
	// bip_cmac, gcmp, gcmp_256, ccmp_256, bip_gmac, bip_gmac_256,
	// bip_cmac_256.
	DisableIftypes []string
	DisableCiphers []string
	// KeepOnClose keeps the radio when the medium's socket closes;
	// by default a radio the medium created goes with it.
	KeepOnClose bool
}

// nl80211 interface types (include/uapi/linux/nl80211.h).
const (
	iftypeAdhoc     = 1
	iftypeStation   = 2
	iftypeAP        = 3
	iftypeMesh      = 7
	iftypeP2PClient = 8
	iftypeP2PGO     = 9
)

var iftypeNames = map[string]uint32{
	"station":    1 << iftypeStation,
	"ap":         1 << iftypeAP,
	"adhoc":      1 << iftypeAdhoc,
	"p2p_client": 1 << iftypeP2PClient,
	"p2p_go":     1 << iftypeP2PGO,
	"mesh_point": 1 << iftypeMesh,
}

// defaultIftypes is the set mac80211_hwsim supports unless told otherwise.
const defaultIftypes = 1<<iftypeStation | 1<<iftypeAP | 1<<iftypeP2PClient |
	1<<iftypeP2PGO | 1<<iftypeAdhoc | 1<<iftypeMesh

// cipherSuites are the suites mac80211_hwsim supports, in its order, by
// iwd's names.
var cipherSuites = []struct {
	name  string
	suite ie.CipherSuite
}{
	{"wep40", ie.CipherWEP40}, {"wep104", ie.CipherWEP104}, {"tkip", ie.CipherTKIP},
	{"ccmp", ie.CipherCCMP128}, {"bip_cmac", ie.CipherBIPCMAC128}, {"gcmp", ie.CipherGCMP128},
	{"gcmp_256", ie.CipherGCMP256}, {"ccmp_256", ie.CipherCCMP256}, {"bip_gmac", ie.CipherBIPGMAC128},
	{"bip_gmac_256", ie.CipherBIPGMAC256}, {"bip_cmac_256", ie.CipherBIPCMAC256},
}

func (c *RadioConfig) encode() ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	if !c.KeepOnClose {
		ae.Flag(attrDestroyRadioOnClose, true)
	}
	if c.Name != "" {
		ae.String(attrRadioName, c.Name)
	}
	if c.P2P {
		ae.Flag(attrSupportP2PDevice, true)
	}
	if len(c.DisableIftypes) > 0 {
		mask := uint32(defaultIftypes)
		for _, n := range c.DisableIftypes {
			bit, ok := iftypeNames[n]
			if !ok {
				return nil, fmt.Errorf("hwsim: unknown interface type %q", n)
			}
			mask &^= bit
		}
		if mask != defaultIftypes {
			ae.Uint32(attrIftypeSupport, mask)
		}
	}
	if len(c.DisableCiphers) > 0 {
		off := map[string]bool{}
		for _, n := range c.DisableCiphers {
			found := false
			for _, cs := range cipherSuites {
				found = found || cs.name == n
			}
			if !found {
				return nil, fmt.Errorf("hwsim: unknown cipher %q", n)
			}
			off[n] = true
		}
		var list []byte
		for _, cs := range cipherSuites {
			if !off[cs.name] {
				list = binary.NativeEndian.AppendUint32(list, uint32(cs.suite))
			}
		}
		if len(list) > 0 {
			ae.Bytes(attrCipherSupport, list)
		}
	}
	if c.NoVIF {
		ae.Flag(attrNoVIF, true)
	}
	return ae.Encode()
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
