package unit

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

//go:embed eapol-captures ieee80211-annexj pmkid rfc2433 rfc2759 rfc3079 rfc3394 rfc4493 sae
var files embed.FS

// Record is one record of a vector file: its values by name.
type Record map[string][]byte

// Parse reads the records of a vector file; name is only for the errors.
func Parse(name string, data []byte) ([]Record, error) {
	var out []Record
	cur := Record{}
	sc := bufio.NewScanner(bytes.NewReader(data))
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
				cur = Record{}
			}
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return nil, fmt.Errorf("%s line %d: no '='", name, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, dup := cur[k]; dup {
			return nil, fmt.Errorf("%s line %d: %s given twice in one record", name, line, k)
		}
		if len(v) >= 2 && strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) {
			cur[k] = []byte(v[1 : len(v)-1])
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(v, " ", ""))
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %s: %w", name, line, k, err)
		}
		cur[k] = b
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no records", name)
	}
	return out, nil
}

// Load returns the records of the vector file name (a path under unit/,
// such as "rfc4493/vectors.txt"), failing the test if it cannot.
func Load(t testing.TB, name string) []Record {
	t.Helper()
	data, err := files.ReadFile(name)
	if err != nil {
		t.Fatalf("unit: %v", err)
	}
	recs, err := Parse(name, data)
	if err != nil {
		t.Fatalf("unit: %v", err)
	}
	return recs
}

// fields reads the typed values of one record, failing the test on a
// missing or misshapen one.
type fields struct {
	t    testing.TB
	file string
	i    int
	r    Record
}

// all is fn of the fields of every record of file.
func all[T any](t testing.TB, file string, fn func(f fields) T) []T {
	t.Helper()
	var out []T
	for i, r := range Load(t, file) {
		out = append(out, fn(fields{t: t, file: file, i: i, r: r}))
	}
	return out
}

// only is fn of the fields of the one record of file.
func only[T any](t testing.TB, file string, fn func(f fields) T) T {
	t.Helper()
	recs := all(t, file, fn)
	if len(recs) != 1 {
		t.Fatalf("unit: %s: %d records, want 1", file, len(recs))
	}
	return recs[0]
}

func (f fields) bytes(k string) []byte {
	f.t.Helper()
	v, ok := f.r[k]
	if !ok {
		f.t.Fatalf("unit: %s record %d: no %s", f.file, f.i, k)
	}
	return v
}

// optional is the value of k, nil if the record has none.
func (f fields) optional(k string) []byte { return f.r[k] }

func (f fields) str(k string) string {
	f.t.Helper()
	return string(f.bytes(k))
}

func (f fields) mac(k string) [6]byte {
	f.t.Helper()
	v := f.bytes(k)
	if len(v) != 6 {
		f.t.Fatalf("unit: %s record %d: %s is %d octets, not a MAC address", f.file, f.i, k, len(v))
	}
	return [6]byte(v)
}

func (f fields) octet(k string) byte {
	f.t.Helper()
	v := f.bytes(k)
	if len(v) != 1 {
		f.t.Fatalf("unit: %s record %d: %s is %d octets, want 1", f.file, f.i, k, len(v))
	}
	return v[0]
}
