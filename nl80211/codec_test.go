package nl80211

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"wifid/nl80211/ie"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The attribute layout, written out by hand from the uapi (struct nlattr:
// u16 nla_len, u16 nla_type, payload, padding to 4), little endian.
func TestEncoderLayout(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("fixtures are little endian")
	}
	got := enc(func(e *encoder) {
		e.u32(unix.NL80211_ATTR_IFINDEX, 3)
		e.bytes(unix.NL80211_ATTR_SSID, []byte("abc"))
		e.flag(unix.NL80211_ATTR_PRIVACY)
		e.nested(unix.NL80211_ATTR_KEY, func(n *encoder) { n.u8(unix.NL80211_KEY_IDX, 1) })
	})
	want := "0800" + "0300" + "03000000" + // IFINDEX = 3
		"0700" + "3400" + "61626300" + // SSID "abc" + 1 pad
		"0400" + "4600" + // PRIVACY flag (0x46)
		"0c00" + "5080" + "0500" + "0200" + "01000000" // KEY|NLA_F_NESTED { KEY_IDX u8 1 + 3 pad }
	if hex.EncodeToString(got) != want {
		t.Fatalf("got  %x\nwant %s", got, want)
	}
}

func TestParseAttrsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"short header", []byte{8, 0}, "truncated attribute header"},
		{"length past end", []byte{12, 0, 1, 0, 0, 0, 0, 0}, "exceeds message"},
		{"length below header", []byte{2, 0, 1, 0}, "exceeds message"},
		{"zero length before data", []byte{0, 0, 0, 0, 8, 0, 1, 0, 1, 0, 0, 0}, "exceeds message"},
	} {
		if _, err := parseAttrs(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	// Zero padding after the attributes ends them.
	if as, err := parseAttrs([]byte{5, 0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil || len(as) != 1 {
		t.Fatalf("%v %v", as, err)
	}
	if as, err := parseAttrs(make([]byte, 56)); err != nil || len(as) != 0 {
		t.Fatalf("%v %v", as, err)
	}
	// Padding may be missing after the last attribute.
	if as, err := parseAttrs([]byte{5, 0, 1, 0, 7}); err != nil || len(as) != 1 || !bytes.Equal(as[0].Data, []byte{7}) {
		t.Fatalf("%v %v", as, err)
	}
}

func TestScanRequestEncoding(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   ScanRequest
		ssids [][]byte // nil: no SCAN_SSIDS
		flags uint32
	}{
		{"wildcard", ScanRequest{}, [][]byte{{}}, 0},
		{"passive", ScanRequest{Passive: true, SSIDs: [][]byte{[]byte("x")}}, nil, 0},
		{"named and wildcard", ScanRequest{SSIDs: [][]byte{[]byte("home"), {}}}, [][]byte{[]byte("home"), {}}, 0},
		{"random flush", ScanRequest{RandomAddr: true, Flags: unix.NL80211_SCAN_FLAG_FLUSH}, [][]byte{{}},
			unix.NL80211_SCAN_FLAG_RANDOM_ADDR | unix.NL80211_SCAN_FLAG_FLUSH},
	} {
		a := attrsOf(t, tc.req.encode(4))
		raw, ok := a[unix.NL80211_ATTR_SCAN_SSIDS]
		if (tc.ssids == nil) == ok {
			t.Fatalf("%s: SCAN_SSIDS present=%v", tc.name, ok)
		}
		if ok {
			as, _ := parseAttrs(raw)
			if len(as) != len(tc.ssids) {
				t.Fatalf("%s: %d SSIDs", tc.name, len(as))
			}
			for i := range as {
				if !bytes.Equal(as[i].Data, tc.ssids[i]) {
					t.Fatalf("%s: SSID %d = %q", tc.name, i, as[i].Data)
				}
			}
		}
		if f, ok := a[unix.NL80211_ATTR_SCAN_FLAGS]; tc.flags != 0 && !bytes.Equal(f, u32b(tc.flags)) || tc.flags == 0 && ok {
			t.Fatalf("%s: flags %x", tc.name, f)
		}
	}
	a := attrsOf(t, ScanRequest{Freqs: []uint32{2412, 5180}, IEs: []byte{0xdd, 0}}.encode(4))
	fs, _ := parseAttrs(a[unix.NL80211_ATTR_SCAN_FREQUENCIES])
	if len(fs) != 2 || !bytes.Equal(fs[1].Data, u32b(5180)) || !bytes.Equal(a[unix.NL80211_ATTR_IE], []byte{0xdd, 0}) {
		t.Fatalf("freqs %v IE %x", fs, a[unix.NL80211_ATTR_IE])
	}
}

// capture runs fn against a fake kernel that ACKs everything and returns
// the attributes of the one request fn made.
func capture(t *testing.T, fn func(ctx context.Context, c *Client) error) (uint8, map[uint16][]byte) {
	t.Helper()
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(ackMsg(h.Sequence, 0))
	})
	c := fk.dial(t)
	if err := fn(ctxT(t), c); err != nil {
		t.Fatal(err)
	}
	reqs := fk.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	return reqs[0].Header.Command, attrsOf(t, reqs[0].Data)
}

var (
	apMAC  = net.HardwareAddr{0x02, 0, 0, 0, 1, 0}
	rsnIE  = []byte{48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2, 0, 0}
	hasAll = func(t *testing.T, a map[uint16][]byte, want map[uint16][]byte) {
		t.Helper()
		for k, v := range want {
			got, ok := a[k]
			if !ok {
				t.Errorf("attribute %d missing", k)
			} else if !bytes.Equal(got, v) {
				t.Errorf("attribute %d = %x, want %x", k, got, v)
			}
		}
	}
)

func TestConnectEncoding(t *testing.T) {
	cmd, a := capture(t, func(ctx context.Context, c *Client) error {
		return c.Connect(ctx, 3, ConnectRequest{
			SSID: []byte("home"), BSSIDHint: apMAC, FreqHint: 2437, IEs: rsnIE,
			Crypto: Crypto{
				WPAVersions: unix.NL80211_WPA_VERSION_2, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
				GroupCipher: ie.CipherCCMP128, AKMSuites: []ie.AKMSuite{ie.AKMPSK}, MFP: unix.NL80211_MFP_OPTIONAL,
				ControlPort: true, ControlPortOverNL80211: true,
			},
			SocketOwner: true,
		})
	})
	if cmd != unix.NL80211_CMD_CONNECT {
		t.Fatalf("cmd %d", cmd)
	}
	hasAll(t, a, map[uint16][]byte{
		unix.NL80211_ATTR_IFINDEX:                   u32b(3),
		unix.NL80211_ATTR_SSID:                      []byte("home"),
		unix.NL80211_ATTR_MAC_HINT:                  apMAC,
		unix.NL80211_ATTR_WIPHY_FREQ_HINT:           u32b(2437),
		unix.NL80211_ATTR_AUTH_TYPE:                 u32b(unix.NL80211_AUTHTYPE_OPEN_SYSTEM),
		unix.NL80211_ATTR_IE:                        rsnIE,
		unix.NL80211_ATTR_PRIVACY:                   {},
		unix.NL80211_ATTR_WPA_VERSIONS:              u32b(2),
		unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE:    u32b(0x000fac04),
		unix.NL80211_ATTR_CIPHER_SUITE_GROUP:        u32b(0x000fac04),
		unix.NL80211_ATTR_AKM_SUITES:                u32b(0x000fac02),
		unix.NL80211_ATTR_USE_MFP:                   u32b(unix.NL80211_MFP_OPTIONAL),
		unix.NL80211_ATTR_CONTROL_PORT:              {},
		unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE:    u16b(0x888e),
		unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT:   {},
		unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211: {},
		unix.NL80211_ATTR_SOCKET_OWNER:              {},
	})
	if _, ok := a[unix.NL80211_ATTR_MAC]; ok {
		t.Error("a hint must not pin the BSSID")
	}
}

func TestAuthenticateAssociateEncoding(t *testing.T) {
	commit := []byte{1, 0, 0, 0, 19, 0, 0xaa}
	cmd, a := capture(t, func(ctx context.Context, c *Client) error {
		return c.Authenticate(ctx, 3, AuthenticateRequest{BSSID: apMAC, Freq: 2412, SSID: []byte("s"),
			AuthType: unix.NL80211_AUTHTYPE_SAE, AuthData: commit})
	})
	if cmd != unix.NL80211_CMD_AUTHENTICATE {
		t.Fatal(cmd)
	}
	hasAll(t, a, map[uint16][]byte{
		unix.NL80211_ATTR_MAC: apMAC, unix.NL80211_ATTR_WIPHY_FREQ: u32b(2412),
		unix.NL80211_ATTR_AUTH_TYPE: u32b(unix.NL80211_AUTHTYPE_SAE), unix.NL80211_ATTR_AUTH_DATA: commit,
	})
	prev := net.HardwareAddr{2, 0, 0, 0, 2, 0}
	cmd, a = capture(t, func(ctx context.Context, c *Client) error {
		return c.Associate(ctx, 3, AssociateRequest{BSSID: apMAC, Freq: 2412, SSID: []byte("s"), IEs: rsnIE,
			PrevBSSID: prev, Crypto: Crypto{AKMSuites: []ie.AKMSuite{ie.AKMSAE}, MFP: unix.NL80211_MFP_REQUIRED, ControlPort: true},
			SocketOwner: true})
	})
	if cmd != unix.NL80211_CMD_ASSOCIATE {
		t.Fatal(cmd)
	}
	hasAll(t, a, map[uint16][]byte{
		unix.NL80211_ATTR_PREV_BSSID: prev, unix.NL80211_ATTR_AKM_SUITES: u32b(0x000fac08),
		unix.NL80211_ATTR_USE_MFP: u32b(1), unix.NL80211_ATTR_SOCKET_OWNER: {}, unix.NL80211_ATTR_IE: rsnIE,
	})
	_, a = capture(t, func(ctx context.Context, c *Client) error { return c.Deauthenticate(ctx, 3, apMAC, 3) })
	hasAll(t, a, map[uint16][]byte{unix.NL80211_ATTR_MAC: apMAC, unix.NL80211_ATTR_REASON_CODE: u16b(3)})
}

func TestKeyEncoding(t *testing.T) {
	tk := bytes.Repeat([]byte{0x11}, 16)
	cmd, a := capture(t, func(ctx context.Context, c *Client) error {
		return c.NewKey(ctx, 3, Key{Type: KeyTypePairwise, Index: 0, Cipher: ie.CipherCCMP128, Data: tk, MAC: apMAC})
	})
	if cmd != unix.NL80211_CMD_NEW_KEY || !bytes.Equal(a[unix.NL80211_ATTR_MAC], apMAC) {
		t.Fatalf("cmd %d attrs %v", cmd, a)
	}
	k := attrsOf(t, a[unix.NL80211_ATTR_KEY])
	hasAll(t, k, map[uint16][]byte{
		unix.NL80211_KEY_DATA: tk, unix.NL80211_KEY_IDX: {0}, unix.NL80211_KEY_CIPHER: u32b(uint32(ie.CipherCCMP128)),
		unix.NL80211_KEY_TYPE: u32b(unix.NL80211_KEYTYPE_PAIRWISE),
	})
	rsc := []byte{1, 2, 3, 4, 5, 6}
	_, a = capture(t, func(ctx context.Context, c *Client) error {
		return c.NewKey(ctx, 3, Key{Type: KeyTypeGroup, Index: 4, Cipher: ie.CipherBIPCMAC128, Data: tk, RSC: rsc})
	})
	k = attrsOf(t, a[unix.NL80211_ATTR_KEY])
	hasAll(t, k, map[uint16][]byte{unix.NL80211_KEY_IDX: {4}, unix.NL80211_KEY_SEQ: rsc, unix.NL80211_KEY_TYPE: u32b(0)})
	if _, ok := a[unix.NL80211_ATTR_MAC]; ok {
		t.Error("group key with MAC")
	}
	_, a = capture(t, func(ctx context.Context, c *Client) error { return c.SetDefaultKey(ctx, 3, 2, false, true) })
	k = attrsOf(t, a[unix.NL80211_ATTR_KEY])
	types := attrsOf(t, k[unix.NL80211_KEY_DEFAULT_TYPES])
	if _, ok := k[unix.NL80211_KEY_DEFAULT]; !ok || len(types) != 1 || types[unix.NL80211_KEY_DEFAULT_TYPE_MULTICAST] == nil {
		t.Fatalf("SET_KEY %v types %v", k, types)
	}
	_, a = capture(t, func(ctx context.Context, c *Client) error { return c.SetDefaultMgmtKey(ctx, 3, 4) })
	if k = attrsOf(t, a[unix.NL80211_ATTR_KEY]); k[unix.NL80211_KEY_DEFAULT_MGMT] == nil {
		t.Fatalf("SET_KEY mgmt %v", k)
	}
}

func TestKeyStringHidesMaterial(t *testing.T) {
	k := Key{Type: KeyTypePairwise, Cipher: ie.CipherCCMP128, Data: []byte("secretsecretsecr")}
	if s := k.String(); strings.Contains(s, "secret") || strings.Contains(s, hex.EncodeToString(k.Data)) {
		t.Fatal(s)
	}
}

func TestStationFlagsAndCQMEncoding(t *testing.T) {
	_, a := capture(t, func(ctx context.Context, c *Client) error {
		return c.SetStationAuthorized(ctx, 3, apMAC, true)
	})
	// struct nl80211_sta_flag_update { u32 mask; u32 set; }, AUTHORIZED is bit 1.
	hasAll(t, a, map[uint16][]byte{unix.NL80211_ATTR_STA_FLAGS2: {2, 0, 0, 0, 2, 0, 0, 0}, unix.NL80211_ATTR_MAC: apMAC})
	_, a = capture(t, func(ctx context.Context, c *Client) error { return c.SetCQM(ctx, 3, -70, 5) })
	cqm := attrsOf(t, a[unix.NL80211_ATTR_CQM])
	hasAll(t, cqm, map[uint16][]byte{unix.NL80211_ATTR_CQM_RSSI_THOLD: u32b(uint32(0xffffffba)), unix.NL80211_ATTR_CQM_RSSI_HYST: u32b(5)})
	_, a = capture(t, func(ctx context.Context, c *Client) error {
		return c.SetCQMThresholds(ctx, 3, []int32{-80, -70, -40}, 2)
	})
	cqm = attrsOf(t, a[unix.NL80211_ATTR_CQM])
	list := append(append(u32b(uint32(0xffffffb0)), u32b(uint32(0xffffffba))...), u32b(uint32(0xffffffd8))...)
	hasAll(t, cqm, map[uint16][]byte{unix.NL80211_ATTR_CQM_RSSI_THOLD: list, unix.NL80211_ATTR_CQM_RSSI_HYST: u32b(2)})
	if err := (&Client{}).SetCQMThresholds(context.Background(), 3, []int32{-40, -70}, 2); err == nil {
		t.Error("descending CQM thresholds accepted")
	}
	_, a = capture(t, func(ctx context.Context, c *Client) error {
		return c.RegisterFrame(ctx, 3, 0x00d0, []byte{0x06})
	})
	hasAll(t, a, map[uint16][]byte{unix.NL80211_ATTR_FRAME_TYPE: u16b(0xd0), unix.NL80211_ATTR_FRAME_MATCH: {6}})
	_, a = capture(t, func(ctx context.Context, c *Client) error {
		return newInterfaceNoReply(ctx, c)
	})
	hasAll(t, a, map[uint16][]byte{unix.NL80211_ATTR_IFNAME: []byte("wlan1\x00"), unix.NL80211_ATTR_IFTYPE: u32b(2)})
}

// newInterfaceNoReply exercises NewInterface's encoder; the fake sends no
// reply message, so the "no reply" error is expected and swallowed.
func newInterfaceNoReply(ctx context.Context, c *Client) error {
	_, err := c.NewInterface(ctx, NewInterfaceRequest{Wiphy: 0, Name: "wlan1"})
	if errors.Is(err, errNoReply) {
		return nil
	}
	return err
}

func TestFrameCookie(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(genlMsg(h.Sequence, 0, unix.NL80211_CMD_FRAME, enc(func(e *encoder) {
			e.u64(unix.NL80211_ATTR_COOKIE, 0xabcdef)
		})), ackMsg(h.Sequence, 0))
	})
	c := fk.dial(t)
	cookie, err := c.SendFrame(ctxT(t), 3, FrameRequest{Frame: []byte{0xd0, 0}, Freq: 2412})
	if err != nil || cookie != 0xabcdef {
		t.Fatalf("%x %v", cookie, err)
	}
}

// wiphySplitDump builds a split dump for phy0 the way the kernel sends
// it: globals first, then one band attribute per message, one channel
// each, then iftypes, commands and combinations.
func wiphySplitDump() []genetlink.Message {
	part := func(fn func(e *encoder)) genetlink.Message {
		return genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_WIPHY}, Data: enc(func(e *encoder) {
			e.u32(unix.NL80211_ATTR_WIPHY, 0)
			e.bytes(unix.NL80211_ATTR_WIPHY_NAME, []byte("phy0\x00"))
			e.u32(unix.NL80211_ATTR_GENERATION, 1)
			fn(e)
		})}
	}
	ch := func(band uint16, freq uint32, disabled bool) genetlink.Message {
		return part(func(e *encoder) {
			e.nested(unix.NL80211_ATTR_WIPHY_BANDS, func(b *encoder) {
				b.nested(band, func(bd *encoder) {
					bd.nested(unix.NL80211_BAND_ATTR_FREQS, func(fs *encoder) {
						fs.nested(0, func(f *encoder) {
							f.u32(unix.NL80211_FREQUENCY_ATTR_FREQ, freq)
							f.u32(unix.NL80211_FREQUENCY_ATTR_MAX_TX_POWER, 2000)
							if disabled {
								f.flag(unix.NL80211_FREQUENCY_ATTR_DISABLED)
							}
						})
					})
				})
			})
		})
	}
	ext := make([]byte, 8)
	ext[unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211/8] |= 1 << (unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211 % 8)
	return []genetlink.Message{
		part(func(e *encoder) {
			e.u8(unix.NL80211_ATTR_MAX_NUM_SCAN_SSIDS, 4)
			e.u16(unix.NL80211_ATTR_MAX_SCAN_IE_LEN, 2048)
			e.bytes(unix.NL80211_ATTR_CIPHER_SUITES, u32Array([]ie.CipherSuite{ie.CipherCCMP128, ie.CipherGCMP256, ie.CipherBIPCMAC128}))
			e.u32(unix.NL80211_ATTR_FEATURE_FLAGS, unix.NL80211_FEATURE_SCAN_RANDOM_MAC_ADDR|unix.NL80211_FEATURE_SAE)
			e.bytes(unix.NL80211_ATTR_EXT_FEATURES, ext)
			e.bytes(unix.NL80211_ATTR_MAC, []byte{2, 0, 0, 0, 0, 0})
		}),
		part(func(e *encoder) {
			e.nested(unix.NL80211_ATTR_WIPHY_BANDS, func(b *encoder) {
				b.nested(unix.NL80211_BAND_2GHZ, func(bd *encoder) {
					bd.u16(unix.NL80211_BAND_ATTR_HT_CAPA, 0x1234)
					bd.nested(unix.NL80211_BAND_ATTR_RATES, func(rs *encoder) {
						rs.nested(0, func(r *encoder) { r.u32(unix.NL80211_BITRATE_ATTR_RATE, 10) })
						rs.nested(1, func(r *encoder) { r.u32(unix.NL80211_BITRATE_ATTR_RATE, 540) })
					})
				})
			})
		}),
		ch(unix.NL80211_BAND_2GHZ, 2412, false),
		ch(unix.NL80211_BAND_2GHZ, 2417, false),
		ch(unix.NL80211_BAND_5GHZ, 5180, false),
		ch(unix.NL80211_BAND_5GHZ, 5260, true),
		part(func(e *encoder) {
			e.nested(unix.NL80211_ATTR_SUPPORTED_IFTYPES, func(n *encoder) {
				n.flag(unix.NL80211_IFTYPE_STATION)
				n.flag(unix.NL80211_IFTYPE_AP)
			})
			e.nested(unix.NL80211_ATTR_SUPPORTED_COMMANDS, func(n *encoder) {
				n.u32(1, unix.NL80211_CMD_CONNECT)
				n.u32(2, unix.NL80211_CMD_AUTHENTICATE)
			})
			e.nested(unix.NL80211_ATTR_INTERFACE_COMBINATIONS, func(n *encoder) {
				n.nested(1, func(c *encoder) {
					c.nested(unix.NL80211_IFACE_COMB_LIMITS, func(ls *encoder) {
						ls.nested(1, func(l *encoder) {
							l.u32(unix.NL80211_IFACE_LIMIT_MAX, 2)
							l.nested(unix.NL80211_IFACE_LIMIT_TYPES, func(ts *encoder) { ts.flag(unix.NL80211_IFTYPE_STATION) })
						})
					})
					c.u32(unix.NL80211_IFACE_COMB_MAXNUM, 2)
					c.u32(unix.NL80211_IFACE_COMB_NUM_CHANNELS, 1)
				})
			})
		}),
	}
}

func TestWiphySplitDumpMerge(t *testing.T) {
	ws, err := decodeWiphyDump(wiphySplitDump())
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 {
		t.Fatalf("%d wiphys", len(ws))
	}
	w := ws[0]
	if w.Name != "phy0" || w.MaxScanSSIDs != 4 || w.MaxScanIELen != 2048 || w.Address.String() != "02:00:00:00:00:00" {
		t.Fatalf("wiphy %+v", w)
	}
	if len(w.Bands) != 2 || w.Bands[0].Band != 0 || len(w.Bands[0].Channels) != 2 || len(w.Bands[1].Channels) != 2 {
		t.Fatalf("bands %+v", w.Bands)
	}
	if w.Bands[0].HTCapa != 0x1234 || len(w.Bands[0].Rates) != 2 || w.Bands[0].Channels[0].MaxTxPower != 2000 {
		t.Fatalf("band 0 %+v", w.Bands[0])
	}
	if !w.Bands[1].Channels[1].Disabled {
		t.Fatal("5260 should be disabled")
	}
	if f := w.Frequencies(); len(f) != 3 {
		t.Fatalf("enabled freqs %v", f)
	}
	if b := w.BandFrequencies(); len(b) != 2 || len(b[0]) != 2 || len(b[1]) != 1 || b[1][0] == 5260 {
		t.Fatalf("enabled freqs by band %v", b)
	}
	if !w.SupportsCipher(ie.CipherGCMP256) || !w.SupportsIftype(IftypeStation) || !w.SupportsCommand(unix.NL80211_CMD_CONNECT) ||
		w.SupportsCommand(unix.NL80211_CMD_ASSOCIATE) {
		t.Fatalf("supports: %+v", w)
	}
	if !w.SupportsScanRandomAddr() || !w.Features.HasName("SAE") || w.Features.HasName("AP_SCAN") {
		t.Fatalf("features %v", w.Features.Names())
	}
	if !w.SupportsControlPortOverNL80211() || !w.ExtFeatures.HasName("CONTROL_PORT_OVER_NL80211") ||
		w.ExtFeatures.HasName("BEACON_PROTECTION") || len(w.ExtFeatures.Names()) != 1 {
		t.Fatalf("ext features %v", w.ExtFeatures.Names())
	}
	if len(w.InterfaceCombinations) != 1 || w.InterfaceCombinations[0].Limits[0].Max != 2 ||
		w.InterfaceCombinations[0].Limits[0].Types[0] != IftypeStation {
		t.Fatalf("combinations %+v", w.InterfaceCombinations)
	}
}

func TestWiphysOverFake(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		a := attrsOf(fk.t, gm.Data)
		if _, ok := a[unix.NL80211_ATTR_SPLIT_WIPHY_DUMP]; !ok {
			fk.t.Error("no SPLIT_WIPHY_DUMP")
		}
		var ms []netlink.Message
		for _, m := range wiphySplitDump() {
			ms = append(ms, genlMsg(h.Sequence, netlink.Multi, m.Header.Command, m.Data))
		}
		fk.deliver(ms[:3]...)
		fk.deliver(append(ms[3:], doneMsg(h.Sequence))...)
	})
	c := fk.dial(t)
	ws, err := c.Wiphys(ctxT(t))
	if err != nil || len(ws) != 1 || len(ws[0].Bands) != 2 {
		t.Fatalf("%+v %v", ws, err)
	}
	if _, err := c.Wiphy(ctxT(t), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wiphy(ctxT(t), 1); !errors.Is(err, unix.ENODEV) {
		t.Fatalf("missing wiphy: %v", err)
	}
}

func TestInterfaceDecode(t *testing.T) {
	as, _ := parseAttrs(enc(func(e *encoder) {
		e.u32(unix.NL80211_ATTR_IFINDEX, 3)
		e.bytes(unix.NL80211_ATTR_IFNAME, []byte("wlan0\x00"))
		e.u32(unix.NL80211_ATTR_WIPHY, 0)
		e.u32(unix.NL80211_ATTR_IFTYPE, unix.NL80211_IFTYPE_STATION)
		e.u64(unix.NL80211_ATTR_WDEV, 1)
		e.bytes(unix.NL80211_ATTR_MAC, []byte{2, 0, 0, 0, 0, 0})
		e.bytes(unix.NL80211_ATTR_SSID, []byte("home"))
		e.u8(unix.NL80211_ATTR_4ADDR, 0)
		e.u32(unix.NL80211_ATTR_WIPHY_FREQ, 2412)
	}))
	ifi, err := decodeInterface(as)
	if err != nil {
		t.Fatal(err)
	}
	if ifi.Index != 3 || ifi.Name != "wlan0" || ifi.Wiphy != 0 || ifi.Type != IftypeStation || ifi.Wdev != 1 ||
		string(ifi.SSID) != "home" || ifi.FourAddr || ifi.Freq != 2412 || ifi.Type.String() != "station" {
		t.Fatalf("%+v", ifi)
	}
}

func TestStationInfoDecode(t *testing.T) {
	msg := genetlink.Message{Data: enc(func(e *encoder) {
		e.bytes(unix.NL80211_ATTR_MAC, apMAC)
		e.nested(unix.NL80211_ATTR_STA_INFO, func(s *encoder) {
			s.u8(unix.NL80211_STA_INFO_SIGNAL, uint8(0xc4)) // -60 dBm
			s.u8(unix.NL80211_STA_INFO_SIGNAL_AVG, uint8(0xc3))
			s.u64(unix.NL80211_STA_INFO_RX_BYTES64, 1000)
			s.nested(unix.NL80211_STA_INFO_TX_BITRATE, func(r *encoder) {
				r.u16(unix.NL80211_RATE_INFO_BITRATE, 8667)
				r.u32(unix.NL80211_RATE_INFO_BITRATE32, 8667)
				r.u8(unix.NL80211_RATE_INFO_VHT_MCS, 9)
				r.u8(unix.NL80211_RATE_INFO_VHT_NSS, 2)
				r.flag(unix.NL80211_RATE_INFO_80_MHZ_WIDTH)
				r.flag(unix.NL80211_RATE_INFO_SHORT_GI)
			})
			s.nested(unix.NL80211_STA_INFO_RX_BITRATE, func(r *encoder) {
				r.u16(unix.NL80211_RATE_INFO_BITRATE, 540)
			})
		})
	})}
	sts, err := decodeStations([]genetlink.Message{msg})
	if err != nil {
		t.Fatal(err)
	}
	st := sts[0]
	if st.Signal != -60 || !st.HasSignal || st.SignalAvg != -61 || st.RxBytes != 1000 {
		t.Fatalf("%+v", st)
	}
	if tx := st.TxBitrate; tx.Mode != RateVHT || tx.MCS != 9 || tx.NSS != 2 || tx.WidthMHz != 80 || !tx.ShortGI || tx.Bitrate != 8667 {
		t.Fatalf("tx %+v", tx)
	}
	if rx := st.RxBitrate; rx.Mode != RateLegacy || rx.Bitrate != 540 || rx.WidthMHz != 20 {
		t.Fatalf("rx %+v", rx)
	}
}

func TestEventDecode(t *testing.T) {
	ev := func(cmd uint8, fn func(e *encoder)) Event {
		t.Helper()
		e, err := decodeEvent(genetlink.Message{Header: genetlink.Header{Command: cmd}, Data: enc(func(e *encoder) {
			e.u32(unix.NL80211_ATTR_WIPHY, 1)
			e.u32(unix.NL80211_ATTR_IFINDEX, 3)
			fn(e)
		})})
		if err != nil {
			t.Fatal(err)
		}
		if i := e.Info(); i.Cmd != cmd || i.Wiphy != 1 || i.Ifindex != 3 {
			t.Fatalf("info %+v", i)
		}
		return e
	}
	c := ev(unix.NL80211_CMD_CONNECT, func(e *encoder) {
		e.bytes(unix.NL80211_ATTR_MAC, apMAC)
		e.u16(unix.NL80211_ATTR_STATUS_CODE, 17)
		e.bytes(unix.NL80211_ATTR_REQ_IE, rsnIE)
		e.bytes(unix.NL80211_ATTR_RESP_IE, []byte{1, 1, 0x82})
	}).(*ConnectEvent)
	if c.Status != 17 || c.BSSID.String() != apMAC.String() || !bytes.Equal(c.ReqIEs, rsnIE) || len(c.RespIEs) != 3 || c.TimedOut {
		t.Fatalf("%+v", c)
	}
	c = ev(unix.NL80211_CMD_CONNECT, func(e *encoder) {
		e.flag(unix.NL80211_ATTR_TIMED_OUT)
		e.u32(unix.NL80211_ATTR_TIMEOUT_REASON, unix.NL80211_TIMEOUT_AUTH)
	}).(*ConnectEvent)
	if !c.TimedOut || c.TimeoutReason != unix.NL80211_TIMEOUT_AUTH {
		t.Fatalf("%+v", c)
	}
	d := ev(unix.NL80211_CMD_DISCONNECT, func(e *encoder) {
		e.u16(unix.NL80211_ATTR_REASON_CODE, 15)
		e.flag(unix.NL80211_ATTR_DISCONNECTED_BY_AP)
	}).(*DisconnectEvent)
	if d.Reason != 15 || !d.ByAP {
		t.Fatalf("%+v", d)
	}
	m := ev(unix.NL80211_CMD_DEAUTHENTICATE, func(e *encoder) {
		e.bytes(unix.NL80211_ATTR_FRAME, []byte{0xc0, 0, 0, 0})
	}).(*MLMEEvent)
	if len(m.Frame) != 4 {
		t.Fatalf("%+v", m)
	}
	m = ev(unix.NL80211_CMD_AUTHENTICATE, func(e *encoder) {
		e.flag(unix.NL80211_ATTR_TIMED_OUT)
		e.bytes(unix.NL80211_ATTR_MAC, apMAC)
	}).(*MLMEEvent)
	if !m.TimedOut || m.MAC == nil {
		t.Fatalf("%+v", m)
	}
	q := ev(unix.NL80211_CMD_NOTIFY_CQM, func(e *encoder) {
		e.nested(unix.NL80211_ATTR_CQM, func(n *encoder) {
			n.u32(unix.NL80211_ATTR_CQM_RSSI_THRESHOLD_EVENT, unix.NL80211_CQM_RSSI_THRESHOLD_EVENT_LOW)
			n.s32(unix.NL80211_ATTR_CQM_RSSI_LEVEL, -75)
		})
	}).(*CQMEvent)
	if q.RSSIThreshold != CQMRSSILow || q.RSSILevel != -75 || !q.HasRSSILevel || q.BeaconLoss {
		t.Fatalf("%+v", q)
	}
	q = ev(unix.NL80211_CMD_NOTIFY_CQM, func(e *encoder) {
		e.nested(unix.NL80211_ATTR_CQM, func(n *encoder) { n.flag(unix.NL80211_ATTR_CQM_BEACON_LOSS_EVENT) })
	}).(*CQMEvent)
	if !q.BeaconLoss || q.RSSIThreshold != CQMRSSINone {
		t.Fatalf("%+v", q)
	}
	r := ev(unix.NL80211_CMD_ROAM, func(e *encoder) { e.bytes(unix.NL80211_ATTR_MAC, apMAC) }).(*RoamEvent)
	if r.BSSID == nil {
		t.Fatal(r)
	}
	w := ev(unix.NL80211_CMD_NEW_WIPHY, func(e *encoder) { e.bytes(unix.NL80211_ATTR_WIPHY_NAME, []byte("phy1\x00")) }).(*WiphyEvent)
	if w.Name != "phy1" || w.Wiphy == nil || w.Wiphy.Index != 1 {
		t.Fatalf("%+v", w)
	}
	i := ev(unix.NL80211_CMD_DEL_INTERFACE, func(e *encoder) { e.bytes(unix.NL80211_ATTR_IFNAME, []byte("wlan0\x00")) }).(*InterfaceEvent)
	if i.Interface.Name != "wlan0" || i.Interface.Index != 3 {
		t.Fatalf("%+v", i)
	}
	rg := ev(unix.NL80211_CMD_REG_CHANGE, func(e *encoder) {
		e.bytes(unix.NL80211_ATTR_REG_ALPHA2, []byte("DE\x00"))
		e.u8(unix.NL80211_ATTR_REG_INITIATOR, unix.NL80211_REGDOM_SET_BY_USER)
	}).(*RegulatoryEvent)
	if rg.Alpha2 != "DE" || rg.Initiator != 1 {
		t.Fatalf("%+v", rg)
	}
	if u := ev(unix.NL80211_CMD_MICHAEL_MIC_FAILURE, func(*encoder) {}).(*UnknownEvent); len(u.Attrs) != 16 {
		t.Fatalf("%+v", u)
	}
}

// Malformed attributes give an error naming the command and attribute,
// never a panic.
func TestMalformedNamesAttribute(t *testing.T) {
	bad := func(fn func(e *encoder)) []byte { return enc(fn) }
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"bss short freq", func() error {
			_, err := decodeBSSMessage(bad(func(e *encoder) {
				e.nested(unix.NL80211_ATTR_BSS, func(n *encoder) {
					n.bytes(unix.NL80211_BSS_BSSID, apMAC)
					n.u16(unix.NL80211_BSS_FREQUENCY, 2412)
				})
			}))
			return err
		}, "ATTR_BSS/BSS_FREQUENCY: want 4 bytes, got 2"},
		{"bss short bssid", func() error {
			_, err := decodeBSSMessage(bad(func(e *encoder) {
				e.nested(unix.NL80211_ATTR_BSS, func(n *encoder) { n.bytes(unix.NL80211_BSS_BSSID, apMAC[:5]) })
			}))
			return err
		}, "ATTR_BSS/BSS_BSSID: want 6 bytes, got 5"},
		{"bss no bssid", func() error {
			_, err := decodeBSSMessage(bad(func(e *encoder) {
				e.nested(unix.NL80211_ATTR_BSS, func(n *encoder) { n.u32(unix.NL80211_BSS_FREQUENCY, 1) })
			}))
			return err
		}, "ATTR_BSS/BSS_BSSID: missing"},
		{"bss truncated nest", func() error {
			_, err := decodeBSSMessage(bad(func(e *encoder) {
				e.put(unix.NL80211_ATTR_BSS, []byte{10, 0, 1, 0, 2})
			}))
			return err
		}, "ATTR_BSS: type 1 at offset 0: attribute length exceeds message"},
		{"connect status", func() error {
			_, err := decodeEvent(genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_CONNECT},
				Data: bad(func(e *encoder) { e.u8(unix.NL80211_ATTR_STATUS_CODE, 1) })})
			return err
		}, "nl80211: CMD_CONNECT: ATTR_STATUS_CODE: want 2 bytes, got 1"},
		{"cqm level", func() error {
			_, err := decodeEvent(genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_NOTIFY_CQM},
				Data: bad(func(e *encoder) {
					e.nested(unix.NL80211_ATTR_CQM, func(n *encoder) { n.u8(unix.NL80211_ATTR_CQM_RSSI_LEVEL, 1) })
				})})
			return err
		}, "CMD_NOTIFY_CQM: ATTR_CQM/ATTR_CQM_RSSI_LEVEL: want 4 bytes"},
		{"wiphy freq", func() error {
			ms := wiphySplitDump()
			ms[2].Data = append(ms[2].Data, bad(func(e *encoder) {
				e.nested(unix.NL80211_ATTR_WIPHY_BANDS, func(b *encoder) {
					b.nested(0, func(bd *encoder) {
						bd.nested(unix.NL80211_BAND_ATTR_FREQS, func(fs *encoder) {
							fs.nested(0, func(f *encoder) { f.u16(unix.NL80211_FREQUENCY_ATTR_FREQ, 1) })
						})
					})
				})
			})...)
			_, err := decodeWiphyDump(ms)
			return err
		}, "ATTR_WIPHY_BANDS/BAND_ATTR_FREQS/FREQUENCY_ATTR_FREQ: want 4 bytes, got 2"},
		{"wiphy ciphers", func() error {
			_, err := decodeWiphyDump([]genetlink.Message{{Data: bad(func(e *encoder) {
				e.u32(unix.NL80211_ATTR_WIPHY, 0)
				e.bytes(unix.NL80211_ATTR_CIPHER_SUITES, []byte{1, 2, 3})
			})}})
			return err
		}, "ATTR_CIPHER_SUITES: length 3 is not a multiple of 4"},
		{"wiphy no index", func() error {
			_, err := decodeWiphyDump([]genetlink.Message{{Data: bad(func(e *encoder) {
				e.bytes(unix.NL80211_ATTR_WIPHY_NAME, []byte("x"))
			})}})
			return err
		}, "ATTR_WIPHY: missing"},
		{"iface type", func() error {
			_, err := decodeInterfaces([]genetlink.Message{{Data: bad(func(e *encoder) { e.u8(unix.NL80211_ATTR_IFTYPE, 2) })}})
			return err
		}, "ATTR_IFTYPE: want 4 bytes, got 1"},
		{"station rate", func() error {
			_, err := decodeStations([]genetlink.Message{{Data: bad(func(e *encoder) {
				e.nested(unix.NL80211_ATTR_STA_INFO, func(s *encoder) {
					s.nested(unix.NL80211_STA_INFO_TX_BITRATE, func(r *encoder) { r.u8(unix.NL80211_RATE_INFO_BITRATE32, 1) })
				})
			})}})
			return err
		}, "ATTR_STA_INFO/STA_INFO_TX_BITRATE/RATE_INFO_BITRATE32: want 4 bytes, got 1"},
	} {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestScanDumpErrorNamesCommand(t *testing.T) {
	fk := newFakeKernel(t, func(fk *fakeKernel, h netlink.Header, gm genetlink.Message) {
		fk.deliver(genlMsg(h.Sequence, netlink.Multi, unix.NL80211_CMD_NEW_SCAN_RESULTS, enc(func(e *encoder) {
			e.nested(unix.NL80211_ATTR_BSS, func(n *encoder) { n.u8(unix.NL80211_BSS_SEEN_MS_AGO, 1) })
		})), doneMsg(h.Sequence))
	})
	c := fk.dial(t)
	_, err := c.ScanResults(ctxT(t), 77777)
	if err == nil || err.Error() != "nl80211: CMD_GET_SCAN ifindex 77777: ATTR_BSS/BSS_SEEN_MS_AGO: want 4 bytes, got 1" {
		t.Fatalf("err %v", err)
	}
}

func FuzzDecodeBSS(f *testing.F) {
	f.Add(bssMsg(1, apMAC, 2412).Data[4:])
	f.Add([]byte{})
	f.Add([]byte{8, 0, 0x2f, 0, 4, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		bss, err := decodeBSSMessage(b)
		if err == nil && bss != nil && len(bss.BSSID) != 6 {
			t.Fatalf("BSS without a 6-byte BSSID: %+v", bss)
		}
	})
}

func FuzzDecodeWiphy(f *testing.F) {
	for _, m := range wiphySplitDump() {
		f.Add(m.Data)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ws, err := decodeWiphyDump([]genetlink.Message{{Data: b}, {Data: b}})
		if err == nil && len(ws) != 1 {
			t.Fatalf("two parts of one wiphy gave %d wiphys", len(ws))
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(uint8(unix.NL80211_CMD_CONNECT), enc(func(e *encoder) {
		e.u32(unix.NL80211_ATTR_IFINDEX, 3)
		e.bytes(unix.NL80211_ATTR_MAC, apMAC)
		e.u16(unix.NL80211_ATTR_STATUS_CODE, 0)
		e.bytes(unix.NL80211_ATTR_RESP_IE, rsnIE)
	}))
	f.Add(uint8(unix.NL80211_CMD_NOTIFY_CQM), enc(func(e *encoder) {
		e.nested(unix.NL80211_ATTR_CQM, func(n *encoder) { n.s32(unix.NL80211_ATTR_CQM_RSSI_LEVEL, -70) })
	}))
	f.Add(uint8(unix.NL80211_CMD_NEW_SCAN_RESULTS), scanEvent(unix.NL80211_CMD_NEW_SCAN_RESULTS, 3).Data[4:])
	f.Add(uint8(unix.NL80211_CMD_NEW_WIPHY), wiphySplitDump()[0].Data)
	f.Add(uint8(unix.NL80211_CMD_CONTROL_PORT_FRAME), []byte{})
	f.Fuzz(func(t *testing.T, cmd uint8, b []byte) {
		ev, err := decodeEvent(genetlink.Message{Header: genetlink.Header{Command: cmd}, Data: b})
		if err == nil && ev.Info().Cmd != cmd {
			t.Fatalf("event %+v for command %d", ev, cmd)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "nl80211: CMD_") {
			t.Fatalf("error does not name the command: %v", err)
		}
	})
}

func TestPMKSAEncoding(t *testing.T) {
	pmkid := bytes.Repeat([]byte{7}, 16)
	cmd, a := capture(t, func(ctx context.Context, c *Client) error { return c.SetPMKSA(ctx, 3, apMAC, pmkid, nil) })
	if cmd != unix.NL80211_CMD_SET_PMKSA {
		t.Fatal(cmd)
	}
	hasAll(t, a, map[uint16][]byte{unix.NL80211_ATTR_MAC: apMAC, unix.NL80211_ATTR_PMKID: pmkid})
	if _, ok := a[unix.NL80211_ATTR_PMK]; ok {
		t.Fatal("PMK sent though none given")
	}
}

func FuzzDecodeStation(f *testing.F) {
	f.Add(enc(func(e *encoder) {
		e.bytes(unix.NL80211_ATTR_MAC, apMAC)
		e.nested(unix.NL80211_ATTR_STA_INFO, func(s *encoder) {
			s.u8(unix.NL80211_STA_INFO_SIGNAL, 0xc4)
			s.nested(unix.NL80211_STA_INFO_TX_BITRATE, func(r *encoder) {
				r.u32(unix.NL80211_RATE_INFO_BITRATE32, 8667)
				r.u8(unix.NL80211_RATE_INFO_HE_MCS, 11)
				r.flag(unix.NL80211_RATE_INFO_160_MHZ_WIDTH)
			})
		})
	}))
	f.Fuzz(func(t *testing.T, b []byte) {
		sts, err := decodeStations([]genetlink.Message{{Data: b}})
		if err == nil && len(sts) != 1 {
			t.Fatalf("%d stations from one message", len(sts))
		}
	})
}

// FuzzParseAttrs: the exported attribute walker (wifimon's too) never
// panics, and what it accepts re-encodes to the same attributes.
func FuzzParseAttrs(f *testing.F) {
	f.Add(enc(func(e *encoder) {
		e.u32(unix.NL80211_ATTR_IFINDEX, 3)
		e.bytes(unix.NL80211_ATTR_MAC, apMAC)
		e.nested(unix.NL80211_ATTR_KEY, func(n *encoder) { n.u8(unix.NL80211_KEY_IDX, 1) })
	}))
	f.Add([]byte{})
	f.Add([]byte{3, 0, 1, 0})
	f.Add([]byte{8, 0, 3, 0x80, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		as, err := ParseAttrs(b)
		if err != nil {
			return
		}
		var e encoder
		for _, a := range as {
			e.put(a.Type, a.Data)
		}
		again, err := ParseAttrs(e.b)
		if err != nil || len(again) != len(as) {
			t.Fatalf("re-encoded %d attributes parse as %d: %v", len(as), len(again), err)
		}
		for i := range as {
			if again[i].Type != as[i].Type || !bytes.Equal(again[i].Data, as[i].Data) {
				t.Fatalf("attribute %d: %+v, then %+v", i, as[i], again[i])
			}
		}
	})
}

func TestAttrName(t *testing.T) {
	for _, c := range []struct {
		t    uint16
		want string
	}{{unix.NL80211_ATTR_IFINDEX, "ATTR_IFINDEX"}, {unix.NL80211_ATTR_AKM_SUITES, "ATTR_AKM_SUITES"}, {0x3fff, "ATTR_16383"}} {
		if got := AttrName(c.t); got != c.want {
			t.Errorf("AttrName(%d) = %q, want %q", c.t, got, c.want)
		}
	}
	if n := (Attr{Type: unix.NL80211_ATTR_MAC}).Name(); n != "ATTR_MAC" {
		t.Errorf("Attr.Name %q", n)
	}
}

// TestBandFrequenciesStationBands: the bands a station scans one by one
// are 2.4, 5 and 6 GHz, in that order; 60 GHz and S1G are left out.
func TestBandFrequenciesStationBands(t *testing.T) {
	w := Wiphy{Bands: []Band{
		{Band: unix.NL80211_BAND_2GHZ, Channels: []Channel{{Freq: 2412}}},
		{Band: unix.NL80211_BAND_60GHZ, Channels: []Channel{{Freq: 58320}}},
		{Band: unix.NL80211_BAND_6GHZ, Channels: []Channel{{Freq: 5955}, {Freq: 5975, Disabled: true}}},
		{Band: unix.NL80211_BAND_S1GHZ, Channels: []Channel{{Freq: 902}}},
	}}
	got := w.BandFrequencies()
	if len(got) != 2 || len(got[0]) != 1 || got[0][0] != 2412 || len(got[1]) != 1 || got[1][0] != 5955 {
		t.Fatalf("BandFrequencies = %v, want [[2412] [5955]]", got)
	}
}
