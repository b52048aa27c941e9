package sae

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/big"
	"strings"
	"testing"

	"wifid/eapol/internal/ecgroup"
)

var (
	staMAC = [6]byte{0x02, 0x00, 0x00, 0x00, 0x01, 0x00}
	apMAC  = [6]byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x00}
)

// exchange describes an in-memory run: the STA's and the AP's configs
// (the AP is an SAE with the roles swapped), an anti-clogging round and
// the groups the AP accepts.
type exchange struct {
	sta, ap  Config
	token    []byte // if set, the AP asks for this token once
	apGroups []int  // groups the AP accepts; nil: any
}

// run plays the exchange and returns both sides after the STA's first
// failure (err) or both confirms.
func (x exchange) run(t *testing.T) (sta, ap *SAE, err error) {
	t.Helper()
	if sta, err = New(x.sta); err != nil {
		t.Fatal(err)
	}
	status, body, err := sta.Commit()
	if err != nil {
		t.Fatal(err)
	}
	// Group rejection, as the AP would: status 77 echoing the group.
	for x.apGroups != nil && !contains(x.apGroups, groupOf(body)) {
		msg, err := sta.Receive(SeqCommit, StatusGroupNotSupported, body[:2])
		if err != nil {
			return sta, nil, err
		}
		status, body = msg.Status, msg.Body
	}
	if x.token != nil {
		req := binary.LittleEndian.AppendUint16(nil, uint16(groupOf(body)))
		if x.sta.H2E {
			req = appendExt(req, extAntiCloggingContainer, x.token)
		} else {
			req = append(req, x.token...)
		}
		msg, err := sta.Receive(SeqCommit, StatusAntiCloggingTokenRequired, req)
		if err != nil {
			return sta, nil, err
		}
		if msg.Seq != SeqCommit || msg.Status != status {
			t.Fatalf("after the token request: %d/%d", msg.Seq, msg.Status)
		}
		if x.sta.H2E {
			want := appendExt(nil, extAntiCloggingContainer, x.token)
			if !bytes.HasSuffix(msg.Body, want) {
				t.Fatalf("H2E commit without the token container at its end: %x", msg.Body)
			}
			body = msg.Body // the AP's parser skips the container
		} else {
			if !bytes.Equal(msg.Body[2:2+len(x.token)], x.token) {
				t.Fatalf("commit without the token after the group: %x", msg.Body)
			}
			body = append(bytes.Clone(msg.Body[:2]), msg.Body[2+len(x.token):]...)
		}
	}

	apCfg := x.ap
	apCfg.Groups = []int{groupOf(body)}
	if ap, err = New(apCfg); err != nil {
		t.Fatal(err)
	}
	apStatus, apBody, err := ap.Commit()
	if err != nil {
		t.Fatal(err)
	}
	apConfirm, err := ap.Receive(SeqCommit, status, body)
	if err != nil {
		t.Fatalf("AP: %v", err)
	}
	staConfirm, err := sta.Receive(SeqCommit, apStatus, apBody)
	if err != nil {
		return sta, ap, err
	}
	if staConfirm.Seq != SeqConfirm || staConfirm.Status != 0 || sta.State() != Confirmed {
		t.Fatalf("STA answered the commit with %d/%d in state %v", staConfirm.Seq, staConfirm.Status, sta.State())
	}
	if msg, err := sta.Receive(apConfirm.Seq, apConfirm.Status, apConfirm.Body); err != nil || !msg.None() {
		return sta, ap, err
	}
	if msg, err := ap.Receive(staConfirm.Seq, staConfirm.Status, staConfirm.Body); err != nil || !msg.None() {
		t.Fatalf("AP on the STA's confirm: %v %+v", err, msg)
	}
	return sta, ap, nil
}

func groupOf(body []byte) int { return int(binary.LittleEndian.Uint16(body)) }

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func pair(h2e bool, pw string) exchange {
	sta := Config{Password: []byte(pw), SSID: []byte("wifid-sae"), Own: staMAC, Peer: apMAC, H2E: h2e}
	ap := Config{Password: []byte(pw), SSID: []byte("wifid-sae"), Own: apMAC, Peer: staMAC, H2E: h2e}
	return exchange{sta: sta, ap: ap}
}

func TestExchange(t *testing.T) {
	for _, tc := range []struct {
		name     string
		h2e      bool
		groups   []int
		apGroups []int
		token    bool
		ident    string
		want     int // group the exchange ends in
	}{
		{name: "hunting-and-pecking", want: 19},
		{name: "H2E", h2e: true, want: 19},
		{name: "hunting-and-pecking/P-384", groups: []int{20}, want: 20},
		{name: "H2E/P-384", h2e: true, groups: []int{20}, want: 20},
		{name: "hunting-and-pecking/P-521", groups: []int{21}, want: 21},
		{name: "H2E/P-521", h2e: true, groups: []int{21}, want: 21},
		{name: "hunting-and-pecking/anti-clogging", token: true, want: 19},
		{name: "H2E/anti-clogging", h2e: true, token: true, want: 19},
		{name: "hunting-and-pecking/group-rejected", groups: []int{21, 20, 19}, apGroups: []int{19}, want: 19},
		{name: "H2E/group-rejected", h2e: true, groups: []int{20, 19}, apGroups: []int{19}, want: 19},
		{name: "H2E/group-rejected/anti-clogging", h2e: true, groups: []int{21, 19}, apGroups: []int{19}, token: true, want: 19},
		{name: "H2E/identifier", h2e: true, ident: "psk4internet", want: 19},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := pair(tc.h2e, "correct horse battery staple")
			x.sta.Groups, x.apGroups = tc.groups, tc.apGroups
			if tc.token {
				x.token = []byte("anti-clogging token from the AP")
			}
			if tc.ident != "" {
				x.sta.Identifier, x.ap.Identifier = []byte(tc.ident), []byte(tc.ident)
			}
			sta, ap, err := x.run(t)
			if err != nil {
				t.Fatal(err)
			}
			if !sta.Done() || !ap.Done() {
				t.Fatalf("done: STA %v AP %v", sta.Done(), ap.Done())
			}
			if sta.Group() != tc.want {
				t.Errorf("group %d, want %d", sta.Group(), tc.want)
			}
			if len(sta.PMK()) != 32 || !bytes.Equal(sta.PMK(), ap.PMK()) {
				t.Errorf("PMK STA %x AP %x", sta.PMK(), ap.PMK())
			}
			if len(sta.PMKID()) != 16 || !bytes.Equal(sta.PMKID(), ap.PMKID()) {
				t.Errorf("PMKID STA %x AP %x", sta.PMKID(), ap.PMKID())
			}
		})
	}
}

// TestRejectedGroupsSalt: with H2E the rejected groups salt the keyseed,
// so when the STA's Rejected Groups element is stripped on the way (a
// downgrade in the middle) the two sides end with different keys.
func TestRejectedGroupsSalt(t *testing.T) {
	x := pair(true, "password")
	x.sta.Groups = []int{20, 19}
	sta, _ := New(x.sta)
	sta.Commit()
	msg, err := sta.Receive(SeqCommit, StatusGroupNotSupported, []byte{20, 0})
	if err != nil {
		t.Fatal(err)
	}
	elem := appendExt(nil, extRejectedGroups, []byte{20, 0})
	if !bytes.HasSuffix(msg.Body, elem) || groupOf(msg.Body) != 19 {
		t.Fatalf("commit after rejection: %x", msg.Body)
	}
	for _, strip := range []bool{false, true} {
		s := *sta
		own := *sta.own
		s.own = &own
		// Each run wipes its secrets when it ends: a copy of its own.
		s.pwe, s.rand = bytes.Clone(sta.pwe), new(big.Int).Set(sta.rand)
		s.cfg.Password = bytes.Clone(sta.cfg.Password)
		body := msg.Body
		if strip {
			body = body[:len(body)-len(elem)]
		}
		x.ap.Groups = []int{19}
		ap, _ := New(x.ap)
		st, b, _ := ap.Commit()
		apConfirm, err := ap.Receive(SeqCommit, StatusHashToElement, body)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Receive(SeqCommit, st, b); err != nil {
			t.Fatal(err)
		}
		_, err = s.Receive(SeqConfirm, 0, apConfirm.Body)
		if strip != (err != nil) {
			t.Errorf("element stripped %v: %v", strip, err)
		}
	}
}

func TestWrongPassword(t *testing.T) {
	for _, h2e := range []bool{false, true} {
		x := pair(h2e, "password one")
		x.ap.Password = []byte("password two")
		sta, _, err := x.run(t)
		if err == nil || !strings.Contains(err.Error(), "wrong confirm value") {
			t.Fatalf("H2E %v: %v", h2e, err)
		}
		if sta.Done() || sta.PMK() != nil || sta.PMKID() != nil {
			t.Errorf("H2E %v: done %v PMK %x", h2e, sta.Done(), sta.PMK())
		}
		if _, err2 := sta.Receive(SeqConfirm, 0, nil); err2 != err {
			t.Errorf("after failure: %v", err2)
		}
	}
}

func committed(t *testing.T, h2e bool) (*SAE, []byte) {
	t.Helper()
	x := pair(h2e, "password")
	s, err := New(x.sta)
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return s, body
}

func TestReflectedCommit(t *testing.T) {
	s, body := committed(t, false)
	_, err := s.Receive(SeqCommit, 0, body)
	if err == nil || !strings.Contains(err.Error(), "reflection") {
		t.Fatal(err)
	}
}

func TestBadCommits(t *testing.T) {
	_, good := committed(t, false)
	g := ecgroup.ByID(19)
	set := func(f func(b []byte)) []byte { b := bytes.Clone(good); f(b); return b }
	scalar := func(v []byte) []byte {
		return set(func(b []byte) { copy(b[2:34], make([]byte, 32)); copy(b[34-len(v):34], v) })
	}
	for _, tc := range []struct {
		name   string
		status uint16
		body   []byte
		want   string
	}{
		{"scalar 0", 0, scalar(nil), "scalar out of range"},
		{"scalar 1", 0, scalar([]byte{1}), "scalar out of range"},
		{"scalar r", 0, scalar(g.Fixed(g.R)), "scalar out of range"},
		{"scalar 2^256-1", 0, scalar(bytes.Repeat([]byte{0xff}, 32)), "scalar out of range"},
		{"element off the curve", 0, set(func(b []byte) { b[len(b)-1] ^= 1 }), "element not a point on the curve"},
		{"element zero", 0, set(func(b []byte) { copy(b[34:], make([]byte, 64)) }), "element not a point on the curve"},
		{"element x = p", 0, set(func(b []byte) { copy(b[34:66], g.Fixed(g.P)) }), "element not a point on the curve"},
		{"short", 0, good[:97], "97 octets"},
		{"no group", 0, good[:1], "no group"},
		{"other group", 0, set(func(b []byte) { b[0] = 20 }), "group 20, we committed 19"},
		{"H2E status", StatusHashToElement, good, "status 126"},
		{"refused", 1, nil, "status 1"},
		{"truncated element after", 0, append(bytes.Clone(good), 255, 9, 33), "truncated element"},
		{"unknown identifier", StatusUnknownPasswordIdentifier, nil, "password identifier"},
	} {
		s, _ := committed(t, false)
		_, err := s.Receive(SeqCommit, tc.status, tc.body)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrDiscarded) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if s.State() != Committed {
			t.Errorf("%s: state %v", tc.name, s.State())
		}
	}
}

// TestConfirmBeforeCommit: a confirm while we wait for the AP's commit is
// dropped, and the exchange completes afterwards.
func TestConfirmBeforeCommit(t *testing.T) {
	x := pair(false, "password")
	sta, err := New(x.sta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sta.Receive(SeqConfirm, 0, make([]byte, 34)); !errors.Is(err, ErrDiscarded) {
		t.Fatalf("confirm in state nothing: %v", err)
	}
	_, body, _ := sta.Commit()
	if _, err := sta.Receive(SeqConfirm, 0, make([]byte, 34)); !errors.Is(err, ErrDiscarded) {
		t.Fatalf("confirm in state committed: %v", err)
	}
	if sta.State() != Committed {
		t.Fatalf("state %v", sta.State())
	}
	ap, _ := New(x.ap)
	apStatus, apBody, _ := ap.Commit()
	apConfirm, err := ap.Receive(SeqCommit, 0, body)
	if err != nil {
		t.Fatal(err)
	}
	staConfirm, err := sta.Receive(SeqCommit, apStatus, apBody)
	if err != nil {
		t.Fatal(err)
	}
	// The AP did not hear our confirm and sends its commit again: the
	// same confirm comes back with the next send-confirm.
	again, err := sta.Receive(SeqCommit, apStatus, apBody)
	if err != nil || again.Seq != SeqConfirm || binary.LittleEndian.Uint16(again.Body) != 2 {
		t.Fatalf("retransmitted commit: %v %+v", err, again)
	}
	if _, err := sta.Receive(SeqConfirm, 0, apConfirm.Body); err != nil || !sta.Done() {
		t.Fatalf("AP confirm: %v", err)
	}
	if _, err := ap.Receive(SeqConfirm, 0, again.Body); err != nil || !ap.Done() {
		t.Fatalf("AP on the second confirm: %v", err)
	}
	pmk := sta.PMK()
	// Replays after Accepted change nothing.
	for _, f := range []struct {
		seq  uint16
		body []byte
	}{{SeqConfirm, apConfirm.Body}, {SeqConfirm, staConfirm.Body}, {SeqCommit, apBody}} {
		msg, err := sta.Receive(f.seq, 0, f.body)
		if err != nil || !msg.None() || !sta.Done() || !bytes.Equal(sta.PMK(), pmk) {
			t.Fatalf("replay of %d: %v %+v", f.seq, err, msg)
		}
	}
	if !bytes.Equal(pmk, ap.PMK()) {
		t.Fatal("PMKs differ")
	}
}

func TestAllGroupsRejected(t *testing.T) {
	x := pair(false, "password")
	x.sta.Groups, x.apGroups = []int{20, 21}, []int{19}
	_, _, err := x.run(t)
	if err == nil || !strings.Contains(err.Error(), "rejected every group") {
		t.Fatal(err)
	}
}

func TestTooManyTokenRequests(t *testing.T) {
	s, _ := committed(t, false)
	var err error
	for i := 0; i <= maxTokenRequests && err == nil; i++ {
		_, err = s.Receive(SeqCommit, StatusAntiCloggingTokenRequired, []byte{19, 0, 1, 2, 3})
	}
	if err == nil || !strings.Contains(err.Error(), "anti-clogging") {
		t.Fatal(err)
	}
}

func TestConfigErrors(t *testing.T) {
	base := pair(false, "password").sta
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"no password", func(c *Config) { c.Password = nil }, "empty password"},
		{"FFC group", func(c *Config) { c.Groups = []int{15} }, "group 15 not supported"},
		{"identifier without H2E", func(c *Config) { c.Identifier = []byte("x") }, "needs hash-to-element"},
		{"H2E without SSID", func(c *Config) { c.H2E, c.SSID = true, nil }, "needs the SSID"},
		{"same addresses", func(c *Config) { c.Peer = c.Own }, "same"},
	} {
		c := base
		tc.edit(&c)
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
