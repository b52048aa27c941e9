package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

const testNL80211ID = 28

// nlFrame is one nlmon frame: cooked header, then a generic netlink
// nl80211 message.
// A nil attrs gives the controller's CTRL_CMD_NEWFAMILY for nl80211.
func nlFrame(t *testing.T, cmd uint8, flags netlink.HeaderFlags, attrs func(*netlink.AttributeEncoder)) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	typ := uint16(testNL80211ID)
	if attrs == nil {
		typ, cmd = unix.GENL_ID_CTRL, unix.CTRL_CMD_NEWFAMILY
		attrs = func(ae *netlink.AttributeEncoder) {
			ae.Uint16(unix.CTRL_ATTR_FAMILY_ID, testNL80211ID)
			ae.String(unix.CTRL_ATTR_FAMILY_NAME, "nl80211")
		}
	}
	attrs(ae)
	a, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	g, _ := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: a}.MarshalBinary()
	m, err := netlink.Message{Header: netlink.Header{Length: uint32(16 + len(g)), Type: netlink.HeaderType(typ), Flags: flags, Sequence: 1}, Data: g}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	sll := make([]byte, sllLen)
	sll[2], sll[3] = byte(unix.ARPHRD_NETLINK>>8), byte(unix.ARPHRD_NETLINK&0xff)
	sll[15] = unix.NETLINK_GENERIC
	return append(sll, m...)
}

func airFrames(t *testing.T) [][]byte {
	f, err := os.Open("decode/testdata/connect.pcap")
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

// TestPcapRoundTrip writes a pcapng file with a netlink, an air and an
// Ethernet interface as a capture would, reads it back with -r and checks
// the decode; when tshark is installed it must read the same frames.
func TestPcapRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.pcapng")
	srcs := []*source{
		{name: "wifimon0", linkType: linkTypeNetlink, desc: familyDescription(map[string]uint16{"nl80211": testNL80211ID})},
		{name: "hwsim0", linkType: linkTypeRadiotap},
		{name: "wlan1", linkType: linkTypeEthernet},
	}
	w, err := newPcapWriter(path, srcs)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	n := 0
	put := func(src int, b []byte) {
		n++
		if err := w.write(record{t: now.Add(time.Duration(n) * time.Millisecond), src: src, data: b}); err != nil {
			t.Fatal(err)
		}
	}
	// What wifimon's own family query leaves in a live capture, so
	// Wireshark learns nl80211's id as the decoder does.
	put(0, nlFrame(t, 0, 0, nil))
	put(0, nlFrame(t, unix.NL80211_CMD_CONNECT, netlink.Request, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_IFINDEX, 5)
		ae.Bytes(unix.NL80211_ATTR_SSID, []byte("labnet"))
		ae.Bytes(unix.NL80211_ATTR_PMK, bytes.Repeat([]byte{0xab}, 32))
	}))
	air := airFrames(t)
	for _, f := range air {
		put(1, f)
	}
	put(2, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 2, 0, 0x08, 0x06, 0, 1}) // a truncated ARP
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	if err := run(context.Background(), options{read: path, json: true, beacons: true}, &out, &errb); err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines for %d frames:\n%s", len(lines), n, out.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &first); err != nil {
		t.Fatal(err)
	}
	if first["name"] != "CMD_CONNECT" || first["kind"] != "nl80211" || first["ssid"] != "labnet" || first["pmk_len"] != 32.0 {
		t.Errorf("netlink frame: %s", lines[1])
	}
	if strings.Contains(out.String(), "abababab") {
		t.Error("PMK printed without -show-secrets")
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"malformed"`) || !strings.Contains(last, `"source":"eth:wlan1"`) {
		t.Errorf("truncated ARP: %s", last)
	}
	if !strings.Contains(errb.String(), "(nl 2, air 26, eth 1)") {
		t.Errorf("summary: %s", errb.String())
	}

	// The text form prints malformed frames as "malformed: <why>".
	out.Reset()
	if err := run(context.Background(), options{read: path}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "eth:wlan1 malformed: ARP") || !strings.Contains(out.String(), "msg=4/4") {
		t.Errorf("text:\n%s", out.String())
	}

	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: the Wireshark check is skipped")
	}
	o, err := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "frame.protocols").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	protos := strings.Split(strings.TrimSpace(string(o)), "\n")
	if len(protos) != n {
		t.Fatalf("tshark read %d frames, want %d", len(protos), n)
	}
	if !strings.Contains(protos[1], "netlink") || !strings.Contains(protos[1], "nl80211") {
		t.Errorf("tshark does not see nl80211 in the netlink frame: %s", protos[1])
	}
	if !strings.Contains(protos[2], "radiotap:wlan_radio:wlan") {
		t.Errorf("tshark on the air frame: %s", protos[2])
	}
}
