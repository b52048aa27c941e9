package decode

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"wifid/nl80211"
	"wifid/nl80211/ie"
)

func nl80211CmdName(cmd uint8) string { return nl80211.CmdName(cmd) }

// AttrName names an nl80211 attribute, e.g. "ATTR_IFINDEX".
func AttrName(t uint16) string {
	if n, ok := attrNames[t]; ok {
		return n
	}
	return fmt.Sprintf("ATTR_%d", t)
}

var iftypeNames = map[uint32]string{1: "adhoc", 2: "station", 3: "ap", 4: "ap-vlan", 5: "wds", 6: "monitor",
	7: "mesh-point", 8: "p2p-client", 9: "p2p-go", 10: "p2p-device", 11: "ocb", 12: "nan"}

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
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
	}
	var other []string
	for ad.Next() {
		t := ad.Type()
		if k, ok := secretAttrs[t]; ok {
			d.secret(ev, k, ad.Bytes())
			continue
		}
		switch t {
		case unix.NL80211_ATTR_WIPHY:
			ev.add("wiphy", ad.Uint32())
		case unix.NL80211_ATTR_WIPHY_NAME:
			ev.add("wiphy_name", ad.String())
		case unix.NL80211_ATTR_IFINDEX:
			ev.add("ifindex", ad.Uint32())
		case unix.NL80211_ATTR_IFNAME:
			ev.add("ifname", ad.String())
		case unix.NL80211_ATTR_IFTYPE:
			v := ad.Uint32()
			if n, ok := iftypeNames[v]; ok {
				ev.add("iftype", n)
			} else {
				ev.add("iftype", v)
			}
		case unix.NL80211_ATTR_WDEV:
			ev.add("wdev", fmt.Sprintf("0x%x", ad.Uint64()))
		case unix.NL80211_ATTR_MAC:
			ev.add("mac", macString(ad.Bytes()))
		case unix.NL80211_ATTR_PREV_BSSID:
			ev.add("prev_bssid", macString(ad.Bytes()))
		case unix.NL80211_ATTR_WIPHY_FREQ:
			ev.add("freq", ad.Uint32())
		case unix.NL80211_ATTR_CENTER_FREQ1:
			ev.add("center_freq1", ad.Uint32())
		case unix.NL80211_ATTR_CHANNEL_WIDTH:
			ev.add("width", ad.Uint32())
		case unix.NL80211_ATTR_SSID:
			ev.add("ssid", string(ad.Bytes()))
		case unix.NL80211_ATTR_STATUS_CODE:
			ev.add("status", StatusName(ad.Uint16()))
		case unix.NL80211_ATTR_REASON_CODE:
			ev.add("reason", ReasonName(ad.Uint16()))
		case unix.NL80211_ATTR_AUTH_TYPE:
			v := ad.Uint32()
			if n, ok := nlAuthTypeNames[v]; ok {
				ev.add("auth_type", n)
			} else {
				ev.add("auth_type", v)
			}
		case unix.NL80211_ATTR_TIMEOUT_REASON:
			ev.add("timeout_reason", map[uint32]string{0: "unspecified", 1: "auth", 2: "assoc"}[ad.Uint32()&3])
		case unix.NL80211_ATTR_IE, unix.NL80211_ATTR_REQ_IE, unix.NL80211_ATTR_RESP_IE:
			k := map[uint16]string{unix.NL80211_ATTR_IE: "ie", unix.NL80211_ATTR_REQ_IE: "req_ie", unix.NL80211_ATTR_RESP_IE: "resp_ie"}[t]
			ies := &Event{Kind: "ie", Name: "IEs", Subtype: -1}
			d.ies(ies, ad.Bytes(), 0)
			ev.add(k, ies)
		case unix.NL80211_ATTR_FRAME:
			f := ad.Bytes()
			var sub Event
			if cmd == unix.NL80211_CMD_CONTROL_PORT_FRAME || cmd == unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS {
				sub = Event{Kind: "eapol", Subtype: -1}
				if err := d.eapol(&sub, f); err != nil {
					sub.Malformed = err.Error()
				}
			} else {
				sub = d.Dot11(f)
				sub.Source = ""
			}
			ev.add("frame", &sub)
		case unix.NL80211_ATTR_TIMED_OUT, unix.NL80211_ATTR_DISCONNECTED_BY_AP, unix.NL80211_ATTR_ACK,
			unix.NL80211_ATTR_CONTROL_PORT, unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211,
			unix.NL80211_ATTR_SOCKET_OWNER, unix.NL80211_ATTR_PRIVACY, unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT,
			unix.NL80211_ATTR_KEY_DEFAULT, unix.NL80211_ATTR_DONT_WAIT_FOR_ACK, unix.NL80211_ATTR_OFFCHANNEL_TX_OK,
			unix.NL80211_ATTR_LOCAL_STATE_CHANGE, unix.NL80211_ATTR_EXTERNAL_AUTH_SUPPORT:
			ev.add(flagName(t), true)
		case unix.NL80211_ATTR_KEY_IDX:
			ev.add("key_idx", ad.Uint8())
		case unix.NL80211_ATTR_KEY_CIPHER, unix.NL80211_ATTR_CIPHER_SUITE_GROUP:
			k := "cipher"
			if t == unix.NL80211_ATTR_CIPHER_SUITE_GROUP {
				k = "group_cipher"
			}
			ev.add(k, ie.CipherSuite(ad.Uint32()).String())
		case unix.NL80211_ATTR_KEY_TYPE:
			ev.add("key_type", keyType(ad.Uint32()))
		case unix.NL80211_ATTR_KEY_SEQ:
			ev.add("key_seq_len", len(ad.Bytes()))
		case unix.NL80211_ATTR_KEY:
			ad.Nested(func(nad *netlink.AttributeDecoder) error { return d.key(ev, nad) })
		case unix.NL80211_ATTR_PMKID:
			ev.add("pmkid_len", len(ad.Bytes()))
		case unix.NL80211_ATTR_SAE_DATA:
			ev.add("sae_data_len", len(ad.Bytes()))
		case unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE:
			ev.add("ethertype", fmt.Sprintf("0x%04x", ad.Uint16()))
		case unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE:
			var names []string
			for _, v := range u32s(ad.Bytes()) {
				names = append(names, ie.CipherSuite(v).String())
			}
			ev.add("pairwise", names)
		case unix.NL80211_ATTR_AKM_SUITES:
			var names []string
			for _, v := range u32s(ad.Bytes()) {
				names = append(names, ie.AKMSuite(v).String())
			}
			ev.add("akm", names)
		case unix.NL80211_ATTR_WPA_VERSIONS:
			ev.add("wpa_versions", ad.Uint32())
		case unix.NL80211_ATTR_USE_MFP:
			ev.add("mfp", map[uint32]string{0: "no", 1: "required", 2: "optional"}[ad.Uint32()])
		case unix.NL80211_ATTR_SCAN_FREQUENCIES:
			n := 0
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					n++
				}
				return nil
			})
			ev.add("scan_freqs", n)
		case unix.NL80211_ATTR_SCAN_SSIDS:
			var ssids []string
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					ssids = append(ssids, fmt.Sprintf("%q", nad.Bytes()))
				}
				return nil
			})
			ev.add("scan_ssids", ssids)
		case unix.NL80211_ATTR_BSS:
			ad.Nested(func(nad *netlink.AttributeDecoder) error { return d.bss(ev, nad) })
		case unix.NL80211_ATTR_STA_INFO:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() == unix.NL80211_STA_INFO_SIGNAL {
						ev.add("signal", fmt.Sprintf("%ddBm", nad.Int8()))
					}
				}
				return nil
			})
		case unix.NL80211_ATTR_CQM:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					switch nad.Type() {
					case unix.NL80211_ATTR_CQM_RSSI_THRESHOLD_EVENT:
						ev.add("cqm", map[uint32]string{0: "rssi-low", 1: "rssi-high", 2: "beacon-loss"}[nad.Uint32()])
					case unix.NL80211_ATTR_CQM_RSSI_LEVEL:
						ev.add("cqm_rssi", nad.Int32())
					case unix.NL80211_ATTR_CQM_PKT_LOSS_EVENT:
						ev.add("cqm_pkt_loss", nad.Uint32())
					case unix.NL80211_ATTR_CQM_BEACON_LOSS_EVENT:
						ev.add("cqm", "beacon-loss")
					}
				}
				return nil
			})
		case unix.NL80211_ATTR_COOKIE:
			ev.add("cookie", ad.Uint64())
		case unix.NL80211_ATTR_FRAME_TYPE:
			ev.add("frame_type", fmt.Sprintf("0x%04x", ad.Uint16()))
		case unix.NL80211_ATTR_FRAME_MATCH:
			ev.add("match", hex.EncodeToString(ad.Bytes())) // a public prefix such as an action category
		case unix.NL80211_ATTR_REG_ALPHA2:
			ev.add("alpha2", ad.String())
		case unix.NL80211_ATTR_DURATION:
			ev.add("duration", ad.Uint32())
		case unix.NL80211_ATTR_GENERATION:
			ev.add("generation", ad.Uint32())
		case unix.NL80211_ATTR_4ADDR:
			ev.add("4addr", ad.Uint8())
		case unix.NL80211_ATTR_EXTERNAL_AUTH_ACTION:
			ev.add("ext_auth_action", ad.Uint32())
		case unix.NL80211_ATTR_SCAN_FLAGS:
			ev.add("scan_flags", fmt.Sprintf("0x%x", ad.Uint32()))
		default:
			other = append(other, AttrName(t))
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("%s attributes: %v", ev.Name, err)
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

// key decodes a nested NL80211_ATTR_KEY.
func (d *Decoder) key(ev *Event, ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case unix.NL80211_KEY_DATA:
			d.secret(ev, "key_data", ad.Bytes())
		case unix.NL80211_KEY_IDX:
			ev.add("key_idx", ad.Uint8())
		case unix.NL80211_KEY_CIPHER:
			ev.add("cipher", ie.CipherSuite(ad.Uint32()).String())
		case unix.NL80211_KEY_SEQ:
			ev.add("key_seq_len", len(ad.Bytes()))
		case unix.NL80211_KEY_TYPE:
			ev.add("key_type", keyType(ad.Uint32()))
		case unix.NL80211_KEY_DEFAULT:
			ev.add("default", true)
		case unix.NL80211_KEY_DEFAULT_MGMT:
			ev.add("default_mgmt", true)
		}
	}
	return nil
}

// bss decodes a nested NL80211_ATTR_BSS (a scan result).
func (d *Decoder) bss(ev *Event, ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case unix.NL80211_BSS_BSSID:
			ev.add("bssid", macString(ad.Bytes()))
		case unix.NL80211_BSS_FREQUENCY:
			ev.add("freq", ad.Uint32())
		case unix.NL80211_BSS_SIGNAL_MBM:
			ev.add("signal", fmt.Sprintf("%ddBm", ad.Int32()/100))
		case unix.NL80211_BSS_STATUS:
			ev.add("bss_status", map[uint32]string{0: "authenticated", 1: "associated", 2: "ibss-joined"}[ad.Uint32()])
		case unix.NL80211_BSS_INFORMATION_ELEMENTS:
			ies := &Event{Kind: "ie", Name: "IEs", Subtype: -1}
			d.ies(ies, ad.Bytes(), 0)
			ev.add("ie", ies)
		}
	}
	return nil
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
	n := AttrName(t)
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

func u32s(b []byte) []uint32 {
	var out []uint32
	for len(b) >= 4 {
		out = append(out, binary.NativeEndian.Uint32(b))
		b = b[4:]
	}
	return out
}
