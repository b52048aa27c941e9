package sae

import (
	"bytes"
	"encoding/binary"
	"testing"

	"wifid/eapol/internal/ecgroup"
)

// fuzzBase is one STA per mode, committed once (deriving PWE per input
// would make the fuzzer crawl); each input runs on a copy.
func fuzzBase(f *testing.F, h2e bool) (*SAE, Message, Message) {
	x := pair(h2e, "fuzz password")
	sta, err := New(x.sta)
	if err != nil {
		f.Fatal(err)
	}
	_, body, err := sta.Commit()
	if err != nil {
		f.Fatal(err)
	}
	ap, _ := New(x.ap)
	st, apBody, _ := ap.Commit()
	apConfirm, err := ap.Receive(SeqCommit, sta.commitStatus(), body)
	if err != nil {
		f.Fatal(err)
	}
	return sta, Message{Seq: SeqCommit, Status: st, Body: apBody}, apConfirm
}

func clone(s *SAE) *SAE {
	c := *s
	own := *s.own
	c.own = &own
	return &c
}

// FuzzReceive feeds a committed STA an arbitrary frame, then, if it
// answered, the AP's real confirm: nothing may panic.
func FuzzReceive(f *testing.F) {
	var bases [2]*SAE
	var confirms [2]Message
	for i, h2e := range []bool{false, true} {
		sta, commit, confirm := fuzzBase(f, h2e)
		bases[i], confirms[i] = sta, confirm
		f.Add(h2e, commit.Seq, commit.Status, commit.Body)
		f.Add(h2e, confirm.Seq, confirm.Status, confirm.Body)
		f.Add(h2e, SeqCommit, StatusAntiCloggingTokenRequired, []byte{19, 0, 0xaa, 0xbb})
		f.Add(h2e, SeqCommit, StatusAntiCloggingTokenRequired, appendExt([]byte{19, 0}, extAntiCloggingContainer, []byte{1, 2, 3}))
		f.Add(h2e, SeqCommit, StatusGroupNotSupported, []byte{19, 0})
		f.Add(h2e, SeqCommit, commit.Status, appendExt(bytes.Clone(commit.Body), extRejectedGroups, []byte{20, 0, 21}))
	}
	f.Fuzz(func(t *testing.T, h2e bool, seq, status uint16, body []byte) {
		i := 0
		if h2e {
			i = 1
		}
		s := clone(bases[i])
		msg, err := s.Receive(seq, status, body)
		if err != nil || msg.None() {
			return
		}
		if msg.Seq == SeqConfirm && len(msg.Body) != 2+len(s.kck) {
			t.Fatalf("confirm of %d octets", len(msg.Body))
		}
		s.Receive(confirms[i].Seq, confirms[i].Status, confirms[i].Body)
		if s.Done() && (len(s.PMK()) != 32 || len(s.PMKID()) != 16) {
			t.Fatalf("done with PMK %x PMKID %x", s.PMK(), s.PMKID())
		}
	})
}

// FuzzParseCommit runs the commit parser alone over every group.
func FuzzParseCommit(f *testing.F) {
	for _, id := range []int{19, 20, 21} {
		x := pair(true, "fuzz")
		x.sta.Groups = []int{id}
		s, _ := New(x.sta)
		_, body, _ := s.Commit()
		f.Add(body)
		f.Add(appendExt(bytes.Clone(body), extPasswordIdentifier, []byte("id")))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) < 2 {
			return
		}
		g := ecgroup.ByID(int(binary.LittleEndian.Uint16(body)))
		ok := g != nil
		if !ok {
			return
		}
		if c, err := parseCommit(g, body); err == nil {
			if g.Check(c.element) != nil || c.scalar.Cmp(g.R) >= 0 {
				t.Fatal("accepted a bad commit")
			}
		}
	})
}
