package sae

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
)

// record is one blank-line separated block of "name = value" lines of a
// vector file under ../../unit/sae/. A value in double quotes is a
// string, any other value hex (spaces ignored).
type record map[string][]byte

func loadVectors(t testing.TB, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []record
	cur := record{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") {
			continue
		}
		if l == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = record{}
			}
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("%s line %d: no '='", path, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) {
			cur[k] = []byte(v[1 : len(v)-1])
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(v, " ", ""))
		if err != nil {
			t.Fatalf("%s line %d: %v", path, line, err)
		}
		cur[k] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return out
}

func mac(b []byte) (m [6]byte) { copy(m[:], b); return m }

// TestHuntingAndPeckingVector plays the local side of Annex J.10: the
// commit from the given rand and mask (which checks PWE too: the element
// is -(mask·PWE)), then the peer's commit gives KCK, PMK and PMKID, and
// the confirms follow.
func TestHuntingAndPeckingVector(t *testing.T) {
	v := loadVectors(t, "../../unit/sae/hunting-and-pecking.txt")[0]
	s, err := New(Config{
		Password: v["password"], Own: mac(v["mac1"]), Peer: mac(v["mac2"]),
		Rand: bytes.NewReader(append(bytes.Clone(v["rand"]), v["mask"]...)),
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if status != 0 || !bytes.Equal(body, v["commit"]) {
		t.Fatalf("commit status %d\n got %x\nwant %x", status, body, v["commit"])
	}
	msg, err := s.Receive(SeqCommit, 0, v["peer_commit"])
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"kck": s.kck, "pmk": s.pmk, "pmkid": s.pmkid} {
		if !bytes.Equal(got, v[name]) {
			t.Errorf("%s\n got %x\nwant %x", name, got, v[name])
		}
	}
	if s.State() != Confirmed || s.PMK() != nil || s.PMKID() != nil {
		t.Errorf("state %v, PMK %x, PMKID %x before the peer's confirm", s.State(), s.PMK(), s.PMKID())
	}
	want := append([]byte{1, 0}, v["confirm"]...)
	if msg.Seq != SeqConfirm || msg.Status != 0 || !bytes.Equal(msg.Body, want) {
		t.Fatalf("confirm %d/%d\n got %x\nwant %x", msg.Seq, msg.Status, msg.Body, want)
	}
	msg, err = s.Receive(SeqConfirm, 0, append([]byte{1, 0}, v["peer_confirm"]...))
	if err != nil || !msg.None() || !s.Done() {
		t.Fatalf("peer confirm: %v, %+v, done %v", err, msg, s.Done())
	}
	if !bytes.Equal(s.PMK(), v["pmk"]) || !bytes.Equal(s.PMKID(), v["pmkid"]) {
		t.Errorf("PMK %x PMKID %x after accept", s.PMK(), s.PMKID())
	}
}

// TestH2EVector checks each step of hash-to-element against Annex J.10.
func TestH2EVector(t *testing.T) {
	v := loadVectors(t, "../../unit/sae/h2e.txt")[0]
	g := groups[19]
	seed := extract(g.hash, v["ssid"], v["password"], v["identifier"])
	if !bytes.Equal(seed, v["pwd_seed"]) {
		t.Errorf("pwd-seed %x", seed)
	}
	for i, label := range []string{"SAE Hash to Element u1 P1", "SAE Hash to Element u2 P2"} {
		n := strconv.Itoa(i + 1)
		value := expand(g.hash, seed, label, 48)
		if !bytes.Equal(value, v["pwd_value"+n]) {
			t.Errorf("pwd-value%s %x", n, value)
		}
		u := new(big.Int).SetBytes(value)
		u.Mod(u, g.p)
		if !bytes.Equal(g.fixed(u), v["u"+n]) {
			t.Errorf("u%s %x", n, g.fixed(u))
		}
		p := sswu(g, u)
		if want := append(append([]byte{4}, v["p"+n+"x"]...), v["p"+n+"y"]...); !bytes.Equal(p, want) {
			t.Errorf("P%s = SSWU(u%s)\n got %x\nwant %x", n, n, p, want)
		}
	}
	pt, err := derivePT(g, v["ssid"], v["password"], v["identifier"])
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{4}, v["ptx"]...), v["pty"]...); !bytes.Equal(pt, want) {
		t.Errorf("PT\n got %x\nwant %x", pt, want)
	}
	val := new(big.Int).SetBytes(extract(g.hash, make([]byte, 32), macKey(mac(v["mac1"]), mac(v["mac2"]))))
	val.Mod(val, new(big.Int).Sub(g.r, big.NewInt(1))).Add(val, big.NewInt(1))
	if !bytes.Equal(g.fixed(val), v["val"]) {
		t.Errorf("val %x", g.fixed(val))
	}
	for _, order := range [][2]string{{"mac1", "mac2"}, {"mac2", "mac1"}} {
		pwe, err := pweFromPT(g, pt, mac(v[order[0]]), mac(v[order[1]]))
		if err != nil {
			t.Fatal(err)
		}
		if want := append(append([]byte{4}, v["pwex"]...), v["pwey"]...); !bytes.Equal(pwe, want) {
			t.Errorf("PWE (%s first)\n got %x\nwant %x", order[0], pwe, want)
		}
	}
}

// TestSSWUVectors checks the map alone against RFC 9380's map_to_curve
// outputs for P-256 and P-384.
func TestSSWUVectors(t *testing.T) {
	for i, v := range loadVectors(t, "../../unit/sae/sswu.txt") {
		id, _ := strconv.Atoi(string(v["group"]))
		g := groups[id]
		got := sswu(g, new(big.Int).SetBytes(v["u"]))
		want := append(append([]byte{4}, v["x"]...), v["y"]...)
		if !bytes.Equal(got, want) {
			t.Errorf("vector %d (group %d)\n got %x\nwant %x", i, id, got, want)
		}
	}
}
