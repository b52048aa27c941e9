package hwsim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"time"
)

// A Rule changes what the medium does with the frames it matches: the
// signal the receiver sees, whether the frame (or its ACK) is lost, and how
// late it arrives. Rules are iwd's hwsim rules; every enabled rule that
// matches a frame applies, in order of Priority (lowest first), so a
// higher-priority rule has the last word.
//
// Matching is per delivery: a frame from radio A is judged once for each
// radio B that could receive it, with A as the source and B as the
// destination.
type Rule struct {
	// Source is the transmitting radio (either of its addresses, or an
	// interface address on it); nil matches any radio.
	Source net.HardwareAddr
	// Destination is the receiving radio; nil matches any radio, and the
	// broadcast address matches group-addressed frames (iwd's "multicast").
	Destination net.HardwareAddr
	// Bidirectional makes the rule match the reverse direction too.
	Bidirectional bool
	// Frequency in MHz; 0 matches every channel.
	Frequency uint32
	// Priority orders the rules: a higher one applies later and wins.
	Priority int
	// Signal, in dBm, is what the receiver is told; 0 leaves it.
	Signal int
	// Drop is the probability that a matched frame is lost, 0 to 1.
	Drop float64
	// DropAck also loses the ACK of a matched frame that was delivered,
	// so the sender sees it as not acknowledged.
	DropAck bool
	// Delay holds a matched frame back before delivery.
	Delay time.Duration
	// Prefix must be the frame's first bytes (the 802.11 header on).
	Prefix []byte
	// Match must be found at MatchOffset in the frame.
	Match       []byte
	MatchOffset int
	// MatchTimes is how many frames the rule still applies to; 0 when
	// added means no limit (read back as -1). A rule that has counted
	// down to 0 no longer applies.
	MatchTimes int
	// Disabled rules do nothing. (Rules made over D-Bus start disabled,
	// as iwd's do.)
	Disabled bool
	// Filter, when set, must return true for the frame (Go only: not
	// visible over D-Bus). It runs on the medium's goroutine: keep it quick.
	Filter func(frame []byte) bool
}

// maxMatchLen bounds Prefix and Match, as iwd's tool does.
const maxMatchLen = 128

// RuleID names a rule of a Medium.
type RuleID uint32

// LinkRule is a rule for the link between radios a and b, both ways:
// the signal each hears the other at (dBm, 0 leaves it) and the chance
// that a frame is lost.
func LinkRule(a, b net.HardwareAddr, signal int, loss float64) Rule {
	return Rule{Source: a, Destination: b, Bidirectional: true, Signal: signal, Drop: loss, DropAck: loss > 0}
}

func (r *Rule) validate() error {
	if r.Drop < 0 || r.Drop > 1 || r.Drop != r.Drop {
		return fmt.Errorf("hwsim: rule drop probability %v outside 0..1", r.Drop)
	}
	if r.Signal > 0 || r.Signal < -100 {
		return fmt.Errorf("hwsim: rule signal %d dBm outside -100..0", r.Signal)
	}
	if r.Delay < 0 || r.Delay > time.Hour {
		return fmt.Errorf("hwsim: rule delay %v outside 0..1h", r.Delay)
	}
	if len(r.Prefix) > maxMatchLen {
		return fmt.Errorf("hwsim: rule prefix of %d bytes, at most %d", len(r.Prefix), maxMatchLen)
	}
	if len(r.Match) > maxMatchLen {
		return fmt.Errorf("hwsim: rule match of %d bytes, at most %d", len(r.Match), maxMatchLen)
	}
	if r.MatchOffset < 0 || r.MatchOffset > 0xffff {
		return fmt.Errorf("hwsim: rule match offset %d outside 0..65535", r.MatchOffset)
	}
	if r.Source != nil && len(r.Source) != 6 {
		return fmt.Errorf("hwsim: rule source %v is not a MAC address", r.Source)
	}
	if r.Destination != nil && len(r.Destination) != 6 {
		return fmt.Errorf("hwsim: rule destination %v is not a MAC address", r.Destination)
	}
	return nil
}

// rule is a Rule in the medium's table.
type rule struct {
	id RuleID
	Rule
}

// ruleTable is the medium's rules, sorted by priority then age. It is not
// safe for concurrent use: the Medium guards it.
type ruleTable struct {
	next  RuleID
	rules []*rule
}

func (t *ruleTable) add(r Rule) RuleID {
	if r.MatchTimes == 0 {
		r.MatchTimes = -1
	}
	id := t.next
	t.next++
	t.rules = append(t.rules, &rule{id: id, Rule: r})
	t.sort()
	return id
}

func (t *ruleTable) sort() {
	slices.SortStableFunc(t.rules, func(a, b *rule) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return int(a.id) - int(b.id)
	})
}

func (t *ruleTable) get(id RuleID) *rule {
	for _, r := range t.rules {
		if r.id == id {
			return r
		}
	}
	return nil
}

func (t *ruleTable) remove(id RuleID) bool {
	for i, r := range t.rules {
		if r.id == id {
			t.rules = slices.Delete(t.rules, i, i+1)
			return true
		}
	}
	return false
}

// verdict is what the rules decided for one delivery.
type verdict struct {
	drop   bool
	signal int // dBm
	delay  time.Duration
}

// endpoint is a radio as the rules see it: its addresses.
type endpoint interface {
	hasAddr(a net.HardwareAddr) bool
}

func matchAddr(rule net.HardwareAddr, ep endpoint, frameDst net.HardwareAddr) bool {
	if rule == nil {
		return true
	}
	if isBroadcast(rule) {
		return frameDst != nil && frameDst[0]&1 != 0
	}
	return ep != nil && ep.hasAddr(rule)
}

// matches reports whether r applies to frame going from src to dst.
func (r *rule) matches(src, dst endpoint, f *txFrame) bool {
	if r.Disabled || r.MatchTimes == 0 {
		return false
	}
	dstAddr := f.dst()
	fwd := matchAddr(r.Source, src, nil) && matchAddr(r.Destination, dst, dstAddr)
	if !fwd && r.Bidirectional {
		// The reverse: our source is the frame's receiver.
		fwd = !isBroadcast(r.Source) && !isBroadcast(r.Destination) &&
			matchAddr(r.Source, dst, nil) && matchAddr(r.Destination, src, nil)
	}
	if !fwd {
		return false
	}
	if r.Frequency != 0 && r.Frequency != f.Freq {
		return false
	}
	if len(r.Prefix) > 0 && !bytes.HasPrefix(f.Data, r.Prefix) {
		return false
	}
	if len(r.Match) > 0 {
		end := r.MatchOffset + len(r.Match)
		if end > len(f.Data) || !bytes.Equal(f.Data[r.MatchOffset:end], r.Match) {
			return false
		}
	}
	if r.Filter != nil && !r.Filter(f.Data) {
		return false
	}
	return true
}

// apply runs the rules for one delivery of f from src to dst. For an ACK
// (ack true) only the drop of rules with DropAck counts.
func (t *ruleTable) apply(src, dst endpoint, f *txFrame, ack bool, v *verdict, rnd *rand.Rand) {
	for _, r := range t.rules {
		if !r.matches(src, dst, f) {
			continue
		}
		if !ack && r.Signal != 0 {
			v.signal = r.Signal
		}
		if !ack || r.DropAck {
			v.drop = r.Drop >= 1 || (r.Drop > 0 && rnd.Float64() < r.Drop)
		}
		if !ack {
			v.delay = r.Delay
		}
		if r.MatchTimes > 0 {
			r.MatchTimes--
		}
	}
}

func isBroadcast(a net.HardwareAddr) bool {
	return len(a) == 6 && bytes.Equal(a, broadcast)
}

var broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
