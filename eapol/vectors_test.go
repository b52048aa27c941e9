package eapol

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// record is one blank-line separated block of "name = value" lines of a
// vector file under ../unit/. A value in double quotes is a string, any
// other value hex.
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
	sc.Buffer(make([]byte, 1<<20), 1<<20)
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
		if strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) && len(v) >= 2 {
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

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}
