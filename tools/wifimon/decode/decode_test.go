package decode

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

const testNL80211ID = 0x1c

// nlMsg builds one netlink message.
func nlMsg(t testing.TB, typ uint16, flags netlink.HeaderFlags, seq uint32, data []byte) []byte {
	t.Helper()
	b, err := netlink.Message{Header: netlink.Header{Length: uint32(16 + len(data)), Type: netlink.HeaderType(typ), Flags: flags, Sequence: seq}, Data: data}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// genlMsg builds a generic netlink body: header and attributes.
func genlMsg(t testing.TB, cmd uint8, attrs func(ae *netlink.AttributeEncoder)) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	attrs(ae)
	a, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: a}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFamilyMsg(t testing.TB) []byte {
	return nlMsg(t, unix.GENL_ID_CTRL, 0, 7, genlMsg(t, unix.CTRL_CMD_NEWFAMILY, func(ae *netlink.AttributeEncoder) {
		ae.String(unix.CTRL_ATTR_FAMILY_NAME, "nl80211")
		ae.Uint16(unix.CTRL_ATTR_FAMILY_ID, testNL80211ID)
	}))
}

func connectEventMsg(t testing.TB) []byte {
	return nlMsg(t, testNL80211ID, 0, 0, genlMsg(t, unix.NL80211_CMD_CONNECT, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_WIPHY, 1)
		ae.Uint32(unix.NL80211_ATTR_IFINDEX, 5)
		ae.Bytes(unix.NL80211_ATTR_MAC, []byte{2, 0, 0, 0, 0, 0})
		ae.Uint16(unix.NL80211_ATTR_STATUS_CODE, 0)
		ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, 2412)
		// SSID "labnet", RSNE WPA2-PSK CCMP
		ae.Bytes(unix.NL80211_ATTR_REQ_IE, mustHex(t, "00066c61626e6574"+"30140100000fac040100000fac040100000fac020000"))
	}))
}

var testKey = mustHex(nil, "00112233445566778899aabbccddeeff")

func newKeyMsg(t testing.TB) []byte {
	return nlMsg(t, testNL80211ID, netlink.Request|netlink.Acknowledge, 42, genlMsg(t, unix.NL80211_CMD_NEW_KEY, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_IFINDEX, 5)
		ae.Bytes(unix.NL80211_ATTR_MAC, []byte{2, 0, 0, 0, 0, 0})
		ae.Nested(unix.NL80211_ATTR_KEY, func(nae *netlink.AttributeEncoder) error {
			nae.Bytes(unix.NL80211_KEY_DATA, testKey)
			nae.Uint8(unix.NL80211_KEY_IDX, 0)
			nae.Uint32(unix.NL80211_KEY_CIPHER, 0x000fac04)
			nae.Uint32(unix.NL80211_KEY_TYPE, 1)
			return nil
		})
	}))
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestNetlinkNL80211(t *testing.T) {
	d := NewDecoder()
	frame := append(newFamilyMsg(t), connectEventMsg(t)...)
	frame = append(frame, newKeyMsg(t)...)
	evs := d.Netlink(unix.NETLINK_GENERIC, frame)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3: %+v", len(evs), evs)
	}
	var lines []string
	for _, ev := range evs {
		if ev.Malformed != "" {
			t.Fatalf("malformed: %s", ev.Malformed)
		}
		lines = append(lines, ev.Text())
	}
	t.Logf("\n%s", strings.Join(lines, "\n"))
	for i, want := range []string{
		"CTRL_CMD_NEWFAMILY family=nl80211 id=28",
		"* CMD_CONNECT wiphy=1 ifindex=5 mac=02:00:00:00:00:00 status=SUCCESS(0) freq=2412 req_ie=[IEs ssid=labnet security=psk akm=[PSK] pairwise=[CCMP-128] group_cipher=CCMP-128 ies=2]",
		"> CMD_NEW_KEY ifindex=5 mac=02:00:00:00:00:00 key_data_len=16 key_idx=0 cipher=CCMP-128 key_type=pairwise",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("event %d:\n got %s\nwant %s", i, lines[i], want)
		}
	}
	if evs[1].Kind != "nl80211" || evs[1].Dir != "event" || evs[2].Dir != "req" {
		t.Errorf("kind/dir: %s/%s, %s", evs[1].Kind, evs[1].Dir, evs[2].Dir)
	}
	if strings.Contains(strings.Join(lines, "\n"), hex.EncodeToString(testKey)) {
		t.Error("key data printed without -show-secrets")
	}
	d.ShowSecrets = true
	ev := d.Netlink(unix.NETLINK_GENERIC, newKeyMsg(t))[0]
	if !strings.Contains(ev.Text(), "key_data="+hex.EncodeToString(testKey)) {
		t.Errorf("ShowSecrets: %s", ev.Text())
	}
}

func TestNetlinkErrorAndDone(t *testing.T) {
	d := NewDecoder()
	d.SetFamily(testNL80211ID, "nl80211")
	req := newKeyMsg(t)
	errBody := make([]byte, 4)
	e := -int32(unix.ENOLINK)
	errBody[0], errBody[1], errBody[2], errBody[3] = byte(e), byte(e>>8), byte(e>>16), byte(e>>24)
	errBody = append(errBody, req...)
	ev := d.Netlink(unix.NETLINK_GENERIC, nlMsg(t, unix.NLMSG_ERROR, 0, 42, errBody))[0]
	if ev.Kind != "nl80211" || !strings.Contains(ev.Text(), `< ERROR errno="ENOLINK`) || !strings.Contains(ev.Text(), "to=CMD_NEW_KEY") {
		t.Errorf("error: %s (%s)", ev.Text(), ev.Kind)
	}

	// A capped ACK carries only the request's header, then extended ACK
	// attributes: the request is named from the one seen before.
	d.Netlink(unix.NETLINK_GENERIC, req)
	ack := append(make([]byte, 4), req[:16]...)
	ack = append(ack, 8, 0, 4, 0, 0xde, 0xad, 0xbe, 0xef) // NLMSGERR_ATTR_COOKIE
	ev = d.Netlink(unix.NETLINK_GENERIC, nlMsg(t, unix.NLMSG_ERROR, unix.NLM_F_CAPPED, 42, ack))[0]
	if ev.Text() != "< ACK to=CMD_NEW_KEY seq=42" {
		t.Errorf("capped ack: %s", ev.Text())
	}
}

func TestRtnl(t *testing.T) {
	d := NewDecoder()
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(unix.IFA_LOCAL, []byte{192, 168, 77, 60})
	ae.Bytes(unix.IFA_ADDRESS, []byte{192, 168, 77, 60})
	ae.String(unix.IFA_LABEL, "wlan1")
	a, _ := ae.Encode()
	body := append([]byte{unix.AF_INET, 24, 0, 0, 5, 0, 0, 0}, a...)
	ev := d.Netlink(unix.NETLINK_ROUTE, nlMsg(t, unix.RTM_NEWADDR, 0, 0, body))[0]
	if want := "* RTM_NEWADDR ifindex=5 label=wlan1 addr=192.168.77.60/24"; ev.Text() != want {
		t.Errorf("got %s\nwant %s", ev.Text(), want)
	}

	ae = netlink.NewAttributeEncoder()
	ae.Bytes(unix.RTA_GATEWAY, []byte{192, 168, 77, 1})
	ae.Uint32(unix.RTA_OIF, 5)
	ae.Uint32(unix.RTA_TABLE, unix.RT_TABLE_MAIN)
	a, _ = ae.Encode()
	body = append([]byte{unix.AF_INET, 0, 0, 0, unix.RT_TABLE_MAIN, 16, 0, 1, 0, 0, 0, 0}, a...)
	ev = d.Netlink(unix.NETLINK_ROUTE, nlMsg(t, unix.RTM_NEWROUTE, netlink.Request|netlink.Create, 3, body))[0]
	if want := "> RTM_NEWROUTE dst=default via=192.168.77.1 oif=5 table=main proto=dhcp"; ev.Text() != want {
		t.Errorf("got %s\nwant %s", ev.Text(), want)
	}
}

func TestNetlinkMalformed(t *testing.T) {
	d := NewDecoder()
	d.SetFamily(testNL80211ID, "nl80211")
	good := connectEventMsg(t)
	for name, b := range map[string][]byte{
		"short header": good[:10],
		"length":       append([]byte{}, good[:len(good)-3]...),
		"attribute":    append(append([]byte{0, 0, 0, 0}, good[4:20]...), 0xff, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00),
	} {
		if name == "attribute" {
			l := len(b)
			b[0], b[1] = byte(l), byte(l>>8)
		}
		evs := d.Netlink(unix.NETLINK_GENERIC, b)
		last := evs[len(evs)-1]
		if last.Malformed == "" || !strings.HasPrefix(last.Text(), "malformed: ") {
			t.Errorf("%s: %q not malformed", name, last.Text())
		}
		t.Logf("%s: %s", name, last.Text())
	}
}

// TestAirConnect decodes a hwsim0 capture of a WPA2-PSK connect (from the
// lab's TestDemo run, beacons thinned out).
func TestAirConnect(t *testing.T) {
	frames := readPcap(t, "testdata/connect.pcap")
	d := NewDecoder()
	var seq []string
	var all strings.Builder
	for _, f := range frames {
		ev := d.Radiotap(f)
		if ev.Malformed != "" {
			t.Fatalf("malformed: %s", ev.Malformed)
		}
		all.WriteString(ev.Text() + "\n")
		switch ev.Kind {
		case "mgmt":
			if ev.Name != "Beacon" && ev.Name != "Probe Request" && ev.Name != "Probe Response" {
				seq = append(seq, ev.Name)
			}
		case "eapol":
			msg, _ := ev.Get("msg")
			seq = append(seq, "EAPOL "+msg.(string))
			if _, ok := ev.Get("nonce"); ok {
				t.Error("nonce printed without ShowSecrets")
			}
		}
		if _, err := json.Marshal(&ev); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("\n%s", all.String())
	want := "Deauthentication,Deauthentication,Authentication,Authentication,Association Request,Association Response,EAPOL 1/4,EAPOL 2/4,EAPOL 3/4,EAPOL 4/4"
	if got := strings.Join(seq, ","); got != want {
		t.Errorf("sequence\n got %s\nwant %s", got, want)
	}
	d.ShowSecrets = true
	ev := d.Radiotap(frames[len(frames)-1])
	if v, _ := ev.Get("nonce"); v == nil {
		t.Errorf("ShowSecrets: no nonce in %s", ev.Text())
	}
}

func readPcap(t testing.TB, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		b, _, err := r.ReadPacketData()
		if err != nil {
			return out
		}
		out = append(out, b)
	}
}

func TestSAE(t *testing.T) {
	d := NewDecoder()
	hdr := mustHex(t, "b0003a01"+"020000000000"+"020000000100"+"020000000000"+"1000")
	commit := append(append([]byte{}, hdr...), 3, 0, 1, 0, 0, 0, 19, 0)
	commit = append(commit, make([]byte, 96)...)
	ev := d.Dot11(commit)
	if want := "Authentication da=02:00:00:00:00:00 sa=02:00:00:00:01:00 bssid=02:00:00:00:00:00 alg=sae seq=1 status=SUCCESS(0) sae=commit group=19 scalar_len=32 element_len=64"; ev.Text() != want {
		t.Errorf("commit:\n got %s\nwant %s", ev.Text(), want)
	}
	confirm := append(append([]byte{}, hdr...), 3, 0, 2, 0, 0, 0, 1, 0)
	confirm = append(confirm, make([]byte, 32)...)
	ev = d.Dot11(confirm)
	if !strings.HasSuffix(ev.Text(), "sae=confirm send_confirm=1 confirm_len=32") {
		t.Errorf("confirm: %s", ev.Text())
	}
	ev = d.Dot11(commit[:len(hdr)+8+50])
	if !strings.HasPrefix(ev.Text(), "malformed: Authentication: SAE Commit group 19") {
		t.Errorf("short commit: %s", ev.Text())
	}
}

func TestEthernetDHCP(t *testing.T) {
	// A DHCPDISCOVER as a station sends it: Ethernet, IPv4, UDP 68->67.
	b := mustHex(t, "ffffffffffff020000000200080045000110000000004011799e00000000ffffffff0044004300fc0000"+
		"0101060012345678000000000000000000000000000000000000000002000000020000000000000000000000"+
		strings.Repeat("00", 192)+"63825363"+"350101"+"ff")
	ev := NewDecoder().Ethernet("eth:wlan1", b)
	if ev.Name != "DHCPDISCOVER" {
		t.Errorf("got %s (%s)", ev.Text(), ev.Malformed)
	}
	t.Log(ev.Text())
}

func FuzzNetlink(f *testing.F) {
	f.Add(uint16(unix.NETLINK_GENERIC), append(newFamilyMsg(f), connectEventMsg(f)...))
	f.Add(uint16(unix.NETLINK_GENERIC), newKeyMsg(f))
	f.Add(uint16(unix.NETLINK_ROUTE), nlMsg(f, unix.RTM_NEWLINK, 0, 0, make([]byte, 16)))
	f.Add(uint16(unix.NETLINK_ROUTE), nlMsg(f, unix.RTM_NEWROUTE, 0, 0, make([]byte, 12)))
	f.Fuzz(func(t *testing.T, proto uint16, b []byte) {
		d := NewDecoder()
		d.SetFamily(testNL80211ID, "nl80211")
		for _, ev := range d.Netlink(proto, b) {
			exercise(t, &ev)
		}
	})
}

func FuzzRadiotap(f *testing.F) {
	for _, fr := range readPcap(f, "testdata/connect.pcap") {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev := NewDecoder().Radiotap(b)
		exercise(t, &ev)
	})
}

func FuzzDot11(f *testing.F) {
	for _, fr := range readPcap(f, "testdata/connect.pcap") {
		if len(fr) > 4 {
			n := int(fr[2]) | int(fr[3])<<8
			if n <= len(fr) {
				f.Add(fr[n:])
			}
		}
	}
	f.Add(mustHex(f, btmRequestFrame))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev := NewDecoder().Dot11(b)
		exercise(t, &ev)
	})
}

func FuzzEthernet(f *testing.F) {
	f.Add(mustHex(f, "ffffffffffff020000000200888e0203005f02008a00100000000000000001"+strings.Repeat("00", 92)))
	f.Add(mustHex(f, "ffffffffffff0200000002000806000108000604000102000000020000000000000000000000c0a84d01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev := NewDecoder().Ethernet("eth:x", b)
		exercise(t, &ev)
	})
}

// exercise prints an event both ways, as the monitor does.
func exercise(t *testing.T, ev *Event) {
	_ = ev.Text()
	if _, err := json.Marshal(ev); err != nil {
		t.Fatalf("json: %v", err)
	}
}

// TestNL80211AttrSizes: an attribute whose size differs from the one the
// decoder knows (ATTR_CONTROL_PORT_ETHERTYPE is a flag in NEW_WIPHY) does
// not make the message malformed; a control port TX status carries the
// 802.3 frame.
func TestNL80211AttrSizes(t *testing.T) {
	d := NewDecoder()
	d.SetFamily(testNL80211ID, "nl80211")
	m := nlMsg(t, testNL80211ID, 0, 3, genlMsg(t, unix.NL80211_CMD_NEW_WIPHY, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_WIPHY, 1)
		ae.Flag(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, true)
		ae.Uint16(unix.NL80211_ATTR_IFINDEX, 3) // wrong size
	}))
	ev := d.Netlink(unix.NETLINK_GENERIC, m)[0]
	if ev.Malformed != "" || ev.Text() != "< CMD_NEW_WIPHY wiphy=1 control_port_ethertype=true more_attrs=1" {
		t.Errorf("got %q (%s)", ev.Text(), ev.Malformed)
	}
	eapolM2 := append(mustHex(t, "020000000000"+"020000000100"+"888e"), mustHex(t, "0203005f02010a00000000000000000001"+strings.Repeat("11", 32)+strings.Repeat("00", 32)+strings.Repeat("22", 16)+"0000")...)
	m = nlMsg(t, testNL80211ID, 0, 0, genlMsg(t, unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(unix.NL80211_ATTR_FRAME, eapolM2)
		ae.Flag(unix.NL80211_ATTR_ACK, true)
	}))
	ev = d.Netlink(unix.NETLINK_GENERIC, m)[0]
	if !strings.Contains(ev.Text(), "frame=[EAPOL-Key da=02:00:00:00:00:00 sa=02:00:00:00:01:00 version=2 handshake=4-way msg=2/4") {
		t.Errorf("tx status: %s", ev.Text())
	}
}

// btmRequestFrame is a BSS Transition Management Request from 02:..:01 with
// disassociation imminent and one candidate, 02:..:02 on channel 6, as
// hostapd_cli bss_tm_req sends it.
const btmRequestFrame = "d0003a01" + "020101010101" + "020000000001" + "020000000001" + "1000" +
	"0a0701" + "05" + "6400" + "ff" + "3410" + "020000000002" + "8f000000" + "5106" + "07" + "0301ff"

func TestDot11BSSTransitionRequest(t *testing.T) {
	ev := NewDecoder().Dot11(mustHex(t, btmRequestFrame))
	if ev.Malformed != "" {
		t.Fatal(ev.Malformed)
	}
	txt := ev.Text()
	for _, want := range []string{"bss-transition-request", "disassoc-imminent", "disassoc_timer=100", "02:00:00:00:00:02@2437/pref255"} {
		if !strings.Contains(txt, want) {
			t.Errorf("%q lacks %q", txt, want)
		}
	}
	bad := mustHex(t, btmRequestFrame)
	if ev := NewDecoder().Dot11(bad[:len(bad)-6]); ev.Malformed == "" {
		t.Errorf("truncated candidate list decoded: %s", ev.Text())
	}
}

// TestZeroPaddedNL80211: a request whose attributes are all zero octets
// (iwd sends such) is not malformed.
func TestZeroPaddedNL80211(t *testing.T) {
	d := NewDecoder()
	d.Netlink(unix.NETLINK_GENERIC, newFamilyMsg(t))
	ev := d.Netlink(unix.NETLINK_GENERIC, nlMsg(t, testNL80211ID, netlink.Request|netlink.Acknowledge, 28,
		append([]byte{0, 1, 0, 0}, make([]byte, 56)...)))[0]
	if ev.Malformed != "" || ev.Name != "CMD_UNSPEC" {
		t.Fatalf("%+v", ev)
	}
}
