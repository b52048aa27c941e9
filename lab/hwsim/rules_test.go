package hwsim

import (
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

func testRadio(id int) *radio {
	return &radio{Radio: Radio{ID: id, Addresses: defaultAddresses(id, nil), Wiphy: -1, CustomReg: -1}, vifs: map[string]bool{}}
}

func frameTo(dst net.HardwareAddr, body ...byte) *txFrame {
	d := append([]byte{0x08, 0, 0, 0}, dst...)
	d = append(d, make([]byte, 14)...)
	d = append(d, 0, 0)
	d = append(d, body...)
	return &txFrame{Data: d, Freq: 2412}
}

func TestRuleMatching(t *testing.T) {
	a, b, c := testRadio(0), testRadio(1), testRadio(2)
	uni := frameTo(b.Addresses[0], 0xaa, 0xbb, 0xcc)
	bcast := frameTo(broadcast, 0xaa)
	for _, tc := range []struct {
		name     string
		r        Rule
		src, dst *radio
		f        *txFrame
		want     bool
	}{
		{"any", Rule{}, a, b, uni, true},
		{"disabled", Rule{Disabled: true}, a, b, uni, false},
		{"source", Rule{Source: a.Addresses[0]}, a, b, uni, true},
		{"source by second address", Rule{Source: a.Addresses[1]}, a, b, uni, true},
		{"other source", Rule{Source: c.Addresses[0]}, a, b, uni, false},
		{"destination", Rule{Destination: b.Addresses[0]}, a, b, uni, true},
		{"other destination", Rule{Destination: c.Addresses[0]}, a, b, uni, false},
		{"reverse, one way", Rule{Source: b.Addresses[0], Destination: a.Addresses[0]}, a, b, uni, false},
		{"reverse, bidirectional", Rule{Source: b.Addresses[0], Destination: a.Addresses[0], Bidirectional: true}, a, b, uni, true},
		{"bidirectional source only", Rule{Source: b.Addresses[0], Bidirectional: true}, a, b, uni, true},
		{"bidirectional source only, third radio", Rule{Source: b.Addresses[0], Bidirectional: true}, a, c, uni, false},
		{"multicast on broadcast", Rule{Destination: broadcast}, a, c, bcast, true},
		{"multicast on unicast", Rule{Destination: broadcast}, a, b, uni, false},
		{"frequency", Rule{Frequency: 2412}, a, b, uni, true},
		{"other frequency", Rule{Frequency: 5180}, a, b, uni, false},
		{"prefix", Rule{Prefix: []byte{0x08, 0}}, a, b, uni, true},
		{"other prefix", Rule{Prefix: []byte{0xc0}}, a, b, uni, false},
		{"prefix longer than frame", Rule{Prefix: make([]byte, 100)}, a, b, uni, false},
		{"match at offset", Rule{Match: []byte{0xbb, 0xcc}, MatchOffset: 27}, a, b, uni, true},
		{"match elsewhere", Rule{Match: []byte{0xbb, 0xcc}, MatchOffset: 26}, a, b, uni, false},
		{"match past the end", Rule{Match: []byte{0xcc, 0}, MatchOffset: 28}, a, b, uni, false},
		{"filter", Rule{Filter: func(f []byte) bool { return f[26] == 0xaa }}, a, b, uni, true},
		{"filter says no", Rule{Filter: func(f []byte) bool { return false }}, a, b, uni, false},
		{"vif address", Rule{Destination: net.HardwareAddr{2, 9, 9, 9, 9, 9}}, a, c, uni, true},
	} {
		c.vifs[string(net.HardwareAddr{2, 9, 9, 9, 9, 9})] = true
		var tb ruleTable
		tb.add(tc.r)
		if got := tb.rules[0].matches(tc.src, tc.dst, tc.f); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRuleApply(t *testing.T) {
	a, b := testRadio(0), testRadio(1)
	f := frameTo(b.Addresses[0])
	rnd := rand.New(rand.NewPCG(1, 2))
	var tb ruleTable
	tb.add(Rule{Priority: 5, Signal: -50})
	tb.add(Rule{Priority: 1, Signal: -85, Delay: 30 * time.Millisecond, MatchTimes: 2})
	v := verdict{signal: -30}
	tb.apply(a, b, f, false, &v, rnd)
	if v.signal != -50 || v.delay != 0 || v.drop {
		t.Errorf("higher priority should win: %+v", v)
	}
	if tb.rules[0].MatchTimes != 1 || tb.rules[1].MatchTimes != -1 {
		t.Errorf("match times %d %d", tb.rules[0].MatchTimes, tb.rules[1].MatchTimes)
	}
	tb.apply(a, b, f, false, &verdict{}, rnd)
	v = verdict{signal: -30}
	tb.apply(a, b, f, false, &v, rnd)
	if tb.rules[0].MatchTimes != 0 || v.signal != -50 {
		t.Errorf("spent rule still applies: %d %+v", tb.rules[0].MatchTimes, v)
	}

	var drop ruleTable
	drop.add(Rule{Drop: 1})
	v = verdict{}
	drop.apply(a, b, f, false, &v, rnd)
	if !v.drop {
		t.Error("drop 1 did not drop")
	}
	v = verdict{}
	drop.apply(b, a, f, true, &v, rnd)
	if v.drop {
		t.Error("ACK dropped without DropAck")
	}
	drop.rules[0].DropAck = true
	drop.apply(b, a, f, true, &v, rnd)
	if !v.drop {
		t.Error("ACK kept with DropAck")
	}

	var half ruleTable
	half.add(Rule{Drop: 0.5})
	n := 0
	for range 1000 {
		v := verdict{}
		half.apply(a, b, f, false, &v, rnd)
		if v.drop {
			n++
		}
	}
	if n < 400 || n > 600 {
		t.Errorf("drop 0.5 dropped %d of 1000", n)
	}
}

func TestRuleValidate(t *testing.T) {
	for _, r := range []Rule{
		{Drop: 1.5}, {Drop: -0.1}, {Signal: 10}, {Signal: -200}, {Delay: -time.Second},
		{Prefix: make([]byte, 129)}, {Match: make([]byte, 129)}, {MatchOffset: -1},
		{Source: net.HardwareAddr{1, 2}},
	} {
		if err := r.validate(); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	lr := LinkRule(testRadio(0).Addresses[0], testRadio(1).Addresses[0], -60, 0.1)
	if err := lr.validate(); err != nil {
		t.Error(err)
	}
}
