package anqp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	ownAddr = mac("02:00:00:00:00:00")
	apAddr  = mac("02:00:00:00:04:00")
)

// naiRealmHostapd is hostapd's NAI Realm element body for
//
//	nai_realm=1,example.com,13[5:6],21[2:4][5:7]
//	nai_realm=1,another.example.com
const naiRealmHostapd = "0200" +
	"1d00 01 0b 6578616d706c652e636f6d 02" +
	" 05 0d 01 050106" + // EAP-TLS, credential type 6 (certificate)
	" 08 15 02 020104 050107" + // EAP-TTLS, non-EAP inner MSCHAPv2, credential 7 (username/password)
	"1600 01 13 616e6f746865722e6578616d706c652e636f6d 00"

func hotspot(t testing.TB) *responder {
	return &responder{
		t:     t,
		bssid: apAddr,
		elements: map[uint16][]byte{
			InfoNAIRealm:   hx(t, naiRealmHostapd),
			InfoDomainName: hx(t, "0b 6578616d706c652e636f6d"),
		},
	}
}

func TestRequestFrame(t *testing.T) {
	r := NewRequest(ownAddr, apAddr, 0x5a)
	// iwd 2.3 station_start_anqp's query: a Query List asking for the NAI
	// Realm list, and the Hotspot 2.0 Query List asking for the OSU
	// Providers NAI List.
	want := hx(t, "d000 0000 020000000400 020000000000 020000000400 0000"+
		"04 0a 5a 6c027f00 1100"+
		"0001 0200 0701"+
		"dddd 0700 506f9a 11 01 00 0d")
	if got := r.Frame(); !bytes.Equal(got, want) {
		t.Errorf("Frame\n got % x\nwant % x", got, want)
	}
	r = NewRequest(ownAddr, apAddr, 1, InfoNAIRealm, InfoDomainName, InfoRoamingConsortium)
	if got := r.Frame()[33:43]; !bytes.Equal(got, hx(t, "0001 0600 0701 0c01 0501")) {
		t.Errorf("Query List % x", got)
	}
	if r.Result() != nil || r.State() != "initial" {
		t.Errorf("fresh request: result %v, state %s", r.Result(), r.State())
	}
}

// exchange runs r against p until done or an error, sending the frames
// Handle asks for; it returns the delays it was told to wait.
func exchange(t *testing.T, r *Request, p *responder) ([]time.Duration, error) {
	t.Helper()
	reply := p.initial(r.Frame())
	var delays []time.Duration
	for range 1000 {
		ok, next, delay, done, err := r.Handle(reply)
		if !ok {
			t.Fatalf("reply ignored: % x", reply)
		}
		if err != nil || done {
			if done && next != nil {
				t.Fatal("done with a next frame")
			}
			return delays, err
		}
		if next == nil {
			t.Fatal("not done, no error, no next frame")
		}
		delays = append(delays, delay)
		reply = p.comeback(next)
	}
	t.Fatal("exchange does not end")
	return nil, nil
}

func TestDirectResponse(t *testing.T) {
	r := NewRequest(ownAddr, apAddr, 7, InfoNAIRealm, InfoDomainName)
	delays, err := exchange(t, r, hotspot(t))
	if err != nil || len(delays) != 0 {
		t.Fatalf("delays %v, %v", delays, err)
	}
	es, err := Elements(r.Result())
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].ID != InfoNAIRealm || es[1].ID != InfoDomainName || !bytes.Equal(es[0].Body, hx(t, naiRealmHostapd)) {
		t.Fatalf("elements %+v", es)
	}
	if r.State() != "finished" {
		t.Errorf("state %s", r.State())
	}
	// after the end, everything is ignored
	if ok, _, _, _, _ := r.Handle(hotspot(t).initial(r.Frame())); ok {
		t.Error("a response after the end was taken")
	}
}

func TestComebackFragments(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fragLimit     int
		comebackDelay uint16
		notReady      int
		wantDelays    []time.Duration
	}{
		// hostapd's gas_comeback_delay=500: one comeback, the whole answer
		{"delay", 1400, 500, 0, []time.Duration{512 * time.Millisecond}},
		// gas_frag_limit=50: the Initial Response's delay is 1 TU, then
		// fragments back to back
		{"fragments", 50, 0, 0, []time.Duration{1024 * time.Microsecond, 0}},
		{"one-octet fragments", 1, 0, 0, nil},
		{"not ready twice", 50, 0, 2, []time.Duration{1024 * time.Microsecond, 1024 * time.Microsecond, 1024 * time.Microsecond, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := hotspot(t)
			p.fragLimit, p.comebackDelay, p.notReady = tc.fragLimit, tc.comebackDelay, tc.notReady
			r := NewRequest(ownAddr, apAddr, 200)
			delays, err := exchange(t, r, p)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantDelays != nil && !equalDurations(delays, tc.wantDelays) {
				t.Errorf("delays %v, want %v", delays, tc.wantDelays)
			}
			es, err := Elements(r.Result())
			if err != nil || len(es) != 1 || !bytes.Equal(es[0].Body, hx(t, naiRealmHostapd)) {
				t.Fatalf("elements %+v, %v", es, err)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHandleIgnores(t *testing.T) {
	r := NewRequest(ownAddr, apAddr, 9)
	p := hotspot(t)
	good := p.initial(r.Frame())
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for name, frame := range map[string][]byte{
		"empty":          nil,
		"header only":    good[:24],
		"no token":       good[:26],
		"not action":     mut(func(b []byte) []byte { b[0] = 0x50; return b }),
		"other source":   mut(func(b []byte) []byte { b[15] = 1; return b }),
		"other category": mut(func(b []byte) []byte { b[24] = 9; return b }),
		"comeback resp":  mut(func(b []byte) []byte { b[25] = 13; return b }),
		"initial req":    mut(func(b []byte) []byte { b[25] = 10; return b }),
		"other token":    mut(func(b []byte) []byte { b[26] = 10; return b }),
	} {
		if ok, next, delay, done, err := r.Handle(frame); ok || next != nil || delay != 0 || done || err != nil {
			t.Errorf("%s: ok %v next %x delay %v done %v err %v", name, ok, next, delay, done, err)
		}
	}
	if ok, _, _, done, err := r.Handle(good); !ok || !done || err != nil {
		t.Errorf("good frame after the ignored ones: %v %v %v", ok, done, err)
	}
}

func TestHandleFails(t *testing.T) {
	r0 := NewRequest(ownAddr, apAddr, 9)
	good := hotspot(t).initial(r0.Frame())
	initial := func(rest string) []byte { return append(bytes.Clone(good[:27]), hx(t, rest)...) }
	for _, tc := range []struct {
		name, want string
		frame      []byte
	}{
		{"status", "anqp: GAS Initial Response from 02:00:00:00:04:00: status 59 (GAS_ADVERTISEMENT_PROTOCOL_NOT_SUPPORTED)", initial("3b00 0000 6c027f00 0000")},
		{"status truncated", "anqp: GAS Initial Response: status code truncated", initial("00")},
		{"delay truncated", "anqp: GAS Initial Response: comeback delay truncated", initial("0000 00")},
		{"no adv proto", "anqp: GAS Initial Response: Advertisement Protocol element truncated", initial("0000 0000 6c")},
		{"adv proto overruns", "anqp: GAS Initial Response: Advertisement Protocol element truncated", initial("0000 0000 6c037f00")},
		{"other element", "anqp: GAS Initial Response: element 107 where the Advertisement Protocol element belongs", initial("0000 0000 6b027f00 0000")},
		{"not ANQP", "anqp: GAS Initial Response: advertisement protocol 7f dd is not ANQP", initial("0000 0000 6c027fdd 0000")},
		{"empty tuple", "anqp: GAS Initial Response: advertisement protocol  is not ANQP", initial("0000 0000 6c00 0000")},
		{"length truncated", "anqp: GAS Initial Response: query response length truncated", initial("0000 0000 6c027f00 00")},
		{"response truncated", "anqp: GAS Initial Response: query response length 10 exceeds the 3 bytes left", initial("0000 0000 6c027f00 0a00 070100")},
	} {
		r := NewRequest(ownAddr, apAddr, 9)
		ok, next, _, done, err := r.Handle(tc.frame)
		if !ok || next != nil || done || err == nil || err.Error() != tc.want {
			t.Errorf("%s: ok %v next %x done %v\n got %v\nwant %s", tc.name, ok, next, done, err, tc.want)
		}
		if r.Result() != nil || r.State() != "failed" {
			t.Errorf("%s: result %x state %s", tc.name, r.Result(), r.State())
		}
		if ok, _, _, _, _ := r.Handle(good); ok {
			t.Errorf("%s: a frame after the failure was taken", tc.name)
		}
	}

	// comeback responses that fail: each after an Initial Response with a
	// comeback delay
	comeback := func(rest string) []byte {
		f := bytes.Clone(good[:27])
		f[25] = 13
		return append(f, hx(t, rest)...)
	}
	for _, tc := range []struct {
		name, want string
		frames     [][]byte
	}{
		{"status", "anqp: GAS Comeback Response from 02:00:00:00:04:00: status 61 (GAS_RESPONSE_NOT_RECEIVED_FROM_SERVER)", [][]byte{comeback("3d00 00 0000 6c027f00 0000")}},
		{"outstanding without delay", "anqp: GAS Comeback Response from 02:00:00:00:04:00: status 95 (QUERY_RESPONSE_OUTSTANDING) without a comeback delay", [][]byte{comeback("5f00 00 0000 6c027f00 0000")}},
		{"fragment truncated", "anqp: GAS Comeback Response: fragment ID truncated", [][]byte{comeback("0000")}},
		{"adv proto changed", "anqp: GAS Comeback Response: Advertisement Protocol element 6c 02 00 00, the Initial Response's was 6c 02 7f 00", [][]byte{comeback("0000 00 0000 6c020000 0000")}},
		{"first fragment 1", "anqp: GAS Comeback Response: fragment ID 1, want 0", [][]byte{comeback("0000 01 0000 6c027f00 0000")}},
		{"fragment skipped", "anqp: GAS Comeback Response: fragment ID 2, want 1", [][]byte{comeback("0000 80 0000 6c027f00 0100 aa"), comeback("0000 02 0000 6c027f00 0000")}},
		{"delay with fragment", "anqp: GAS Comeback Response: comeback delay 1 with fragment ID 3", [][]byte{comeback("0000 03 0100 6c027f00 0000")}},
	} {
		r := NewRequest(ownAddr, apAddr, 9)
		if ok, next, delay, _, err := r.Handle(initial("0000 0a00 6c027f00 0000")); !ok || next == nil || delay != 10240*time.Microsecond || err != nil {
			t.Fatalf("%s: comeback delay not taken: %v %x %v %v", tc.name, ok, next, delay, err)
		}
		var err error
		for _, f := range tc.frames {
			var ok bool
			if ok, _, _, _, err = r.Handle(f); !ok {
				t.Fatalf("%s: ignored % x", tc.name, f)
			}
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

func TestRepeatedFragment(t *testing.T) {
	p := hotspot(t)
	p.fragLimit = 40
	r := NewRequest(ownAddr, apAddr, 33)
	_, next, _, _, err := r.Handle(p.initial(r.Frame()))
	if err != nil || next == nil {
		t.Fatal(next, err)
	}
	first := p.comeback(next)
	_, next, _, _, err = r.Handle(first)
	if err != nil || next == nil {
		t.Fatal(next, err)
	}
	// the AP did not hear our ack and sends fragment 0 again
	ok, again, _, done, err := r.Handle(first)
	if !ok || again != nil || done || err != nil {
		t.Fatalf("repeat: %v %x %v %v", ok, again, done, err)
	}
	for {
		ok, n, _, done, err := r.Handle(p.comeback(next))
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		if done {
			break
		}
		next = n
	}
	if es, err := Elements(r.Result()); err != nil || len(es) != 1 || !bytes.Equal(es[0].Body, hx(t, naiRealmHostapd)) {
		t.Fatalf("%+v %v", es, err)
	}
}

func TestReassemblyBounds(t *testing.T) {
	// a responder that sends 1400-octet fragments forever: stopped at
	// MaxResponse
	p := hotspot(t)
	p.fragLimit = 1400
	p.elements[InfoNAIRealm] = make([]byte, 65000)
	p.elements[InfoDomainName] = make([]byte, 1000)
	r := NewRequest(ownAddr, apAddr, 1, InfoNAIRealm, InfoDomainName)
	_, err := exchange(t, r, p)
	if err == nil || err.Error() != "anqp: query response over 65536 bytes" || !errors.Is(err, ErrMalformed) {
		t.Fatalf("65 KB response: %v", err)
	}

	// "not ready" forever: stopped after maxComebacks
	p = hotspot(t)
	p.fragLimit, p.notReady = 50, 1<<20
	r = NewRequest(ownAddr, apAddr, 1)
	delays, err := exchange(t, r, p)
	if err == nil || !strings.Contains(err.Error(), "more than 160 comeback responses") || len(delays) != maxComebacks+1 {
		t.Fatalf("endless comebacks: %d delays, %v", len(delays), err)
	}

	// fragment IDs have 7 bits: the 129th fragment cannot be taken
	p = hotspot(t)
	p.fragLimit = 1
	p.elements[InfoNAIRealm] = make([]byte, 200)
	r = NewRequest(ownAddr, apAddr, 1)
	_, err = exchange(t, r, p)
	if err == nil || err.Error() != "anqp: GAS Comeback Response: fragment ID 0, want 128" {
		t.Fatalf("129 fragments: %v", err)
	}
}

func TestElements(t *testing.T) {
	es, err := Elements(hx(t, "0701 0300 010203 0c01 0000 dddd 0100 ff"))
	if err != nil || len(es) != 3 || es[0].ID != InfoNAIRealm || len(es[0].Body) != 3 || es[1].ID != InfoDomainName ||
		len(es[1].Body) != 0 || es[2].ID != InfoVendorSpecific || cap(es[0].Body) != 3 {
		t.Fatalf("%+v %v", es, err)
	}
	if es, err := Elements(nil); es != nil || err != nil {
		t.Errorf("empty: %v %v", es, err)
	}
	for _, tc := range []struct{ hex, want string }{
		{"0701 03", "anqp: element header at offset 0 truncated: 3 of 4 bytes"},
		{"0701 0000 0c01", "anqp: element header at offset 4 truncated: 2 of 4 bytes"},
		{"0701 0400 010203", "anqp: element 263 at offset 0: length 4 exceeds the 3 bytes left"},
	} {
		if _, err := Elements(hx(t, tc.hex)); err == nil || err.Error() != tc.want || !errors.Is(err, ErrMalformed) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

// FuzzHandle feeds a request an Initial Response body and then a Comeback
// Response body (after the category, action and token, which it sets),
// and a raw frame.
func FuzzHandle(f *testing.F) {
	r := NewRequest(ownAddr, apAddr, 9)
	p := hotspot(f)
	f.Add(p.initial(r.Frame())[27:], []byte(nil), []byte(nil))
	p.fragLimit = 40
	r = NewRequest(ownAddr, apAddr, 9)
	_, next, _, _, _ := r.Handle(p.initial(r.Frame()))
	f.Add(hx(f, "0000 0100 6c027f00 0000"), p.comeback(next)[27:], []byte(nil))
	f.Add(hx(f, "0000 0100 6c027f00 0000"), hx(f, "5f00 00 0100 6c027f00 0000"), hx(f, "d000"))
	f.Fuzz(func(t *testing.T, initial, comeback, raw []byte) {
		r := NewRequest(ownAddr, apAddr, 9)
		hdr := (&responder{bssid: apAddr}).header(ownAddr)
		frames := [][]byte{
			append(append(bytes.Clone(hdr), 4, 11, 9), initial...),
			append(append(bytes.Clone(hdr), 4, 13, 9), comeback...),
			append(append(bytes.Clone(hdr), 4, 13, 9), comeback...),
			raw,
		}
		ended := false
		for _, fr := range frames {
			ended = handleChecked(t, r, fr, ended)
		}
	})
}

// handleChecked hands r the frame and checks what Handle promises;
// ended says whether the exchange had ended before, and it returns
// whether it has now.
func handleChecked(t *testing.T, r *Request, frame []byte, ended bool) bool {
	t.Helper()
	ok, next, delay, done, err := r.Handle(frame)
	if ended && ok {
		t.Fatal("a frame taken after the end")
	}
	if !ok && (next != nil || delay != 0 || done || err != nil) {
		t.Fatal("an ignored frame with results")
	}
	if err != nil && (next != nil || done) {
		t.Fatal("an error with a next frame or done")
	}
	if next != nil && (len(next) != 27 || next[25] != 12) {
		t.Fatalf("next % x", next)
	}
	if delay < 0 || delay > 65535*1024*time.Microsecond {
		t.Fatalf("delay %v", delay)
	}
	if done && (r.Result() == nil || len(r.Result()) > MaxResponse) {
		t.Fatalf("result of %d bytes", len(r.Result()))
	}
	if !ended && !done && r.Result() != nil {
		t.Fatal("a result before the end")
	}
	return ended || done || err != nil
}

func FuzzElements(f *testing.F) {
	f.Add(hx(f, "0701 0300 010203 0c01 0000"))
	f.Add(binary.LittleEndian.AppendUint16(hx(f, "0701"), 0xffff))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := Elements(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		n := 0
		for _, e := range es {
			n += 4 + len(e.Body)
		}
		if n != len(b) {
			t.Fatalf("elements cover %d of %d bytes", n, len(b))
		}
	})
}

// FuzzExchange runs whole exchanges against the hostapd-like responder
// with a fuzzed answer, fragment limit, comeback delay and "not ready"
// rounds: the reassembled response must be what the responder sent, or
// the exchange must fail for the one reason it may (more than 128
// fragments).
func FuzzExchange(f *testing.F) {
	f.Add(hx(f, naiRealmHostapd), uint16(0), uint16(0), uint8(0))
	f.Add(hx(f, naiRealmHostapd), uint16(7), uint16(0), uint8(2))
	f.Add([]byte{}, uint16(0), uint16(300), uint8(1))
	f.Add(make([]byte, 600), uint16(3), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, answer []byte, fragLimit, delay uint16, notReady uint8) {
		if len(answer) > 0xffff {
			return
		}
		p := hotspot(t)
		p.elements = map[uint16][]byte{InfoNAIRealm: answer}
		p.fragLimit, p.comebackDelay, p.notReady = int(fragLimit), delay, int(notReady%8)
		want := binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, InfoNAIRealm), uint16(len(answer)))
		want = append(want, answer...)
		limit := p.fragLimit
		if limit == 0 {
			limit = 1400
		}
		comeback := len(want) > limit || delay != 0
		frags := 0
		if comeback {
			p.fragLimit = limit
			frags = max(1, (len(want)+limit-1)/limit)
		}
		r := NewRequest(ownAddr, apAddr, 77)
		delays, err := exchange(t, r, p)
		if frags > 128 {
			if err == nil || err.Error() != "anqp: GAS Comeback Response: fragment ID 0, want 128" {
				t.Fatalf("%d fragments: %v", frags, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%d bytes, limit %d, delay %d, %d not ready: %v", len(want), limit, delay, p.notReady, err)
		}
		if !bytes.Equal(r.Result(), want) {
			t.Fatalf("reassembled %d bytes, sent %d", len(r.Result()), len(want))
		}
		if comeback && len(delays) != frags+int(notReady%8) {
			t.Fatalf("%d comeback requests for %d fragments and %d waits", len(delays), frags, notReady%8)
		}
	})
}

// FuzzHandleSequence feeds a request a sequence of frames cut from one
// input: each a length octet, a kind octet (GAS Initial Response, GAS
// Comeback Response with our token, or a raw frame) and the body.
func FuzzHandleSequence(f *testing.F) {
	f.Add(hx(f, "0b 00 0000 0100 6c027f00 0000  0c 01 0000 80 0000 6c027f00 0100 aa  0c 01 0000 01 0000 6c027f00 0100 bb"))
	f.Add(hx(f, "0b 00 0000 0100 6c027f00 0000  0c 01 5f00 00 0100 6c027f00 0000  0c 01 0000 00 0000 6c027f00 0100 bb"))
	f.Add(hx(f, "0b 00 0000 0100 6c027f00 0000  0c 01 0000 80 0000 6c027f00 0100 aa  0c 01 0000 80 0000 6c027f00 0100 aa"))
	f.Add(hx(f, "0a 00 0000 0000 6c027f00 0000  0a 00 0000 0000 6c027f00 0000"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewRequest(ownAddr, apAddr, 9)
		hdr := (&responder{bssid: apAddr}).header(ownAddr)
		ended := false
		for len(data) >= 2 {
			n, kind := int(data[0]), data[1]
			data = data[2:]
			n = min(n, len(data))
			body := data[:n]
			data = data[n:]
			var fr []byte
			switch kind % 3 {
			case 0:
				fr = append(append(bytes.Clone(hdr), 4, 11, 9), body...)
			case 1:
				fr = append(append(bytes.Clone(hdr), 4, 13, 9), body...)
			default:
				fr = bytes.Clone(body)
			}
			ended = handleChecked(t, r, fr, ended)
		}
	})
}
