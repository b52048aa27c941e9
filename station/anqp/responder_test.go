package anqp

import (
	"encoding/binary"
	"encoding/hex"
	"net"
	"strings"
	"testing"
)

// responder answers GAS Initial and Comeback Requests as hostapd's
// gas_serv.c does: the ANQP elements asked for in the Query List that it
// has, in the Initial Response when they fit in fragLimit octets and no
// comebackDelay is set, otherwise a comeback delay in the Initial
// Response and then fragments of at most fragLimit octets in Comeback
// Responses with comeback delay 0. notReady makes that many Comeback
// Responses say "not yet" (status 95, delay 1) first, as a server still
// waiting for its answer does.
type responder struct {
	t             testing.TB
	bssid         net.HardwareAddr
	elements      map[uint16][]byte // Info ID -> body
	fragLimit     int
	comebackDelay uint16
	notReady      int

	sta    net.HardwareAddr
	token  uint8
	resp   []byte
	pos    int
	fragID uint8
}

func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// header of a frame from the AP to the station.
func (p *responder) header(sta net.HardwareAddr) []byte {
	h := make([]byte, 24)
	h[0] = 0xd0
	copy(h[4:], sta)
	copy(h[10:], p.bssid)
	copy(h[16:], p.bssid)
	return h
}

// initial answers a GAS Initial Request frame.
func (p *responder) initial(req []byte) []byte {
	t := p.t
	t.Helper()
	if len(req) < 24+9 || req[0] != 0xd0 || req[24] != 4 || req[25] != 10 {
		t.Fatalf("not a GAS Initial Request: % x", req)
	}
	if string(req[4:10]) != string(p.bssid) || string(req[16:22]) != string(p.bssid) {
		t.Fatalf("request addressed to %s / %s", net.HardwareAddr(req[4:10]), net.HardwareAddr(req[16:22]))
	}
	p.sta, p.token = net.HardwareAddr(req[10:16]), req[26]
	if got := hex.EncodeToString(req[27:31]); got != "6c027f00" {
		t.Fatalf("Advertisement Protocol element %s, want 6c027f00", got)
	}
	ql := int(binary.LittleEndian.Uint16(req[31:]))
	if ql != len(req)-33 {
		t.Fatalf("query length %d, %d bytes follow", ql, len(req)-33)
	}
	es, err := Elements(req[33:])
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	var resp []byte
	for _, e := range es {
		if e.ID != InfoQueryList {
			continue
		}
		for i := 0; i+2 <= len(e.Body); i += 2 {
			id := binary.LittleEndian.Uint16(e.Body[i:])
			if body, ok := p.elements[id]; ok {
				resp = binary.LittleEndian.AppendUint16(resp, id)
				resp = binary.LittleEndian.AppendUint16(resp, uint16(len(body)))
				resp = append(resp, body...)
			}
		}
	}
	limit := p.fragLimit
	if limit == 0 {
		limit = 1400
	}
	if len(resp) > limit || p.comebackDelay != 0 {
		p.resp, p.pos, p.fragID = resp, 0, 0
		delay := p.comebackDelay
		if delay == 0 {
			delay = 1
		}
		return p.gasResp(11, 0, -1, delay, nil)
	}
	return p.gasResp(11, 0, -1, 0, resp)
}

// comeback answers a GAS Comeback Request frame.
func (p *responder) comeback(req []byte) []byte {
	t := p.t
	t.Helper()
	if len(req) != 24+3 || req[24] != 4 || req[25] != 12 || req[26] != p.token {
		t.Fatalf("not a GAS Comeback Request for token %d: % x", p.token, req)
	}
	if p.notReady > 0 {
		p.notReady--
		return p.gasResp(13, 95, 0, 1, nil)
	}
	frag := p.resp[p.pos:]
	more := 0
	if len(frag) > p.fragLimit {
		frag, more = frag[:p.fragLimit], 0x80
	}
	p.pos += len(frag)
	f := p.gasResp(13, 0, int(p.fragID)|more, 0, frag)
	p.fragID++
	return f
}

// gasResp builds a GAS Initial (action 11) or Comeback (13) Response;
// fragID < 0 leaves the fragment ID out (Initial Response).
func (p *responder) gasResp(action byte, status uint16, fragID int, delay uint16, resp []byte) []byte {
	f := append(p.header(p.sta), 4, action, p.token)
	f = binary.LittleEndian.AppendUint16(f, status)
	if fragID >= 0 {
		f = append(f, byte(fragID))
	}
	f = binary.LittleEndian.AppendUint16(f, delay)
	f = append(f, 0x6c, 2, 0x7f, 0)
	f = binary.LittleEndian.AppendUint16(f, uint16(len(resp)))
	return append(f, resp...)
}

// hostapdNAIRealm encodes an NAI Realm element body as hostapd's
// anqp_add_nai_realm does from nai_realm lines: realms joined by ';',
// each EAP method's parameters one octet each.
type naiRealmConf struct {
	encoding uint8
	realms   []string
	methods  []eapConf
}

type eapConf struct {
	method uint8
	params [][2]uint8 // ID, value
}

func hostapdNAIRealm(confs ...naiRealmConf) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(confs)))
	for _, c := range confs {
		realm := strings.Join(c.realms, ";")
		d := []byte{c.encoding, byte(len(realm))}
		d = append(d, realm...)
		d = append(d, byte(len(c.methods)))
		for _, m := range c.methods {
			d = append(d, byte(2+3*len(m.params)), m.method, byte(len(m.params)))
			for _, p := range m.params {
				d = append(d, p[0], 1, p[1])
			}
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(d)))
		b = append(b, d...)
	}
	return b
}
