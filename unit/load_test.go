package unit

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	recs, err := Parse("x", []byte("# Source: here\n\na = 01 02\nb = \"text\"\nc =\n\n\nd = ff\n"))
	if err != nil || len(recs) != 2 {
		t.Fatalf("Parse: %v %v", recs, err)
	}
	if string(recs[0]["a"]) != "\x01\x02" || string(recs[0]["b"]) != "text" || recs[0]["c"] == nil || len(recs[0]["c"]) != 0 || recs[1]["d"][0] != 0xff {
		t.Errorf("records %q", recs)
	}
	for _, bad := range []string{"", "# only a comment\n", "a 01\n", "a = 0g\n", "a = 01\na = 02\n"} {
		if _, err := Parse("bad", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "bad") {
			t.Errorf("Parse(%q) = %v, want an error naming the file", bad, err)
		}
	}
}

// Every file cites its source and loads; the typed loaders find every
// field they need.
func TestEveryFile(t *testing.T) {
	var captures []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := files.ReadFile(p)
		if !strings.HasPrefix(string(data), "# Source: ") {
			t.Errorf("%s does not begin with \"# Source: \"", p)
		}
		Load(t, p)
		if path.Dir(p) == "eapol-captures" {
			captures = append(captures, strings.TrimSuffix(path.Base(p), ".txt"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(captures)
	if want := slices.Sorted(slices.Values(Captures)); !slices.Equal(captures, want) {
		t.Errorf("capture files %v, Captures lists %v", captures, want)
	}
	for _, c := range Captures {
		if h := Handshake(t, c); (h.APRSNE == nil) == (h.APWPAIE == nil) {
			t.Errorf("%s: want one of ap_rsne and ap_wpa_ie", c)
		}
	}
	if len(PSKVectors(t)) != 3 || len(PRFVectors(t)) == 0 || len(KDFSHA256Vectors(t)) == 0 || len(PTKVectors(t)) == 0 ||
		len(CMACVectors(t)) != 4 || len(KeyWrapVectors(t)) != 6 || len(SSWUVectors(t)) == 0 {
		t.Error("a vector file lost records")
	}
	SAEHuntingAndPeckingVector(t)
	MSCHAPv2Vector(t)
	MPPEKeysVector(t)
	MSCHAPVector(t)
	if h := SAEH2EVector(t); len(h.PWE.Uncompressed()) != 65 {
		t.Errorf("PWE %x", h.PWE.Uncompressed())
	}
}
