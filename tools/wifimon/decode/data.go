package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"wifid/eapol"
)

var llcSNAP = []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00}

const (
	etherTypeIPv4    = 0x0800
	etherTypeARP     = 0x0806
	etherTypeIPv6    = 0x86dd
	etherTypeEAPOL   = 0x888e
	etherTypePreauth = 0x88c7
)

// dataFrame decodes an 802.11 data frame: LLC/SNAP, then EAPOL or IP.
// Frames protected by CCMP/GCMP show only their length: the monitor holds
// no keys.
func (d *Decoder) dataFrame(h *dot11Header, body []byte, ev Event) Event {
	ev.Kind = "data"
	ev.Name = "Data"
	if h.sub&8 != 0 {
		ev.Name = "QoS Data"
	}
	var da, sa, bssid net.HardwareAddr
	switch {
	case h.toDS && !h.fromDS:
		bssid, sa, da = h.addr1, h.addr2, h.addr3
	case h.fromDS && !h.toDS:
		da, bssid, sa = h.addr1, h.addr2, h.addr3
	default:
		da, sa, bssid = h.addr1, h.addr2, h.addr3
	}
	ev.add("da", da.String())
	ev.add("sa", sa.String())
	ev.add("bssid", bssid.String())
	if h.sub&4 != 0 { // no data: Null, QoS Null, CF-Poll...
		ev.Name = strings.TrimSuffix(ev.Name, "Data") + "Null"
		return ev
	}
	if h.protected {
		ev.add("protected", true)
		ev.add("len", len(body))
		return ev
	}
	if len(body) < 8 || !bytes.Equal(body[:6], llcSNAP) {
		ev.add("len", len(body))
		return ev
	}
	return d.payload(ev, binary.BigEndian.Uint16(body[6:8]), body[8:])
}

// Ethernet decodes a frame captured on a station's own interface (the
// traffic after decryption: DHCP, ARP, and EAPOL when it does not go over
// nl80211's control port).
func (d *Decoder) Ethernet(src string, b []byte) Event {
	if len(b) < 14 {
		return malformed(src, fmt.Sprintf("ethernet: %d octets, need 14", len(b)))
	}
	ev := Event{Source: src, Kind: "ether", Name: "Ethernet", Subtype: -1}
	ev.add("da", net.HardwareAddr(b[0:6]).String())
	ev.add("sa", net.HardwareAddr(b[6:12]).String())
	return d.payload(ev, binary.BigEndian.Uint16(b[12:14]), b[14:])
}

func (d *Decoder) payload(ev Event, etherType uint16, b []byte) Event {
	switch etherType {
	case etherTypeEAPOL, etherTypePreauth:
		if err := d.eapol(&ev, b); err != nil {
			ev.Malformed = err.Error()
		}
		return ev
	case etherTypeIPv4, etherTypeARP, etherTypeIPv6:
		d.l3(&ev, etherType, b)
		return ev
	}
	ev.add("ethertype", fmt.Sprintf("0x%04x", etherType))
	ev.add("len", len(b))
	return ev
}

// l3 decodes ARP, IPv4/UDP/DHCP and IPv6 with gopacket's layers.
func (d *Decoder) l3(ev *Event, etherType uint16, b []byte) {
	first := layers.LayerTypeIPv4
	switch etherType {
	case etherTypeARP:
		first = layers.LayerTypeARP
	case etherTypeIPv6:
		first = layers.LayerTypeIPv6
	}
	var p gopacket.Packet
	if err := safely(func() error {
		p = gopacket.NewPacket(b, first, gopacket.DecodeOptions{NoCopy: true})
		return nil
	}); err != nil {
		ev.Malformed = err.Error()
		return
	}
	if el := p.ErrorLayer(); el != nil && p.Layer(first) == nil {
		ev.Malformed = fmt.Sprintf("%v: %v", first, el.Error())
		return
	}
	if a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
		ev.Kind, ev.Name = "arp", "ARP"
		op := "request"
		if a.Operation == layers.ARPReply {
			op = "reply"
		}
		ev.add("op", op)
		ev.add("sender", net.IP(a.SourceProtAddress).String())
		ev.add("target", net.IP(a.DstProtAddress).String())
		return
	}
	ev.Kind = "ip"
	if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		ev.Name = "IPv4"
		ev.add("src", ip.SrcIP.String())
		ev.add("dst", ip.DstIP.String())
		ev.add("proto", ip.Protocol.String())
	} else if ip6, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
		ev.Name = "IPv6"
		ev.add("src", ip6.SrcIP.String())
		ev.add("dst", ip6.DstIP.String())
		ev.add("next", ip6.NextHeader.String())
	}
	if dh, ok := p.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4); ok {
		ev.Kind = "dhcp"
		ev.Name = "DHCP"
		for _, o := range dh.Options {
			switch o.Type {
			case layers.DHCPOptMessageType:
				if len(o.Data) == 1 {
					ev.Name = "DHCP" + strings.ToUpper(layers.DHCPMsgType(o.Data[0]).String())
				}
			}
		}
		ev.add("xid", fmt.Sprintf("0x%08x", dh.Xid))
		ev.add("chaddr", dh.ClientHWAddr.String())
		if !dh.YourClientIP.IsUnspecified() && dh.YourClientIP != nil {
			ev.add("yiaddr", dh.YourClientIP.String())
		}
		for _, o := range dh.Options {
			switch o.Type {
			case layers.DHCPOptRequestIP:
				if len(o.Data) == 4 {
					ev.add("requested", net.IP(o.Data).String())
				}
			case layers.DHCPOptServerID:
				if len(o.Data) == 4 {
					ev.add("server", net.IP(o.Data).String())
				}
			}
		}
		return
	}
	if el := p.ErrorLayer(); el != nil {
		ev.add("decode_error", el.Error().Error())
	}
	if u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
		ev.add("sport", int(u.SrcPort))
		ev.add("dport", int(u.DstPort))
	}
	if ic, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
		ev.add("icmp", ic.TypeCode.String())
	}
	if ic, ok := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
		ev.add("icmp6", ic.TypeCode.String())
	}
}

var eapCodes = map[uint8]string{1: "Request", 2: "Response", 3: "Success", 4: "Failure", 5: "Initiate", 6: "Finish"}
var eapTypes = map[uint8]string{1: "Identity", 2: "Notification", 3: "Nak", 4: "MD5", 13: "TLS", 21: "TTLS", 25: "PEAP", 26: "MSCHAPv2", 43: "FAST", 47: "PSK", 52: "PWD", 254: "Expanded"}

// eapol decodes an EAPOL frame (header and body) into ev. EAPOL-Key frames
// go through wifid/eapol's parser; the MIC length, which depends on the
// AKM the monitor does not know, is the one (16, 24 or 0) under which the
// Key Data Length matches the frame.
func (d *Decoder) eapol(ev *Event, b []byte) error {
	ev.Kind = "eapol"
	h, body, err := eapol.ParseHeader(b)
	if err != nil {
		ev.Name = "EAPOL"
		return err
	}
	ev.Name = h.Type.String()
	ev.add("version", int(h.Version))
	switch h.Type {
	case eapol.PacketKey:
		return d.eapolKey(ev, b)
	case eapol.PacketEAP:
		if len(body) < 4 {
			return fmt.Errorf("EAP header: %d octets, need 4", len(body))
		}
		ev.Name = "EAP"
		if n, ok := eapCodes[body[0]]; ok {
			ev.add("code", n)
		} else {
			ev.add("code", int(body[0]))
		}
		ev.add("id", int(body[1]))
		if (body[0] == 1 || body[0] == 2) && len(body) > 4 {
			if n, ok := eapTypes[body[4]]; ok {
				ev.add("type", n)
			} else {
				ev.add("type", int(body[4]))
			}
		}
		ev.add("len", int(binary.BigEndian.Uint16(body[2:4])))
	}
	return nil
}

func (d *Decoder) eapolKey(ev *Event, b []byte) error {
	var k *eapol.KeyFrame
	var firstErr error
	for _, micLen := range []int{16, 24, 0} {
		f, err := eapol.ParseKeyFrame(b, micLen)
		if err == nil {
			k = f
			break
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if k == nil {
		return firstErr
	}
	hs, msg := KeyMessage(k)
	ev.add("handshake", hs)
	ev.add("msg", msg)
	desc := "rsn"
	if k.DescriptorType == eapol.DescriptorWPA {
		desc = "wpa"
	}
	ev.add("descriptor", desc)
	ev.add("info", k.Info.String())
	ev.add("key_len", int(k.KeyLength))
	ev.add("replay", k.ReplayCounter)
	if d.ShowSecrets {
		ev.add("nonce", hex.EncodeToString(k.Nonce[:]))
		ev.add("mic", hex.EncodeToString(k.MIC))
		ev.add("key_data", hex.EncodeToString(k.KeyData))
	} else {
		ev.add("nonce_len", len(k.Nonce))
		ev.add("mic_len", len(k.MIC))
	}
	ev.add("key_data_len", len(k.KeyData))
	return nil
}

// KeyMessage says which handshake an EAPOL-Key frame belongs to and which
// message it is: ("4-way", "1/4") ... ("4-way", "4/4"), ("group", "1/2"),
// ("group", "2/2"), or ("request", "") for a supplicant's Request.
func KeyMessage(k *eapol.KeyFrame) (handshake, msg string) {
	i := k.Info
	if i.Has(eapol.KeyInfoRequest) {
		return "request", ""
	}
	if !i.Pairwise() {
		if i.Has(eapol.KeyInfoAck) {
			return "group", "1/2"
		}
		return "group", "2/2"
	}
	switch {
	case i.Has(eapol.KeyInfoAck) && !i.Has(eapol.KeyInfoMIC):
		return "4-way", "1/4"
	case i.Has(eapol.KeyInfoAck):
		return "4-way", "3/4"
	case i.Has(eapol.KeyInfoSecure):
		return "4-way", "4/4"
	case k.Nonce != [32]byte{}:
		return "4-way", "2/4"
	}
	return "4-way", "4/4" // WPA1 message 4: not secure, zero nonce
}
