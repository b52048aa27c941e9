package hwsim

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
)

func encodeTx(t testing.TB, skip uint16, mutate func(ae *netlink.AttributeEncoder)) []byte {
	ae := netlink.NewAttributeEncoder()
	put := func(typ uint16, f func()) {
		if typ != skip {
			f()
		}
	}
	put(attrAddrTransmitter, func() { ae.Bytes(attrAddrTransmitter, []byte{0x42, 0, 0, 0, 1, 0}) })
	put(attrFrame, func() { ae.Bytes(attrFrame, testFrame()) })
	put(attrFlags, func() { ae.Uint32(attrFlags, txCtlReqTxStatus) })
	put(attrCookie, func() { ae.Uint64(attrCookie, 77) })
	put(attrFreq, func() { ae.Uint32(attrFreq, 2412) })
	put(attrTxInfo, func() { ae.Bytes(attrTxInfo, []byte{0, 3, 1, 2, 0xff, 0, 0xff, 0}) })
	if mutate != nil {
		mutate(ae)
	}
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testFrame is a deauthentication from 02:00:00:00:00:00 to 02:00:00:00:01:00.
func testFrame() []byte {
	f := []byte{0xc0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 7, 0}
	return f
}

func TestDecodeTxFrame(t *testing.T) {
	f, err := decodeTxFrame(encodeTx(t, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.Transmitter.String() != "42:00:00:00:01:00" || f.Cookie != 77 || f.Freq != 2412 || f.Flags != txCtlReqTxStatus {
		t.Errorf("decoded %+v", f)
	}
	if len(f.Rates) != 4 || f.Rates[0] != (TxRate{0, 3}) || f.Rates[2].Idx != -1 {
		t.Errorf("rates %+v", f.Rates)
	}
	if f.dst().String() != "02:00:00:00:01:00" {
		t.Errorf("dst %v", f.dst())
	}
}

func TestDecodeTxFrameErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"no transmitter", encodeTx(t, attrAddrTransmitter, nil), "ATTR_ADDR_TRANSMITTER: missing"},
		{"no frame", encodeTx(t, attrFrame, nil), "ATTR_FRAME: missing"},
		{"no cookie", encodeTx(t, attrCookie, nil), "ATTR_COOKIE: missing"},
		{"no tx info", encodeTx(t, attrTxInfo, nil), "ATTR_TX_INFO: missing"},
		{"short transmitter", encodeTx(t, attrAddrTransmitter, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(attrAddrTransmitter, []byte{1, 2, 3})
		}), "ATTR_ADDR_TRANSMITTER: length 3, want 6"},
		{"tiny frame", encodeTx(t, attrFrame, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(attrFrame, []byte{1, 2})
		}), "ATTR_FRAME: length 2"},
		{"odd tx info", encodeTx(t, attrTxInfo, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(attrTxInfo, []byte{1, 2, 3})
		}), "ATTR_TX_INFO: length 3"},
		{"truncated", []byte{8, 0, 1}, "attributes"},
	} {
		_, err := decodeTxFrame(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestRxFrameAndTxInfoEncode(t *testing.T) {
	rx := rxFrame{Receiver: net.HardwareAddr{0x42, 0, 0, 0, 1, 0}, Data: testFrame(), Signal: -85, Freq: 5180}
	b, err := rx.encode()
	if err != nil {
		t.Fatal(err)
	}
	ad, _ := netlink.NewAttributeDecoder(b)
	got := map[uint16][]byte{}
	for ad.Next() {
		got[ad.Type()] = ad.Bytes()
	}
	if int32(binary.NativeEndian.Uint32(got[attrSignal])) != -85 || binary.NativeEndian.Uint32(got[attrFreq]) != 5180 ||
		!bytes.Equal(got[attrFrame], testFrame()) || len(got[attrRxRate]) != 4 {
		t.Errorf("rx attributes %v", got)
	}
	ti := txInfo{Transmitter: rx.Receiver, Flags: txStatAck, Signal: -30, Cookie: 9, Rates: []TxRate{{2, 1}, {-1, 0}}}
	b, err = ti.encode()
	if err != nil {
		t.Fatal(err)
	}
	ad, _ = netlink.NewAttributeDecoder(b)
	got = map[uint16][]byte{}
	for ad.Next() {
		got[ad.Type()] = ad.Bytes()
	}
	if !bytes.Equal(got[attrTxInfo], []byte{2, 1, 0xff, 0}) || binary.NativeEndian.Uint64(got[attrCookie]) != 9 ||
		binary.NativeEndian.Uint32(got[attrFlags]) != txStatAck {
		t.Errorf("tx info attributes %v", got)
	}
}

func TestDecodeRadio(t *testing.T) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(attrRadioID, 3)
	ae.String(attrRadioName, "rad3")
	ae.Uint32(attrChannels, 1)
	ae.Flag(attrSupportP2PDevice, true)
	ae.Bytes(attrRegHintAlpha2, []byte("DE"))
	b, _ := ae.Encode()
	r, err := decodeRadio(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 3 || r.Name != "rad3" || !r.P2P || r.Alpha2 != "DE" || r.Channels != 1 || r.CustomReg != -1 {
		t.Errorf("radio %+v", r)
	}
	ae = netlink.NewAttributeEncoder()
	ae.String(attrRadioName, "x")
	b, _ = ae.Encode()
	if _, err := decodeRadio(b); err == nil || !strings.Contains(err.Error(), "ATTR_RADIO_ID: missing") {
		t.Errorf("no id: %v", err)
	}
}

func TestRadioConfigEncode(t *testing.T) {
	rc := RadioConfig{Name: "rad0", P2P: true, NoVIF: true, DisableIftypes: []string{"ap", "p2p_go"}, DisableCiphers: []string{"tkip"}}
	b, err := rc.encode()
	if err != nil {
		t.Fatal(err)
	}
	ad, _ := netlink.NewAttributeDecoder(b)
	got := map[uint16][]byte{}
	for ad.Next() {
		got[ad.Type()] = ad.Bytes()
	}
	if cstring(got[attrRadioName]) != "rad0" {
		t.Errorf("name %q", got[attrRadioName])
	}
	for _, a := range []uint16{attrDestroyRadioOnClose, attrSupportP2PDevice, attrNoVIF} {
		if v, ok := got[a]; !ok || len(v) != 0 {
			t.Errorf("flag %d: %v %v", a, v, ok)
		}
	}
	mask := binary.NativeEndian.Uint32(got[attrIftypeSupport])
	if mask != defaultIftypes&^(1<<iftypeAP|1<<iftypeP2PGO) {
		t.Errorf("iftype mask %#x", mask)
	}
	if len(got[attrCipherSupport]) != 4*(len(cipherSuites)-1) || bytes.Contains(got[attrCipherSupport], []byte{0x02, 0xac, 0x0f, 0x00}) {
		t.Errorf("ciphers % x", got[attrCipherSupport])
	}
	if _, err := (&RadioConfig{DisableIftypes: []string{"toaster"}}).encode(); err == nil {
		t.Error("unknown iftype accepted")
	}
	if _, err := (&RadioConfig{DisableCiphers: []string{"rot13"}}).encode(); err == nil {
		t.Error("unknown cipher accepted")
	}
}

func TestParseAddresses(t *testing.T) {
	a, err := parseAddresses([]byte("02:00:00:00:03:00\n42:00:00:00:03:00\n"))
	if err != nil || a[1].String() != "42:00:00:00:03:00" {
		t.Errorf("%v %v", a, err)
	}
	if _, err := parseAddresses([]byte("02:00:00:00:03:00\n")); err == nil {
		t.Error("one address accepted")
	}
	if _, err := parseAddresses([]byte("nonsense words")); err == nil {
		t.Error("nonsense accepted")
	}
	d := defaultAddresses(0x102, nil)
	if d[0].String() != "02:00:00:01:02:00" || d[1].String() != "42:00:00:01:02:00" {
		t.Errorf("default addresses %v", d)
	}
}

func FuzzDecodeTxFrame(f *testing.F) {
	f.Add(encodeTx(f, 0, nil))
	f.Add(encodeTx(f, attrCookie, nil))
	f.Add([]byte{4, 0, 1, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeTxFrame(b)
		if err == nil {
			_ = fr.dst()
			if len(fr.Transmitter) != 6 || len(fr.Data) < 10 {
				t.Fatalf("accepted %+v", fr)
			}
		}
	})
}

func FuzzDecodeRadio(f *testing.F) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(attrRadioID, 1)
	ae.String(attrRadioName, "rad1")
	ae.Bytes(attrCipherSupport, []byte{4, 0xac, 0x0f, 0})
	b, _ := ae.Encode()
	f.Add(b)
	f.Add([]byte{8, 0, 10, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := decodeRadio(b); err == nil && r.ID < 0 {
			t.Fatalf("negative id %d", r.ID)
		}
	})
}

func FuzzDecodeMACAddr(f *testing.F) {
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(attrAddrTransmitter, []byte{0x42, 0, 0, 0, 1, 0})
	ae.Bytes(attrAddrReceiver, []byte{2, 0, 0, 0, 1, 0})
	b, _ := ae.Encode()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := decodeMACAddr(b); err == nil && (len(e.Radio) != 6 || len(e.Addr) != 6) {
			t.Fatalf("accepted %+v", e)
		}
	})
}

func FuzzDecodeGenl(f *testing.F) {
	f.Add([]byte{cmdFrame, 1, 0, 0, 8, 0, 1, 0, 1, 2, 3, 4})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if km, err := decodeGenl(b); err == nil {
			decodeTxFrame(km.Data)
			decodeRadio(km.Data)
			decodeMACAddr(km.Data)
		}
	})
}
