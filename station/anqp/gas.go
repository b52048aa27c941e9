package anqp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"slices"
	"time"

	"wifid/nl80211/ie"
)

// GAS public action frames (IEEE 802.11-2020 9.6.7.12-15).
const (
	categoryPublic      = 4
	actionInitialReq    = 10
	actionInitialResp   = 11
	actionComebackReq   = 12
	actionComebackResp  = 13
	frameControlAction  = 0xd0 // management, subtype action; the flags octet is 0
	headerLen           = 24
	advProtoANQP        = 0 // Advertisement Protocol ID of ANQP
	queryResponseInfo   = 0x7f
	moreFragments       = 0x80
	timeUnit            = 1024 * time.Microsecond
	initialRespFixedLen = 3 + 2 + 2 // token, status, comeback delay
)

// Bounds on what a responder can make us hold or do.
const (
	// MaxResponse is the largest query response reassembled (64 KiB).
	MaxResponse = 64 << 10
	// maxComebacks bounds the comeback responses of one exchange, waits
	// and fragments together (a fragment ID has 7 bits: at most 128
	// fragments).
	maxComebacks = 160
)

// state is where an exchange stands.
type state uint8

const (
	waitInitial  state = iota // the Initial Request is (to be) sent
	waitComeback              // a Comeback Request is (to be) sent
	finished                  // the response is complete
	failed                    // Handle returned an error
)

func (s state) String() string {
	switch s {
	case waitInitial:
		return "initial"
	case waitComeback:
		return "comeback"
	case finished:
		return "finished"
	case failed:
		return "failed"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Request is one GAS/ANQP exchange with one BSS. It is not safe for
// concurrent use; the station's goroutine owns it.
type Request struct {
	own, bssid net.HardwareAddr
	token      uint8
	query      []byte

	state     state
	advProto  []byte // the Initial Response's Advertisement Protocol element
	nextFrag  uint8
	comebacks int
	resp      []byte
}

// NewRequest starts an exchange from own to bssid. The ANQP query asks,
// as iwd's does, in a Query List for infoIDs (the NAI Realm list when
// none are given) and in a Hotspot 2.0 Query List for the OSU Providers
// NAI List. The dialog token is the caller's (the WPA3 specification asks
// for a random one per exchange). infoIDs are a few: the frame must fit
// one management frame (2304 octets), which Frame does not check.
func NewRequest(own, bssid net.HardwareAddr, dialogToken uint8, infoIDs ...uint16) *Request {
	if len(infoIDs) == 0 {
		infoIDs = []uint16{InfoNAIRealm}
	}
	return &Request{
		own:   slices.Clone(own),
		bssid: slices.Clone(bssid),
		token: dialogToken,
		query: buildQuery(infoIDs),
	}
}

// buildQuery encodes the ANQP query: the Query List of infoIDs, then the
// Hotspot 2.0 Query List (vendor specific element, OUI 50-6F-9A type
// 0x11, subtype, reserved octet, subtypes).
func buildQuery(infoIDs []uint16) []byte {
	q := binary.LittleEndian.AppendUint16(nil, InfoQueryList)
	q = binary.LittleEndian.AppendUint16(q, uint16(2*len(infoIDs)))
	for _, id := range infoIDs {
		q = binary.LittleEndian.AppendUint16(q, id)
	}
	q = binary.LittleEndian.AppendUint16(q, InfoVendorSpecific)
	q = binary.LittleEndian.AppendUint16(q, 7)
	q = append(q, ie.OUIWFA[:]...)
	return append(q, ie.VendorTypeHS20ANQP, HS20QueryList, 0, HS20OSUProvidersNAIList)
}

// header is the 802.11 management header of the frames we send: to the
// BSS, from us, BSSID the BSS; duration and sequence left to the kernel.
func (r *Request) header() []byte {
	h := make([]byte, headerLen, headerLen+16+len(r.query))
	h[0] = frameControlAction
	copy(h[4:10], r.bssid)
	copy(h[10:16], r.own)
	copy(h[16:22], r.bssid)
	return h
}

// Frame is the whole GAS Initial Request action frame to send.
func (r *Request) Frame() []byte {
	f := append(r.header(), categoryPublic, actionInitialReq, r.token,
		byte(ie.IDAdvertisementProtocol), 2, queryResponseInfo, advProtoANQP)
	f = binary.LittleEndian.AppendUint16(f, uint16(len(r.query)))
	return append(f, r.query...)
}

// comebackFrame is the whole GAS Comeback Request action frame.
func (r *Request) comebackFrame() []byte {
	return append(r.header(), categoryPublic, actionComebackReq, r.token)
}

// Handle takes a received action frame (the whole frame, header included,
// as the kernel's frame event gives it).
//
// A frame that is not for this request (not a public action GAS response
// from the BSS with our dialog token, an Initial Response while a
// Comeback Response is awaited or the other way round, or anything after
// the exchange ended) is ignored: ok is false and nothing else is set.
// Otherwise ok is true and:
//   - next != nil: send next (a GAS Comeback Request) after delay (the
//     responder's comeback delay; 0 for the next fragment);
//   - done: the response is complete and Result has it;
//   - err != nil: the exchange failed (a status code other than success,
//     an Advertisement Protocol other than ANQP or changed on the way, a
//     malformed frame, a fragment out of order, a response over
//     MaxResponse, too many comebacks); the error names what failed;
//   - none of these: a repeat of the previous fragment, keep waiting.
func (r *Request) Handle(frame []byte) (ok bool, next []byte, delay time.Duration, done bool, err error) {
	if r.state == finished || r.state == failed {
		return false, nil, 0, false, nil
	}
	if len(frame) < headerLen+3 || frame[0] != frameControlAction || !bytes.Equal(frame[10:16], r.bssid) {
		return false, nil, 0, false, nil
	}
	body := frame[headerLen:]
	want := byte(actionInitialResp)
	if r.state == waitComeback {
		want = actionComebackResp
	}
	if body[0] != categoryPublic || body[1] != want || body[2] != r.token {
		return false, nil, 0, false, nil
	}
	if want == actionInitialResp {
		next, delay, done, err = r.initialResponse(body[3:])
	} else {
		next, delay, done, err = r.comebackResponse(body[3:])
	}
	switch {
	case err != nil:
		r.state, r.resp = failed, nil
	case done:
		r.state = finished
	case next != nil:
		r.state = waitComeback
	}
	return true, next, delay, done, err
}

// gasFields are a GAS response's fields after the status (and, in a
// Comeback Response, the fragment ID).
type gasFields struct {
	delay    uint16
	advProto []byte // the whole element
	resp     []byte
}

// parseRest reads comeback delay, Advertisement Protocol element, query
// response length and query response. Octets after the response are
// ignored, as wpa_supplicant does.
func parseRest(what string, b []byte) (gasFields, error) {
	var g gasFields
	if len(b) < 2 {
		return g, malformedf("%s: comeback delay truncated", what)
	}
	g.delay = binary.LittleEndian.Uint16(b)
	b = b[2:]
	if len(b) < 2 || int(b[1]) > len(b)-2 {
		return g, malformedf("%s: Advertisement Protocol element truncated", what)
	}
	if b[0] != byte(ie.IDAdvertisementProtocol) {
		return g, malformedf("%s: element %d where the Advertisement Protocol element belongs", what, b[0])
	}
	g.advProto = b[:2+int(b[1])]
	// one tuple: Query Response Info, Advertisement Protocol ID
	if len(g.advProto) < 4 || g.advProto[3] != advProtoANQP {
		return g, fmt.Errorf("anqp: %s: advertisement protocol % x is not ANQP", what, g.advProto[2:])
	}
	b = b[len(g.advProto):]
	if len(b) < 2 {
		return g, malformedf("%s: query response length truncated", what)
	}
	n := int(binary.LittleEndian.Uint16(b))
	if n > len(b)-2 {
		return g, malformedf("%s: query response length %d exceeds the %d bytes left", what, n, len(b)-2)
	}
	g.resp = b[2 : 2+n]
	return g, nil
}

func statusOf(what string, b []byte) (ie.StatusCode, error) {
	if len(b) < 2 {
		return 0, malformedf("%s: status code truncated", what)
	}
	return ie.StatusCode(binary.LittleEndian.Uint16(b)), nil
}

// initialResponse handles a GAS Initial Response after the dialog token.
func (r *Request) initialResponse(b []byte) ([]byte, time.Duration, bool, error) {
	const what = "GAS Initial Response"
	status, err := statusOf(what, b)
	if err != nil {
		return nil, 0, false, err
	}
	if status != ie.StatusSuccess {
		return nil, 0, false, fmt.Errorf("anqp: %s from %s: status %d (%v)", what, r.bssid, uint16(status), status)
	}
	g, err := parseRest(what, b[2:])
	if err != nil {
		return nil, 0, false, err
	}
	if g.delay == 0 {
		return nil, 0, true, r.appendResp(g.resp)
	}
	// The response comes later (and a response here is ignored: the
	// standard puts none with a comeback delay).
	r.advProto = bytes.Clone(g.advProto)
	return r.comebackFrame(), time.Duration(g.delay) * timeUnit, false, nil
}

// comebackResponse handles a GAS Comeback Response after the dialog
// token.
func (r *Request) comebackResponse(b []byte) ([]byte, time.Duration, bool, error) {
	const what = "GAS Comeback Response"
	status, err := statusOf(what, b)
	if err != nil {
		return nil, 0, false, err
	}
	if status != ie.StatusSuccess && status != ie.StatusQueryResponseOutstanding {
		return nil, 0, false, fmt.Errorf("anqp: %s from %s: status %d (%v)", what, r.bssid, uint16(status), status)
	}
	b = b[2:]
	if len(b) < 1 {
		return nil, 0, false, malformedf("%s: fragment ID truncated", what)
	}
	fragID, more := b[0]&^moreFragments, b[0]&moreFragments != 0
	g, err := parseRest(what, b[1:])
	if err != nil {
		return nil, 0, false, err
	}
	if !bytes.Equal(g.advProto, r.advProto) {
		return nil, 0, false, malformedf("%s: Advertisement Protocol element % x, the Initial Response's was % x", what, g.advProto, r.advProto)
	}
	if r.comebacks++; r.comebacks > maxComebacks {
		return nil, 0, false, malformedf("%s: more than %d comeback responses", what, maxComebacks)
	}
	if g.delay != 0 {
		// not ready yet: come back later
		if fragID != 0 {
			return nil, 0, false, malformedf("%s: comeback delay %d with fragment ID %d", what, g.delay, fragID)
		}
		return r.comebackFrame(), time.Duration(g.delay) * timeUnit, false, nil
	}
	if status != ie.StatusSuccess {
		return nil, 0, false, fmt.Errorf("anqp: %s from %s: status %d (%v) without a comeback delay", what, r.bssid, uint16(status), status)
	}
	if fragID != r.nextFrag {
		if fragID+1 == r.nextFrag {
			return nil, 0, false, nil // a repeat of the previous fragment
		}
		return nil, 0, false, malformedf("%s: fragment ID %d, want %d", what, fragID, r.nextFrag)
	}
	r.nextFrag++
	if err := r.appendResp(g.resp); err != nil {
		return nil, 0, false, err
	}
	if more {
		return r.comebackFrame(), 0, false, nil
	}
	return nil, 0, true, nil
}

func (r *Request) appendResp(b []byte) error {
	if len(r.resp)+len(b) > MaxResponse {
		return malformedf("query response over %d bytes", MaxResponse)
	}
	r.resp = append(r.resp, b...)
	return nil
}

// Result is the reassembled ANQP query response once Handle returned
// done (nil before; empty when the BSS answered nothing).
func (r *Request) Result() []byte {
	if r.state != finished {
		return nil
	}
	if r.resp == nil {
		return []byte{}
	}
	return r.resp
}

// State names where the exchange stands, for logs: initial, comeback,
// finished or failed.
func (r *Request) State() string { return r.state.String() }
