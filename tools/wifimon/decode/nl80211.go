package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
	"wifid/nl80211/ie"
)

func nl80211CmdName(cmd uint8) string { return nl80211.CmdName(cmd) }

// secretAttrs are key material: shown as lengths unless ShowSecrets.
var secretAttrs = map[uint16]string{
	unix.NL80211_ATTR_KEY_DATA:     "key_data",
	unix.NL80211_ATTR_PMK:          "pmk",
	unix.NL80211_ATTR_SAE_PASSWORD: "sae_password",
	unix.NL80211_ATTR_FILS_KEK:     "fils_kek",
	unix.NL80211_ATTR_FILS_NONCES:  "fils_nonces",
	unix.NL80211_ATTR_PMKR0_NAME:   "pmkr0_name",
}

// nl80211 decodes an nl80211 message's attributes. Attributes it knows
// become fields by name; the others are counted (or named with Verbose).
// No attribute's raw bytes are ever printed, so unknown key material
// cannot leak.
func (d *Decoder) nl80211(ev *Event, cmd uint8, b []byte) error {
	as, err := nl80211.ParseAttrs(b)
	if err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	var other []string
	for _, a := range as {
		t, data := a.Type, a.Data
		if k, ok := secretAttrs[t]; ok {
			d.secret(ev, k, data)
			continue
		}
		// An attribute's type can differ between commands (a flag in
		// NEW_WIPHY, a u16 in CONNECT): a size that does not fit is
		// listed, not fatal.
		want := func(n int) bool {
			if len(data) == n {
				return true
			}
			other = append(other, fmt.Sprintf("%s(%d octets)", nl80211.AttrName(t), len(data)))
			return false
		}
		switch t {
		case unix.NL80211_ATTR_WIPHY:
			if want(4) {
				ev.add("wiphy", u32(data))
			}
		case unix.NL80211_ATTR_WIPHY_NAME:
			ev.add("wiphy_name", cString(data))
		case unix.NL80211_ATTR_IFINDEX:
			if want(4) {
				ev.add("ifindex", u32(data))
			}
		case unix.NL80211_ATTR_IFNAME:
			ev.add("ifname", cString(data))
		case unix.NL80211_ATTR_IFTYPE:
			if !want(4) {
				break
			}
			ev.add("iftype", nl80211.Iftype(u32(data)).String())
		case unix.NL80211_ATTR_WDEV:
			if want(8) {
				ev.add("wdev", fmt.Sprintf("0x%x", binary.NativeEndian.Uint64(data)))
			}
		case unix.NL80211_ATTR_MAC:
			ev.add("mac", macString(data))
		case unix.NL80211_ATTR_PREV_BSSID:
			ev.add("prev_bssid", macString(data))
		case unix.NL80211_ATTR_WIPHY_FREQ:
			if want(4) {
				ev.add("freq", u32(data))
			}
		case unix.NL80211_ATTR_CENTER_FREQ1:
			if want(4) {
				ev.add("center_freq1", u32(data))
			}
		case unix.NL80211_ATTR_CHANNEL_WIDTH:
			if want(4) {
				ev.add("width", u32(data))
			}
		case unix.NL80211_ATTR_SSID:
			ev.add("ssid", string(data))
		case unix.NL80211_ATTR_STATUS_CODE:
			if want(2) {
				ev.add("status", StatusName(binary.NativeEndian.Uint16(data)))
			}
		case unix.NL80211_ATTR_REASON_CODE:
			if want(2) {
				ev.add("reason", ReasonName(binary.NativeEndian.Uint16(data)))
			}
		case unix.NL80211_ATTR_AUTH_TYPE:
			if !want(4) {
				break
			}
			v := u32(data)
			if n, ok := nlAuthTypeNames[v]; ok {
				ev.add("auth_type", n)
			} else {
				ev.add("auth_type", v)
			}
		case unix.NL80211_ATTR_TIMEOUT_REASON:
			if want(4) {
				ev.add("timeout_reason", map[uint32]string{0: "unspecified", 1: "auth", 2: "assoc"}[u32(data)&3])
			}
		case unix.NL80211_ATTR_IE, unix.NL80211_ATTR_REQ_IE, unix.NL80211_ATTR_RESP_IE:
			k := map[uint16]string{unix.NL80211_ATTR_IE: "ie", unix.NL80211_ATTR_REQ_IE: "req_ie", unix.NL80211_ATTR_RESP_IE: "resp_ie"}[t]
			ies := &Event{Kind: "ie", Name: "IEs", Subtype: -1}
			d.ies(ies, data, 0)
			ev.add(k, ies)
		case unix.NL80211_ATTR_FRAME:
			f := data
			var sub Event
			switch cmd {
			case unix.NL80211_CMD_CONTROL_PORT_FRAME:
				// The EAPOL frame itself; the MAC and the
				// protocol come in their own attributes.
				sub = Event{Kind: "eapol", Subtype: -1}
				if err := d.eapol(&sub, f); err != nil {
					sub.Malformed = err.Error()
				}
			case unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS:
				// The 802.3 frame as it was given to the driver.
				sub = d.Ethernet("", f)
			default:
				sub = d.Dot11(f)
				sub.Source = ""
			}
			ev.add("frame", &sub)
		case unix.NL80211_ATTR_TIMED_OUT, unix.NL80211_ATTR_DISCONNECTED_BY_AP, unix.NL80211_ATTR_ACK,
			unix.NL80211_ATTR_CONTROL_PORT, unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211,
			unix.NL80211_ATTR_SOCKET_OWNER, unix.NL80211_ATTR_PRIVACY, unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT,
			unix.NL80211_ATTR_KEY_DEFAULT, unix.NL80211_ATTR_DONT_WAIT_FOR_ACK, unix.NL80211_ATTR_OFFCHANNEL_TX_OK,
			unix.NL80211_ATTR_LOCAL_STATE_CHANGE, unix.NL80211_ATTR_EXTERNAL_AUTH_SUPPORT:
			if want(0) {
				ev.add(flagName(t), true)
			}
		case unix.NL80211_ATTR_KEY_IDX:
			if want(1) {
				ev.add("key_idx", data[0])
			}
		case unix.NL80211_ATTR_KEY_CIPHER, unix.NL80211_ATTR_CIPHER_SUITE_GROUP:
			k := "cipher"
			if t == unix.NL80211_ATTR_CIPHER_SUITE_GROUP {
				k = "group_cipher"
			}
			if want(4) {
				ev.add(k, ie.CipherSuite(u32(data)).String())
			}
		case unix.NL80211_ATTR_KEY_TYPE:
			if want(4) {
				ev.add("key_type", keyType(u32(data)))
			}
		case unix.NL80211_ATTR_KEY_SEQ:
			ev.add("key_seq_len", len(data))
		case unix.NL80211_ATTR_KEY:
			d.nested(ev, t, data, func(nas []nl80211.Attr) { d.key(ev, nas) })
		case unix.NL80211_ATTR_PMKID:
			ev.add("pmkid_len", len(data))
		case unix.NL80211_ATTR_SAE_DATA:
			ev.add("sae_data_len", len(data))
		case unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE:
			switch len(data) {
			case 0: // a flag in NEW_WIPHY: the wiphy can
				ev.add("control_port_ethertype", true)
			case 2:
				ev.add("ethertype", fmt.Sprintf("0x%04x", binary.NativeEndian.Uint16(data)))
			default:
				want(2)
			}
		case unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE:
			var names []string
			for _, v := range u32s(data) {
				names = append(names, ie.CipherSuite(v).String())
			}
			ev.add("pairwise", names)
		case unix.NL80211_ATTR_AKM_SUITES:
			var names []string
			for _, v := range u32s(data) {
				names = append(names, ie.AKMSuite(v).String())
			}
			ev.add("akm", names)
		case unix.NL80211_ATTR_WPA_VERSIONS:
			if want(4) {
				ev.add("wpa_versions", u32(data))
			}
		case unix.NL80211_ATTR_USE_MFP:
			if want(4) {
				ev.add("mfp", map[uint32]string{0: "no", 1: "required", 2: "optional"}[u32(data)])
			}
		case unix.NL80211_ATTR_SCAN_FREQUENCIES:
			n := 0
			d.nested(ev, t, data, func(nas []nl80211.Attr) { n = len(nas) })
			ev.add("scan_freqs", n)
		case unix.NL80211_ATTR_SCAN_SSIDS:
			var ssids []string
			d.nested(ev, t, data, func(nas []nl80211.Attr) {
				for _, na := range nas {
					ssids = append(ssids, fmt.Sprintf("%q", na.Data))
				}
			})
			ev.add("scan_ssids", ssids)
		case unix.NL80211_ATTR_BSS:
			d.nested(ev, t, data, func(nas []nl80211.Attr) { d.bss(ev, nas) })
		case unix.NL80211_ATTR_STA_INFO:
			d.nested(ev, t, data, func(nas []nl80211.Attr) {
				for _, na := range nas {
					if na.Type == unix.NL80211_STA_INFO_SIGNAL && len(na.Data) == 1 {
						ev.add("signal", fmt.Sprintf("%ddBm", int8(na.Data[0])))
					}
				}
			})
		case unix.NL80211_ATTR_CQM:
			d.nested(ev, t, data, func(nas []nl80211.Attr) {
				for _, na := range nas {
					b := na.Data
					switch {
					case na.Type == unix.NL80211_ATTR_CQM_RSSI_THRESHOLD_EVENT && len(b) == 4:
						ev.add("cqm", map[uint32]string{0: "rssi-low", 1: "rssi-high", 2: "beacon-loss"}[u32(b)])
					case na.Type == unix.NL80211_ATTR_CQM_RSSI_LEVEL && len(b) == 4:
						ev.add("cqm_rssi", int32(u32(b)))
					case na.Type == unix.NL80211_ATTR_CQM_PKT_LOSS_EVENT && len(b) == 4:
						ev.add("cqm_pkt_loss", u32(b))
					case na.Type == unix.NL80211_ATTR_CQM_BEACON_LOSS_EVENT:
						ev.add("cqm", "beacon-loss")
					}
				}
			})
		case unix.NL80211_ATTR_COOKIE:
			if want(8) {
				ev.add("cookie", binary.NativeEndian.Uint64(data))
			}
		case unix.NL80211_ATTR_FRAME_TYPE:
			if want(2) {
				ev.add("frame_type", fmt.Sprintf("0x%04x", binary.NativeEndian.Uint16(data)))
			}
		case unix.NL80211_ATTR_FRAME_MATCH:
			ev.add("match", hex.EncodeToString(data)) // a public prefix such as an action category
		case unix.NL80211_ATTR_REG_ALPHA2:
			ev.add("alpha2", cString(data))
		case unix.NL80211_ATTR_DURATION:
			if want(4) {
				ev.add("duration", u32(data))
			}
		case unix.NL80211_ATTR_GENERATION:
			if want(4) {
				ev.add("generation", u32(data))
			}
		case unix.NL80211_ATTR_4ADDR:
			if want(1) {
				ev.add("4addr", data[0])
			}
		case unix.NL80211_ATTR_EXTERNAL_AUTH_ACTION:
			if want(4) {
				ev.add("ext_auth_action", u32(data))
			}
		case unix.NL80211_ATTR_SCAN_FLAGS:
			if want(4) {
				ev.add("scan_flags", fmt.Sprintf("0x%x", u32(data)))
			}
		default:
			other = append(other, nl80211.AttrName(t))
		}
	}
	if len(other) > 0 {
		if d.Verbose {
			ev.add("other", other)
		} else {
			ev.add("more_attrs", len(other))
		}
	}
	return nil
}

func (d *Decoder) secret(ev *Event, k string, b []byte) {
	if d.ShowSecrets {
		ev.add(k, hex.EncodeToString(b))
		return
	}
	ev.add(k+"_len", len(b))
}

// nested decodes a nested attribute; if its attributes do not parse, the
// event says so and goes on.
func (d *Decoder) nested(ev *Event, t uint16, b []byte, fn func([]nl80211.Attr)) {
	as, err := nl80211.ParseAttrs(b)
	if err != nil {
		ev.add(flagName(t)+"_error", err.Error())
		return
	}
	fn(as)
}

// key decodes a nested NL80211_ATTR_KEY.
func (d *Decoder) key(ev *Event, as []nl80211.Attr) {
	for _, a := range as {
		b := a.Data
		switch a.Type {
		case unix.NL80211_KEY_DATA:
			d.secret(ev, "key_data", b)
		case unix.NL80211_KEY_IDX:
			if len(b) == 1 {
				ev.add("key_idx", b[0])
			}
		case unix.NL80211_KEY_CIPHER:
			if len(b) == 4 {
				ev.add("cipher", ie.CipherSuite(u32(b)).String())
			}
		case unix.NL80211_KEY_SEQ:
			ev.add("key_seq_len", len(b))
		case unix.NL80211_KEY_TYPE:
			if len(b) == 4 {
				ev.add("key_type", keyType(u32(b)))
			}
		case unix.NL80211_KEY_DEFAULT:
			ev.add("default", true)
		case unix.NL80211_KEY_DEFAULT_MGMT:
			ev.add("default_mgmt", true)
		}
	}
}

// bss decodes a nested NL80211_ATTR_BSS (a scan result).
func (d *Decoder) bss(ev *Event, as []nl80211.Attr) {
	for _, a := range as {
		b := a.Data
		switch t := a.Type; {
		case t == unix.NL80211_BSS_BSSID:
			ev.add("bssid", macString(b))
		case t == unix.NL80211_BSS_FREQUENCY && len(b) == 4:
			ev.add("freq", u32(b))
		case t == unix.NL80211_BSS_SIGNAL_MBM && len(b) == 4:
			ev.add("signal", fmt.Sprintf("%ddBm", int32(u32(b))/100))
		case t == unix.NL80211_BSS_STATUS && len(b) == 4:
			ev.add("bss_status", map[uint32]string{0: "authenticated", 1: "associated", 2: "ibss-joined"}[u32(b)])
		case t == unix.NL80211_BSS_INFORMATION_ELEMENTS:
			ies := &Event{Kind: "ie", Name: "IEs", Subtype: -1}
			d.ies(ies, b, 0)
			ev.add("ie", ies)
		}
	}
}

func keyType(v uint32) string {
	switch v {
	case 0:
		return "group"
	case 1:
		return "pairwise"
	case 2:
		return "peerkey"
	}
	return fmt.Sprint(v)
}

func flagName(t uint16) string {
	n := nl80211.AttrName(t)
	out := make([]byte, 0, len(n))
	for i := len("ATTR_"); i < len(n); i++ {
		c := n[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

func macString(b []byte) string {
	if len(b) != 6 {
		return fmt.Sprintf("(%d octets)", len(b))
	}
	return net.HardwareAddr(b).String()
}

func u32(b []byte) uint32 { return binary.NativeEndian.Uint32(b) }

// cString is a netlink string attribute without its NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func u32s(b []byte) []uint32 {
	var out []uint32
	for len(b) >= 4 {
		out = append(out, binary.NativeEndian.Uint32(b))
		b = b[4:]
	}
	return out
}
